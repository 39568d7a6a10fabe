import { digestOf } from '../workflows/kit/digest.js';
import type { ProposedRefund } from '../workflows/model.js';
import { defineTool, type ToolKit } from './kit/tool.js';
import type { BillingCharge, BillingPort, BillingRefund } from './ports.js';

export interface RefundArgs {
  proposed: ProposedRefund;
  /** Present when a manager approved this exact action (its digest). */
  approval: { approver: string; digest: string; decidedAt: string } | null;
}

export type RefundResult = { status: 'refunded'; refund: BillingRefund } | { status: 'facts_changed'; reason: string };

/**
 * Step 9, the only call that moves money. The charge is read fresh right before acting (after a
 * pause of days, it may have been refunded or disputed since), the gate checks amount and customer
 * against that fresh read, and the refund carries Steward's idempotency key, so a retry after a
 * lost answer finds the refund instead of making a second one.
 */
export function refundActivities(kit: ToolKit, billing: BillingPort) {
  return {
    createRefund: defineTool<RefundArgs, RefundResult, BillingCharge>(kit, {
      tool: 'stripe.refunds.create',
      keyTarget: (args) => args.proposed.chargeId,
      resolveTarget: (args) => billing.getCharge(args.proposed.chargeId),
      gateFacts: (args, charge) => ({
        amountUsd: args.proposed.amountCents / 100,
        currency: charge.currency,
        targetCustomerId: charge.customerId,
        approved: args.approval !== null && args.approval.digest === digestOf(args.proposed),
      }),
      run: async ({ proposed, approval }, call) => {
        const ours = await billing.findRefundByKey(proposed.chargeId, call.idempotencyKey);
        if (ours) return { status: 'refunded', refund: ours };
        const changed = whatChanged(call.target, proposed);
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
