/**
 * The small interfaces Steward's activities speak to the outside world through.
 *
 * Each port has one production adapter built on the vendor's own SDK (stripe, @hubspot/api-client,
 * @anthropic-ai/sdk). The same adapters run against the local simulators in `simulator/`, so tests
 * exercise the real SDK requests. Amounts are integer cents everywhere inside Steward; dollars only
 * appear at the edges (audit records, messages to people).
 */

import type { DraftedReply, ReplyRequest, TicketClassification, TicketEvent } from '../workflows/model.js';

export interface BillingCustomer {
  id: string;
  email: string | null;
  name: string | null;
  /** Unix seconds. */
  created: number;
  /** Customer metadata `account_status`, when billing keeps one (compared with the CRM's). */
  accountStatus: string | null;
}

export type ChargeStatus = 'succeeded' | 'pending' | 'failed';

export interface BillingCharge {
  id: string;
  customerId: string;
  amountCents: number;
  currency: string;
  status: ChargeStatus;
  /** Unix seconds. */
  created: number;
  amountRefundedCents: number;
  refunded: boolean;
  disputed: boolean;
  invoiceId: string | null;
  /** From the charge's metadata (`product_id`), or the invoice line's price product. */
  productId: string | null;
  /** From the charge's metadata (`product_type`): e.g. subscription, enterprise_contract, custom_service. */
  productType: string | null;
  /** Stripe Radar said so: outcome.risk_level `highest`/`elevated`, or a fraud report on the charge. */
  fraudSignal: boolean;
}

export interface BillingInvoice {
  id: string;
  customerId: string;
  chargeId: string | null;
  amountPaidCents: number;
  status: string;
  created: number;
}

export interface BillingDispute {
  id: string;
  chargeId: string;
  status: string;
  amountCents: number;
}

export interface BillingRefund {
  id: string;
  chargeId: string;
  amountCents: number;
  status: string;
  created: number;
}

/** Everything the refund decision needs from billing, fetched as one batched read. */
export interface BillingContext {
  customer: BillingCustomer;
  charges: BillingCharge[];
  invoices: BillingInvoice[];
  refunds: BillingRefund[];
  disputes: BillingDispute[];
}

export interface CreateRefundRequest {
  chargeId: string;
  amountCents: number;
  /** Stripe's enumerated refund reason. */
  reason: 'duplicate' | 'requested_by_customer' | 'fraudulent';
  metadata: Record<string, string>;
}

export interface BillingPort {
  findCustomersByEmail(email: string): Promise<BillingCustomer[]>;
  getBillingContext(customerId: string): Promise<BillingContext>;
  /** Who an invoice belongs to (null if there is no such invoice): checks ids a ticket mentions. */
  findInvoiceOwner(invoiceId: string): Promise<string | null>;
  /** Fresh read of one charge, used to re-check facts right before money moves. */
  getCharge(chargeId: string): Promise<BillingCharge>;
  /**
   * The refund Steward already made for this key (found by its `steward_key` metadata), if any:
   * after a crash between "refund created" and "step recorded" the retry must find it.
   */
  findRefundByKey(chargeId: string, idempotencyKey: string): Promise<BillingRefund | null>;
  /** `idempotencyKey` is Steward's own (`<workflowId>:<step>:<chargeId>`), never a random one. */
  createRefund(request: CreateRefundRequest, idempotencyKey: string): Promise<BillingRefund>;
}

export interface CrmContact {
  id: string;
  email: string | null;
  firstName: string | null;
  lastName: string | null;
  /** HubSpot contact property `account_status`: active, suspended_for_abuse, ... */
  accountStatus: string | null;
  /** HubSpot contact property `stripe_customer_id`, when the CRM knows it. */
  billingCustomerId: string | null;
}

export interface CrmTicket {
  id: string;
  subject: string | null;
  status: TicketStatus | null;
  /** HubSpot `hubspot_owner_id`: who the ticket is assigned to (they may not approve it). */
  ownerId: string | null;
}

/** Steward's names for helpdesk states; the adapter maps them to pipeline stages. */
export type TicketStatus = 'open' | 'waiting_on_customer' | 'needs_human' | 'closed';

export interface CrmPort {
  findContactsByEmail(email: string): Promise<CrmContact[]>;
  getTicket(ticketId: string): Promise<CrmTicket>;
  /**
   * Internal note on the ticket. Exactly once per `idempotencyKey`: HubSpot has no idempotency
   * header, so the adapter looks for a note carrying the key (property `steward_key`) before
   * creating one.
   */
  addTicketNote(ticketId: string, body: string, idempotencyKey: string): Promise<{ id: string }>;
  /** Outgoing email to the customer, logged on the ticket. Same exactly-once rule as notes. */
  sendTicketReply(
    ticketId: string,
    reply: { to: string; subject: string; body: string },
    idempotencyKey: string,
  ): Promise<{ id: string }>;
  setTicketStatus(ticketId: string, status: TicketStatus): Promise<void>;
}

/** The language model: reads messy input and writes prose. It decides nothing about money. */
export interface LlmPort {
  readonly name: 'anthropic' | 'offline';
  classifyTicket(ticket: TicketEvent): Promise<TicketClassification>;
  /**
   * Drafts a reply. For `refund_issued` the draft must quote the refund's real amount and id; a
   * draft that does not is rejected by the adapter (and the offline template is used instead).
   */
  draftReply(request: ReplyRequest): Promise<DraftedReply>;
}
