import { createHash } from 'node:crypto';
import { findApprover, type Approvers } from '../policies/approvers.js';
import { verifyApproval } from '../runtime/approval-tokens.js';
import type { ApprovalVerdict } from '../workflows/messages.js';
import { defineTool, type ToolKit } from './kit/tool.js';
import type { CrmPort } from './ports.js';

export interface ApprovalSettings {
  /** STEWARD_APPROVAL_SECRET: approver keys derive from it; it never leaves the worker. */
  secret: string;
  approvers: Approvers;
}

export interface VerifyApprovalArgs {
  token: unknown;
  decision: ApprovalVerdict;
  actionDigest: string;
  amountUsd: number;
  ticketId: string;
  /** The ticket's sender: the requester, who may not approve their own refund. */
  requesterEmail: string;
}

export type VerifiedApproval =
  | { ok: true; approverId: string; approverName: string; role: string; maxAmountUsd: number; tokenId: string; expiresAt: string }
  | { ok: false; claimedApprover: string | null; reason: string };

/**
 * Proves who is approving. The workflow holds no secret, so it asks this activity: is the
 * credential genuine, for this workflow and this exact action, unexpired, from a listed approver
 * whose limit covers the amount, and not the ticket's requester or assignee? Every answer, yes or
 * no, is one audit record.
 */
export function approvalActivities(kit: ToolKit, settings: ApprovalSettings, crm: CrmPort) {
  return {
    verifyApproval: defineTool<VerifyApprovalArgs, VerifiedApproval>(kit, {
      tool: 'approvals.verify_credential',
      // One record per credential presented: the same token checked twice (a retry) is one record.
      keyTarget: (args) => `credential:${createHash('sha256').update(String(args.token)).digest('hex').slice(0, 24)}`,
      run: async (args, call) => {
        const check = verifyApproval(settings.secret, args.token, {
          workflowId: call.workflowId,
          actionDigest: args.actionDigest,
          decision: args.decision,
          nowSeconds: Math.floor(Date.now() / 1000),
        });
        if (!check.ok) return { ok: false, claimedApprover: claimedApprover(args.token), reason: check.reason };
        const { claims } = check;
        const approver = findApprover(settings.approvers, claims.approver);
        if (!approver) return { ok: false, claimedApprover: claims.approver, reason: `${claims.approver} is not a listed approver` };
        if (args.decision === 'approve' && args.amountUsd > approver.maxAmountUsd) {
          return { ok: false, claimedApprover: claims.approver, reason: `$${args.amountUsd} is above ${approver.id}'s approval limit of $${approver.maxAmountUsd} (${approver.role})` };
        }
        if (approver.email.toLowerCase() === args.requesterEmail.toLowerCase()) {
          return { ok: false, claimedApprover: claims.approver, reason: `${approver.id} requested this refund and cannot approve it` };
        }
        const ticket = await crm.getTicket(args.ticketId);
        if (approver.hubspot_owner_id && ticket.ownerId === approver.hubspot_owner_id) {
          return { ok: false, claimedApprover: claims.approver, reason: `${approver.id} is assigned to ticket ${args.ticketId} and cannot approve it` };
        }
        return {
          ok: true,
          approverId: approver.id,
          approverName: approver.name,
          role: approver.role,
          maxAmountUsd: approver.maxAmountUsd,
          tokenId: claims.jti,
          expiresAt: new Date(claims.exp * 1000).toISOString(),
        };
      },
      receipt: (result, args) =>
        result.ok
          ? {
              event: 'approval_credential_verified',
              humanApprover: result.approverId,
              amountUsd: args.amountUsd,
              reason: args.decision,
              details: { role: result.role, limitUsd: result.maxAmountUsd, tokenId: result.tokenId, expiresAt: result.expiresAt, actionDigest: args.actionDigest },
            }
          : {
              event: 'approval_refused',
              amountUsd: args.amountUsd,
              reason: result.reason,
              details: { claimedApprover: result.claimedApprover, decision: args.decision, actionDigest: args.actionDigest },
            },
    }),
  };
}

/** For the audit record of a refusal: who the token claims to be, never trusted for anything else. */
function claimedApprover(token: unknown): string | null {
  if (typeof token !== 'string') return null;
  try {
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { approver?: unknown };
    return typeof claims.approver === 'string' ? claims.approver.slice(0, 64) : null;
  } catch {
    return null;
  }
}
