/**
 * Builders that put the simulator in a known situation and hand back the ids a test needs. They write
 * straight into the in-memory state (no HTTP), so a test can seed in microseconds and then drive
 * Steward through the real SDKs.
 *
 * All times are relative to `Date.now()` at the moment of seeding.
 *
 * @example
 * const dana = seedCustomer(sim.state, { email: 'dana@example.com', name: 'Dana Whitfield' });
 * assert.ok(dana.customerId && dana.contactId);
 * const { firstChargeId, duplicateChargeId } = seedDuplicateCharges(sim.state, dana.customerId, { amountCents: 4900 });
 * const { ticketId } = seedTicket(sim.state, { subject: 'Charged twice', contactId: dana.contactId });
 */

import { insertCrmRecord } from './hubspot.js';
import {
  openDispute,
  settleCharge,
  stripeId,
  unixSeconds,
  type RiskLevel,
  type SimState,
  type StripeChargeRecord,
  type StripeCustomerRecord,
  type StripeInvoiceRecord,
  type StripeRefundRecord,
} from './state.js';

export { openDispute, settleCharge };

const DAY_MS = 24 * 60 * 60 * 1000;
const MINUTE_MS = 60 * 1000;

export type ProductType = 'subscription' | 'enterprise_contract' | 'custom_service';

const DEFAULT_PRODUCT: Record<ProductType, string> = {
  subscription: 'prod_pro_monthly',
  enterprise_contract: 'prod_enterprise_annual',
  custom_service: 'prod_custom_onboarding',
};

// ---------------------------------------------------------------------------------------------------
// Customers
// ---------------------------------------------------------------------------------------------------

export interface SeedCustomerOptions {
  email: string;
  name: string;
  /** HubSpot contact property `account_status`. Default `active`. */
  accountStatus?: 'active' | 'suspended_for_abuse';
  /** Stripe customer metadata `account_status` (unset by default): lets billing and CRM disagree. */
  billingAccountStatus?: 'active' | 'suspended_for_abuse';
  /** Age of the accounts. Default 400 days. */
  createdDaysAgo?: number;
  /** HubSpot contacts with this email: 0 (unknown to the CRM), 1 (default) or 2 (ambiguous). */
  crmContacts?: 0 | 1 | 2;
  /** Stripe customers with this email: default 1; 0 or 2 make the billing lookup empty or ambiguous. */
  billingCustomers?: number;
}

export interface SeededCustomer {
  email: string;
  /** The first Stripe customer, or null when `billingCustomers` is 0. */
  customerId: string | null;
  customerIds: string[];
  /** The first HubSpot contact (its `stripe_customer_id` is `customerId`), or null when `crmContacts` is 0. */
  contactId: string | null;
  contactIds: string[];
}

/** A person known to billing and CRM under one email, with as many records in each as the test asks for. */
export function seedCustomer(state: SimState, options: SeedCustomerOptions): SeededCustomer {
  const createdMs = Date.now() - (options.createdDaysAgo ?? 400) * DAY_MS;
  const billingCount = options.billingCustomers ?? 1;
  const crmCount = options.crmContacts ?? 1;

  const customerIds: string[] = [];
  for (let i = 0; i < billingCount; i++) {
    // Later duplicates of the account were opened later, as they are in real life.
    const customer: StripeCustomerRecord = {
      id: stripeId('cus'),
      object: 'customer',
      created: unixSeconds(createdMs + i * 30 * DAY_MS),
      description: null,
      email: options.email,
      livemode: false,
      metadata: options.billingAccountStatus ? { account_status: options.billingAccountStatus } : {},
      name: options.name,
    };
    state.customers.set(customer.id, customer);
    customerIds.push(customer.id);
  }

  const [firstName = '', ...rest] = options.name.split(' ');
  const contactIds: string[] = [];
  for (let i = 0; i < crmCount; i++) {
    const contact = insertCrmRecord(
      state,
      'contacts',
      {
        email: options.email,
        firstname: firstName,
        lastname: rest.join(' '),
        account_status: options.accountStatus ?? 'active',
        stripe_customer_id: customerIds[i] ?? null,
      },
      { createdMs: createdMs + i * 30 * DAY_MS },
    );
    contactIds.push(contact.id);
  }

  return {
    email: options.email,
    customerId: customerIds[0] ?? null,
    customerIds,
    contactId: contactIds[0] ?? null,
    contactIds,
  };
}

// ---------------------------------------------------------------------------------------------------
// Charges
// ---------------------------------------------------------------------------------------------------

export interface SeedChargeOptions {
  amountCents: number;
  productType?: ProductType;
  /** Default depends on `productType` (`prod_pro_monthly` for subscriptions). */
  productId?: string;
  /** When the charge was made, epoch ms. Default now. */
  createdMs?: number;
  status?: StripeChargeRecord['status'];
  /** Stripe Radar's verdict. Default `normal`. */
  riskLevel?: RiskLevel;
  /** Also create a paid invoice (with one line for the product) that this charge paid. Default false. */
  invoiced?: boolean;
  currency?: string;
}

export interface SeededCharge {
  chargeId: string;
  invoiceId: string | null;
}

/** One charge on a customer, with `product_id` / `product_type` in its metadata as Steward's billing sets them. */
export function seedCharge(state: SimState, customerId: string, options: SeedChargeOptions): SeededCharge {
  const customer = state.customers.get(customerId);
  if (!customer) throw new Error(`no such customer: ${customerId}`);
  const productType = options.productType ?? 'subscription';
  const productId = options.productId ?? DEFAULT_PRODUCT[productType];
  const status = options.status ?? 'succeeded';
  const riskLevel = options.riskLevel ?? 'normal';
  const created = unixSeconds(options.createdMs);
  const charge: StripeChargeRecord = {
    id: stripeId('ch'),
    object: 'charge',
    amount: options.amountCents,
    amount_captured: status === 'failed' ? 0 : options.amountCents,
    amount_refunded: 0,
    captured: status !== 'failed',
    created,
    currency: options.currency ?? 'usd',
    customer: customerId,
    description: productId,
    disputed: false,
    failure_code: status === 'failed' ? 'card_declined' : null,
    failure_message: status === 'failed' ? 'Your card was declined.' : null,
    fraud_details: {},
    livemode: false,
    metadata: { product_id: productId, product_type: productType },
    outcome: {
      network_status: status === 'failed' ? 'declined_by_network' : 'approved_by_network',
      reason: riskLevel === 'normal' ? null : 'elevated_risk_level',
      risk_level: riskLevel,
      risk_score: riskLevel === 'highest' ? 91 : riskLevel === 'elevated' ? 72 : 18,
      seller_message:
        riskLevel === 'normal' ? 'Payment complete.' : 'Stripe evaluated this payment as having elevated risk, but it was not blocked.',
      type: status === 'failed' ? 'issuer_declined' : 'authorized',
    },
    paid: status === 'succeeded',
    payment_intent: null,
    receipt_email: customer.email,
    refunded: false,
    status,
  };
  state.charges.set(charge.id, charge);
  const invoiceId = options.invoiced ? seedInvoiceFor(state, charge, productId).id : null;
  return { chargeId: charge.id, invoiceId };
}

function seedInvoiceFor(state: SimState, charge: StripeChargeRecord, productId: string): StripeInvoiceRecord {
  const id = stripeId('in');
  const invoice: StripeInvoiceRecord = {
    id,
    object: 'invoice',
    amount_due: charge.amount,
    amount_paid: charge.amount,
    amount_remaining: 0,
    created: charge.created,
    currency: charge.currency,
    customer: charge.customer,
    livemode: false,
    metadata: {},
    status: 'paid',
    lines: {
      object: 'list',
      data: [
        {
          id: stripeId('il'),
          object: 'line_item',
          amount: charge.amount,
          currency: charge.currency,
          description: `1 × ${productId}`,
          invoice: id,
          livemode: false,
          metadata: {},
          pricing: {
            type: 'price_details',
            price_details: { price: `price_${productId.replace(/^prod_/, '')}`, product: productId },
            unit_amount_decimal: String(charge.amount),
          },
          quantity: 1,
        },
      ],
      has_more: false,
      url: `/v1/invoices/${id}/lines`,
    },
  };
  state.invoices.set(id, invoice);
  const paymentId = stripeId('inpay');
  state.invoicePayments.set(paymentId, {
    id: paymentId,
    object: 'invoice_payment',
    amount_paid: charge.amount,
    amount_requested: charge.amount,
    created: charge.created,
    currency: charge.currency,
    invoice: id,
    is_default: true,
    livemode: false,
    payment: { type: 'charge', charge: charge.id },
    status: 'paid',
    status_transitions: { canceled_at: null, paid_at: charge.created },
  });
  return invoice;
}

/** A refund already on the books (written directly, outside the API and its rules). */
export function seedRefund(
  state: SimState,
  chargeId: string,
  options: { amountCents?: number; createdMs?: number; reason?: StripeRefundRecord['reason'] } = {},
): string {
  const charge = state.charges.get(chargeId);
  if (!charge) throw new Error(`no such charge: ${chargeId}`);
  const amount = options.amountCents ?? charge.amount - charge.amount_refunded;
  const refund: StripeRefundRecord = {
    id: stripeId('re'),
    object: 'refund',
    amount,
    balance_transaction: stripeId('txn'),
    charge: chargeId,
    created: unixSeconds(options.createdMs),
    currency: charge.currency,
    metadata: {},
    payment_intent: null,
    reason: options.reason ?? 'requested_by_customer',
    receipt_number: null,
    status: 'succeeded',
  };
  state.refunds.set(refund.id, refund);
  charge.amount_refunded += amount;
  charge.refunded = charge.amount_refunded >= charge.amount;
  return refund.id;
}

export interface SeedDuplicateChargesOptions {
  amountCents: number;
  /** Default `subscription`. Subscriptions and contracts get an invoice for the first charge. */
  productType?: ProductType;
  productId?: string;
  /** When the first charge happened. Default 1 day ago. */
  daysAgo?: number;
  /** Gap between the two charges. Default 3 minutes. */
  minutesApart?: number;
  /** The duplicate has not settled yet (`status: pending`); settle it with `settleCharge`. */
  secondPending?: boolean;
  /**
   * Earlier, unrelated purchases of this customer that were refunded in full, one per week before the
   * first charge (`requested_by_customer`): the customer's refund history.
   */
  priorRefundCount?: number;
  /** The cardholder has already disputed the duplicate. */
  disputeOnSecond?: boolean;
  /** Radar rates the duplicate `highest` risk. */
  fraudOnSecond?: boolean;
  /**
   * Make the pair look alike but not be a duplicate: `different_amount` (+$10.00) or `different_product`
   * (same amount, another product). `true` means `different_amount`.
   */
  notDuplicate?: boolean | 'different_amount' | 'different_product';
}

export interface SeededDuplicateCharges {
  firstChargeId: string;
  duplicateChargeId: string;
  /** The invoice the first charge paid (null for `custom_service`). The duplicate has none. */
  invoiceId: string | null;
  /** Present with `disputeOnSecond`. */
  disputeId: string | null;
  /** Refunds created by `priorRefundCount`, oldest last. */
  priorRefundIds: string[];
}

/**
 * Two charges for the same thing a few minutes apart: the first paid the invoice, the second is the
 * stray (a double submit). Options bend it into the cases policy must tell apart.
 */
export function seedDuplicateCharges(
  state: SimState,
  customerId: string,
  options: SeedDuplicateChargesOptions,
): SeededDuplicateCharges {
  const productType = options.productType ?? 'subscription';
  const productId = options.productId ?? DEFAULT_PRODUCT[productType];
  const firstMs = Date.now() - (options.daysAgo ?? 1) * DAY_MS;
  const secondMs = firstMs + (options.minutesApart ?? 3) * MINUTE_MS;
  const variant = options.notDuplicate === true ? 'different_amount' : options.notDuplicate || null;

  const priorRefundIds: string[] = [];
  for (let i = 0; i < (options.priorRefundCount ?? 0); i++) {
    const chargedMs = firstMs - (i + 1) * 7 * DAY_MS;
    const prior = seedCharge(state, customerId, {
      amountCents: 1500 + i * 100,
      productType: 'custom_service',
      productId: 'prod_prior_purchase',
      createdMs: chargedMs,
    });
    priorRefundIds.push(seedRefund(state, prior.chargeId, { createdMs: chargedMs + DAY_MS }));
  }

  const first = seedCharge(state, customerId, {
    amountCents: options.amountCents,
    productType,
    productId,
    createdMs: firstMs,
    invoiced: productType !== 'custom_service',
  });
  const duplicate = seedCharge(state, customerId, {
    amountCents: variant === 'different_amount' ? options.amountCents + 1000 : options.amountCents,
    productType,
    productId: variant === 'different_product' ? `${productId}_addon` : productId,
    createdMs: secondMs,
    status: options.secondPending ? 'pending' : 'succeeded',
    riskLevel: options.fraudOnSecond ? 'highest' : 'normal',
  });
  const disputeId = options.disputeOnSecond ? openDispute(state, duplicate.chargeId, { createdMs: secondMs + DAY_MS / 2 }).id : null;

  return {
    firstChargeId: first.chargeId,
    duplicateChargeId: duplicate.chargeId,
    invoiceId: first.invoiceId,
    disputeId,
    priorRefundIds,
  };
}

// ---------------------------------------------------------------------------------------------------
// Tickets
// ---------------------------------------------------------------------------------------------------

export interface SeedTicketOptions {
  /** HubSpot ticket id; random when omitted. */
  id?: string;
  subject: string;
  /** The customer's message. */
  content?: string;
  /** The contact who opened the ticket (associated both ways). */
  contactId?: string | null;
  /** `hs_pipeline_stage` in the default support pipeline: 1 new, 2 waiting on contact, 3 waiting on us, 4 closed. Default `1`. */
  stage?: '1' | '2' | '3' | '4';
  /** `hubspot_owner_id`: the support agent the ticket is assigned to. */
  ownerId?: string;
}

/** A support ticket in HubSpot's default pipeline, linked to its contact. */
export function seedTicket(state: SimState, options: SeedTicketOptions): { ticketId: string } {
  const contact = options.contactId ? state.contacts.get(options.contactId) : undefined;
  if (options.contactId && !contact) throw new Error(`no such contact: ${options.contactId}`);
  if (options.id && state.tickets.has(options.id)) throw new Error(`ticket ${options.id} already exists`);
  const ticket = insertCrmRecord(
    state,
    'tickets',
    {
      subject: options.subject,
      content: options.content ?? null,
      hs_pipeline: '0',
      hs_pipeline_stage: options.stage ?? '1',
      hs_ticket_priority: 'MEDIUM',
      hubspot_owner_id: options.ownerId ?? null,
    },
    {
      ...(options.id ? { id: options.id } : {}),
      associations: contact
        ? [{ toObjectType: 'contacts', toObjectId: contact.id, associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 16 }]
        : [],
    },
  );
  contact?.associations.push({ toObjectType: 'tickets', toObjectId: ticket.id, associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 15 });
  return { ticketId: ticket.id };
}
