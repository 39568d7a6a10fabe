import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RefundRunResult } from '../workflows/duplicatePaymentRefund.js';
import type { WorkflowState } from '../workflows/kit/state.js';
import { awaitApprovalDesk, describeRuns, drive } from './helpers/drive.js';
import { eventually, waitForState } from './helpers/harness.js';
import { checkOutcomes, failureOf, scenario, seedCase, type RefundCase } from './helpers/invariants.js';
import { startRig, type Rig } from './helpers/rig.js';

/**
 * Things that go away and come back: Stripe and HubSpot refusing connections for a whole minute
 * (the simulator closed and reopened on the same port and state), and the Temporal server itself
 * stopped and restarted on its database. Nothing is lost, nothing happens twice.
 */
let rig: Rig;
before(async () => {
  rig = await startRig();
  await rig.startWorker({ stripeTimeoutMs: 1000, hubspotTimeoutMs: 1500 });
});
after(async () => {
  await rig?.stop();
});

const handle = (c: RefundCase) => rig.client.workflow.getHandle(c.workflowId);
const isPaused = (s: WorkflowState) => s.status === 'waiting' && s.next_allowed_actions.includes('operator_retry');

describe('reliability: Stripe and HubSpot refuse connections for a minute', () => {
  it('runs caught mid-step and runs started during the outage pause with a blocked_reason (none fails), and complete once after it, on the same simulator state', async () => {
    await scenario('connection-refused-60s', async (report) => {
      // A: approved right before the outage, so its refund meets it.
      const a = seedCase(rig.sim, 18000);
      await rig.steward.startTicket(a.event);
      await awaitApprovalDesk(rig, handle(a).workflowId);
      // M: its note is created, the answer still on the wire when the simulator goes away.
      const m = seedCase(rig.sim, 4900);
      const heldNote = rig.sim.faults.inject({ route: 'POST /crm/v3/objects/notes', kind: 'slow_success', delayMs: 30_000 });
      await rig.steward.startTicket(m.event);
      await eventually(() => heldNote.hits === 1, 'M is inside its note call', 30_000);
      const heldCharge = rig.sim.faults.inject({ route: 'GET /v1/charges/:id', kind: 'timeout', delayMs: 30_000 });
      assert.equal((await rig.decide(a.workflowId, 'approve')).status, 'accepted');
      await eventually(() => heldCharge.hits === 1, 'A is inside its refund step', 30_000);
      // N1, N2: start while nothing answers.
      const newcomers = [seedCase(rig.sim, 4900), seedCase(rig.sim, 4900)];
      const cases = [a, m, ...newcomers];
      report.runs = cases.length;

      const sizes = () => ({ customers: rig.sim.state.customers.size, charges: rig.sim.state.charges.size, tickets: rig.sim.state.tickets.size, notes: rig.sim.state.notes.size, idempotencyKeys: rig.sim.state.idempotency.size });
      const beforeOutage = sizes();
      const downAt = Date.now();
      await rig.restartSimulator(60_000, async () => {
        for (const n of newcomers) await rig.steward.startTicket(n.event);
      });
      report.extra.down_s = ((Date.now() - downAt) / 1000).toFixed(1);

      // After a minute of refused connections, every run is still there: paused for an operator
      // with a reason they can act on, or done. None failed.
      const after: string[] = [];
      for (const c of cases) {
        const status = (await handle(c).describe()).status.name;
        if (status !== 'RUNNING') {
          after.push(`${c.workflowId}: ${status}${status === 'FAILED' ? ` (${await failureOf(rig.client, c.workflowId)})` : ''}`);
          continue;
        }
        const s = await rig.steward.state(c.workflowId);
        if (isPaused(s)) {
          assert.match(s.blocked_reason ?? '', /^(payment_provider|helpdesk|billing|crm)\w*_unavailable: /, `${c.workflowId}: blocked_reason names the dependency`);
          after.push(`${c.workflowId}: paused at ${s.current_step}`);
        } else {
          after.push(`${c.workflowId}: ${s.status} at ${s.current_step}`);
        }
      }
      report.extra.after_outage = after.filter((x) => x.includes('paused')).length + '_paused';
      const lost = after.filter((x) => /FAILED|TERMINATED|TIMED_OUT/.test(x));
      // The simulator came back with everything it had before the outage.
      const afterOutage = sizes();
      for (const [k, n] of Object.entries(beforeOutage)) assert.ok(afterOutage[k as keyof typeof afterOutage] >= n && n > 0, `the simulator came back with its ${k} (${n} before, ${afterOutage[k as keyof typeof afterOutage]} after)`);

      // The survivors finish once an operator retries them; then the runs lost are reported.
      const survivors = cases.filter((c) => !lost.some((x) => x.startsWith(`${c.workflowId}:`)));
      const d = await drive(rig, survivors, { retryPaused: true, timeoutMs: 90_000 });
      assert.equal(d.stuck.size, 0, `runs not finished:\n${describeRuns(d)}`);
      report.extra.operator_retries = d.operatorRetries;
      const outcome = await checkOutcomes({ sim: rig.sim, audit: rig.audit, client: rig.client, cases: survivors, exclusive: false });
      report.checked = outcome.checked + cases.length;
      assert.deepEqual(outcome.problems, []);
      assert.deepEqual(lost, [], `runs lost to the outage (README: "A step whose retries run out pauses"):\n  ${after.join('\n  ')}`);
    });
  });
});

describe('reliability: the Temporal server stops and restarts on its database', () => {
  it('open runs resume, a run waiting for approval and a paused run keep waiting (clean stop and crash), none is lost', async () => {
    await scenario('temporal-server-restart', async (report) => {
      rig.sim.reset('empty');
      const waiting = seedCase(rig.sim, 18000);
      const paused = seedCase(rig.sim, 4900);
      await rig.steward.startTicket(waiting.event);
      await awaitApprovalDesk(rig, handle(waiting).workflowId);
      rig.sim.faults.inject({ route: 'POST /v1/refunds', kind: 'error_5xx', times: 3 });
      await rig.steward.startTicket(paused.event);
      await waitForState(handle(paused), (s) => isPaused(s) && s.current_step === 'create_refund', 60_000);
      const inFlight = Array.from({ length: 6 }, () => seedCase(rig.sim, 4900));
      const cases = [waiting, paused, ...inFlight];
      report.runs = cases.length;
      await Promise.all(inFlight.map((c) => rig.steward.startTicket(c.event)));
      let before = await listRuns();
      for (let i = 0; i < 50 && !cases.every((c) => before.some((r) => r.startsWith(`${c.workflowId}/`))); i++) {
        await new Promise((r) => setTimeout(r, 100)); // visibility catches up with the starts
        before = await listRuns();
      }

      const restarts: string[] = [];
      for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
        const t = Date.now();
        await rig.temporal.stop(signal);
        await new Promise((r) => setTimeout(r, 2000));
        await rig.temporal.start();
        restarts.push(`${signal}:${((Date.now() - t) / 1000).toFixed(1)}s`);

        assert.deepEqual(await listRuns(), before, `no run lost across the ${signal} restart`);
        const w = await rig.steward.state(waiting.workflowId);
        assert.equal(w.current_step, 'waiting_for_manager_approval');
        assert.equal(w.blocked_reason, 'amount_above_auto_threshold', `still waiting for the manager after the ${signal} restart`);
        const p = await rig.steward.state(paused.workflowId);
        assert.ok(isPaused(p) && /^payment_provider_unavailable/.test(p.blocked_reason ?? ''), `still paused for an operator after the ${signal} restart`);
      }
      report.extra.restarts = restarts.join(',');

      const results = await Promise.all(inFlight.map((c) => handle(c).result() as Promise<RefundRunResult>));
      assert.deepEqual(results.map((r) => r.outcome), inFlight.map(() => 'refunded'), 'the runs in flight resumed and completed');
      assert.equal((await rig.decide(waiting.workflowId, 'approve')).status, 'accepted', 'the waiting run can be approved after the restarts');
      await rig.steward.retry(paused.workflowId, 'ops.kim', 'after the restart');
      await Promise.all([handle(waiting).result(), handle(paused).result()]);

      const outcome = await checkOutcomes({ sim: rig.sim, audit: rig.audit, client: rig.client, cases });
      report.checked = outcome.checked;
      assert.deepEqual(outcome.problems, []);
    });
  });
});

async function listRuns(): Promise<string[]> {
  const ids: string[] = [];
  for await (const wf of rig.client.workflow.list({ query: `TaskQueue = '${rig.taskQueue}'` })) ids.push(`${wf.workflowId}/${wf.runId}`);
  return ids.sort();
}
