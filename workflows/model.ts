/**
 * Types shared by workflows, activities and callers. Kept free of Node APIs and side effects so
 * the workflow bundle can import it.
 */

/** A support ticket as event sources deliver it (see README "Event schemas"). */
export interface TicketEvent {
  ticketId: string;
  senderEmail: string;
  subject: string;
  body: string;
  /** ISO-8601 time the helpdesk received the ticket. */
  receivedAt: string;
}

export const INTENTS = [
  'billing_duplicate_charge',
  'refund_request',
  'billing_question',
  'technical_issue',
  'account_access',
  'other',
] as const;
export type Intent = (typeof INTENTS)[number];

/** What the model may decide: intent, identifiers it saw, a summary. Never amounts or eligibility. */
export interface TicketClassification {
  intent: Intent;
  /** 0..1 */
  confidence: number;
  identifiers: {
    customerIds: string[];
    chargeIds: string[];
    invoiceIds: string[];
    emails: string[];
  };
  summary: string;
  classifier: 'anthropic' | 'offline';
  /** Model id, or `offline-rules-v1`. */
  model: string;
  /** sha256 of the exact prompt sent, so an auditor can tie a decision to its input. */
  promptHash: string;
}

/** Facts a customer reply is written from. All of them come from systems of record. */
export type ReplyKind =
  | 'refund_issued'
  | 'refund_rejected'
  | 'needs_identifier'
  | 'human_follow_up'
  | 'not_duplicate';

export interface ReplyRequest {
  kind: ReplyKind;
  ticket: TicketEvent;
  customerName: string | null;
  /** Present for refund_issued: the refund as Stripe reported it. */
  refund?: { id: string; amountCents: number; currency: string; chargeId: string };
  /** Free-form, policy-derived reason for rejections and hand-offs (never model output). */
  reason?: string;
}

export interface DraftedReply {
  subject: string;
  body: string;
  drafter: 'anthropic' | 'offline';
  model: string;
}

/**
 * Sent with every activity call. `audit` carries the workflow's own decisions since the last
 * call, so they are stored by the activity that acts next instead of costing a round trip.
 */
export interface StepMeta {
  step: string;
  customerId: string | null;
  policyVersion: string | null;
  audit: import('../audit/types.js').AuditEventInput[];
}

/** The one action an approver is asked to authorise. Its digest binds the approval to it. */
export interface ProposedRefund {
  action: 'create_refund';
  customerId: string;
  chargeId: string;
  amountCents: number;
  currency: string;
}

/** One candidate account for a ticket's sender, from billing and the CRM. */
export interface CustomerMatch {
  billingCustomerId: string | null;
  contactId: string | null;
  email: string | null;
  name: string | null;
}

export interface ResolvedCustomer {
  billingCustomerId: string;
  contactId: string | null;
  name: string | null;
  email: string | null;
  /** HubSpot `account_status`; null when the CRM has no contact. */
  accountStatus: string | null;
  accountAgeDays: number;
}

/** Context retrieval in one batched read: who the customer is and their billing history. */
export interface CustomerContext {
  lookup: { by: 'email' | 'customer_id'; value: string };
  matches: CustomerMatch[];
  /** Set only when exactly one account matches. Steward never guesses between two. */
  customer: ResolvedCustomer | null;
  billing: import('../activities/ports.js').BillingContext | null;
  unresolved: 'no_match' | 'multiple_matches' | null;
  /** Facts the systems of record disagree on, each naming both sides. Non-empty = escalate. */
  conflicts: string[];
}

/**
 * Activity failure types that no retry can fix: a refusal by the permission gate, bad input, a
 * missing object, a credential the provider refuses. Activities throw them non-retryable; the
 * workflow's retry policies list them too.
 */
export const FINAL_FAILURE_TYPES = ['PermissionDenied', 'InvalidInput', 'NotFound', 'ProviderAuthFailed'] as const;
