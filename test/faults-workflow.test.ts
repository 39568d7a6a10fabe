import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RefundRunResult } from '../workflows/duplicatePaymentRefund.js';
import { eventually, fastPolicy, startHarness, ticketEvent, waitForState, type Harness } from './helpers/harness.js';
import { recordHistory } from './helpers/histories.js';
import { seedDuplicateCase, world } from './helpers/world.js';

/** The payment provider fails: retry twice, pause, call an operator, tell the customer nothing. */
let h: Harness;
before(async () => {
  h = await startHarness({ stripeTimeoutMs: 1000 });
});
after(async () => {
  await h?.stop();
});

describe('duplicatePaymentRefund when the payment provider fails', () => {
  it('retries a timing-out refund twice, pauses, notifies an operator, and completes once on operator retry', async () => {
    h.policy = fastPolicy({ waits: { ...fastPolicy().waits, operator_hours: 0.25 } });
    const c = seedDuplicateCase(h.sim, { charges: { amountCents: 4900 } });
    const fault = h.sim.faults.inject({ route: 'POST /v1/refunds', kind: 'timeout', times: 3, delayMs: 5000 });
    const started = await h.client.startTicket(ticketEvent(c.ticketId, c.email));
    const handle = h.env.client.workflow.getHandle(started.workflowId);

    const paused = await waitForState(handle, (s) => s.current_step === 'create_refund' && s.status === 'waiting', 60_000);
    assert.match(paused.blocked_reason ?? '', /payment_provider_unavailable/);
    assert.deepEqual(paused.next_allowed_actions, ['operator_retry', 'operator_abort']);
    assert.equal(fault.hits, 3, 'one attempt and two retries');
    const w = world(h.sim);
    assert.equal(w.refundsOf(c.charges!.duplicateChargeId).length, 0);
    assert.equal(w.repliesOn(c.ticketId).length, 0, 'the customer is told nothing while the refund has not happened');
    await eventually(() => h.inbox.notices.some((n) => n.workflowId === handle.workflowId && String(n.subject).includes('payment provider')), 'the operator is notified');

    await h.client.retry(handle.workflowId, 'ops.kim', 'Stripe status page green again');
    const result: RefundRunResult = await handle.result();
    await recordHistory(handle, 'provider-timeout-retry');
    assert.equal(result.outcome, 'refunded');
    assert.equal(w.refundsOf(c.charges!.duplicateChargeId).length, 1);
    assert.equal(w.repliesOn(c.ticketId).length, 1);
    const events = (await h.audit.listByWorkflow(handle.workflowId)).map((r) => r.event);
    assert.ok(events.includes('step_paused'));
    assert.ok(events.includes('operator_retry'));
  });

  it('an operator abort during the pause ends the run with no refund', async () => {
    h.policy = fastPolicy({ waits: { ...fastPolicy().waits, operator_hours: 0.25 } });
    const c = seedDuplicateCase(h.sim, { charges: { amountCents: 4900 } });
    h.sim.faults.inject({ route: 'POST /v1/refunds', kind: 'error_5xx', times: 3 });
    const started = await h.client.startTicket(ticketEvent(c.ticketId, c.email));
    const handle = h.env.client.workflow.getHandle(started.workflowId);
    await waitForState(handle, (s) => s.current_step === 'create_refund' && s.status === 'waiting', 60_000);
    await h.client.abort(handle.workflowId, 'ops.kim', 'customer refunded by phone');
    const result: RefundRunResult = await handle.result();
    assert.equal(result.outcome, 'aborted');
    assert.equal(world(h.sim).refundsOf(c.charges!.duplicateChargeId).length, 0);
  });

  it('a refund whose answer was lost is found on retry, not made twice', async () => {
    h.policy = fastPolicy();
    const c = seedDuplicateCase(h.sim, { charges: { amountCents: 4900 } });
    h.sim.faults.inject({ route: 'POST /v1/refunds', kind: 'slow_success', times: 1, delayMs: 3000 });
    const started = await h.client.startTicket(ticketEvent(c.ticketId, c.email));
    const result: RefundRunResult = await h.env.client.workflow.getHandle(started.workflowId).result();
    assert.equal(result.outcome, 'refunded');
    const refunds = world(h.sim).refundsOf(c.charges!.duplicateChargeId);
    assert.equal(refunds.length, 1);
    assert.equal(refunds[0]!.id, result.refundId);
  });
});
