import type { Generated, Selectable } from 'kysely';
import type { AuditRecord } from './types.js';

/**
 * Table shapes as kysely sees them. Columns are snake_case (what a DBA or a compliance query
 * reads); the TypeScript API is camelCase. Timestamps and `details` are text on both databases on
 * purpose: the hash is computed over exactly these strings, and a native type (timestamptz, jsonb)
 * would normalise them on the way in and make the stored value differ from the hashed one.
 */
export interface AuditEventsTable {
  seq: Generated<number | string>;
  event_id: string;
  event: string;
  workflow_id: string;
  workflow_type: string;
  actor: string;
  human_approver: string | null;
  customer_id: string | null;
  /** Postgres `numeric` comes back as a string; SQLite `real` as a number. */
  amount_usd: number | string | null;
  policy_version: string | null;
  reason: string | null;
  tool_called: string | null;
  external_reference: string | null;
  idempotency_key: string | null;
  step: string;
  /** Canonical JSON text. */
  details: string;
  /** ISO-8601 UTC, millisecond precision (normalised on append). */
  timestamp: string;
  chain_index: number;
  prev_hash: string;
  hash: string;
  recorded_at: string;
}

/** The last link of each workflow's chain, written in the same transaction as the records. */
export interface AuditChainHeadsTable {
  workflow_id: string;
  last_index: number;
  last_hash: string;
  updated_at: string;
}

export interface AuditDatabase {
  audit_events: AuditEventsTable;
  audit_chain_heads: AuditChainHeadsTable;
}

export type AuditEventRow = Selectable<AuditEventsTable>;

export function rowToRecord(row: AuditEventRow): AuditRecord {
  return {
    seq: Number(row.seq),
    eventId: row.event_id,
    event: row.event,
    workflowId: row.workflow_id,
    workflowType: row.workflow_type,
    actor: row.actor,
    humanApprover: row.human_approver,
    customerId: row.customer_id,
    amountUsd: row.amount_usd === null ? null : Number(row.amount_usd),
    policyVersion: row.policy_version,
    reason: row.reason,
    toolCalled: row.tool_called,
    externalReference: row.external_reference,
    idempotencyKey: row.idempotency_key,
    step: row.step,
    details: JSON.parse(row.details) as Record<string, unknown>,
    timestamp: row.timestamp,
    chainIndex: Number(row.chain_index),
    prevHash: row.prev_hash,
    hash: row.hash,
    recordedAt: row.recorded_at,
  };
}

export function recordToRow(record: Omit<AuditRecord, 'seq'>, detailsJson: string): Omit<AuditEventsTable, 'seq'> {
  return {
    event_id: record.eventId,
    event: record.event,
    workflow_id: record.workflowId,
    workflow_type: record.workflowType,
    actor: record.actor,
    human_approver: record.humanApprover,
    customer_id: record.customerId,
    amount_usd: record.amountUsd,
    policy_version: record.policyVersion,
    reason: record.reason,
    tool_called: record.toolCalled,
    external_reference: record.externalReference,
    idempotency_key: record.idempotencyKey,
    step: record.step,
    details: detailsJson,
    timestamp: record.timestamp,
    chain_index: record.chainIndex,
    prev_hash: record.prevHash,
    hash: record.hash,
    recorded_at: record.recordedAt,
  };
}
