/**
 * The simulator's in-memory world: Stripe's billing objects and HubSpot's CRM objects, stored in the
 * JSON shapes the real APIs return, so routes can serve them without translation.
 *
 * Everything lives in `Map`s keyed by id, in insertion order. Ids are random (with the real prefixes),
 * not counters: an audit store that outlives one simulator run must never see two different refunds
 * called `re_1`.
 */

import { randomBytes } from 'node:crypto';

// ---------------------------------------------------------------------------------------------------
// Stripe objects (the subset of fields Steward and the SDK's types care about)
// ---------------------------------------------------------------------------------------------------

export interface StripeCustomerRecord {
  id: string;
  object: 'customer';
  created: number;
  description: string | null;
  email: string | null;
  livemode: false;
  metadata: Record<string, string>;
  name: string | null;
}

export type RiskLevel = 'normal' | 'elevated' | 'highest';

export interface StripeChargeRecord {
  id: string;
  object: 'charge';
  amount: number;
  amount_captured: number;
  amount_refunded: number;
  captured: boolean;
  created: number;
  currency: string;
  customer: string;
  description: string | null;
  disputed: boolean;
  failure_code: string | null;
  failure_message: string | null;
  fraud_details: { stripe_report?: 'fraudulent'; user_report?: 'fraudulent' | 'safe' };
  livemode: false;
  metadata: Record<string, string>;
  outcome: {
    network_status: string;
    reason: string | null;
    risk_level: RiskLevel;
    risk_score: number;
    seller_message: string;
    type: string;
  } | null;
  paid: boolean;
  payment_intent: string | null;
  receipt_email: string | null;
  refunded: boolean;
  status: 'succeeded' | 'pending' | 'failed';
}

export interface StripeInvoiceLineRecord {
  id: string;
  object: 'line_item';
  amount: number;
  currency: string;
  description: string | null;
  invoice: string;
  livemode: false;
  metadata: Record<string, string>;
  pricing: { type: 'price_details'; price_details: { price: string; product: string }; unit_amount_decimal: string };
  quantity: number;
}

export interface StripeInvoiceRecord {
  id: string;
  object: 'invoice';
  amount_due: number;
  amount_paid: number;
  amount_remaining: number;
  created: number;
  currency: string;
  customer: string;
  livemode: false;
  metadata: Record<string, string>;
  status: 'draft' | 'open' | 'paid' | 'uncollectible' | 'void';
  lines: { object: 'list'; data: StripeInvoiceLineRecord[]; has_more: false; url: string };
}

/** Links an invoice to the charge that paid it (Stripe's `invoice.payments`, expandable on invoices). */
export interface StripeInvoicePaymentRecord {
  id: string;
  object: 'invoice_payment';
  amount_paid: number;
  amount_requested: number;
  created: number;
  currency: string;
  invoice: string;
  is_default: boolean;
  livemode: false;
  payment: { type: 'charge'; charge: string };
  status: 'paid';
  status_transitions: { canceled_at: null; paid_at: number };
}

export interface StripeRefundRecord {
  id: string;
  object: 'refund';
  amount: number;
  balance_transaction: string | null;
  charge: string;
  created: number;
  currency: string;
  metadata: Record<string, string>;
  payment_intent: string | null;
  reason: 'duplicate' | 'fraudulent' | 'requested_by_customer' | null;
  receipt_number: string | null;
  status: 'succeeded' | 'pending' | 'failed' | 'canceled';
}

export interface StripeDisputeRecord {
  id: string;
  object: 'dispute';
  amount: number;
  charge: string;
  created: number;
  currency: string;
  is_charge_refundable: boolean;
  livemode: false;
  metadata: Record<string, string>;
  reason: string;
  status: 'warning_needs_response' | 'needs_response' | 'under_review' | 'won' | 'lost';
}

/** What Stripe remembers about one idempotency key: the request's identity and, once done, its answer. */
export interface IdempotencyRecord {
  method: string;
  path: string;
  /** Canonical JSON of the request parameters, compared on reuse. */
  fingerprint: string;
  status: 'in_progress' | 'done';
  statusCode: number;
  body: unknown;
  /** Epoch ms; Stripe keeps keys at least 24 hours. */
  createdAt: number;
}

// ---------------------------------------------------------------------------------------------------
// HubSpot objects
// ---------------------------------------------------------------------------------------------------

export const CRM_OBJECT_TYPES = ['contacts', 'tickets', 'notes', 'emails'] as const;
export type CrmObjectType = (typeof CRM_OBJECT_TYPES)[number];

export interface CrmAssociation {
  toObjectType: CrmObjectType;
  toObjectId: string;
  associationCategory: string;
  associationTypeId: number;
}

export interface CrmRecord {
  id: string;
  /** HubSpot returns every property value as a string (or null). */
  properties: Record<string, string | null>;
  createdAt: string;
  updatedAt: string;
  archived: false;
  associations: CrmAssociation[];
}

/** One notice Steward sent to the stand-in operator webhook (`POST /_sim/operator-inbox`). */
export interface OperatorInboxMessage {
  requestId: string;
  idempotencyKey: string | null;
  receivedAt: string;
  body: unknown;
}

// ---------------------------------------------------------------------------------------------------
// The store
// ---------------------------------------------------------------------------------------------------

export class SimState {
  readonly customers = new Map<string, StripeCustomerRecord>();
  readonly charges = new Map<string, StripeChargeRecord>();
  readonly invoices = new Map<string, StripeInvoiceRecord>();
  readonly invoicePayments = new Map<string, StripeInvoicePaymentRecord>();
  readonly refunds = new Map<string, StripeRefundRecord>();
  readonly disputes = new Map<string, StripeDisputeRecord>();
  /** Keyed by `<test|live>\u0000<idempotency key>`: Stripe scopes keys to the account (and mode). */
  readonly idempotency = new Map<string, IdempotencyRecord>();

  readonly contacts = new Map<string, CrmRecord>();
  readonly tickets = new Map<string, CrmRecord>();
  readonly notes = new Map<string, CrmRecord>();
  readonly emails = new Map<string, CrmRecord>();

  readonly operatorInbox: OperatorInboxMessage[] = [];

  crm(type: CrmObjectType): Map<string, CrmRecord> {
    switch (type) {
      case 'contacts':
        return this.contacts;
      case 'tickets':
        return this.tickets;
      case 'notes':
        return this.notes;
      case 'emails':
        return this.emails;
    }
  }

  /** Empties every collection (ids already handed out are never reused: they are random). */
  clear(): void {
    for (const map of [
      this.customers,
      this.charges,
      this.invoices,
      this.invoicePayments,
      this.refunds,
      this.disputes,
      this.idempotency,
      this.contacts,
      this.tickets,
      this.notes,
      this.emails,
    ] as Map<string, unknown>[]) {
      map.clear();
    }
    this.operatorInbox.length = 0;
  }

  /** Plain-JSON view of everything, for `GET /_sim/state` and for debugging a failed test. */
  snapshot(): Record<string, unknown> {
    return {
      stripe: {
        customers: [...this.customers.values()],
        charges: [...this.charges.values()],
        invoices: [...this.invoices.values()],
        invoicePayments: [...this.invoicePayments.values()],
        refunds: [...this.refunds.values()],
        disputes: [...this.disputes.values()],
        idempotencyKeys: [...this.idempotency.keys()].map((key) => key.split('\u0000')[1] ?? key),
      },
      hubspot: {
        contacts: [...this.contacts.values()],
        tickets: [...this.tickets.values()],
        notes: [...this.notes.values()],
        emails: [...this.emails.values()],
      },
      operatorInbox: this.operatorInbox,
    };
  }
}

// ---------------------------------------------------------------------------------------------------
// Ids and clocks
// ---------------------------------------------------------------------------------------------------

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** A Stripe-style id: `cus_`, `ch_`, `in_`, `re_`, `du_`, `inpay_`, `il_` followed by 24 base62 characters. */
export function stripeId(prefix: string): string {
  const bytes = randomBytes(24);
  let suffix = '';
  for (const byte of bytes) suffix += BASE62[byte % 62];
  return `${prefix}_${suffix}`;
}

/** A HubSpot-style object id: a decimal string (HubSpot ids are 64-bit numbers sent as strings). */
export function hubspotId(): string {
  return String(10_000_000_000 + (randomBytes(5).readUIntBE(0, 5) % 89_999_999_999));
}

/** Unix seconds, Stripe's time unit. */
export function unixSeconds(ms: number = Date.now()): number {
  return Math.floor(ms / 1000);
}

// ---------------------------------------------------------------------------------------------------
// State changes shared by the admin routes and the test scenarios
// ---------------------------------------------------------------------------------------------------

/** A pending charge settles (ACH, SEPA...). `failed` also marks it unpaid, as Stripe does. */
export function settleCharge(state: SimState, chargeId: string, outcome: 'succeeded' | 'failed' = 'succeeded'): StripeChargeRecord {
  const charge = requireCharge(state, chargeId);
  if (charge.status !== 'pending') throw new Error(`charge ${chargeId} is ${charge.status}, not pending`);
  charge.status = outcome;
  charge.paid = outcome === 'succeeded';
  if (outcome === 'failed') {
    charge.amount_captured = 0;
    charge.failure_code = 'insufficient_funds';
    charge.failure_message = 'The account has insufficient funds to cover this payment.';
  }
  return charge;
}

/** The cardholder's bank opens a chargeback on this charge: `charge.disputed` flips and a dispute appears. */
export function openDispute(
  state: SimState,
  chargeId: string,
  options: { reason?: string; createdMs?: number } = {},
): StripeDisputeRecord {
  const charge = requireCharge(state, chargeId);
  const dispute: StripeDisputeRecord = {
    id: stripeId('du'),
    object: 'dispute',
    amount: charge.amount - charge.amount_refunded,
    charge: charge.id,
    created: unixSeconds(options.createdMs),
    currency: charge.currency,
    is_charge_refundable: false,
    livemode: false,
    metadata: {},
    reason: options.reason ?? 'duplicate',
    status: 'needs_response',
  };
  state.disputes.set(dispute.id, dispute);
  charge.disputed = true;
  return dispute;
}

function requireCharge(state: SimState, chargeId: string): StripeChargeRecord {
  const charge = state.charges.get(chargeId);
  if (!charge) throw new Error(`no such charge: ${chargeId}`);
  return charge;
}
