import { appendFileSync } from 'node:fs';
import type { Client } from '@temporalio/client';
import type { AuditStore } from '../../audit/types.js';
import { workflowIdForTicket } from '../../runtime/steward-client.js';
import type { Simulator } from '../../simulator/server.js';
import type { RefundRunResult } from '../../workflows/duplicatePaymentRefund.js';
import { ticketEvent } from './harness.js';
import { seedDuplicateCase, STAGE, world } from './world.js';

/**
 * What a user checks after the dust settles, whatever broke on the way: the money in Stripe, the
 * notes and replies in HubSpot, the workflow's end, and the audit trail.
 */

/** One ticket about one duplicate charge, and what should have happened to the money. */
export interface RefundCase {
  ticketId: string;
  workflowId: string;
  email: string;
  chargeId: string;
  firstChargeId: string;
  amountCents: number;
  /** Above the auto-refund limit: a manager must decide. */
  needsApproval: boolean;
  /** The decision the test gives if it needs one. */
  decision: 'approve' | 'reject' | null;
  event: ReturnType<typeof ticketEvent>;
}

/** Auto-refund limit of the policy ($100): above it a manager decides. */
export const AUTO_LIMIT_CENTS = 10_000;

export function seedCase(sim: Simulator, amountCents: number, decision: 'approve' | 'reject' | null = null): RefundCase {
  const c = seedDuplicateCase(sim, { charges: { amountCents } });
  const needsApproval = amountCents > AUTO_LIMIT_CENTS;
  return {
    ticketId: c.ticketId,
    workflowId: workflowIdForTicket(c.ticketId),
    email: c.email,
    chargeId: c.charges!.duplicateChargeId,
    firstChargeId: c.charges!.firstChargeId,
    amountCents,
    needsApproval,
    decision: needsApproval ? (decision ?? 'approve') : null,
    event: ticketEvent(c.ticketId, c.email),
  };
}

/** A refund is owed exactly when the policy auto-approves or a manager approved. */
export const refundOwed = (c: RefundCase) => !c.needsApproval || c.decision === 'approve';

/** Events a run records at most once; a second one is a duplicate record. */
const AT_MOST_ONCE = [
  'ticket_classified',
  'customer_identified',
  'duplicate_detected',
  'policy_evaluated',
  'actions_planned',
  'approval_requested',
  'approval_approve',
  'approval_reject',
  'refund_created',
  'customer_reply_sent',
  'workflow_completed',
  'handed_to_human',
  'ticket_status_changed',
];

const REFUND_ID = /\bre_[A-Za-z0-9]+/g;

export interface CheckResult {
  /** Individual facts checked (for the report line). */
  checked: number;
  problems: string[];
}

/**
 * Checks the world after the runs of `cases` ended. Every problem is listed (not just the first),
 * so a failure says exactly which workflow broke which promise.
 */
export async function checkOutcomes(opts: {
  sim: Simulator;
  audit: AuditStore;
  client: Client;
  cases: RefundCase[];
  /** Refunds made by Steward outside these cases are also errors (default true). */
  exclusive?: boolean;
}): Promise<CheckResult> {
  const { sim, audit, client, cases } = opts;
  const w = world(sim);
  const problems: string[] = [];
  let checked = 0;
  const check = (ok: boolean, problem: string) => {
    checked += 1;
    if (!ok) problems.push(problem);
  };

  // Money: refunds in Stripe == approved duplicates, exactly.
  const stewardRefunds = w.allStewardRefunds();
  const owedCharges = new Set(cases.filter(refundOwed).map((c) => c.chargeId));
  if (opts.exclusive !== false) {
    const stray = stewardRefunds.filter((r) => !owedCharges.has(r.charge));
    check(stray.length === 0, `refunds nobody approved: ${stray.map((r) => `${r.id} on ${r.charge}`).join(', ')}`);
    check(stewardRefunds.length === owedCharges.size, `Steward made ${stewardRefunds.length} refunds for ${owedCharges.size} approved duplicates`);
  }
  for (const kind of ['refunds', 'notes', 'emails'] as const) {
    const keys = kind === 'refunds'
      ? [...sim.state.refunds.values()].map((r) => r.metadata?.steward_key).filter(Boolean)
      : [...sim.state[kind].values()].map((r) => r.properties.steward_key).filter(Boolean);
    const dup = keys.filter((k, i) => keys.indexOf(k) !== i);
    check(dup.length === 0, `${kind} written twice under one idempotency key: ${[...new Set(dup)].join(', ')}`);
  }

  await Promise.all(
    cases.map(async (c) => {
      const owed = refundOwed(c);
      const refunds = w.refundsOf(c.chargeId);
      const refundIds = new Set(refunds.map((r) => r.id));
      check(refunds.length === (owed ? 1 : 0), `${c.workflowId}: ${refunds.length} refunds of ${c.chargeId}, expected ${owed ? 1 : 0}`);
      check(refunds.every((r) => r.amount === c.amountCents), `${c.workflowId}: refund amount differs from the duplicate charge`);
      check(w.refundsOf(c.firstChargeId).length === 0, `${c.workflowId}: the original charge ${c.firstChargeId} was refunded`);

      // What the workflow says it did.
      const handle = client.workflow.getHandle(c.workflowId);
      const desc = await handle.describe();
      check(desc.status.name === 'COMPLETED', `${c.workflowId}: workflow is ${desc.status.name}, not COMPLETED`);
      let result: RefundRunResult | null = null;
      if (desc.status.name === 'COMPLETED') result = await handle.result();
      const expectedOutcome = owed ? 'refunded' : 'refund_rejected';
      check(result?.outcome === expectedOutcome, `${c.workflowId}: outcome ${result?.outcome ?? '(none)'}, expected ${expectedOutcome}`);
      if (owed && result) check(refundIds.has(result.refundId ?? ''), `${c.workflowId}: result names refund ${result.refundId}, which does not exist on ${c.chargeId}`);

      // What the customer was told: one reply, and every refund it names exists and is theirs.
      const replies = w.repliesOn(c.ticketId);
      check(replies.length === 1, `${c.workflowId}: ${replies.length} customer replies, expected 1`);
      for (const reply of replies) {
        const claimed = [...`${reply.subject}\n${reply.text}`.matchAll(REFUND_ID)].map((m) => m[0]);
        for (const id of claimed) {
          const real = sim.state.refunds.get(id);
          check(!!real && real.charge === c.chargeId, `${c.workflowId}: reply claims refund ${id}, which ${real ? `belongs to ${real.charge}` : 'does not exist'}`);
        }
        if (owed) check(refunds.some((r) => claimed.includes(r.id)), `${c.workflowId}: reply does not quote the refund id`);
        else check(claimed.length === 0, `${c.workflowId}: a reply for a refund that was not made names ${claimed.join(', ')}`);
      }

      // What support sees: the notes, once each, and a closed ticket.
      const notes = w.notesOn(c.ticketId);
      const refundedNotes = notes.filter((n) => /refunded: re_/.test(n));
      check(refundedNotes.length === (owed ? 1 : 0), `${c.workflowId}: ${refundedNotes.length} "refunded" notes, expected ${owed ? 1 : 0}`);
      check(refundedNotes.every((n) => [...n.matchAll(REFUND_ID)].every((m) => refundIds.has(m[0]))), `${c.workflowId}: a note names a refund that does not exist`);
      const approvalNotes = notes.filter((n) => n.startsWith('Awaiting manager approval'));
      check(approvalNotes.length === (c.needsApproval ? 1 : 0), `${c.workflowId}: ${approvalNotes.length} approval notes, expected ${c.needsApproval ? 1 : 0}`);
      check(w.ticketStage(c.ticketId) === STAGE.closed, `${c.workflowId}: ticket stage ${w.ticketStage(c.ticketId)}, expected closed`);

      // The audit trail: no record twice, the refund recorded once with its real id, the chain intact.
      const trail = await audit.listByWorkflow(c.workflowId);
      const counts = new Map<string, number>();
      for (const r of trail) counts.set(r.event, (counts.get(r.event) ?? 0) + 1);
      for (const event of AT_MOST_ONCE) check((counts.get(event) ?? 0) <= 1, `${c.workflowId}: audit has ${counts.get(event)} ${event} records`);
      check((counts.get('refund_created') ?? 0) === (owed ? 1 : 0), `${c.workflowId}: audit has ${counts.get('refund_created') ?? 0} refund_created records, expected ${owed ? 1 : 0}`);
      check((counts.get('customer_reply_sent') ?? 0) === 1, `${c.workflowId}: audit has ${counts.get('customer_reply_sent') ?? 0} customer_reply_sent records`);
      check((counts.get('workflow_completed') ?? 0) === 1, `${c.workflowId}: audit has ${counts.get('workflow_completed') ?? 0} workflow_completed records`);
      check((counts.get('ticket_note_added') ?? 0) === notes.length, `${c.workflowId}: audit has ${counts.get('ticket_note_added') ?? 0} ticket_note_added records for ${notes.length} notes`);
      const refundRecord = trail.find((r) => r.event === 'refund_created');
      if (owed) check(!!refundRecord && refundIds.has(refundRecord.externalReference ?? ''), `${c.workflowId}: the audit's refund_created names ${refundRecord?.externalReference}, not the refund in Stripe`);
      if (c.needsApproval) check((counts.get(`approval_${c.decision}`) ?? 0) === 1, `${c.workflowId}: audit lacks approval_${c.decision}`);
      const verify = await audit.verify(c.workflowId);
      check(verify.ok, `${c.workflowId}: audit chain broken: ${JSON.stringify(verify.breaks)}`);
    }),
  );
  return { checked, problems };
}

/** Why a closed run failed, from its result: the failure and its cause. */
export async function failureOf(client: Client, workflowId: string): Promise<string> {
  try {
    await client.workflow.getHandle(workflowId).result();
    return 'no failure';
  } catch (err) {
    const cause = (err as { cause?: { message?: string; activityType?: string; cause?: { message?: string } } }).cause;
    return [cause?.activityType, cause?.message, cause?.cause?.message].filter(Boolean).join(': ') || String(err);
  }
}

/** What a workflow's history says about its activities: retries, and which workers ran them. */
export async function historyFacts(client: Client, workflowId: string) {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const scheduled = new Map<string, string>();
  const attempts: Array<{ activity: string; attempt: number; identity: string }> = [];
  const identities = new Set<string>();
  for (const e of history.events ?? []) {
    if (e.activityTaskScheduledEventAttributes) {
      scheduled.set(String(e.eventId), e.activityTaskScheduledEventAttributes.activityType?.name ?? '?');
    }
    const started = e.activityTaskStartedEventAttributes;
    if (started) {
      const identity = started.identity ?? '';
      identities.add(identity);
      attempts.push({ activity: scheduled.get(String(started.scheduledEventId)) ?? '?', attempt: started.attempt ?? 1, identity });
    }
    const completed = e.workflowTaskCompletedEventAttributes;
    if (completed?.identity) identities.add(completed.identity);
  }
  return { attempts, retries: attempts.reduce((n, a) => n + Math.max(0, a.attempt - 1), 0), identities };
}

/**
 * One machine-readable line per scenario, e.g.
 * `RELIABILITY | sigkill-step-boundaries | runs=6 | checked=312 | pass | wall_s=48.2`.
 * With RELIABILITY_REPORT=<file> the same line is appended to that file too.
 */
export function reportScenario(scenario: string, fields: { runs: number; checked: number | string; result: 'pass' | 'fail'; [extra: string]: string | number }) {
  const { runs, checked, result, ...extra } = fields;
  const line = [`RELIABILITY | ${scenario} | runs=${runs} | checked=${checked} | ${result}`, ...Object.entries(extra).map(([k, v]) => `${k}=${v}`)].join(' | ');
  console.log(line);
  if (process.env.RELIABILITY_REPORT) appendFileSync(process.env.RELIABILITY_REPORT, `${line}\n`);
}

/** Runs a scenario body and always prints its report line, with pass or fail. */
export async function scenario(name: string, body: (report: { runs: number; checked: number; extra: Record<string, string | number> }) => Promise<void>): Promise<void> {
  const report = { runs: 0, checked: 0, extra: {} as Record<string, string | number> };
  const started = Date.now();
  let result: 'pass' | 'fail' = 'fail';
  try {
    await body(report);
    result = 'pass';
  } finally {
    reportScenario(name, { runs: report.runs, checked: report.checked, result, wall_s: ((Date.now() - started) / 1000).toFixed(1), ...report.extra });
  }
}
