/**
 * The audit event schema (README "Audit event schema"). The article's fields, plus what makes a
 * record trustworthy: a deterministic event id (so retries never duplicate), the step, the
 * idempotency key of the side effect, details (rules fired, facts seen, model and prompt hash),
 * and the hash chain the store adds.
 */
export interface AuditEventInput {
  /** Deterministic, attempt-independent: e.g. `<workflowId>:refund:create_refund:<chargeId>`. */
  eventId: string;
  event: string;
  workflowId: string;
  workflowType: string;
  /** `ai_agent:support_refund_agent`, `human:<approverId>`, `system:steward`, `operator:<name>`. */
  actor: string;
  humanApprover: string | null;
  customerId: string | null;
  amountUsd: number | null;
  policyVersion: string | null;
  reason: string | null;
  toolCalled: string | null;
  externalReference: string | null;
  idempotencyKey: string | null;
  step: string;
  details: Record<string, unknown>;
  /** ISO-8601, when the event happened (workflow time for workflow decisions). */
  timestamp: string;
}

/** A stored record: the input plus its place in the workflow's hash chain. */
export interface AuditRecord extends AuditEventInput {
  /** Position in the whole store (insertion order). */
  seq: number;
  /** Position within the workflow's chain, from 1. */
  chainIndex: number;
  prevHash: string;
  hash: string;
  recordedAt: string;
}

export interface ChainBreak {
  workflowId: string;
  chainIndex: number;
  eventId: string | null;
  problem: string;
}

export interface VerifyResult {
  ok: boolean;
  workflowsChecked: number;
  recordsChecked: number;
  breaks: ChainBreak[];
}

export interface AuditStore {
  readonly kind: 'sqlite' | 'postgres';
  /** Runs pending schema migrations. Safe to call on every start-up. */
  migrate(): Promise<void>;
  /** Appends events in order; an event id already stored is skipped, not duplicated. */
  append(events: AuditEventInput[]): Promise<{ inserted: number; skipped: number }>;
  listByWorkflow(workflowId: string): Promise<AuditRecord[]>;
  /** Records with `timestamp` in [from, to), oldest first, for compliance export. */
  listByTimeRange(fromIso: string, toIso: string): Promise<AuditRecord[]>;
  /** Recomputes every chain (or one workflow's) and reports exactly where it breaks. */
  verify(workflowId?: string): Promise<VerifyResult>;
  close(): Promise<void>;
}
