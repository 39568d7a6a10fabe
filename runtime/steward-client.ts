import { Client, WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/client';
import { digestOf } from '../workflows/kit/digest.js';
import { signApproval } from './approval-tokens.js';
import {
  approvalUpdate,
  billingSyncedSignal,
  operatorAbortSignal,
  operatorRetrySignal,
  provideDataSignal,
  searchAttributes,
  stateQuery,
  TASK_QUEUE,
  type ApprovalAnswer,
  type ApprovalVerdict,
} from '../workflows/messages.js';
import type { WorkflowState } from '../workflows/kit/state.js';
import type { ProposedRefund, TicketEvent } from '../workflows/model.js';
import { describeIssues, TicketEventSchema } from '../workflows/ticket-event.js';
import { WORKFLOW_TYPE } from '../workflows/duplicatePaymentRefund.js';

export class InvalidEventError extends Error {
  override name = 'InvalidEventError';
}

export interface StartResult {
  workflowId: string;
  /** False when this ticket already has a workflow: the same ticket never starts a second one. */
  started: boolean;
  runId: string | null;
}

export interface WaitingRun {
  workflowId: string;
  ticketId: string | null;
  customerId: string | null;
  refundAmountUsd: number | null;
  startTime: string;
}

/** The workflow id is the ticket's: this is what makes starting idempotent. */
export const workflowIdForTicket = (ticketId: string) => `${WORKFLOW_TYPE}-${ticketId}`;

/**
 * What event sources, managers and operators call (the CLI in client.ts is a thin layer on top).
 * Every method validates its input before anything reaches Temporal.
 */
export class StewardClient {
  constructor(
    readonly temporal: Client,
    private readonly taskQueue = TASK_QUEUE,
  ) {}

  /** Starts the refund workflow for a ticket event, once per ticket id, ever. */
  async startTicket(input: unknown): Promise<StartResult> {
    const parsed = TicketEventSchema.safeParse(input);
    if (!parsed.success) throw new InvalidEventError(`invalid ticket event: ${describeIssues(parsed.error)}`);
    const event: TicketEvent = parsed.data;
    const workflowId = workflowIdForTicket(event.ticketId);
    try {
      const handle = await this.temporal.workflow.start(WORKFLOW_TYPE, {
        taskQueue: this.taskQueue,
        workflowId,
        args: [event],
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        typedSearchAttributes: [{ key: searchAttributes.ticketId, value: event.ticketId }],
        staticSummary: `Ticket ${event.ticketId} from ${event.senderEmail}: ${event.subject}`.slice(0, 200),
      });
      return { workflowId, started: true, runId: handle.firstExecutionRunId };
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) return { workflowId, started: false, runId: null };
      throw err;
    }
  }

  state(workflowId: string): Promise<WorkflowState> {
    return this.temporal.workflow.getHandle(workflowId).query(stateQuery);
  }

  /**
   * Signs an approval decision with the approver's key and sends it; returns the workflow's answer
   * (accepted, or refused with the reason). Without `actionDigest`, the digest of the action
   * pending right now is signed, so the decision binds to the exact action `state` shows.
   */
  async decide(
    workflowId: string,
    decision: ApprovalVerdict,
    opts: { approver: string; approverKey: string; comment?: string; actionDigest?: string; ttlSeconds?: number },
  ): Promise<ApprovalAnswer> {
    if (!opts.approver?.trim()) throw new Error('approver is required');
    if (!/^[0-9a-f]{64}$/.test(opts.approverKey ?? '')) throw new Error('an approver key is required (STEWARD_APPROVER_KEY or --key; issued by `client.ts approvers issue-key`)');
    let actionDigest = opts.actionDigest;
    if (!actionDigest) {
      const pending = (await this.state(workflowId)).facts.approval_request as { proposed: ProposedRefund } | undefined;
      if (!pending) return { status: 'refused', reason: 'no approval is pending for this workflow' };
      actionDigest = digestOf(pending.proposed);
    }
    const token = signApproval(opts.approverKey, { approver: opts.approver, workflowId, actionDigest, decision, ttlSeconds: opts.ttlSeconds });
    return this.temporal.workflow.getHandle(workflowId).executeUpdate(approvalUpdate, {
      args: [{ decision, approver: opts.approver, actionDigest, token, comment: opts.comment }],
    });
  }

  async retry(workflowId: string, operator: string, note?: string): Promise<void> {
    await this.temporal.workflow.getHandle(workflowId).signal(operatorRetrySignal, { operator, note });
  }

  async abort(workflowId: string, operator: string, note?: string): Promise<void> {
    await this.temporal.workflow.getHandle(workflowId).signal(operatorAbortSignal, { operator, note });
  }

  async provideIdentifier(workflowId: string, data: { customerId?: string; email?: string; providedBy: string }): Promise<void> {
    if (!data.customerId && !data.email) throw new Error('give a customer id or an email');
    if (data.customerId && !/^cus_[A-Za-z0-9]+$/.test(data.customerId)) throw new Error(`customer id ${data.customerId} does not look like a Stripe customer id (cus_...)`);
    await this.temporal.workflow.getHandle(workflowId).signal(provideDataSignal, data);
  }

  async billingSynced(workflowId: string): Promise<void> {
    await this.temporal.workflow.getHandle(workflowId).signal(billingSyncedSignal);
  }

  /** Runs paused on a manager's decision, newest first. */
  async waitingForApproval(): Promise<WaitingRun[]> {
    const runs: WaitingRun[] = [];
    const query = `${searchAttributes.currentStep.name} = 'waiting_for_manager_approval' AND ExecutionStatus = 'Running'`;
    for await (const wf of this.temporal.workflow.list({ query })) {
      const sa = wf.typedSearchAttributes;
      runs.push({
        workflowId: wf.workflowId,
        ticketId: sa.get(searchAttributes.ticketId) ?? null,
        customerId: sa.get(searchAttributes.customerId) ?? null,
        refundAmountUsd: sa.get(searchAttributes.refundAmountUsd) ?? null,
        startTime: wf.startTime.toISOString(),
      });
    }
    return runs;
  }
}
