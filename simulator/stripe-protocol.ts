/**
 * The parts of Stripe's HTTP contract that every endpoint shares: bearer auth, the error envelope,
 * strict parameter checking, list pagination, `expand`, and idempotency keys.
 *
 * Strictness is the point: the real API rejects an unknown parameter, an unexpandable field or a reused
 * key, so the simulator does too. An adapter that passes here sends requests Stripe would accept.
 */

import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { canonicalJson, type FormObject, type FormValue } from './form.js';
import type { IdempotencyRecord, SimState } from './state.js';

/** Stripe's error envelope: `{ error: { type, code, message, param } }`. */
export interface StripeErrorBody {
  type: 'invalid_request_error' | 'api_error' | 'idempotency_error' | 'card_error' | 'rate_limit_error';
  message: string;
  code?: string;
  param?: string;
  doc_url?: string;
}

/**
 * An error answer. `recorded` says whether Stripe would store it under the request's idempotency key:
 * it does once the endpoint started executing (a refused refund), not when parameters failed validation.
 */
export class StripeApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly body: StripeErrorBody,
    readonly recorded = true,
  ) {
    super(body.message);
  }
}

export function invalidRequest(message: string, extra: { code?: string; param?: string; status?: number } = {}): StripeApiError {
  return new StripeApiError(extra.status ?? 400, {
    type: 'invalid_request_error',
    message,
    ...(extra.code ? { code: extra.code, doc_url: `https://stripe.com/docs/error-codes/${extra.code.replace(/_/g, '-')}` } : {}),
    ...(extra.param ? { param: extra.param } : {}),
  });
}

/** A validation failure: never stored under an idempotency key. */
export function invalidParam(message: string, param: string, code?: string): StripeApiError {
  return new StripeApiError(400, { type: 'invalid_request_error', message, param, ...(code ? { code } : {}) }, false);
}

export function resourceMissing(objectName: string, id: string, param: string, status = 404): StripeApiError {
  return invalidRequest(`No such ${objectName}: '${id}'`, { code: 'resource_missing', param, status });
}

export function sendStripeError(reply: FastifyReply, error: StripeApiError): FastifyReply {
  return reply.code(error.statusCode).type('application/json').send({ error: error.body });
}

export function newRequestId(): string {
  return `req_${randomBytes(10).toString('hex')}`;
}

/** The secret key of the caller (Bearer, or Basic as `curl -u sk_test_x:` sends it), or a 401. */
export function authenticate(request: FastifyRequest): string {
  const header = request.headers.authorization ?? '';
  let key = '';
  if (/^bearer /i.test(header)) key = header.slice(7).trim();
  else if (/^basic /i.test(header)) key = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8').split(':')[0] ?? '';
  if (!key) {
    throw invalidRequest(
      "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
      { status: 401 },
    );
  }
  if (!/^(sk|rk)_(test|live)_/.test(key)) {
    throw invalidRequest(`Invalid API Key provided: ${key.slice(0, 8)}${'*'.repeat(Math.max(0, key.length - 12))}${key.slice(-4)}`, {
      status: 401,
    });
  }
  return key;
}

/** Query (GET) or form body (POST) of a Stripe request, already decoded by `form.ts`. */
export function paramsOf(request: FastifyRequest): FormObject {
  const source = request.method === 'GET' ? request.query : request.body;
  return source && typeof source === 'object' && !Array.isArray(source) ? (source as FormObject) : {};
}

/** Stripe answers an unknown parameter with 400 `parameter_unknown`; so do we. */
export function allowOnly(params: FormObject, allowed: readonly string[]): void {
  for (const key of Object.keys(params)) {
    if (!allowed.includes(key)) {
      throw invalidParam(`Received unknown parameter: ${key}`, key, 'parameter_unknown');
    }
  }
}

export function optionalString(params: FormObject, name: string): string | undefined {
  const value = params[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalidParam(`Invalid string: ${JSON.stringify(value)}`, name, 'parameter_invalid_string');
  return value;
}

export function optionalPositiveInteger(params: FormObject, name: string): number | undefined {
  const value = params[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^\d+$/.test(value)) {
    throw invalidParam(`Invalid integer: ${String(value)}`, name, 'parameter_invalid_integer');
  }
  const number = Number(value);
  if (number < 1) throw invalidParam('This value must be greater than or equal to 1.', name, 'parameter_invalid_integer');
  return number;
}

/** The `expand` parameter, refused unless every path is one this endpoint can expand. */
export function expansions(params: FormObject, expandable: readonly string[]): Set<string> {
  const raw = params.expand;
  const list: FormValue[] = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  const paths = new Set<string>();
  for (const item of list) {
    if (typeof item !== 'string' || !expandable.includes(item)) {
      throw invalidParam(`This property cannot be expanded (${String(item)}).`, 'expand');
    }
    paths.add(item);
  }
  return paths;
}

/** Stripe's `created` filter: a timestamp or `{gt, gte, lt, lte}`. */
export function createdFilter(params: FormObject): (created: number) => boolean {
  const raw = params.created;
  if (raw === undefined) return () => true;
  if (typeof raw === 'string') {
    const exact = Number(raw);
    return (created) => created === exact;
  }
  if (Array.isArray(raw)) throw invalidParam('Invalid created filter', 'created');
  const bound = (name: string): number | undefined => {
    const value = raw[name];
    return typeof value === 'string' ? Number(value) : undefined;
  };
  const gt = bound('gt');
  const gte = bound('gte');
  const lt = bound('lt');
  const lte = bound('lte');
  return (created) =>
    (gt === undefined || created > gt) &&
    (gte === undefined || created >= gte) &&
    (lt === undefined || created < lt) &&
    (lte === undefined || created <= lte);
}

export const LIST_PARAMS = ['limit', 'starting_after', 'ending_before', 'expand', 'created'] as const;

export interface StripeList<T> {
  object: 'list';
  data: T[];
  has_more: boolean;
  url: string;
}

/**
 * One page of a list, newest first, with Stripe's cursor semantics (`limit` 1..100, default 10;
 * `starting_after` / `ending_before` take an object id).
 */
export function paginate<T extends { id: string; created: number }>(
  items: Iterable<T>,
  params: FormObject,
  url: string,
  objectName: string,
): StripeList<T> {
  const limit = optionalPositiveInteger(params, 'limit') ?? 10;
  if (limit > 100) throw invalidParam('This value must be less than or equal to 100.', 'limit', 'parameter_invalid_integer');
  const keep = createdFilter(params);
  // Newest first; among equal timestamps the later-inserted object comes first, as in Stripe.
  const sorted = [...items].map((item, index) => ({ item, index }))
    .filter(({ item }) => keep(item.created))
    .sort((a, b) => b.item.created - a.item.created || b.index - a.index)
    .map(({ item }) => item);
  const after = optionalString(params, 'starting_after');
  const before = optionalString(params, 'ending_before');
  let window = sorted;
  if (after !== undefined) {
    const index = sorted.findIndex((item) => item.id === after);
    if (index === -1) throw resourceMissing(objectName, after, 'starting_after', 400);
    window = sorted.slice(index + 1);
  } else if (before !== undefined) {
    const index = sorted.findIndex((item) => item.id === before);
    if (index === -1) throw resourceMissing(objectName, before, 'ending_before', 400);
    window = sorted.slice(Math.max(0, index - limit), index);
    return { object: 'list', data: window, has_more: index - limit > 0, url };
  }
  return { object: 'list', data: window.slice(0, limit), has_more: window.length > limit, url };
}

const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

/**
 * Runs a POST under Stripe's idempotency rules:
 * - a new key: run it; store the answer (success, or an error raised after execution began);
 * - the same key with the same method, path and parameters: replay the stored answer with
 *   `Idempotent-Replayed: true`, without running anything;
 * - the same key with different parameters: 400 `idempotency_error`;
 * - the same key while the first request is still running: 409, nothing runs twice.
 * The stored answer is written the moment the operation finishes, before the response leaves, so a
 * retry after a lost answer finds it.
 */
export async function runIdempotently(
  state: SimState,
  request: FastifyRequest,
  reply: FastifyReply,
  apiKey: string,
  params: FormObject,
  execute: () => { statusCode: number; body: unknown },
): Promise<FastifyReply> {
  const header = request.headers['idempotency-key'];
  const key = Array.isArray(header) ? header[0] : header;
  if (!key) {
    const result = execute();
    return reply.code(result.statusCode).send(result.body);
  }
  if (key.length > 255) throw invalidParam('Idempotency keys can be up to 255 characters long.', 'idempotency_key');
  reply.header('Idempotency-Key', key);

  // One simulated account: keys are shared by all its API keys, separately for test and live mode.
  const scoped = `${/^(sk|rk)_live_/.test(apiKey) ? 'live' : 'test'}\u0000${key}`;
  const path = request.url.split('?')[0] ?? request.url;
  const fingerprint = canonicalJson(params);
  const existing = state.idempotency.get(scoped);
  if (existing && Date.now() - existing.createdAt < IDEMPOTENCY_TTL_MS) {
    if (existing.method !== request.method || existing.path !== path || existing.fingerprint !== fingerprint) {
      throw new StripeApiError(400, {
        type: 'idempotency_error',
        message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
      });
    }
    if (existing.status === 'in_progress') {
      throw invalidRequest(
        'There is currently another in-progress request using this Stripe API Key and Idempotency Key. Please try again later.',
        { status: 409, code: 'idempotency_key_in_use' },
      );
    }
    return reply.code(existing.statusCode).header('Idempotent-Replayed', 'true').send(existing.body);
  }

  const record: IdempotencyRecord = {
    method: request.method,
    path,
    fingerprint,
    status: 'in_progress',
    statusCode: 0,
    body: null,
    createdAt: Date.now(),
  };
  state.idempotency.set(scoped, record);
  try {
    const result = execute();
    Object.assign(record, { status: 'done', statusCode: result.statusCode, body: result.body });
    return reply.code(result.statusCode).send(result.body);
  } catch (error) {
    if (error instanceof StripeApiError && error.recorded) {
      Object.assign(record, { status: 'done', statusCode: error.statusCode, body: { error: error.body } });
    } else {
      state.idempotency.delete(scoped);
    }
    throw error;
  }
}

