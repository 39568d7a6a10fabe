import { z } from 'zod';

/**
 * Shape of `policies/refund-policy.yaml`. Strict: an unknown key is a typo that would otherwise
 * silently disable a rule, so it fails start-up instead.
 */
export const RefundPolicySchema = z
  .object({
    version: z.string().regex(/^[a-z0-9_]+_v\d+$/, 'version must look like refund_policy_v3'),
    intent_confidence_threshold: z.number().min(0).max(1),
    duplicate_detection: z.object({ max_hours_apart: z.number().positive() }).strict(),
    auto_approve: z
      .object({
        max_amount_usd: z.number().nonnegative(),
        within_days: z.number().int().positive(),
        customer_risk_score_below: z.number().min(0).max(1),
      })
      .strict(),
    require_human_approval: z
      .object({
        amount_above_usd: z.number().nonnegative(),
        customer_has_prior_refunds: z.boolean(),
        fraud_signal_detected: z.boolean(),
        open_chargeback: z.boolean(),
      })
      .strict(),
    never_refund_automatically: z
      .object({
        product_type: z.array(z.string().min(1)),
        account_status: z.array(z.string().min(1)),
      })
      .strict(),
    risk_score: z
      .object({
        weights: z
          .object({
            per_prior_refund: z.number().min(0).max(1),
            per_prior_dispute: z.number().min(0).max(1),
            fraud_signal: z.number().min(0).max(1),
            account_younger_than_days: z.number().min(0).max(1),
          })
          .strict(),
        account_young_days: z.number().int().positive(),
      })
      .strict(),
    approval: z
      .object({
        escalate_after_hours: z.number().positive(),
        expire_after_hours: z.number().positive(),
      })
      .strict()
      .refine((a) => a.escalate_after_hours < a.expire_after_hours, {
        message: 'approval.escalate_after_hours must be before expire_after_hours',
      }),
    waits: z
      .object({
        customer_identifier_hours: z.number().positive(),
        billing_sync_hours: z.number().positive(),
        billing_sync_poll_minutes: z.number().positive(),
        operator_hours: z.number().positive(),
      })
      .strict(),
  })
  .strict();

export type RefundPolicy = z.infer<typeof RefundPolicySchema>;
