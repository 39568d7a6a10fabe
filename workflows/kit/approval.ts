import { condition, patched, setHandler } from '@temporalio/workflow';
import type { VerifiedApproval } from '../../activities/approval.js';
import { approvalSignal, approvalUpdate, type ApprovalAnswer, type ApprovalDecision, type ApprovalVerdict } from '../messages.js';
import type { AuditQueue } from './audit.js';

export interface ApprovalRequest {
  step: string;
  /** Digest of the exact action shown to the approver (see kit/digest.ts). */
  digest: string;
  amountUsd: number;
  summary: string;
}

/** A decision whose credential the worker verified: `approver` is a proven identity. */
export interface AcceptedDecision {
  decision: ApprovalVerdict;
  approver: string;
  role: string;
  comment: string | null;
  token: string;
  tokenId: string;
}

export type ApprovalOutcome = (AcceptedDecision & { verdict: 'approve' | 'reject'; decidedAt: string }) | { verdict: 'expired' };

export interface ApprovalTimers {
  escalateAfterMs: number;
  expireAfterMs: number;
  /** Runs once when the escalation time passes with no decision. */
  onEscalate(): Promise<void>;
  /** Runs for each "request more info"; the request stays open. */
  onRequestInfo(decision: AcceptedDecision): Promise<void>;
}

/** patched() id of the change that made approver credentials mandatory. */
export const APPROVAL_CREDENTIALS_PATCH = 'approval-credentials-v1';

/** Asks the worker to verify a credential (the workflow holds no secret). */
export type CredentialCheck = (decision: ApprovalDecision, request: ApprovalRequest) => Promise<VerifiedApproval>;

/**
 * Manager approval as the article draws it: the workflow waits on a signal (or an update that
 * answers the caller at once), escalates when nobody decides, and expires safely. A decision
 * counts only if its credential proves who sent it and binds it to the open action; each
 * credential is usable once. Every refusal is audited and the workflow keeps waiting.
 */
export class ApprovalDesk {
  private openRequest: ApprovalRequest | null = null;
  private accepted: AcceptedDecision[] = [];
  private readonly usedTokens = new Set<string>();

  constructor(
    private readonly audit: AuditQueue,
    private readonly checkCredential: CredentialCheck,
    /** Stores queued audit records now: a refusal during a long wait must not sit in memory. */
    private readonly flushAudit: () => Promise<void>,
  ) {
    // Both paths run the same checks. The update is handled, not validated: a validator's
    // rejection leaves no trace in history, and every refused approval must reach the audit trail.
    setHandler(approvalSignal, async (decision) => {
      await this.consider(decision);
    });
    setHandler(approvalUpdate, (decision) => this.consider(decision));
  }

  private async consider(decision: ApprovalDecision): Promise<ApprovalAnswer> {
    // Runs that accepted an approval before credentials existed replay the old way; every
    // decision processed since this change is verified (see README "Upgrading workers").
    if (!patched(APPROVAL_CREDENTIALS_PATCH)) return this.considerLegacy(decision);
    const request = this.openRequest;
    const refusal = this.shapeRefusal(decision, request);
    if (refusal || !request) return this.refuseAndFlush(decision, refusal ?? 'no approval is pending for this workflow');
    let verified: VerifiedApproval;
    try {
      verified = await this.checkCredential(decision, request);
    } catch (err) {
      // The check itself failed (the CRM or audit store is down). A handler that throws would fail
      // the workflow; the decision is refused instead and can simply be sent again.
      return this.refuseAndFlush(decision, `the credential could not be checked right now (${(err as Error).message}); send the decision again`);
    }
    // The activity audited its own refusals; the ones below are the workflow's.
    if (!verified.ok) return { status: 'refused', reason: verified.reason };
    if (this.openRequest !== request) return this.refuseAndFlush(decision, 'the action changed while the credential was being checked; review it again');
    if (this.usedTokens.has(verified.tokenId)) return this.refuseAndFlush(decision, 'this approval credential was already used');
    this.usedTokens.add(verified.tokenId);
    this.accepted.push({
      decision: decision.decision,
      approver: verified.approverId,
      role: verified.role,
      comment: decision.comment ?? null,
      token: decision.token as string,
      tokenId: verified.tokenId,
    });
    return { status: 'accepted', decision: decision.decision };
  }

  /** Before credentials: a name and the right digest were enough. Kept only so old histories replay. */
  private considerLegacy(decision: ApprovalDecision): ApprovalAnswer {
    const request = this.openRequest;
    const refusal = request && decision?.approver?.trim() && decision.actionDigest === request.digest ? null : 'invalid approval';
    if (refusal) return this.refuse(decision, refusal);
    this.accepted.push({ decision: decision.decision, approver: decision.approver, role: 'unverified', comment: decision.comment ?? null, token: '', tokenId: '' });
    return { status: 'accepted', decision: decision.decision };
  }

  /** Checks that need no secret: is anything pending, is the payload well-formed, is it for this action. */
  private shapeRefusal(decision: ApprovalDecision, request: ApprovalRequest | null): string | null {
    if (!request) return 'no approval is pending for this workflow';
    const verdicts: ApprovalVerdict[] = ['approve', 'reject', 'request_info'];
    if (!decision || !verdicts.includes(decision.decision)) return `decision must be one of ${verdicts.join(', ')}`;
    if (typeof decision.token !== 'string' || decision.token === '') return 'the approval carries no credential (a claimed name is not an identity)';
    if (decision.actionDigest !== request.digest) {
      return `approval is for action ${String(decision.actionDigest).slice(0, 12)}…, but the proposed action is ${request.digest.slice(0, 12)}…`;
    }
    return null;
  }

  /** Starts accepting decisions for `request` (before the run announces that it waits). */
  open(request: ApprovalRequest): void {
    this.openRequest = request;
    this.accepted = [];
  }

  async waitFor(request: ApprovalRequest, timers: ApprovalTimers): Promise<ApprovalOutcome> {
    if (this.openRequest !== request) this.open(request);
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
          reason: decision.comment,
          details: { actionDigest: request.digest, role: decision.role, tokenId: decision.tokenId, identity: 'verified' },
        });
        if (decision.decision === 'request_info') {
          await timers.onRequestInfo(decision);
          continue;
        }
        return { ...decision, verdict: decision.decision as 'approve' | 'reject', decidedAt: new Date().toISOString() };
      }
    } finally {
      this.openRequest = null;
    }
  }

  private async refuseAndFlush(decision: ApprovalDecision, reason: string): Promise<ApprovalAnswer> {
    const answer = this.refuse(decision, reason);
    // Best effort: if the store is down too, the records stay queued for the next activity.
    await this.flushAudit().catch(() => undefined);
    return answer;
  }

  private refuse(decision: ApprovalDecision, reason: string): ApprovalAnswer {
    this.audit.record('approval_refused', this.openRequest?.step ?? 'no_open_approval', {
      actor: `unverified:${String(decision?.approver ?? 'unknown').slice(0, 64)}`,
      reason,
      details: { claimedDecision: decision?.decision ?? null, actionDigest: decision?.actionDigest ?? null },
    });
    return { status: 'refused', reason };
  }
}
