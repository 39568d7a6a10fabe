import type { RefundPolicy } from './schema.js';

/** History signals the risk score is computed from; all come from billing and CRM records. */
export interface RiskSignals {
  priorRefundCount: number;
  priorDisputeCount: number;
  fraudSignal: boolean;
  accountAgeDays: number;
}

export interface RiskScore {
  score: number;
  /** Each weight that contributed, so an approver sees why the score is what it is. */
  contributions: Record<string, number>;
}

/** Deterministic customer risk score: sum of the policy's weights for the signals present, capped at 1. */
export function customerRiskScore(signals: RiskSignals, policy: RefundPolicy['risk_score']): RiskScore {
  const w = policy.weights;
  const contributions: Record<string, number> = {};
  if (signals.priorRefundCount > 0) contributions.prior_refunds = signals.priorRefundCount * w.per_prior_refund;
  if (signals.priorDisputeCount > 0) contributions.prior_disputes = signals.priorDisputeCount * w.per_prior_dispute;
  if (signals.fraudSignal) contributions.fraud_signal = w.fraud_signal;
  if (signals.accountAgeDays < policy.account_young_days) contributions.young_account = w.account_younger_than_days;
  const sum = Object.values(contributions).reduce((a, b) => a + b, 0);
  return { score: Math.min(1, Math.round(sum * 100) / 100), contributions };
}
