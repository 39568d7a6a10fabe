/**
 * Fact checks on a model-written reply before it can reach a customer. A draft that fails any of
 * them is not sent: the caller uses the offline template instead. The checks are deliberately
 * blunt; a false alarm costs a plainer e-mail, a miss costs a promise the company did not make.
 */

import { findMoneyMentions } from './money.js';
import type { ReplyFacts } from './templates.js';

/** Stripe-shaped ids: refunds, charges, payments, customers, invoices, payment intents. */
const STRIPE_ID = /\b(?:re|ch|py|cus|in|pi)_[A-Za-z0-9]{4,}\b/g;

/** "we have refunded", "refund has been issued", ... : only true for a `refund_issued` reply. */
const CLAIMS_REFUND = /\b(?:we(?:'ve| have)? (?:refunded|issued|processed|sent) (?:a |the |your )?(?:full |partial )?refund|refund (?:has been|was|is being|will be) (?:issued|processed|sent|completed|made)|(?:have|has) been refunded)\b/i;

/** Empty when the draft may be sent; otherwise one line per problem, for the audit trail. */
export function draftProblems(draft: { subject: string; body: string }, facts: ReplyFacts): string[] {
  const text = `${draft.subject}\n${draft.body}`;
  const problems: string[] = [];

  if (facts.kind === 'refund_issued') {
    if (!facts.refund) return ['refund_issued reply without refund facts'];
    if (!text.includes(facts.refund.amount)) problems.push(`does not quote the refund amount "${facts.refund.amount}" exactly`);
    if (!text.includes(facts.refund.id)) problems.push(`does not quote the refund id ${facts.refund.id}`);
  } else if (CLAIMS_REFUND.test(text)) {
    problems.push(`claims a refund was made, but the reply kind is ${facts.kind}`);
  }

  const trusted = [facts.refund?.amount ?? '', facts.reason ?? ''].join('\n');
  const allowedAmounts = new Set(findMoneyMentions(trusted));
  const strayAmounts = findMoneyMentions(text).filter((minor) => !allowedAmounts.has(minor));
  if (strayAmounts.length > 0) problems.push(`mentions amount(s) no system of record gave: ${strayAmounts.map((m) => (m / 100).toFixed(2)).join(', ')}`);

  const allowedIds = new Set(JSON.stringify(facts).match(STRIPE_ID) ?? []);
  const strayIds = [...new Set(text.match(STRIPE_ID) ?? [])].filter((id) => !allowedIds.has(id));
  if (strayIds.length > 0) problems.push(`mentions id(s) not in the facts: ${strayIds.join(', ')}`);

  return problems;
}
