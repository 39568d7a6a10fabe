import { workflowInfo } from '@temporalio/workflow';
import type { AuditEventInput } from '../../audit/types.js';

export const AGENT_ACTOR = 'ai_agent:support_refund_agent';

/**
 * Audit records for decisions the workflow makes itself (policy result, plan, approval, pause).
 * They are not written with a round trip of their own: they ride along with the next activity
 * call, which stores them before acting (see activities/kit/tool.ts). Event ids are deterministic
 * (workflow id + a counter), so a retried activity or a replayed workflow never duplicates one.
 */
export class AuditQueue {
  private pending: AuditEventInput[] = [];
  private counter = 0;
  /** Facts every record of this run shares; set as the workflow learns them. */
  readonly context = { customerId: null as string | null, policyVersion: null as string | null };

  constructor(private readonly workflowType: string) {}

  record(
    event: string,
    step: string,
    fields: Partial<Pick<AuditEventInput, 'actor' | 'humanApprover' | 'amountUsd' | 'reason' | 'details'>> = {},
  ): void {
    const { workflowId } = workflowInfo();
    this.counter += 1;
    this.pending.push({
      eventId: `${workflowId}:wf:${this.counter}:${event}`,
      event,
      workflowId,
      workflowType: this.workflowType,
      actor: fields.actor ?? AGENT_ACTOR,
      humanApprover: fields.humanApprover ?? null,
      customerId: this.context.customerId,
      amountUsd: fields.amountUsd ?? null,
      policyVersion: this.context.policyVersion,
      reason: fields.reason ?? null,
      toolCalled: null,
      externalReference: null,
      idempotencyKey: null,
      step,
      details: fields.details ?? {},
      timestamp: new Date().toISOString(),
    });
  }

  /** Hands the queued records to the activity about to run. */
  drain(): AuditEventInput[] {
    const out = this.pending;
    this.pending = [];
    return out;
  }

  requeue(events: AuditEventInput[]): void {
    this.pending = [...events, ...this.pending];
  }
}
