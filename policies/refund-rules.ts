import { Engine, type RuleProperties } from 'json-rules-engine';
import type { RefundPolicy } from './schema.js';

/**
 * The refund decision, made by json-rules-engine over facts from the systems of record.
 *
 * Pure and deterministic (no clock, timers or randomness), so it runs inside the workflow over a
 * policy snapshot that came through the workflow's history: no round trip, and a replay decides
 * exactly as the original run did even if the policy file has changed since.
 */
export interface RefundFacts {
  amount_usd: number;
  days_since_charge: number;
  customer_risk_score: number;
  prior_refund_count: number;
  open_chargeback: boolean;
  fraud_signal: boolean;
  product_type: string;
  account_status: string;
}

export type RefundDecision = 'auto_approve' | 'require_approval' | 'never';

export interface FiredRule {
  rule: string;
  outcome: RefundDecision;
  reason: string;
}

export interface PolicyResult {
  decision: RefundDecision;
  policyVersion: string;
  rulesFired: FiredRule[];
  /** The one-line reason given to people and to the audit trail. */
  reason: string;
  facts: RefundFacts;
}

const rule = (name: string, outcome: RefundDecision, reason: string, conditions: RuleProperties['conditions']): RuleProperties => ({
  name,
  conditions,
  event: { type: outcome, params: { rule: name, reason } },
});

/** Turns the policy file into rules. Only rules the file switches on are created. */
export function buildRefundRules(policy: RefundPolicy): RuleProperties[] {
  const never = policy.never_refund_automatically;
  const approval = policy.require_human_approval;
  const auto = policy.auto_approve;
  const rules: RuleProperties[] = [
    rule('excluded_product_type', 'never', 'product type is never refunded automatically', {
      all: [{ fact: 'product_type', operator: 'in', value: never.product_type }],
    }),
    rule('excluded_account_status', 'never', 'account status is never refunded automatically', {
      all: [{ fact: 'account_status', operator: 'in', value: never.account_status }],
    }),
    rule('amount_above_auto_threshold', 'require_approval', `refund amount above $${approval.amount_above_usd}`, {
      all: [{ fact: 'amount_usd', operator: 'greaterThan', value: approval.amount_above_usd }],
    }),
    rule('auto_approve_bounds', 'auto_approve', 'duplicate charge confirmed; amount, age and risk within auto-approve bounds', {
      all: [
        { fact: 'amount_usd', operator: 'lessThanInclusive', value: auto.max_amount_usd },
        { fact: 'days_since_charge', operator: 'lessThanInclusive', value: auto.within_days },
        { fact: 'customer_risk_score', operator: 'lessThan', value: auto.customer_risk_score_below },
      ],
    }),
  ];
  if (approval.customer_has_prior_refunds) {
    rules.push(
      rule('customer_has_prior_refunds', 'require_approval', 'customer has prior refunds', {
        all: [{ fact: 'prior_refund_count', operator: 'greaterThan', value: 0 }],
      }),
    );
  }
  if (approval.fraud_signal_detected) {
    rules.push(
      rule('fraud_signal_detected', 'require_approval', 'fraud signal on the customer or charge', {
        all: [{ fact: 'fraud_signal', operator: 'equal', value: true }],
      }),
    );
  }
  if (approval.open_chargeback) {
    rules.push(
      rule('open_chargeback', 'require_approval', 'customer has an open dispute or chargeback', {
        all: [{ fact: 'open_chargeback', operator: 'equal', value: true }],
      }),
    );
  }
  return rules;
}

/**
 * never > require_approval > auto_approve. Anything the auto-approve rule does not cover
 * (too old, too risky) needs a person: deny by default.
 */
export async function evaluateRefundPolicy(policy: RefundPolicy, facts: RefundFacts): Promise<PolicyResult> {
  const engine = new Engine(buildRefundRules(policy), { allowUndefinedFacts: false });
  const { events } = await engine.run({ ...facts });
  const rulesFired: FiredRule[] = events.map((e) => ({
    rule: String(e.params?.rule),
    outcome: e.type as RefundDecision,
    reason: String(e.params?.reason),
  }));
  const firing = (outcome: RefundDecision) => rulesFired.filter((r) => r.outcome === outcome);
  const nevers = firing('never');
  const approvals = firing('require_approval');
  let decision: RefundDecision;
  let reasons: FiredRule[];
  if (nevers.length > 0) {
    [decision, reasons] = ['never', nevers];
  } else if (approvals.length > 0) {
    [decision, reasons] = ['require_approval', approvals];
  } else if (firing('auto_approve').length > 0) {
    [decision, reasons] = ['auto_approve', firing('auto_approve')];
  } else {
    const outside: FiredRule = {
      rule: 'outside_auto_approve_bounds',
      outcome: 'require_approval',
      reason: `outside auto-approve bounds (older than ${policy.auto_approve.within_days} days or risk score ${facts.customer_risk_score} >= ${policy.auto_approve.customer_risk_score_below})`,
    };
    rulesFired.push(outside);
    [decision, reasons] = ['require_approval', [outside]];
  }
  return {
    decision,
    policyVersion: policy.version,
    rulesFired,
    reason: reasons.map((r) => r.reason).join('; '),
    facts,
  };
}
