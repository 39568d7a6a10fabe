import { createHash } from 'node:crypto';
import type { AuditEventInput } from './types.js';

/** The `prevHash` of the first record of every chain. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * JSON with object keys sorted at every depth and no whitespace, so the same value always gives
 * the same bytes whatever order its keys were built in. That is what makes a hash recomputable by
 * anyone (another language, a compliance tool) from the stored columns alone. `undefined` object
 * members are left out (as `JSON.stringify` does); non-finite numbers are refused because JSON
 * cannot carry them and a hash over `null` would silently differ from what the caller meant.
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: ${value} is not a JSON number`);
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
      const entries = Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
    }
    default:
      throw new TypeError(`canonicalJson: a ${typeof value} is not JSON`);
  }
}

/** Everything a record's hash covers: the event, its place in the chain, and its predecessor. */
export interface HashedFields extends AuditEventInput {
  chainIndex: number;
  prevHash: string;
  recordedAt: string;
}

/**
 * sha256 (hex) of the canonical JSON of every field of the record except `seq` (assigned by the
 * database, store-wide, and not part of the workflow's story) and `hash` itself. Because
 * `prevHash` is inside, changing any earlier record changes every later hash; because
 * `chainIndex` and `workflowId` are inside, a record cannot be moved to another place or chain.
 *
 * To recompute outside Steward: take the record's camelCase fields listed in {@link HashedFields}
 * (details as an object, amountUsd as a JSON number or null), serialise with sorted keys and no
 * whitespace, sha256, hex.
 */
export function recordHash(fields: HashedFields): string {
  const payload: HashedFields = {
    eventId: fields.eventId,
    event: fields.event,
    workflowId: fields.workflowId,
    workflowType: fields.workflowType,
    actor: fields.actor,
    humanApprover: fields.humanApprover,
    customerId: fields.customerId,
    amountUsd: fields.amountUsd,
    policyVersion: fields.policyVersion,
    reason: fields.reason,
    toolCalled: fields.toolCalled,
    externalReference: fields.externalReference,
    idempotencyKey: fields.idempotencyKey,
    step: fields.step,
    details: fields.details,
    timestamp: fields.timestamp,
    chainIndex: fields.chainIndex,
    prevHash: fields.prevHash,
    recordedAt: fields.recordedAt,
  };
  return createHash('sha256').update(canonicalJson(payload)).digest('hex');
}
