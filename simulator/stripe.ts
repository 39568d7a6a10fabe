/**
 * The Stripe endpoints Steward's billing adapter calls, with Stripe's own rules for refunds.
 *
 * Served: `GET /v1/customers`, `GET /v1/customers/:id`, `GET /v1/charges`, `GET /v1/charges/:id`,
 * `GET /v1/invoices`, `GET /v1/refunds`, `POST /v1/refunds`, `GET /v1/refunds/:id`, `GET /v1/disputes`.
 * Anything else under `/v1` answers Stripe's 404 for an unrecognized URL.
 */

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { FormObject } from './form.js';
import {
  LIST_PARAMS,
  StripeApiError,
  allowOnly,
  authenticate,
  expansions,
  invalidParam,
  invalidRequest,
  newRequestId,
  optionalPositiveInteger,
  optionalString,
  paginate,
  paramsOf,
  resourceMissing,
  runIdempotently,
  sendStripeError,
} from './stripe-protocol.js';
import { stripeId, unixSeconds, type SimState, type StripeInvoiceRecord, type StripeRefundRecord } from './state.js';

/** The API version the simulator claims to speak: the one stripe-node 23 pins. */
export const SIMULATED_STRIPE_VERSION = '2026-10-28.endive';

const REFUND_REASONS = ['duplicate', 'fraudulent', 'requested_by_customer'] as const;

/** The caller's secret key per request, set by the auth hook; its mode scopes idempotency keys. */
const apiKeys = new WeakMap<FastifyRequest, string>();

/** Registers the Stripe routes in their own encapsulated scope (auth and error shape apply only here). */
export async function registerStripeRoutes(app: FastifyInstance, state: SimState): Promise<void> {
  await app.register(async (stripe) => {
    stripe.addHook('onRequest', async (request, reply) => {
      reply.header('Request-Id', newRequestId());
      const version = request.headers['stripe-version'];
      reply.header('Stripe-Version', typeof version === 'string' ? version : SIMULATED_STRIPE_VERSION);
    });
    stripe.addHook('preHandler', async (request) => {
      apiKeys.set(request, authenticate(request));
    });
    stripe.setErrorHandler((error, _request, reply) => {
      if (error instanceof StripeApiError) return sendStripeError(reply, error);
      const status = (error as { statusCode?: number }).statusCode;
      if (status && status >= 400 && status < 500) return sendStripeError(reply, invalidRequest((error as Error).message, { status }));
      return sendStripeError(reply, new StripeApiError(500, { type: 'api_error', message: 'An unknown error occurred' }));
    });

    stripe.get('/v1/customers', async (request) => {
      const params = paramsOf(request);
      allowOnly(params, [...LIST_PARAMS, 'email', 'test_clock']);
      expansions(params, []);
      // Stripe's email filter is an exact, case-sensitive match.
      const email = optionalString(params, 'email');
      const matches = [...state.customers.values()].filter((customer) => email === undefined || customer.email === email);
      return paginate(matches, params, '/v1/customers', 'customer');
    });

    stripe.get<{ Params: { id: string } }>('/v1/customers/:id', async (request) => {
      allowOnly(paramsOf(request), ['expand']);
      const customer = state.customers.get(request.params.id);
      if (!customer) throw resourceMissing('customer', request.params.id, 'id');
      return customer;
    });

    stripe.get('/v1/charges', async (request) => {
      const params = paramsOf(request);
      allowOnly(params, [...LIST_PARAMS, 'customer', 'payment_intent', 'transfer_group']);
      expansions(params, []);
      const customer = optionalString(params, 'customer');
      const paymentIntent = optionalString(params, 'payment_intent');
      const matches = [...state.charges.values()].filter(
        (charge) =>
          (customer === undefined || charge.customer === customer) &&
          (paymentIntent === undefined || charge.payment_intent === paymentIntent),
      );
      return paginate(matches, params, '/v1/charges', 'charge');
    });

    stripe.get<{ Params: { id: string } }>('/v1/charges/:id', async (request) => {
      allowOnly(paramsOf(request), ['expand']);
      const charge = state.charges.get(request.params.id);
      if (!charge) throw resourceMissing('charge', request.params.id, 'id');
      return charge;
    });

    stripe.get('/v1/invoices', async (request) => {
      const params = paramsOf(request);
      allowOnly(params, [...LIST_PARAMS, 'customer', 'customer_account', 'status', 'subscription', 'collection_method', 'due_date']);
      const expand = expansions(params, ['data.payments']);
      const customer = optionalString(params, 'customer');
      const status = optionalString(params, 'status');
      const matches = [...state.invoices.values()].filter(
        (invoice) => (customer === undefined || invoice.customer === customer) && (status === undefined || invoice.status === status),
      );
      const page = paginate(matches, params, '/v1/invoices', 'invoice');
      // `payments` is an includable field: present only when asked for, as in Stripe.
      return expand.has('data.payments') ? { ...page, data: page.data.map((invoice) => withPayments(state, invoice)) } : page;
    });

    stripe.get<{ Params: { id: string } }>('/v1/invoices/:id', async (request) => {
      allowOnly(paramsOf(request), ['expand']);
      const invoice = state.invoices.get(request.params.id);
      if (!invoice) throw resourceMissing('invoice', request.params.id, 'id');
      return invoice;
    });

    stripe.get('/v1/refunds', async (request) => {
      const params = paramsOf(request);
      allowOnly(params, [...LIST_PARAMS, 'charge', 'payment_intent']);
      expansions(params, []);
      const charge = optionalString(params, 'charge');
      const matches = [...state.refunds.values()].filter((refund) => charge === undefined || refund.charge === charge);
      return paginate(matches, params, '/v1/refunds', 'refund');
    });

    stripe.get<{ Params: { id: string } }>('/v1/refunds/:id', async (request) => {
      allowOnly(paramsOf(request), ['expand']);
      const refund = state.refunds.get(request.params.id);
      if (!refund) throw resourceMissing('refund', request.params.id, 'id');
      return refund;
    });

    stripe.post('/v1/refunds', async (request, reply) => {
      const params = paramsOf(request);
      return runIdempotently(state, request, reply, apiKeys.get(request) ?? '', params, () => {
        const input = parseRefundParams(params);
        return { statusCode: 200, body: createRefund(state, input) };
      });
    });

    stripe.get('/v1/disputes', async (request) => {
      const params = paramsOf(request);
      allowOnly(params, [...LIST_PARAMS, 'charge', 'payment_intent']);
      expansions(params, []);
      const charge = optionalString(params, 'charge');
      const matches = [...state.disputes.values()].filter((dispute) => charge === undefined || dispute.charge === charge);
      return paginate(matches, params, '/v1/disputes', 'dispute');
    });
  });
}

/** Stripe's answer for a path it does not serve. */
export function stripeNotFound(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return sendStripeError(
    reply,
    invalidRequest(
      `Unrecognized request URL (${request.method}: ${request.url.split('?')[0]}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
      { status: 404 },
    ),
  );
}

interface RefundInput {
  charge: string;
  amount: number | undefined;
  reason: StripeRefundRecord['reason'];
  metadata: Record<string, string>;
}

/** Parameter validation: failures here are not stored under the idempotency key. */
function parseRefundParams(params: FormObject): RefundInput {
  allowOnly(params, [
    'amount',
    'charge',
    'currency',
    'customer',
    'expand',
    'instructions_email',
    'metadata',
    'origin',
    'payment_intent',
    'reason',
    'refund_application_fee',
    'reverse_transfer',
  ]);
  expansions(params, []);
  const charge = optionalString(params, 'charge');
  const paymentIntent = optionalString(params, 'payment_intent');
  if (charge === undefined) {
    if (paymentIntent !== undefined) throw resourceMissing('payment_intent', paymentIntent, 'payment_intent', 400);
    throw invalidParam('One of the following params should be provided for this request: payment_intent or charge.', 'charge', 'parameter_missing');
  }
  const reason = optionalString(params, 'reason');
  if (reason !== undefined && !(REFUND_REASONS as readonly string[]).includes(reason)) {
    throw invalidParam(`Invalid reason: must be one of ${REFUND_REASONS.join(', ')}`, 'reason');
  }
  return {
    charge,
    amount: optionalPositiveInteger(params, 'amount'),
    reason: (reason as StripeRefundRecord['reason'] | undefined) ?? null,
    metadata: parseMetadata(params.metadata),
  };
}

function parseMetadata(raw: FormObject[string] | undefined): Record<string, string> {
  if (raw === undefined || raw === '') return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw invalidParam('Invalid object', 'metadata', 'parameter_invalid_empty');
  const entries = Object.entries(raw);
  if (entries.length > 50) throw invalidParam('Invalid metadata: metadata must have at most 50 keys.', 'metadata');
  const metadata: Record<string, string> = {};
  for (const [key, value] of entries) {
    if (typeof value !== 'string') throw invalidParam(`Invalid metadata value for ${key}: must be a string`, `metadata[${key}]`);
    if (key.length > 40) throw invalidParam(`Invalid metadata key: ${key} is longer than 40 characters.`, 'metadata');
    if (value.length > 500) throw invalidParam(`Invalid metadata value for ${key}: longer than 500 characters.`, `metadata[${key}]`);
    metadata[key] = value;
  }
  return metadata;
}

/**
 * Stripe's refund rules, in the order Stripe applies them. Errors raised here happen after execution
 * began, so they are stored under the idempotency key and replayed.
 */
function createRefund(state: SimState, input: RefundInput): StripeRefundRecord {
  const charge = state.charges.get(input.charge);
  if (!charge) throw resourceMissing('charge', input.charge, 'charge', 400);
  if (charge.status !== 'succeeded') {
    throw invalidRequest(`Charge ${charge.id} is ${charge.status} and cannot be refunded.`, { code: 'charge_not_refundable', param: 'charge' });
  }
  if (charge.disputed) {
    throw invalidRequest(`Charge ${charge.id} has been charged back; cannot issue a refund.`, { code: 'charge_disputed', param: 'charge' });
  }
  const remaining = charge.amount - charge.amount_refunded;
  if (remaining <= 0) {
    throw invalidRequest(`Charge ${charge.id} has already been refunded.`, { code: 'charge_already_refunded', param: 'charge' });
  }
  const amount = input.amount ?? remaining;
  if (amount > remaining) {
    throw invalidRequest(
      `Refund amount (${dollars(amount)}) is greater than unrefunded amount on charge (${dollars(remaining)})`,
      { code: 'amount_too_large', param: 'amount' },
    );
  }
  const refund: StripeRefundRecord = {
    id: stripeId('re'),
    object: 'refund',
    amount,
    balance_transaction: stripeId('txn'),
    charge: charge.id,
    created: unixSeconds(),
    currency: charge.currency,
    metadata: input.metadata,
    payment_intent: charge.payment_intent,
    reason: input.reason,
    receipt_number: null,
    status: 'succeeded',
  };
  state.refunds.set(refund.id, refund);
  charge.amount_refunded += amount;
  charge.refunded = charge.amount_refunded >= charge.amount;
  return refund;
}

function withPayments(state: SimState, invoice: StripeInvoiceRecord): StripeInvoiceRecord & { payments: unknown } {
  const payments = [...state.invoicePayments.values()].filter((payment) => payment.invoice === invoice.id);
  return {
    ...invoice,
    payments: { object: 'list', data: payments, has_more: false, url: `/v1/invoice_payments?invoice=${invoice.id}` },
  };
}

function dollars(cents: number): string {
  return `$${(cents / 100).toFixed(2)}`;
}
