import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { WorkflowState } from './kit/state.js';

/**
 * Names outside callers rely on (README "Names you can rely on"). Changing one breaks event
 * sources, the approval inbox and saved UI filters: add new names, never rename.
 */
export const TASK_QUEUE = 'steward';

/** The article's workflow-state JSON. */
export const stateQuery = defineQuery<WorkflowState>('state');

export type ApprovalVerdict = 'approve' | 'reject' | 'request_info';

export interface ApprovalDecision {
  decision: ApprovalVerdict;
  /** Who claims to decide: shown in refusals only. The identity that counts is the credential's. */
  approver: string;
  /** Digest of the proposed action the approver was shown; a stale digest is refused. */
  actionDigest: string;
  /** The approver's signed credential (runtime/approval-tokens.ts); without it nothing is approved. */
  token: string;
  comment?: string;
}

export type ApprovalAnswer = { status: 'accepted'; decision: ApprovalVerdict } | { status: 'refused'; reason: string };

/** Fire-and-forget approval: queued, checked, and audited; an invalid one is refused in the audit trail. */
export const approvalSignal = defineSignal<[ApprovalDecision]>('approvalDecision');
/** Same decision with a synchronous answer: accepted, or refused with the reason. */
export const approvalUpdate = defineUpdate<ApprovalAnswer, [ApprovalDecision]>('submitApprovalDecision');

export interface OperatorCommand {
  operator: string;
  note?: string;
}
/** Retry the step the workflow paused on (after a provider outage, say). */
export const operatorRetrySignal = defineSignal<[OperatorCommand]>('operatorRetry');
/** Stop safely: no further side effects, the customer is told a person will follow up. */
export const operatorAbortSignal = defineSignal<[OperatorCommand]>('operatorAbort');

export interface ProvidedData {
  /** A billing customer id (cus_...) or an email the customer gave when asked. */
  customerId?: string;
  email?: string;
  providedBy: string;
}
/** Answers a "which account is yours?" pause. */
export const provideDataSignal = defineSignal<[ProvidedData]>('provideData');
/** Billing finished syncing (a webhook or a person says so); the workflow re-reads billing. */
export const billingSyncedSignal = defineSignal<[]>('billingSynced');

/** Search attributes registered on the dev server and used by UI filters and `client.ts waiting`. */
export const searchAttributes = {
  customerId: defineSearchAttributeKey('StewardCustomerId', SearchAttributeType.KEYWORD),
  ticketId: defineSearchAttributeKey('StewardTicketId', SearchAttributeType.KEYWORD),
  currentStep: defineSearchAttributeKey('StewardCurrentStep', SearchAttributeType.KEYWORD),
  refundAmountUsd: defineSearchAttributeKey('StewardRefundAmountUsd', SearchAttributeType.DOUBLE),
  approvalRequired: defineSearchAttributeKey('StewardApprovalRequired', SearchAttributeType.BOOL),
  outcome: defineSearchAttributeKey('StewardOutcome', SearchAttributeType.KEYWORD),
} as const;

/** `Name=Type` pairs for `temporal server start-dev --search-attribute`. */
export const searchAttributeFlags = Object.values(searchAttributes).map((k) => `${k.name}=${toCliType(k.type)}`);

function toCliType(type: string): string {
  return { KEYWORD: 'Keyword', DOUBLE: 'Double', BOOL: 'Bool', TEXT: 'Text', INT: 'Int', DATETIME: 'Datetime' }[type] ?? type;
}
