import type { RefundPolicy } from '../policies/schema.js';
import type { TicketClassification, TicketEvent } from '../workflows/model.js';
import { defineTool, type ToolKit } from './kit/tool.js';
import type { LlmPort } from './ports.js';

/**
 * Step 1. The model classifies; the result carries the refund policy in force right now, so the
 * workflow decides by that snapshot (from its history) for the rest of the run, however long.
 */
export function classifyActivities(kit: ToolKit, llm: LlmPort, currentPolicy: () => RefundPolicy) {
  return {
    classifyTicket: defineTool(kit, {
      tool: 'llm.classify_ticket',
      keyTarget: (args: { ticket: TicketEvent }) => args.ticket.ticketId,
      run: async (args): Promise<{ classification: TicketClassification; policy: RefundPolicy }> => ({
        classification: await llm.classifyTicket(args.ticket),
        policy: currentPolicy(),
      }),
      receipt: ({ classification, policy }) => ({
        event: 'ticket_classified',
        reason: classification.intent,
        details: {
          intent: classification.intent,
          confidence: classification.confidence,
          identifiers: classification.identifiers,
          classifier: classification.classifier,
          model: classification.model,
          promptHash: classification.promptHash,
          policyVersion: policy.version,
        },
      }),
    }),
  };
}
