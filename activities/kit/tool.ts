import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Logger } from 'pino';
import type { AuditEventInput, AuditStore } from '../../audit/types.js';
import type { AgentScopes } from '../../policies/agents.js';
import type { StepMeta } from '../../workflows/model.js';
import { checkPermission } from './gate.js';
import { toActivityFailure } from './errors.js';

export interface ToolKit {
  audit: AuditStore;
  scopes: AgentScopes;
  logger: Logger;
}

/** What a tool knows when it runs: who called it, and the idempotency key for its side effect. */
export interface ToolCall<T> {
  workflowId: string;
  workflowType: string;
  meta: StepMeta;
  /** `<workflowId>:<step>:<target>`: stable across activity retries and worker crashes. */
  idempotencyKey: string;
  /** What `resolveTarget` found in the system of record (e.g. the charge to refund). */
  target: T;
}

/** What the audit record of a successful call says. */
export interface ToolReceipt {
  event: string;
  amountUsd?: number | null;
  reason?: string | null;
  externalReference?: string | null;
  humanApprover?: string | null;
  details?: Record<string, unknown>;
}

export interface ToolSpec<A, R, T = null> {
  /** The name the permission gate checks and the audit trail shows, e.g. `stripe.refunds.create`. */
  tool: string;
  /** The object the side effect acts on, for the idempotency key (e.g. the charge id). */
  keyTarget(args: A, meta: StepMeta): string;
  /**
   * Reads what the call would touch from the system of record before the gate decides, so the
   * gate checks the real customer and amount, not what the workflow claims.
   */
  resolveTarget?(args: A, context: { meta: StepMeta; workflowId: string }): Promise<T>;
  /** The money and customer the gate should see. */
  gateFacts?(args: A, target: T): { amountUsd: number | null; currency: string | null; targetCustomerId: string | null; approved: boolean };
  run(args: A, call: ToolCall<T>): Promise<R>;
  receipt(result: R, args: A, call: ToolCall<T>): ToolReceipt;
}

/**
 * Builds an activity from a tool spec and applies the cross-cutting rules once, for every tool:
 *
 * 1. store the workflow's queued decisions (they ride along instead of costing a round trip);
 * 2. the permission gate, deny by default, on facts read from the system of record;
 * 3. a deterministic idempotency key for the side effect;
 * 4. the call, with vendor errors mapped to retryable or non-retryable failures;
 * 5. one audit record of what happened, keyed so a retry never writes it twice.
 */
export function defineTool<A, R, T = null>(kit: ToolKit, spec: ToolSpec<A, R, T>) {
  return async (meta: StepMeta, args: A): Promise<R> => {
    const info = Context.current().info;
    const workflowId = info.workflowExecution?.workflowId;
    const workflowType = info.workflowType;
    if (!workflowId || !workflowType) throw ApplicationFailure.nonRetryable(`${spec.tool} runs only inside a workflow`, 'InvalidInput');
    if (meta.audit.length > 0) await kit.audit.append(meta.audit);

    const idempotencyKey = `${workflowId}:${meta.step}:${spec.keyTarget(args, meta)}`;
    const record = (fields: ToolReceipt & { eventSuffix: string }): AuditEventInput => ({
      eventId: `${idempotencyKey}:${spec.tool}:${fields.eventSuffix}`,
      event: fields.event,
      workflowId,
      workflowType,
      actor: 'ai_agent:support_refund_agent',
      humanApprover: fields.humanApprover ?? null,
      customerId: meta.customerId,
      amountUsd: fields.amountUsd ?? null,
      policyVersion: meta.policyVersion,
      reason: fields.reason ?? null,
      toolCalled: spec.tool,
      externalReference: fields.externalReference ?? null,
      idempotencyKey,
      step: meta.step,
      details: fields.details ?? {},
      timestamp: new Date().toISOString(),
    });

    try {
      const target = spec.resolveTarget ? await spec.resolveTarget(args, { meta, workflowId }) : (null as T);
      const facts = spec.gateFacts?.(args, target) ?? { amountUsd: null, currency: null, targetCustomerId: null, approved: false };
      const verdict = checkPermission(kit.scopes, { workflowType, tool: spec.tool, boundCustomerId: meta.customerId, ...facts });
      if (!verdict.allowed) {
        await kit.audit.append([
          record({ event: 'tool_call_refused', eventSuffix: 'refused', reason: verdict.reason, amountUsd: facts.amountUsd, details: { gate: verdict } }),
        ]);
        kit.logger.warn({ workflowId, tool: spec.tool, reason: verdict.reason }, 'permission gate refused a tool call');
        throw ApplicationFailure.nonRetryable(verdict.reason, 'PermissionDenied', { tool: spec.tool });
      }
      const call: ToolCall<T> = { workflowId, workflowType, meta, idempotencyKey, target };
      const result = await spec.run(args, call);
      await kit.audit.append([record({ ...spec.receipt(result, args, call), eventSuffix: 'done' })]);
      return result;
    } catch (err) {
      throw toActivityFailure(err);
    }
  };
}
