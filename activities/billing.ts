/**
 * Steward's billing port over the real `stripe` SDK. The same code talks to api.stripe.com and to
 * the local simulator: only the client's host differs.
 *
 * Retries belong to Temporal, not to the SDK (`maxNetworkRetries: 0`): one retry policy, visible in
 * the workflow history, instead of two multiplying each other. Money-moving calls carry Steward's own
 * idempotency key, so a Temporal retry after a lost answer gets Stripe's stored answer back instead
 * of a second refund. Stripe errors are left as they are (`statusCode`, `code`, `headers`): the
 * activity layer maps them to retryable or final failures.
 */

import Stripe from 'stripe';
import type {
  BillingCharge,
  BillingContext,
  BillingCustomer,
  BillingDispute,
  BillingInvoice,
  BillingPort,
  BillingRefund,
  ChargeStatus,
  CreateRefundRequest,
} from './ports.js';

export interface StripeClientOptions {
  apiKey: string;
  /** e.g. `http://127.0.0.1:12111` for the simulator. Default: Stripe's own API host. */
  baseUrl?: string;
  /** Per-request timeout. Default 20 s, well inside a typical activity start-to-close timeout. */
  timeoutMs?: number;
}

/** Metadata key under which Steward records its idempotency key on each refund it creates. */
export const STEWARD_KEY_METADATA = 'steward_key';

/** Most objects Steward reads per list; a customer with more charges than this is a human's case. */
const MAX_LISTED = 1000;

/**
 * A stripe-node client for Steward: SDK retries off, explicit timeout, and when `baseUrl` is given,
 * pointed at that host (stripe-node takes `host`, `port` and `protocol`, not a URL).
 */
export function createStripeClient(options: StripeClientOptions): Stripe {
  const config: Stripe.StripeConfig = {
    maxNetworkRetries: 0,
    timeout: options.timeoutMs ?? 20_000,
    appInfo: { name: 'steward' },
  };
  if (options.baseUrl) {
    const url = new URL(options.baseUrl);
    if (url.pathname !== '/' && url.pathname !== '') {
      throw new Error(`Stripe base URL cannot have a path (stripe-node builds paths itself): ${options.baseUrl}`);
    }
    const protocol = url.protocol.replace(':', '');
    if (protocol !== 'http' && protocol !== 'https') throw new Error(`Stripe base URL must be http(s): ${options.baseUrl}`);
    config.protocol = protocol;
    config.host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    config.port = url.port || (protocol === 'https' ? 443 : 80);
  }
  return new Stripe(options.apiKey, config);
}

export function createStripeBilling(stripe: Stripe): BillingPort {
  return {
    async findCustomersByEmail(email) {
      // Stripe's email filter is exact and case-sensitive; people type their address in any case.
      const exact = email.trim();
      const variants = [...new Set([exact, exact.toLowerCase()])];
      const pages = await Promise.all(variants.map((variant) => listAll(stripe.customers.list({ email: variant, limit: 100 }))));
      const byId = new Map<string, BillingCustomer>();
      for (const customer of pages.flat()) byId.set(customer.id, toCustomer(customer));
      return [...byId.values()];
    },

    async getBillingContext(customerId) {
      // One batched read: everything listable by customer in parallel, then the per-charge details
      // (refunds, disputes) for just the charges that have any, in parallel too.
      const [customer, charges, invoices] = await Promise.all([
        stripe.customers.retrieve(customerId),
        listAll(stripe.charges.list({ customer: customerId, limit: 100 })),
        listAll(stripe.invoices.list({ customer: customerId, limit: 100, expand: ['data.payments'] })),
      ]);
      if ((customer as Stripe.DeletedCustomer).deleted) throw new Error(`Stripe customer ${customerId} is deleted`);
      const refunded = charges.filter((charge) => charge.amount_refunded > 0);
      const disputed = charges.filter((charge) => charge.disputed);
      const [refundLists, disputeLists] = await Promise.all([
        Promise.all(refunded.map((charge) => listAll(stripe.refunds.list({ charge: charge.id, limit: 100 })))),
        Promise.all(disputed.map((charge) => listAll(stripe.disputes.list({ charge: charge.id, limit: 100 })))),
      ]);

      const links = invoiceLinks(invoices, charges);
      return {
        customer: toCustomer(customer as Stripe.Customer),
        charges: charges.map((charge) => toCharge(charge, links.invoiceOfCharge.get(charge.id) ?? null)),
        invoices: invoices.map((invoice) => toInvoice(invoice, links.chargeOfInvoice.get(invoice.id) ?? null)),
        refunds: refundLists.flat().map(toRefund),
        disputes: disputeLists.flat().map(toDispute),
      } satisfies BillingContext;
    },

    /**
     * One request, so the re-check right before a refund is as fresh as it can be. The invoice link is
     * not resolved here (`invoiceId: null`, `productId` from metadata only): it never changes after
     * payment, so callers take it from the billing context.
     */
    async getCharge(chargeId) {
      return toCharge(await stripe.charges.retrieve(chargeId), null);
    },

    async findInvoiceOwner(invoiceId) {
      try {
        const invoice = await stripe.invoices.retrieve(invoiceId);
        return typeof invoice.customer === 'string' ? invoice.customer : (invoice.customer?.id ?? null);
      } catch (err) {
        if ((err as { statusCode?: number }).statusCode === 404) return null;
        throw err;
      }
    },

    async findRefundByKey(chargeId, idempotencyKey) {
      const refunds = await listAll(stripe.refunds.list({ charge: chargeId, limit: 100 }));
      const ours = refunds.find((refund) => refund.metadata?.[STEWARD_KEY_METADATA] === idempotencyKey);
      return ours ? toRefund(ours) : null;
    },

    async createRefund(request: CreateRefundRequest, idempotencyKey: string) {
      const refund = await stripe.refunds.create(
        {
          charge: request.chargeId,
          amount: request.amountCents,
          reason: request.reason,
          // The key also travels as metadata, so `findRefundByKey` can find the refund after Stripe's
          // idempotency window (24 h) has passed.
          metadata: { ...request.metadata, [STEWARD_KEY_METADATA]: idempotencyKey },
        },
        { idempotencyKey },
      );
      return toRefund(refund);
    },
  };
}

/** Every item of a list, following `has_more` (capped at MAX_LISTED). */
function listAll<T>(list: Stripe.ApiListPromise<T>): Promise<T[]> {
  return list.autoPagingToArray({ limit: MAX_LISTED });
}

function toCustomer(customer: Stripe.Customer): BillingCustomer {
  return {
    id: customer.id,
    email: customer.email ?? null,
    name: customer.name ?? null,
    created: customer.created,
    accountStatus: customer.metadata?.account_status || null,
  };
}

function toCharge(charge: Stripe.Charge, invoice: Stripe.Invoice | null): BillingCharge {
  const metadata = charge.metadata ?? {};
  return {
    id: charge.id,
    customerId: idOf(charge.customer) ?? '',
    amountCents: charge.amount,
    currency: charge.currency,
    status: toChargeStatus(charge.status),
    created: charge.created,
    amountRefundedCents: charge.amount_refunded,
    refunded: charge.refunded,
    disputed: charge.disputed,
    invoiceId: invoice?.id ?? null,
    productId: metadata.product_id || productOfInvoice(invoice),
    productType: metadata.product_type || null,
    fraudSignal: hasFraudSignal(charge),
  };
}

function toChargeStatus(status: string): ChargeStatus {
  return status === 'succeeded' || status === 'pending' ? status : 'failed';
}

/** Radar's `elevated`/`highest` risk, or a fraud report on the charge (Stripe's or ours). */
function hasFraudSignal(charge: Stripe.Charge): boolean {
  const risk = charge.outcome?.risk_level;
  return (
    risk === 'elevated' ||
    risk === 'highest' ||
    charge.fraud_details?.stripe_report === 'fraudulent' ||
    charge.fraud_details?.user_report === 'fraudulent'
  );
}

function productOfInvoice(invoice: Stripe.Invoice | null): string | null {
  for (const line of invoice?.lines?.data ?? []) {
    const product = line.pricing?.price_details?.product;
    if (product) return product;
  }
  return null;
}

function toInvoice(invoice: Stripe.Invoice, chargeId: string | null): BillingInvoice {
  return {
    id: invoice.id ?? '',
    customerId: idOf(invoice.customer) ?? '',
    chargeId,
    amountPaidCents: invoice.amount_paid,
    status: invoice.status ?? 'unknown',
    created: invoice.created,
  };
}

function toRefund(refund: Stripe.Refund): BillingRefund {
  return {
    id: refund.id,
    chargeId: idOf(refund.charge) ?? '',
    amountCents: refund.amount,
    status: refund.status ?? 'unknown',
    created: refund.created,
  };
}

function toDispute(dispute: Stripe.Dispute): BillingDispute {
  return { id: dispute.id, chargeId: idOf(dispute.charge) ?? '', status: dispute.status, amountCents: dispute.amount };
}

/**
 * Which charge paid which invoice. Since API version 2025-03-31 neither object names the other;
 * the link is the invoice's `payments` (expanded above), which point at a charge or at the
 * PaymentIntent that produced it.
 */
function invoiceLinks(invoices: Stripe.Invoice[], charges: Stripe.Charge[]) {
  const chargeOfPaymentIntent = new Map<string, string>();
  for (const charge of charges) {
    const intent = idOf(charge.payment_intent);
    if (intent) chargeOfPaymentIntent.set(intent, charge.id);
  }
  const invoiceOfCharge = new Map<string, Stripe.Invoice>();
  const chargeOfInvoice = new Map<string, string>();
  for (const invoice of invoices) {
    for (const payment of invoice.payments?.data ?? []) {
      if (payment.status !== 'paid') continue;
      const chargeId = idOf(payment.payment.charge) ?? chargeOfPaymentIntent.get(idOf(payment.payment.payment_intent) ?? '');
      if (!chargeId || !invoice.id) continue;
      invoiceOfCharge.set(chargeId, invoice);
      if (!chargeOfInvoice.has(invoice.id)) chargeOfInvoice.set(invoice.id, chargeId);
    }
  }
  return { invoiceOfCharge, chargeOfInvoice };
}

function idOf(value: string | { id?: string } | null | undefined): string | null {
  if (!value) return null;
  return typeof value === 'string' ? value : (value.id ?? null);
}
