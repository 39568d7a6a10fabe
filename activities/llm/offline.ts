/**
 * The LLM port with no model behind it: keyword rules classify (see `rules.ts`), templates write
 * (see `templates.ts`). Deterministic, free and offline, so Steward runs end to end without an API
 * key, tests are reproducible, and the Anthropic adapter has a reply it can always fall back to.
 */

import { createHash } from 'node:crypto';
import type { DraftedReply, Intent, ReplyRequest, TicketClassification, TicketEvent } from '../../workflows/model.js';
import type { LlmPort } from '../ports.js';
import { applyIntentRules, extractIdentifiers, normaliseTicketText, OFFLINE_MODEL_ID, type Identifiers, type RuleVerdict } from './rules.js';
import { replyFactsOf, templateReply } from './templates.js';

export function createOfflineLlm(): LlmPort {
  return {
    name: 'offline',
    async classifyTicket(ticket: TicketEvent): Promise<TicketClassification> {
      return classifyOffline(ticket);
    },
    async draftReply(request: ReplyRequest): Promise<DraftedReply> {
      return { ...templateReply(replyFactsOf(request)), drafter: 'offline', model: OFFLINE_MODEL_ID };
    },
  };
}

/** Synchronous core, shared with the Anthropic stand-in so "a well-behaved model" means the same thing. */
export function classifyOffline(ticket: Pick<TicketEvent, 'subject' | 'body'>): TicketClassification {
  const verdict = applyIntentRules(ticket.subject, ticket.body);
  const identifiers = extractIdentifiers(`${ticket.subject}\n${ticket.body}`);
  return {
    intent: verdict.intent,
    confidence: verdict.confidence,
    identifiers,
    summary: summaryOf(verdict, identifiers),
    classifier: 'offline',
    model: OFFLINE_MODEL_ID,
    promptHash: createHash('sha256').update(normaliseTicketText(ticket.subject, ticket.body)).digest('hex'),
  };
}

const INTENT_PHRASES: Record<Intent, string> = {
  billing_duplicate_charge: 'Customer reports being charged more than once for the same thing.',
  refund_request: 'Customer asks for a refund.',
  billing_question: 'Customer has a question about billing or an invoice.',
  technical_issue: 'Customer reports a technical problem.',
  account_access: 'Customer cannot get into their account.',
  other: 'No rule recognised the request; a person should read it.',
};

/** Built from the verdict, never from the ticket's prose, so it cannot carry the ticket's claims. */
function summaryOf(verdict: RuleVerdict, ids: Identifiers): string {
  const why = verdict.ruleId ? ` Rule "${verdict.ruleId}" matched in the ${verdict.source}: ${verdict.matched.map((m) => `"${m}"`).join(', ')}.` : '';
  const count = ids.customerIds.length + ids.chargeIds.length + ids.invoiceIds.length + ids.emails.length;
  const hints = count > 0 ? ` ${count} identifier(s) mentioned (hints only).` : '';
  return `${INTENT_PHRASES[verdict.intent]}${why}${hints}`;
}
