import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RefundRunResult } from '../workflows/duplicatePaymentRefund.js';
import { describeRuns, drive } from './helpers/drive.js';
import { startGateProxy, type Gate, type GateProxy, type ProxiedRequest } from './helpers/gate-proxy.js';
import { checkOutcomes, historyFacts, scenario, seedCase, type RefundCase } from './helpers/invariants.js';
import { startRig, type Rig } from './helpers/rig.js';
import { world } from './helpers/world.js';

/**
 * A worker dies the hard way (SIGKILL: no shutdown hook, in-flight calls lost) and another takes
 * over. Whatever the moment, money moves once, the customer hears once, and the audit trail has
 * no record twice.
 */
let rig: Rig;
let proxy: GateProxy;
before(async () => {
  rig = await startRig();
  proxy = await startGateProxy(rig.sim.url);
});
after(async () => {
  await rig?.stop();
  await proxy?.close();
});

type Boundary = 'before_refund' | 'after_refund' | 'before_note' | 'after_note' | 'before_reply' | 'after_reply';
const BOUNDARIES: Boundary[] = ['before_refund', 'after_refund', 'before_note', 'after_note', 'before_reply', 'after_reply'];

/** The request that is the boundary: the refund, the note or the reply of this one workflow. */
function boundaryRequest(boundary: Boundary, c: RefundCase): (r: ProxiedRequest) => boolean {
  if (boundary.endsWith('refund')) {
    return (r) => r.method === 'POST' && r.path.startsWith('/v1/refunds') && String(r.headers['idempotency-key'] ?? '').startsWith(`${c.workflowId}:create_refund:`);
  }
  const [path, step] = boundary.endsWith('note') ? ['/crm/v3/objects/notes', 'add_ticket_note'] : ['/crm/v3/objects/emails', 'send_customer_reply'];
  return (r) => r.method === 'POST' && r.path === path && r.body.includes(`${c.workflowId}:${step}:`);
}

const ACTIVITY_OF: Record<string, string> = { refund: 'createRefund', note: 'addTicketNote', reply: 'sendCustomerReply' };

describe('reliability: worker killed with SIGKILL', () => {
  it('at every step boundary of the refund (before/after the refund, the note, the reply): one refund, one note, one reply, no duplicate audit record', async () => {
    await scenario('sigkill-step-boundaries', async (report) => {
      const cases = BOUNDARIES.map(() => seedCase(rig.sim, 4900));
      report.runs = cases.length;
      const gates = new Map<Boundary, Gate>();
      BOUNDARIES.forEach((b, i) => gates.set(b, proxy.gate({ name: b, phase: b.startsWith('before') ? 'before' : 'after', match: boundaryRequest(b, cases[i]!) })));

      const first = await rig.spawnWorker({ simulatorUrl: proxy.url, identity: 'worker-killed', stripeTimeoutMs: 20_000, hubspotTimeoutMs: 20_000 });
      await Promise.all(cases.map((c) => rig.steward.startTicket(c.event)));
      await withTimeout(Promise.all([...gates.values()].map((g) => g.reached)), 60_000, () => `boundaries reached: ${[...gates].map(([b, g]) => `${b}=${g.hits}`).join(', ')}\n${first.child.output().slice(-3000)}`);

      // Every workflow is stopped at its boundary; the world shows exactly the effects made so far.
      const w = world(rig.sim);
      const effectsAtKill = cases.map((c) => ({ refunds: w.refundsOf(c.chargeId).length, notes: w.notesOn(c.ticketId).length, replies: w.repliesOn(c.ticketId).length }));
      assert.deepEqual(effectsAtKill, [
        { refunds: 0, notes: 0, replies: 0 }, // before the refund call
        { refunds: 1, notes: 0, replies: 0 }, // after the refund call, answer not yet received
        { refunds: 1, notes: 0, replies: 0 }, // before the note
        { refunds: 1, notes: 1, replies: 0 }, // after the note
        { refunds: 1, notes: 1, replies: 0 }, // before the reply
        { refunds: 1, notes: 1, replies: 1 }, // after the reply
      ]);
      await first.kill();

      const fresh = await rig.spawnWorker({ identity: 'worker-fresh' });
      const results = await withTimeout(
        Promise.all(cases.map((c) => rig.client.workflow.getHandle(c.workflowId).result() as Promise<RefundRunResult>)),
        120_000,
        () => 'runs did not complete on the fresh worker',
      ).finally(() => fresh.child.stop('SIGTERM'));
      assert.deepEqual(results.map((r) => r.outcome), cases.map(() => 'refunded'));

      // The killed call was really retried on the fresh worker.
      for (const [i, b] of BOUNDARIES.entries()) {
        const facts = await historyFacts(rig.client, cases[i]!.workflowId);
        const activity = ACTIVITY_OF[b.split('_')[1]!]!;
        const attempt = facts.attempts.find((a) => a.activity === activity && a.identity === 'worker-fresh');
        assert.ok(attempt && attempt.attempt >= 2, `${b}: ${activity} was retried on the fresh worker (attempts: ${JSON.stringify(facts.attempts)})`);
      }

      const outcome = await checkOutcomes({ sim: rig.sim, audit: rig.audit, client: rig.client, cases });
      report.checked = outcome.checked;
      assert.deepEqual(outcome.problems, []);
    });
  });

  it('two workers on one task queue, one killed during a storm of 50: every run completes on the other', async () => {
    await scenario('two-workers-one-killed', async (report) => {
      rig.sim.reset('empty'); // the world of this scenario only: refunds == approved duplicates, exactly
      const cases = Array.from({ length: 50 }, (_, i) => seedCase(rig.sim, i % 5 === 4 ? 18000 : 4900, i % 10 === 9 ? 'reject' : 'approve'));
      report.runs = cases.length;
      const doomed = await rig.spawnWorker({ identity: 'worker-a-doomed' });
      const survivor = await rig.spawnWorker({ identity: 'worker-b-survivor' });
      const started = Date.now();
      await Promise.all(cases.map((c) => rig.steward.startTicket(c.event)));

      // Kill worker A once the storm is well under way: some refunds made, most not.
      const w = world(rig.sim);
      const refundsBefore = w.allStewardRefunds().length;
      await waitUntil(() => w.allStewardRefunds().length - refundsBefore >= 8, 60_000, 'the storm gets going');
      await doomed.kill();
      const refundsAtKill = w.allStewardRefunds().length - refundsBefore;

      const d = await drive(rig, cases, { retryPaused: false, timeoutMs: 150_000 });
      assert.equal(d.stuck.size + d.paused.size, 0, `runs not finished:\n${describeRuns(d)}`);
      assert.ok(survivor.child.alive, 'the surviving worker is still running');

      let finishedBySurvivor = 0;
      let touchedByDoomed = 0;
      for (const c of cases) {
        const facts = await historyFacts(rig.client, c.workflowId);
        if (facts.identities.has('worker-a-doomed')) touchedByDoomed += 1;
        if (facts.identities.has('worker-a-doomed') && facts.identities.has('worker-b-survivor')) finishedBySurvivor += 1;
      }
      assert.ok(touchedByDoomed > 0 && finishedBySurvivor > 0, `worker A had work that B finished (touched by A: ${touchedByDoomed}, finished by B: ${finishedBySurvivor})`);

      const outcome = await checkOutcomes({ sim: rig.sim, audit: rig.audit, client: rig.client, cases });
      report.checked = outcome.checked;
      report.extra.refunds_at_kill = refundsAtKill;
      report.extra.runs_taken_over = finishedBySurvivor;
      report.extra.run_wall_s = ((Date.now() - started) / 1000).toFixed(1);
      assert.deepEqual(outcome.problems, []);
    });
  });
});

async function withTimeout<T>(p: Promise<T>, ms: number, what: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what()}`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

async function waitUntil(check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
