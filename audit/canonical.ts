import { createHash } from 'node:crypto';
import type { AuditEventInput } from './types.js';

/** The `prevHash` of the first record of every chain. */
export const GENESIS_HASH = '0'.repeat(64);

import { canonicalJson } from './canonical-json.js';

export { canonicalJson };

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
