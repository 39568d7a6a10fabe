import { condition, setHandler } from '@temporalio/workflow';
import { approvalSignal, approvalUpdate, type ApprovalDecision, type ApprovalVerdict } from '../messages.js';
import type { AuditQueue } from './audit.js';

export interface ApprovalRequest {
  step: string;
  /** Digest of the exact action shown to the approver (see kit/digest.ts). */
  digest: string;
  amountUsd: number;
  summary: string;
}

export type ApprovalOutcome =
  | { verdict: 'approve' | 'reject'; approver: string; comment: string | null; decidedAt: string }
  | { verdict: 'expired' };

export interface ApprovalTimers {
  escalateAfterMs: number;
  expireAfterMs: number;
  /** Runs once when the escalation time passes with no decision. */
  onEscalate(): Promise<void>;
  /** Runs for each "request more info"; the request stays open. */
  onRequestInfo(decision: ApprovalDecision): Promise<void>;
}

/**
 * Manager approval as the article draws it: the workflow waits on a signal (or an update that
 * answers the caller at once), escalates when nobody decides, and expires safely. A decision is
 * checked against the open request before it counts; a refused one is audited and the workflow
 * keeps waiting.
 */
export class ApprovalDesk {
  private open: ApprovalRequest | null = null;
  private accepted: ApprovalDecision[] = [];

  constructor(private readonly audit: AuditQueue) {
    setHandler(approvalSignal, (decision) => {
      const refusal = this.refusalFor(decision);
      if (refusal) this.recordRefusal(decision, refusal);
      else this.accepted.push(decision);
    });
    // The update is handled, not validated: a validator's rejection leaves no trace in history,
    // and every refused approval must reach the audit trail.
    setHandler(approvalUpdate, (decision) => {
      const refusal = this.refusalFor(decision);
      if (refusal) {
        this.recordRefusal(decision, refusal);
        return { status: 'refused' as const, reason: refusal };
      }
      this.accepted.push(decision);
      return { status: 'accepted' as const, decision: decision.decision };
    });
  }

  get pending(): ApprovalRequest | null {
    return this.open;
  }

  /** Why a decision cannot count, or null if it can. */
  refusalFor(decision: ApprovalDecision): string | null {
    if (!this.open) return 'no approval is pending for this workflow';
    const verdicts: ApprovalVerdict[] = ['approve', 'reject', 'request_info'];
    if (!decision || !verdicts.includes(decision.decision)) return `decision must be one of ${verdicts.join(', ')}`;
    if (typeof decision.approver !== 'string' || decision.approver.trim() === '') return 'approver is required';
    if (decision.actionDigest !== this.open.digest) {
      return `approval is for action ${String(decision.actionDigest).slice(0, 12)}…, but the proposed action is ${this.open.digest.slice(0, 12)}…`;
    }
    return null;
  }

  async waitFor(request: ApprovalRequest, timers: ApprovalTimers): Promise<ApprovalOutcome> {
    this.open = request;
    this.accepted = [];
    const startedAt = Date.now();
    let escalated = false;
    try {
      for (;;) {
        const deadline = startedAt + (escalated ? timers.expireAfterMs : timers.escalateAfterMs);
        const decided = await condition(() => this.accepted.length > 0, Math.max(0, deadline - Date.now()));
        if (!decided) {
          if (escalated) return { verdict: 'expired' };
          escalated = true;
          await timers.onEscalate();
          continue;
        }
        const decision = this.accepted.shift()!;
        this.audit.record(`approval_${decision.decision}`, request.step, {
          actor: `human:${decision.approver}`,
          humanApprover: decision.approver,
          amountUsd: request.amountUsd,
          reason: decision.comment ?? null,
          details: { actionDigest: decision.actionDigest },
        });
        if (decision.decision === 'request_info') {
          await timers.onRequestInfo(decision);
          continue;
        }
        return { verdict: decision.decision, approver: decision.approver, comment: decision.comment ?? null, decidedAt: new Date().toISOString() };
      }
    } finally {
      this.open = null;
    }
  }

  private recordRefusal(decision: ApprovalDecision, reason: string): void {
    this.audit.record('approval_refused', this.open?.step ?? 'no_open_approval', {
      actor: `unverified:${String(decision?.approver ?? 'unknown')}`,
      reason,
      details: { claimedDecision: decision?.decision ?? null, actionDigest: decision?.actionDigest ?? null },
    });
  }
}
