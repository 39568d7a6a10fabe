import type { ReplyRequest } from '../workflows/model.js';
import { defineTool, type ToolKit } from './kit/tool.js';
import type { CrmPort, LlmPort, TicketStatus } from './ports.js';

/**
 * Helpdesk side effects: internal notes, the customer reply, the ticket's status. Notes and
 * replies are exactly once per idempotency key (the CRM adapter looks for the key before writing).
 */
export function helpdeskActivities(kit: ToolKit, crm: CrmPort, llm: LlmPort) {
  return {
    addTicketNote: defineTool(kit, {
      tool: 'hubspot.notes.create',
      keyTarget: (args: { ticketId: string; body: string }) => `note:${args.ticketId}`,
      run: (args, call) => crm.addTicketNote(args.ticketId, args.body, call.idempotencyKey),
      receipt: (note, args) => ({ event: 'ticket_note_added', externalReference: note.id, details: { ticketId: args.ticketId, body: args.body } }),
    }),

    /** The recipient is always the ticket's sender; there is no argument to send it elsewhere. */
    sendCustomerReply: defineTool(kit, {
      tool: 'hubspot.emails.send',
      keyTarget: (args: { request: ReplyRequest }) => `reply:${args.request.ticket.ticketId}`,
      run: async ({ request }, call) => {
        const draft = await llm.draftReply(request);
        const sent = await crm.sendTicketReply(request.ticket.ticketId, { to: request.ticket.senderEmail, subject: draft.subject, body: draft.body }, call.idempotencyKey);
        return { id: sent.id, kind: request.kind, subject: draft.subject, body: draft.body, drafter: draft.drafter, model: draft.model };
      },
      receipt: (sent, { request }) => ({
        event: 'customer_reply_sent',
        reason: request.kind,
        externalReference: sent.id,
        amountUsd: request.refund ? request.refund.amountCents / 100 : null,
        details: { kind: request.kind, drafter: sent.drafter, model: sent.model, refundId: request.refund?.id ?? null, subject: sent.subject },
      }),
    }),

    setTicketStatus: defineTool(kit, {
      tool: 'hubspot.tickets.update',
      keyTarget: (args: { ticketId: string; status: TicketStatus }) => `status:${args.ticketId}:${args.status}`,
      run: async (args) => {
        await crm.setTicketStatus(args.ticketId, args.status);
        return { ticketId: args.ticketId, status: args.status };
      },
      receipt: (result) => ({ event: 'ticket_status_changed', reason: result.status, externalReference: result.ticketId }),
    }),
  };
}
