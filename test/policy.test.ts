import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { BillingCharge } from '../activities/ports.js';
import { checkPermission } from '../activities/kit/gate.js';
import { loadAgentScopes } from '../policies/agents.js';
import { findDuplicateCharge, pendingCharges } from '../policies/duplicates.js';
import { loadRefundPolicy } from '../policies/load.js';
import { evaluateRefundPolicy, type RefundFacts } from '../policies/refund-rules.js';
import { customerRiskScore } from '../policies/risk.js';
import { approverKey, signApproval, verifyApproval } from '../runtime/approval-tokens.js';
import { loadConfig } from '../runtime/config.js';
import { digestOf } from '../workflows/kit/digest.js';

const policy = loadRefundPolicy();
const base: RefundFacts = {
  amount_usd: 49,
  days_since_charge: 1,
  customer_risk_score: 0,
  prior_refund_count: 0,
  open_chargeback: false,
  fraud_signal: false,
  product_type: 'subscription',
  account_status: 'active',
};

describe('refund policy (json-rules-engine over policies/refund-policy.yaml)', () => {
  it('auto-approves a small, recent, low-risk duplicate and names the version and rule', async () => {
    const r = await evaluateRefundPolicy(policy, base);
    assert.equal(r.decision, 'auto_approve');
    assert.equal(r.policyVersion, 'refund_policy_v3');
    assert.deepEqual(r.rulesFired.map((f) => f.rule), ['auto_approve_bounds']);
  });

  for (const [change, rule] of [
    [{ amount_usd: 180 }, 'amount_above_auto_threshold'],
    [{ prior_refund_count: 1 }, 'customer_has_prior_refunds'],
    [{ fraud_signal: true }, 'fraud_signal_detected'],
    [{ open_chargeback: true }, 'open_chargeback'],
    [{ days_since_charge: 15 }, 'outside_auto_approve_bounds'],
    [{ customer_risk_score: 0.35 }, 'outside_auto_approve_bounds'],
  ] as const) {
    it(`requires approval when ${JSON.stringify(change)}`, async () => {
      const r = await evaluateRefundPolicy(policy, { ...base, ...change });
      assert.equal(r.decision, 'require_approval');
      assert.ok(r.rulesFired.some((f) => f.rule === rule), JSON.stringify(r.rulesFired));
    });
  }

  for (const change of [{ product_type: 'enterprise_contract' }, { product_type: 'custom_service' }, { account_status: 'suspended_for_abuse' }]) {
    it(`never refunds automatically when ${JSON.stringify(change)}, even if small`, async () => {
      const r = await evaluateRefundPolicy(policy, { ...base, ...change, amount_usd: 1 });
      assert.equal(r.decision, 'never');
    });
  }

  it('never auto-approves outside its bounds (property, 2,000 fact sets)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          amount_usd: fc.double({ min: 0.01, max: 100_000, noNaN: true }),
          days_since_charge: fc.integer({ min: 0, max: 400 }),
          customer_risk_score: fc.double({ min: 0, max: 1, noNaN: true }),
          prior_refund_count: fc.integer({ min: 0, max: 5 }),
          open_chargeback: fc.boolean(),
          fraud_signal: fc.boolean(),
          product_type: fc.constantFrom('subscription', 'enterprise_contract', 'custom_service', 'unknown'),
          account_status: fc.constantFrom('active', 'suspended_for_abuse', 'unknown'),
        }),
        async (facts) => {
          const r = await evaluateRefundPolicy(policy, facts);
          if (r.decision !== 'auto_approve') return;
          assert.ok(facts.amount_usd <= policy.auto_approve.max_amount_usd);
          assert.ok(facts.days_since_charge <= policy.auto_approve.within_days);
          assert.ok(facts.customer_risk_score < policy.auto_approve.customer_risk_score_below);
          assert.equal(facts.prior_refund_count, 0);
          assert.equal(facts.open_chargeback || facts.fraud_signal, false);
          assert.ok(!policy.never_refund_automatically.product_type.includes(facts.product_type));
          assert.ok(!policy.never_refund_automatically.account_status.includes(facts.account_status));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('refuses a policy file with a typo, naming the file and the field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'policy-'));
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'version: refund_policy_v9\nintent_confidence_threshold: 2\n');
    assert.throws(() => loadRefundPolicy(file), (err: Error) => err.message.includes(file) && err.message.includes('intent_confidence_threshold'));
  });
});

const charge = (over: Partial<BillingCharge>): BillingCharge => ({
  id: 'ch_1',
  customerId: 'cus_1',
  amountCents: 4900,
  currency: 'usd',
  status: 'succeeded',
  created: 1_700_000_000,
  amountRefundedCents: 0,
  refunded: false,
  disputed: false,
  invoiceId: null,
  productId: 'prod_a',
  productType: 'subscription',
  fraudSignal: false,
  ...over,
});

describe('duplicate detection', () => {
  it('finds the later of two identical charges close in time, with evidence', () => {
    const f = findDuplicateCharge([charge({ id: 'ch_a' }), charge({ id: 'ch_b', created: 1_700_000_180 })], 72);
    assert.equal(f.found, true);
    if (f.found) {
      assert.equal(f.duplicate.chargeId, 'ch_b');
      assert.equal(f.original.chargeId, 'ch_a');
      assert.equal(f.minutesApart, 3);
    }
  });

  for (const [label, second] of [
    ['a different amount', { amountCents: 5900 }],
    ['a different product', { productId: 'prod_b' }],
    ['too far apart', { created: 1_700_000_000 + 73 * 3600 }],
    ['already refunded', { amountRefundedCents: 4900, refunded: true }],
    ['disputed', { disputed: true }],
    ['not succeeded', { status: 'failed' as const }],
  ] as const) {
    it(`is not a duplicate when the second charge is ${label}`, () => {
      const f = findDuplicateCharge([charge({ id: 'ch_a' }), charge({ id: 'ch_b', created: 1_700_000_180, ...second })], 72);
      assert.equal(f.found, false);
    });
  }

  it('lists pending charges as incomplete billing data', () => {
    assert.deepEqual(pendingCharges([charge({}), charge({ id: 'ch_p', status: 'pending' })]), ['ch_p']);
  });
});

describe('customer risk score', () => {
  it('sums the policy weights of the signals present, capped at 1', () => {
    const w = policy.risk_score;
    assert.equal(customerRiskScore({ priorRefundCount: 0, priorDisputeCount: 0, fraudSignal: false, accountAgeDays: 400 }, w).score, 0);
    assert.equal(customerRiskScore({ priorRefundCount: 2, priorDisputeCount: 0, fraudSignal: false, accountAgeDays: 400 }, w).score, 0.3);
    assert.equal(customerRiskScore({ priorRefundCount: 5, priorDisputeCount: 3, fraudSignal: true, accountAgeDays: 1 }, w).score, 1);
  });
});

describe('permission gate (deny by default)', () => {
  const scopes = loadAgentScopes();
  const refund = { workflowType: 'duplicatePaymentRefund', tool: 'stripe.refunds.create', amountUsd: 49, currency: 'usd', boundCustomerId: 'cus_1', targetCustomerId: 'cus_1', approved: false };

  it('allows a bound, in-limit refund and refuses everything else it was not granted', () => {
    assert.equal(checkPermission(scopes, refund).allowed, true);
    assert.equal(checkPermission(scopes, { ...refund, tool: 'stripe.customers.delete' }).allowed, false);
    assert.equal(checkPermission(scopes, { ...refund, workflowType: 'someOtherWorkflow' }).allowed, false);
    assert.equal(checkPermission(scopes, { ...refund, amountUsd: 180 }).allowed, false);
    assert.equal(checkPermission(scopes, { ...refund, amountUsd: 180, approved: true }).allowed, true);
    assert.equal(checkPermission(scopes, { ...refund, amountUsd: 6000, approved: true }).allowed, false);
    assert.equal(checkPermission(scopes, { ...refund, currency: 'eur' }).allowed, false);
    assert.equal(checkPermission(scopes, { ...refund, targetCustomerId: 'cus_2' }).allowed, false);
  });

  it('never lets an out-of-scope tool, customer or amount through (property, 5,000 calls)', () => {
    const grants = scopes.agents.support_refund_agent!.can;
    fc.assert(
      fc.property(
        fc.record({
          tool: fc.oneof(fc.constantFrom(...grants.map((g) => g.tool)), fc.string()),
          amountUsd: fc.oneof(fc.constant(null), fc.double({ min: -10, max: 10_000, noNaN: true })),
          currency: fc.constantFrom('usd', 'eur', null),
          boundCustomerId: fc.constantFrom('cus_1', null),
          targetCustomerId: fc.constantFrom('cus_1', 'cus_2', null),
          approved: fc.boolean(),
        }),
        (req) => {
          const v = checkPermission(scopes, { workflowType: 'duplicatePaymentRefund', ...req });
          if (!v.allowed) return;
          const grant = grants.find((g) => g.tool === req.tool);
          assert.ok(grant, `granted tool ${req.tool}`);
          if (grant.max_amount_usd !== undefined) {
            assert.ok(req.amountUsd !== null && req.amountUsd > 0);
            assert.ok(req.amountUsd <= (req.approved ? grant.max_amount_usd_with_approval! : grant.max_amount_usd));
          }
          if (grant.bound_customer_only) assert.ok(req.boundCustomerId !== null && req.targetCustomerId === req.boundCustomerId);
        },
      ),
      { numRuns: 5000 },
    );
  });
});

describe('configuration', () => {
  it('names every bad variable and never echoes a secret', () => {
    assert.throws(
      () => loadConfig({ TEMPORAL_ADDRESS: 'no-port', DATABASE_URL: 'mysql://x', STRIPE_API_KEY: 'pk_live_secretvalue123' }),
      (err: Error) =>
        err.message.includes('TEMPORAL_ADDRESS') && err.message.includes('DATABASE_URL') && err.message.includes('STRIPE_API_KEY') && !err.message.includes('secretvalue123'),
    );
  });

  it('defaults to the embedded server, simulators and SQLite', () => {
    const env = loadConfig({});
    assert.equal(env.TEMPORAL_ADDRESS, undefined);
    assert.equal(env.TEMPORAL_TASK_QUEUE, 'steward');
    assert.equal(env.TEMPORAL_UI_PORT, 8233);
  });
});

describe('approval credentials', () => {
  const secret = 'x'.repeat(48);
  const action = fc.record({
    action: fc.constant('create_refund' as const),
    customerId: fc.constantFrom('cus_a', 'cus_b'),
    chargeId: fc.constantFrom('ch_1', 'ch_2'),
    amountCents: fc.integer({ min: 1, max: 500_000 }),
    currency: fc.constantFrom('usd', 'eur'),
  });

  it('an approval for one action never authorises another (property, 2,000 pairs)', () => {
    fc.assert(
      fc.property(action, action, fc.constantFrom('wf-1', 'wf-2'), fc.constantFrom('wf-1', 'wf-2'), (shown, executed, signedFor, runningIn) => {
        const token = signApproval(approverKey(secret, 'maria.finance'), { approver: 'maria.finance', workflowId: signedFor, actionDigest: digestOf(shown), decision: 'approve' });
        const check = verifyApproval(secret, token, { workflowId: runningIn, actionDigest: digestOf(executed), decision: 'approve', nowSeconds: Math.floor(Date.now() / 1000) });
        assert.equal(check.ok, digestOf(shown) === digestOf(executed) && signedFor === runningIn);
      }),
      { numRuns: 2000 },
    );
  });

  it('a key derived from another secret, or for another approver, does not verify', () => {
    const claims = { approver: 'maria.finance', workflowId: 'wf', actionDigest: 'd'.repeat(64), decision: 'approve' as const };
    const expected = { workflowId: 'wf', actionDigest: 'd'.repeat(64), decision: 'approve' as const, nowSeconds: 0 };
    assert.equal(verifyApproval(secret, signApproval(approverKey(secret, 'maria.finance'), claims), expected).ok, true);
    assert.equal(verifyApproval(secret, signApproval(approverKey('y'.repeat(48), 'maria.finance'), claims), expected).ok, false);
    assert.equal(verifyApproval(secret, signApproval(approverKey(secret, 'lee.teamlead'), claims), expected).ok, false);
  });
});
