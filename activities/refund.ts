import { findApprover } from '../policies/approvers.js';
import { verifyApproval } from '../runtime/approval-tokens.js';
import { digestOf } from '../workflows/kit/digest.js';
import type { ProposedRefund } from '../workflows/model.js';
import type { ApprovalSettings } from './approval.js';
import { defineTool, type ToolKit } from './kit/tool.js';
import type { BillingCharge, BillingPort, BillingRefund } from './ports.js';

export interface RefundArgs {
  proposed: ProposedRefund;
  /** Present when a manager approved this exact action: their verified id and the signed credential. */
  approval: { approver: string; digest: string; decidedAt: string; token: string } | null;
}

export type RefundResult = { status: 'refunded'; refund: BillingRefund } | { status: 'facts_changed'; reason: string };

/**
 * Step 9, the only call that moves money. The charge is read fresh right before acting (after a
 * pause of days, it may have been refunded or disputed since), the gate checks amount and customer
 * against that fresh read, and the refund carries Steward's idempotency key, so a retry after a
 * lost answer finds the refund instead of making a second one.
 */
export function refundActivities(kit: ToolKit, billing: BillingPort, approvals: ApprovalSettings) {
  /**
   * The gate's "approved" comes from the credential itself, re-verified here, not from the
   * workflow's say-so: a bug in workflow code cannot turn a claimed approval into money.
   * Expiry is not re-checked: the workflow accepted the credential while it was valid.
   */
  const approvalCovers = (args: RefundArgs, workflowId: string) => {
    if (!args.approval) return false;
    const check = verifyApproval(approvals.secret, args.approval.token, {
      workflowId,
      actionDigest: digestOf(args.proposed),
      decision: 'approve',
      nowSeconds: null,
    });
    const approver = check.ok ? findApprover(approvals.approvers, check.claims.approver) : null;
    return approver !== null && args.proposed.amountCents / 100 <= approver.maxAmountUsd;
  };

  return {
    createRefund: defineTool<RefundArgs, RefundResult, { charge: BillingCharge; approved: boolean }>(kit, {
      tool: 'stripe.refunds.create',
      keyTarget: (args) => args.proposed.chargeId,
      resolveTarget: async (args, { workflowId }) => ({
        charge: await billing.getCharge(args.proposed.chargeId),
        approved: approvalCovers(args, workflowId),
      }),
      gateFacts: (args, { charge, approved }) => ({
        amountUsd: args.proposed.amountCents / 100,
        currency: charge.currency,
        targetCustomerId: charge.customerId,
        approved,
      }),
      run: async ({ proposed, approval }, call) => {
        const ours = await billing.findRefundByKey(proposed.chargeId, call.idempotencyKey);
        if (ours) return { status: 'refunded', refund: ours };
        const changed = whatChanged(call.target.charge, proposed);
        if (changed) return { status: 'facts_changed', reason: changed };
        const refund = await billing.createRefund(
          {
            chargeId: proposed.chargeId,
            amountCents: proposed.amountCents,
            reason: 'duplicate',
            metadata: { steward_key: call.idempotencyKey, workflow_id: call.workflowId, approver: approval?.approver ?? '' },
          },
          call.idempotencyKey,
        );
        return { status: 'refunded', refund };
      },
      receipt: (result, { proposed, approval }) =>
        result.status === 'refunded'
          ? {
              event: 'refund_created',
              amountUsd: result.refund.amountCents / 100,
              reason: 'duplicate_payment_confirmed',
              externalReference: result.refund.id,
              humanApprover: approval?.approver ?? null,
              details: { chargeId: proposed.chargeId, refundStatus: result.refund.status, approvalDigest: approval?.digest ?? null },
            }
          : { event: 'refund_not_created', amountUsd: proposed.amountCents / 100, reason: result.reason, details: { chargeId: proposed.chargeId } },
    }),
  };
}

/** The re-check: anything here means the plan was made on facts that are no longer true. */
function whatChanged(charge: BillingCharge, proposed: ProposedRefund): string | null {
  if (charge.status !== 'succeeded') return `charge ${charge.id} is ${charge.status}`;
  if (charge.disputed) return `charge ${charge.id} is now disputed`;
  if (charge.amountRefundedCents > 0) return `charge ${charge.id} was already refunded (${charge.amountRefundedCents} cents) by someone else`;
  if (charge.amountCents !== proposed.amountCents || charge.currency !== proposed.currency) {
    return `charge ${charge.id} is now ${charge.amountCents} ${charge.currency}, not ${proposed.amountCents} ${proposed.currency}`;
  }
  return null;
}
