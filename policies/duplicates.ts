import type { BillingCharge } from '../activities/ports.js';

/** The facts that prove a duplicate, kept verbatim for the approver and the audit trail. */
export interface ChargeEvidence {
  chargeId: string;
  invoiceId: string | null;
  amountCents: number;
  currency: string;
  productId: string | null;
  productType: string | null;
  status: string;
  createdAt: string;
}

export type DuplicateFinding =
  | {
      found: true;
      original: ChargeEvidence;
      duplicate: ChargeEvidence;
      minutesApart: number;
    }
  | {
      found: false;
      /** Why not, in words an operator can act on. */
      reason: string;
    };

const evidence = (c: BillingCharge): ChargeEvidence => ({
  chargeId: c.id,
  invoiceId: c.invoiceId,
  amountCents: c.amountCents,
  currency: c.currency,
  productId: c.productId,
  productType: c.productType,
  status: c.status,
  createdAt: new Date(c.created * 1000).toISOString(),
});

const samePurchase = (a: BillingCharge, b: BillingCharge) =>
  a.customerId === b.customerId &&
  a.amountCents === b.amountCents &&
  a.currency === b.currency &&
  a.productId === b.productId;

const untouched = (c: BillingCharge) => c.status === 'succeeded' && c.amountRefundedCents === 0 && !c.disputed;

/**
 * Deterministic duplicate detection: two charges for the same customer, amount, currency and
 * product, both succeeded, neither refunded nor disputed, at most `maxHoursApart` apart. The later
 * charge is the duplicate. When several pairs qualify, the most recent pair is taken; the rest are
 * left for a person (one refund per ticket is the safe reading of "refund the duplicate").
 */
export function findDuplicateCharge(charges: BillingCharge[], maxHoursApart: number): DuplicateFinding {
  const byTime = [...charges].sort((a, b) => a.created - b.created || a.id.localeCompare(b.id));
  for (let later = byTime.length - 1; later > 0; later--) {
    const duplicate = byTime[later]!;
    for (let earlier = later - 1; earlier >= 0; earlier--) {
      const original = byTime[earlier]!;
      const secondsApart = duplicate.created - original.created;
      if (secondsApart > maxHoursApart * 3600) break;
      if (samePurchase(original, duplicate) && untouched(original) && untouched(duplicate)) {
        return {
          found: true,
          original: evidence(original),
          duplicate: evidence(duplicate),
          minutesApart: Math.round(secondsApart / 60),
        };
      }
    }
  }
  return { found: false, reason: explainNoDuplicate(byTime, maxHoursApart) };
}

function explainNoDuplicate(byTime: BillingCharge[], maxHoursApart: number): string {
  for (let i = 1; i < byTime.length; i++) {
    for (let j = 0; j < i; j++) {
      const [a, b] = [byTime[j]!, byTime[i]!];
      if (!samePurchase(a, b) || b.created - a.created > maxHoursApart * 3600) continue;
      if (a.amountRefundedCents > 0 || b.amountRefundedCents > 0) return `charges ${a.id} and ${b.id} match, but one is already refunded`;
      if (a.disputed || b.disputed) return `charges ${a.id} and ${b.id} match, but one is disputed`;
    }
  }
  return `no two succeeded charges share customer, amount and product within ${maxHoursApart} hours`;
}

/** A charge still settling means the billing picture is incomplete: decide nothing yet. */
export function pendingCharges(charges: BillingCharge[]): string[] {
  return charges.filter((c) => c.status === 'pending').map((c) => c.id);
}
