import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { WorkflowHandle } from '@temporalio/client';
import type { RefundRunResult } from '../workflows/duplicatePaymentRefund.js';
import { signApproval } from '../runtime/approval-tokens.js';
import { digestOf } from '../workflows/kit/digest.js';
import { approvalSignal, searchAttributes } from '../workflows/messages.js';
import type { ProposedRefund } from '../workflows/model.js';
import { eventually, waitForState } from './helpers/harness.js';
import { awaitApprovalDesk } from './helpers/drive.js';
import { checkOutcomes, failureOf, historyFacts, scenario, seedCase, type RefundCase } from './helpers/invariants.js';
import { APPROVER, startRig, type Rig } from './helpers/rig.js';
import { startDevServer, type DevServer } from './helpers/temporal-server.js';
import { watchRequests, type RequestLog } from './helpers/sim-watch.js';
import { world } from './helpers/world.js';

/**
 * Stripe and HubSpot on a bad day (429 with Retry-After, 5xx, timeouts, answers that land after
 * the client gave up), the operator webhook down, and the same ticket delivered ten times. The
 * workers run in this process, with short client timeouts so a held request really times out.
 */
const STRIPE_TIMEOUT_MS = 1000;
const HUBSPOT_TIMEOUT_MS = 1500;
let server: DevServer;
before(async () => {
  server = await startDevServer();
});
after(async () => {
  await server?.dispose();
});

/**
 * Each scenario gets its own lane (simulator, webhook, audit store, task queue and worker) on the
 * shared Temporal server, so the scenarios run side by side without meeting each other's faults.
 */
interface Lane {
  rig: Rig;
  log: RequestLog;
  handle(c: RefundCase): WorkflowHandle;
  start(c: RefundCase): Promise<WorkflowHandle>;
  check(report: { checked: number }, cases: RefundCase[]): Promise<void>;
}

async function withLane(body: (lane: Lane) => Promise<void>): Promise<void> {
  const rig = await startRig({ temporal: server });
  const log = watchRequests(rig.sim);
  try {
    await rig.startWorker({ stripeTimeoutMs: STRIPE_TIMEOUT_MS, hubspotTimeoutMs: HUBSPOT_TIMEOUT_MS });
    const handle = (c: RefundCase) => rig.client.workflow.getHandle(c.workflowId);
    await body({
      rig,
      log,
      handle,
      async start(c) {
        const started = await rig.steward.startTicket(c.event);
        assert.equal(started.started, true);
        return handle(c);
      },
      async check(report, cases) {
        const outcome = await checkOutcomes({ sim: rig.sim, audit: rig.audit, client: rig.client, cases });
        report.checked += outcome.checked;
        assert.deepEqual(outcome.problems, []);
      },
    });
  } finally {
    log.stop();
    await rig.stop();
  }
}

describe('reliability: Stripe, HubSpot and the operator webhook misbehave (scenarios run side by side)', { concurrency: true }, () => {
  describe('reliability: external outages', { concurrency: true }, () => {
    it('429: the retry waits for Retry-After (Stripe and HubSpot), not the fixed backoff', async () => {
      await withLane(({ rig, log, start, check }) => scenario('rate-limit-429-retry-after', async (report) => {
        // Retry-After longer than each retry profile's first interval (reads 1 s, money 2 s, helpdesk 1 s).
        const limits = [
          { route: 'GET /v1/customers', retryAfterSeconds: 3 },
          { route: 'POST /v1/refunds', retryAfterSeconds: 5 },
          { route: 'POST /crm/v3/objects/emails', retryAfterSeconds: 3 },
        ];
        const c = seedCase(rig.sim, 4900);
        report.runs = 1;
        for (const l of limits) rig.sim.faults.inject({ route: l.route, kind: 'rate_limit_429', retryAfterSeconds: l.retryAfterSeconds });
        const from = log.entries.length;
        const result: RefundRunResult = await (await start(c)).result();
        assert.equal(result.outcome, 'refunded');
        for (const l of limits) {
          const requests = log.entries.slice(from).filter((e) => e.route === l.route);
          const limited = requests.findIndex((e) => e.fault === 'rate_limit_429');
          assert.ok(limited >= 0 && requests[limited + 1], `${l.route}: a 429 and a retry after it`);
          const waitedMs = requests[limited + 1]!.at - requests[limited]!.at;
          report.extra[`${l.route.split(' ')[1]!.split('/').pop()}_waited_s`] = (waitedMs / 1000).toFixed(2);
          // A lower bound: the retry may come later (scheduling), never earlier.
          assert.ok(waitedMs >= l.retryAfterSeconds * 1000, `${l.route}: retried after ${waitedMs.toFixed(0)} ms, before Retry-After ${l.retryAfterSeconds} s`);
          report.checked += 1;
        }
        await check(report, [c]);
      }));
    });

    it('5xx within the retry budget: refund, note and reply each once, no pause', async () => {
      await withLane(({ rig, start, check }) => scenario('server-errors-5xx-retried', async (report) => {
        const c = seedCase(rig.sim, 4900);
        report.runs = 1;
        const faults = [
          rig.sim.faults.inject({ route: 'POST /v1/refunds', kind: 'error_5xx', status: 503, times: 2 }),
          rig.sim.faults.inject({ route: 'POST /crm/v3/objects/notes', kind: 'error_5xx', status: 502, times: 2 }),
          rig.sim.faults.inject({ route: 'GET /v1/charges', kind: 'error_5xx', status: 500, times: 2 }),
        ];
        const h = await start(c);
        const result: RefundRunResult = await h.result();
        assert.equal(result.outcome, 'refunded');
        assert.deepEqual(faults.map((f) => f.hits), [2, 2, 2]);
        const trail = (await rig.audit.listByWorkflow(c.workflowId)).map((r) => r.event);
        assert.ok(!trail.includes('step_paused'), `no pause within the retry budget: ${trail.join(', ')}`);
        report.extra.retries = (await historyFacts(rig.client, c.workflowId)).retries;
        await check(report, [c]);
      }));
    });

    it('5xx beyond the money retry budget: pause with an actionable blocked_reason, customer told nothing, operator retry refunds once', async () => {
      await withLane(({ rig, start, check }) => scenario('server-errors-5xx-pause', async (report) => {
        const c = seedCase(rig.sim, 4900);
        report.runs = 1;
        rig.sim.faults.inject({ route: 'POST /v1/refunds', kind: 'error_5xx', times: 3 });
        const h = await start(c);
        const paused = await waitForState(h, (s) => s.status === 'waiting' && s.current_step === 'create_refund', 60_000);
        assert.match(paused.blocked_reason ?? '', /^payment_provider_unavailable: .*HTTP 500/);
        assert.deepEqual(paused.next_allowed_actions, ['operator_retry', 'operator_abort']);
        const w = world(rig.sim);
        assert.equal(w.refundsOf(c.chargeId).length, 0);
        assert.equal(w.repliesOn(c.ticketId).length, 0, 'the customer is told nothing before the refund exists');
        await eventually(() => rig.inbox.notices.some((n) => n.workflowId === c.workflowId), 'operator notified');
        await rig.steward.retry(c.workflowId, 'ops.kim', 'Stripe is back');
        assert.equal(((await h.result()) as RefundRunResult).outcome, 'refunded');
        await check(report, [c]);
      }));
    });

    it('a read outage longer than the read retries pauses the run for an operator; it must not fail it', async () => {
      await withLane(({ rig, start, check }) => scenario('read-outage-pauses', async (report) => {
        const c = seedCase(rig.sim, 4900);
        report.runs = 1;
        // Five read attempts (about 15 s of back-off) all meet a 503: the "retries run out" case.
        const fault = rig.sim.faults.inject({ route: 'GET /v1/charges', kind: 'error_5xx', status: 503, times: 5 });
        const h = await start(c);
        await eventually(() => fault.hits >= 5, 'five read attempts', 40_000);
        await waitForNotRunningOrPaused(h, 20_000);
        const desc = await h.describe();
        assert.equal(desc.status.name, 'RUNNING', `README: "A step whose retries run out pauses" — the run is ${desc.status.name}`);
        const paused = await rig.steward.state(c.workflowId);
        assert.equal(paused.status, 'waiting');
        assert.match(paused.blocked_reason ?? '', /_unavailable/);
        assert.ok(paused.next_allowed_actions.includes('operator_retry'));
        await rig.steward.retry(c.workflowId, 'ops.kim', 'Stripe is back');
        assert.equal(((await h.result()) as RefundRunResult).outcome, 'refunded');
        await check(report, [c]);
      }));
    });

    it('timeouts: requests that are never answered are retried; one refund, one note, one reply', async () => {
      await withLane(({ rig, start, check }) => scenario('timeouts-retried', async (report) => {
        const c = seedCase(rig.sim, 4900);
        report.runs = 1;
        const faults = [
          rig.sim.faults.inject({ route: 'POST /v1/refunds', kind: 'timeout', times: 2, delayMs: 5000 }),
          rig.sim.faults.inject({ route: 'POST /crm/v3/objects/contacts/search', kind: 'timeout', times: 1, delayMs: 5000 }),
          rig.sim.faults.inject({ route: 'POST /crm/v3/objects/emails/search', kind: 'timeout', times: 1, delayMs: 5000 }),
        ];
        const result: RefundRunResult = await (await start(c)).result();
        assert.equal(result.outcome, 'refunded');
        assert.deepEqual(faults.map((f) => f.hits), [2, 1, 1]);
        await check(report, [c]);
      }));
    });

    it('a slow answer that lands after the client gave up: the effect happened once, the retry finds it (refund and reply)', async () => {
      await withLane(({ rig, start, check }) => scenario('slow-answer-after-client-gave-up', async (report) => {
        const c = seedCase(rig.sim, 4900);
        report.runs = 1;
        const refundFault = rig.sim.faults.inject({ route: 'POST /v1/refunds', kind: 'slow_success', delayMs: STRIPE_TIMEOUT_MS * 4 });
        const replyFault = rig.sim.faults.inject({ route: 'POST /crm/v3/objects/emails', kind: 'slow_success', delayMs: HUBSPOT_TIMEOUT_MS * 3 });
        const h = await start(c);
        // The refund exists while the answer is still held, and the client gives up on it.
        await eventually(() => refundFault.hits === 1 && world(rig.sim).refundsOf(c.chargeId).length === 1, 'refund created, answer held', 20_000);
        const result: RefundRunResult = await h.result();
        assert.equal(result.outcome, 'refunded');
        assert.equal(replyFault.hits, 1);
        const attempts = (await historyFacts(rig.client, c.workflowId)).attempts;
        assert.ok(attempts.find((a) => a.activity === 'createRefund')!.attempt >= 2, 'the refund call was retried');
        assert.ok(attempts.find((a) => a.activity === 'sendCustomerReply')!.attempt >= 2, 'the reply call was retried');
        await check(report, [c]);
      }));
    });
  });

  describe('reliability: an approval arrives while HubSpot is failing', { concurrency: true }, () => {
    it('an approval sent by the approvalDecision signal while its credential cannot be checked does not fail the run', async () => {
      await withLane(({ rig, start, check }) => scenario('approval-signal-during-crm-outage', async (report) => {
        const c = seedCase(rig.sim, 18000);
        report.runs = 1;
        const h = await start(c);
        const waiting = await awaitApprovalDesk(rig, h.workflowId);
        const actionDigest = digestOf((waiting.facts.approval_request as { proposed: ProposedRefund }).proposed);
        // The credential check reads the ticket (is the approver its assignee?): make every read attempt fail.
        const fault = rig.sim.faults.inject({ route: 'GET /crm/v3/objects/tickets/:id', kind: 'error_5xx', status: 503, times: 5 });
        const token = signApproval(rig.approverKey(APPROVER), { approver: APPROVER, workflowId: c.workflowId, actionDigest, decision: 'approve' });
        await h.signal(approvalSignal, { decision: 'approve', approver: APPROVER, actionDigest, token });
        await eventually(() => fault.hits >= 5, 'five attempts to check the credential', 40_000).catch(async (err) => {
          const desc = await h.describe();
          throw new Error(`${(err as Error).message} (attempts so far: ${fault.hits}; run ${desc.status.name}; pending: ${JSON.stringify(desc.raw.pendingActivities?.map((a) => [a.activityType?.name, a.attempt, a.lastFailure?.message]))}; trail: ${(await rig.audit.listByWorkflow(c.workflowId)).map((r) => r.event).join(',')})`);
        });
        await new Promise((r) => setTimeout(r, 1000));
        const status = (await h.describe()).status.name;
        assert.equal(status, 'RUNNING', `a transient CRM outage during an approval must not end the run; it is ${status}: ${status === 'FAILED' ? await failureOf(rig.client, c.workflowId) : ''}`);
        const still = await rig.steward.state(c.workflowId);
        assert.equal(still.current_step, 'waiting_for_manager_approval', 'an approval whose credential could not be checked approves nothing; the run keeps waiting');
        assert.equal(world(rig.sim).refundsOf(c.chargeId).length, 0);
        // Once HubSpot answers again, the manager approves (again) and the refund happens once.
        const answer = await rig.decide(c.workflowId, 'approve');
        if (answer.status !== 'accepted') assert.match(answer.reason, /already|no approval is pending/);
        assert.equal(((await h.result()) as RefundRunResult).outcome, 'refunded');
        await check(report, [c]);
      }));
    });
  });

  describe('reliability: the operator webhook is down', { concurrency: true }, () => {
    it('the run still pauses (and waits for approval) correctly; the notices are retried and arrive once the webhook is back', async () => {
      await withLane(({ rig, start, check }) => scenario('operator-webhook-down', async (report) => {
        rig.inbox.down = true;
        const refusedBefore = rig.inbox.refused;
        const failing = seedCase(rig.sim, 4900);
        const approval = seedCase(rig.sim, 18000);
        report.runs = 2;
        rig.sim.faults.inject({ route: 'POST /v1/refunds', kind: 'error_5xx', times: 3 });
        const [hf, ha] = [await start(failing), await start(approval)];

        const paused = await waitForState(hf, (s) => s.status === 'waiting' && s.current_step === 'create_refund', 60_000);
        assert.match(paused.blocked_reason ?? '', /^payment_provider_unavailable/);
        const waiting = await awaitApprovalDesk(rig, ha.workflowId);
        assert.equal(waiting.blocked_reason, 'amount_above_auto_threshold');
        // Both notices were tried and refused, and tried again while the webhook stayed down.
        await eventually(() => rig.inbox.refused - refusedBefore >= 4, 'notices retried while the webhook is down', 30_000);
        const ofRun = (id: string) => rig.inbox.notices.filter((n) => n.workflowId === id);
        assert.equal(ofRun(failing.workflowId).length + ofRun(approval.workflowId).length, 0);
        report.extra.refused_deliveries = rig.inbox.refused - refusedBefore;

        rig.inbox.down = false;
        await eventually(() => ofRun(failing.workflowId).length >= 1 && ofRun(approval.workflowId).length >= 1, 'both notices arrive once the webhook is back', 60_000);
        assert.match(String(ofRun(failing.workflowId)[0]!.subject), /payment provider/);
        assert.match(String(ofRun(approval.workflowId)[0]!.subject), /awaiting approval/i);
        for (const id of [failing.workflowId, approval.workflowId]) {
          assert.equal(new Set(ofRun(id).map((n) => n.idempotencyKey)).size, ofRun(id).length, 'each notice delivered once');
        }

        // The runs were never held up by the webhook: they finish normally.
        await rig.steward.retry(failing.workflowId, 'ops.kim', 'Stripe is back');
        assert.equal((await rig.decide(approval.workflowId, 'approve')).status, 'accepted');
        await Promise.all([hf.result(), ha.result()]);
        const notify = (await historyFacts(rig.client, failing.workflowId)).attempts.filter((a) => a.activity === 'notifyOperator');
        assert.ok(notify.some((a) => a.attempt >= 2), `the notification activity was retried: ${JSON.stringify(notify)}`);
        await check(report, [failing, approval]);
      }));
    });
  });

  describe('reliability: duplicate deliveries', { concurrency: true }, () => {
    it('the same event delivered 10 times, concurrently and spread over time (also after completion): one workflow, one refund', async () => {
      await withLane(({ rig, handle, check }) => scenario('duplicate-deliveries', async (report) => {
        const cases = [seedCase(rig.sim, 4900), seedCase(rig.sim, 18000)];
        report.runs = cases.length;
        let deliveries = 0;
        const deliver = async (c: RefundCase, n: number) => {
          deliveries += n;
          return Promise.all(Array.from({ length: n }, () => rig.steward.startTicket(c.event)));
        };
        const results = new Map<string, boolean[]>(cases.map((c) => [c.workflowId, []]));
        const record = (c: RefundCase, starts: Array<{ workflowId: string; started: boolean }>) => {
          for (const s of starts) {
            assert.equal(s.workflowId, c.workflowId);
            results.get(c.workflowId)!.push(s.started);
          }
        };
        const [auto, approval] = cases as [RefundCase, RefundCase];

        // 4 at once, then 3 spread over the run, then 3 after it completed.
        for (const c of cases) record(c, await deliver(c, 4));
        for (let i = 0; i < 3; i++) {
          await new Promise((r) => setTimeout(r, 150 * (i + 1)));
          for (const c of cases) record(c, await deliver(c, 1));
        }
        await awaitApprovalDesk(rig, handle(approval).workflowId);
        record(approval, await deliver(approval, 1)); // while waiting for the manager
        assert.equal((await rig.decide(approval.workflowId, 'approve')).status, 'accepted');
        await Promise.all(cases.map((c) => handle(c).result()));
        record(auto, await deliver(auto, 3));
        record(approval, await deliver(approval, 2));

        for (const c of cases) {
          const starts = results.get(c.workflowId)!;
          assert.equal(starts.length, 10);
          assert.equal(starts.filter(Boolean).length, 1, `${c.workflowId}: exactly one delivery started a workflow`);
          const runs = [];
          for await (const wf of rig.client.workflow.list({ query: `${searchAttributes.ticketId.name} = '${c.ticketId}'` })) runs.push(wf.runId);
          assert.equal(runs.length, 1, `${c.ticketId}: one workflow execution, found ${runs.length}`);
        }
        report.extra.deliveries = deliveries;
        await check(report, cases);
      }));
    });
  });
});

/** Waits until the run has closed, or is paused for an operator. */
async function waitForNotRunningOrPaused(h: WorkflowHandle, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const desc = await h.describe();
    if (desc.status.name !== 'RUNNING') return;
    const s = await h.query('state').catch(() => null);
    if (s && (s as { status: string; next_allowed_actions: string[] }).status === 'waiting' && (s as { next_allowed_actions: string[] }).next_allowed_actions.includes('operator_retry')) return;
    await new Promise((r) => setTimeout(r, 250));
  }
}
