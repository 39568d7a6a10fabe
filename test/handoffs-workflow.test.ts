import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { settleCharge } from '../simulator/scenarios.js';
import type { RefundRunResult } from '../workflows/duplicatePaymentRefund.js';
import { fastPolicy, startHarness, ticketEvent, waitForState, type Harness } from './helpers/harness.js';
import { recordHistory } from './helpers/histories.js';
import { seedDuplicateCase, STAGE, world } from './helpers/world.js';

/**
 * The pauses and hand-offs: no refund unless the facts are complete. This file keeps its audit
 * trail in PostgreSQL (the machine's server), so the workflow path is tested on both stores.
 */
let h: Harness;
before(async () => {
  h = await startHarness({ databaseUrl: process.env.STEWARD_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test' });
});
after(async () => {
  await h?.stop();
});

async function run(event: ReturnType<typeof ticketEvent>) {
  const started = await h.client.startTicket(event);
  return h.env.client.workflow.getHandle(started.workflowId);
}

describe('duplicatePaymentRefund hand-offs and pauses', () => {
  it('two charges that are not duplicates go to a person, with no refund', async () => {
    h.policy = fastPolicy();
    const c = seedDuplicateCase(h.sim, { charges: { amountCents: 4900, notDuplicate: 'different_amount' } });
    const handle = await run(ticketEvent(c.ticketId, c.email));
    const result: RefundRunResult = await handle.result();
    await recordHistory(handle, 'not-duplicate');
    assert.equal(result.outcome, 'handed_to_human');
    assert.match(result.reason, /not a duplicate/);
    const w = world(h.sim);
    assert.equal(w.allStewardRefunds().filter((r) => r.metadata.workflow_id === handle.workflowId).length, 0);
    assert.equal(w.ticketStage(c.ticketId), STAGE.needs_human);
  });

  it('an unknown sender is asked for an identifier; the run waits, then refunds the account a person supplies', async () => {
    h.policy = fastPolicy({ waits: { ...fastPolicy().waits, customer_identifier_hours: 0.25 } });
    const c = seedDuplicateCase(h.sim, { charges: { amountCents: 4900 } });
    const handle = await run(ticketEvent(c.ticketId, 'someone.else@example.org'));
    const blocked = await waitForState(handle, (s) => s.blocked_reason === 'customer_not_found');
    assert.deepEqual(blocked.next_allowed_actions, ['provide_data', 'operator_abort']);
    const w = world(h.sim);
    assert.equal(w.repliesOn(c.ticketId).length, 1, 'the customer is asked which account');
    assert.equal(w.ticketStage(c.ticketId), STAGE.waiting_on_customer);

    await h.client.provideIdentifier(handle.workflowId, { customerId: c.customer.customerId!, providedBy: 'agent.lee' });
    const result: RefundRunResult = await handle.result();
    await recordHistory(handle, 'customer-identified-later');
    assert.equal(result.outcome, 'refunded');
    assert.equal(w.refundsOf(c.charges!.duplicateChargeId).length, 1);
  });

  it('two accounts matching the sender are never guessed between; the wait times out to a person', async () => {
    h.policy = fastPolicy();
    const c = seedDuplicateCase(h.sim, { customer: { billingCustomers: 2, crmContacts: 2 }, charges: { amountCents: 4900 } });
    const handle = await run(ticketEvent(c.ticketId, c.email));
    await waitForState(handle, (s) => s.blocked_reason === 'multiple_customers_match_sender');
    const result: RefundRunResult = await handle.result();
    assert.equal(result.outcome, 'handed_to_human');
    assert.equal(world(h.sim).allStewardRefunds().filter((r) => r.metadata.workflow_id === handle.workflowId).length, 0);
    const trail = await h.audit.listByWorkflow(handle.workflowId);
    assert.ok(trail.some((r) => r.event === 'customer_unresolved' && r.reason === 'multiple_customers_match_sender'));
  });

  it('a ticket about something else, or too unclear, goes to the human queue', async () => {
    h.policy = fastPolicy();
    for (const body of ['My dashboard crashes with an error when I export a report.', 'hello?']) {
      const c = seedDuplicateCase(h.sim, { charges: { amountCents: 4900 } });
      const handle = await run(ticketEvent(c.ticketId, c.email, body));
      const result: RefundRunResult = await handle.result();
      assert.equal(result.outcome, 'handed_to_human', body);
      assert.match(result.reason, /intent/);
      const w = world(h.sim);
      assert.equal(w.refundsOf(c.charges!.duplicateChargeId).length, 0);
      assert.equal(w.ticketStage(c.ticketId), STAGE.needs_human);
      assert.equal(w.repliesOn(c.ticketId).length, 0);
    }
  });

  it('a charge still pending pauses the run until billing syncs, then refunds', async () => {
    h.policy = fastPolicy({ waits: { ...fastPolicy().waits, billing_sync_hours: 0.25, billing_sync_poll_minutes: 5 } });
    const c = seedDuplicateCase(h.sim, { charges: { amountCents: 4900, secondPending: true } });
    const handle = await run(ticketEvent(c.ticketId, c.email));
    const blocked = await waitForState(handle, (s) => s.current_step === 'check_invoice' && s.status === 'waiting');
    assert.match(blocked.blocked_reason ?? '', /billing_data_incomplete/);
    assert.equal(world(h.sim).refundsOf(c.charges!.duplicateChargeId).length, 0);

    settleCharge(h.sim.state, c.charges!.duplicateChargeId);
    await h.client.billingSynced(handle.workflowId);
    const result: RefundRunResult = await handle.result();
    await recordHistory(handle, 'billing-sync');
    assert.equal(result.outcome, 'refunded');
    assert.equal(world(h.sim).refundsOf(c.charges!.duplicateChargeId).length, 1);
  });

  it('the audit trail in PostgreSQL verifies', async () => {
    const result = await h.audit.verify();
    assert.equal(result.ok, true, JSON.stringify(result.breaks));
    assert.ok(result.recordsChecked > 10);
  });
});
