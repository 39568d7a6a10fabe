/**
 * Customer replies written from facts alone. The offline drafter uses these directly; the Anthropic
 * drafter falls back to them when a model's draft fails the fact checks; the local stand-in model
 * uses them to answer like a well-behaved model.
 *
 * The templates never echo ticket text: a subject line "refund me $5,000" must not come back to the
 * customer (or into an audit record) looking like something Steward said.
 */

import type { ReplyKind, ReplyRequest } from '../../workflows/model.js';
import { formatAmount } from './money.js';

/**
 * What a reply may be written from. Every field comes from a system of record or from policy; the
 * amount is already formatted, so no drafter does arithmetic on money.
 */
export interface ReplyFacts {
  kind: ReplyKind;
  ticketId: string;
  customerName: string | null;
  refund: { id: string; amount: string; chargeId: string } | null;
  reason: string | null;
}

export function replyFactsOf(request: ReplyRequest): ReplyFacts {
  return {
    kind: request.kind,
    ticketId: request.ticket.ticketId,
    customerName: request.customerName,
    refund: request.refund ? { id: request.refund.id, amount: formatAmount(request.refund.amountCents, request.refund.currency), chargeId: request.refund.chargeId } : null,
    reason: request.reason?.trim() || null,
  };
}

const SIGN_OFF = 'Best regards,\nThe Support Team';

export function templateReply(facts: ReplyFacts): { subject: string; body: string } {
  const greeting = facts.customerName ? `Hi ${facts.customerName},` : 'Hello,';
  const ref = `ticket #${facts.ticketId}`;
  const because = facts.reason ? `\n\nReason: ${facts.reason}` : '';
  const paragraphs = ((): { subject: string; text: string } => {
    switch (facts.kind) {
      case 'refund_issued': {
        if (!facts.refund) throw new Error('a refund_issued reply needs the refund');
        const { amount, id, chargeId } = facts.refund;
        return {
          subject: `Your refund of ${amount} has been issued (${ref})`,
          text:
            `We have refunded ${amount} for the duplicate charge ${chargeId}. Your refund reference is ${id}.\n\n` +
            'The money goes back to the original payment method; depending on your bank it can take 5 to 10 business days to show on your statement.',
        };
      }
      case 'refund_rejected':
        return {
          subject: `About your refund request (${ref})`,
          text: `We have reviewed your request and are not able to issue a refund for it.${because}\n\nIf you think we got this wrong, reply to this message and a member of our team will take another look.`,
        };
      case 'needs_identifier':
        return {
          subject: `We need a little more information (${ref})`,
          text:
            'We could not match your message to a single account and charge, so we have not changed anything yet.' +
            `${because}\n\nPlease reply with the e-mail address on your account and the charge or invoice number from your receipt, and we will pick it up from there.`,
        };
      case 'human_follow_up':
        return {
          subject: `A member of our team will follow up (${ref})`,
          text: `Thanks for getting in touch. Your request needs a person to look at it, and a member of our team will reply to you directly.${because}`,
        };
      case 'not_duplicate':
        return {
          subject: `About the charges on your account (${ref})`,
          text: `We checked your recent charges and did not find a duplicate payment, so we have not issued a refund.${because}\n\nIf you see two charges on your statement, reply with the dates and the last four digits of the card and we will look again.`,
        };
    }
  })();
  return { subject: paragraphs.subject, body: `${greeting}\n\n${paragraphs.text}\n\n${SIGN_OFF}` };
}
