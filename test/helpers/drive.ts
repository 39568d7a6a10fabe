import type { WorkflowState } from '../../workflows/kit/state.js';
import type { Rig } from './rig.js';
import type { RefundCase } from './invariants.js';

/**
 * Plays the people around a batch of runs until each has ended (or, with `retryPaused: false`,
 * ended or paused for an operator): a manager decides every approval request as the case says, and
 * an operator retries paused runs when allowed. Only runs still open are queried each round.
 */
export interface DriveOptions {
  /** Signal operatorRetry to paused runs (after an outage is over). */
  retryPaused: boolean;
  timeoutMs: number;
  pollMs?: number;
  /** Called every round; throw to abort the drive. */
  onRound?: (open: number) => void;
}

export interface Drive {
  /** Runs that ended (closed in Temporal), with their status name. */
  closed: Map<string, string>;
  /** Runs paused for an operator when the drive stopped, with their state. */
  paused: Map<string, WorkflowState>;
  /** Every pause seen on the way (workflow id → blocked reasons). */
  pausesSeen: Map<string, string[]>;
  decisions: number;
  /** Decisions the workflow refused or that failed to reach it (retried next round). */
  refusedDecisions: string[];
  operatorRetries: number;
  /** Runs still open (neither closed nor paused) when the drive timed out. */
  stuck: Map<string, WorkflowState | string>;
}

const isPaused = (s: WorkflowState) => s.status === 'waiting' && s.next_allowed_actions.includes('operator_retry');
const awaitsApproval = (s: WorkflowState) => s.status === 'waiting' && s.current_step === 'waiting_for_manager_approval' && s.next_allowed_actions.includes('approve_refund');

export async function drive(rig: Rig, cases: RefundCase[], opts: DriveOptions): Promise<Drive> {
  const out: Drive = { closed: new Map(), paused: new Map(), pausesSeen: new Map(), decisions: 0, refusedDecisions: [], operatorRetries: 0, stuck: new Map() };
  const byId = new Map(cases.map((c) => [c.workflowId, c]));
  const decided = new Set<string>();
  const lastPause = new Map<string, string>();
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    out.paused.clear();
    out.stuck.clear();
    const closed = await closedRuns(rig);
    for (const [id, status] of closed) if (byId.has(id)) out.closed.set(id, status);
    const open = cases.filter((c) => !out.closed.has(c.workflowId));
    await pool(open, 12, async (c) => {
      let state: WorkflowState;
      try {
        state = await rig.steward.state(c.workflowId);
      } catch (err) {
        out.stuck.set(c.workflowId, String(err));
        return;
      }
      if (awaitsApproval(state) && !decided.has(c.workflowId) && c.decision) {
        const answer = await rig.decide(c.workflowId, c.decision).catch((err) => ({ status: 'error', reason: String(err) }));
        if (answer.status === 'accepted') {
          decided.add(c.workflowId);
          out.decisions += 1;
        } else {
          out.refusedDecisions.push(`${c.workflowId}: ${'reason' in answer ? answer.reason : answer.status}`);
        }
        out.stuck.set(c.workflowId, state);
        return;
      }
      if (isPaused(state)) {
        const key = `${state.current_step}|${state.blocked_reason}`;
        if (lastPause.get(c.workflowId) !== key) {
          lastPause.set(c.workflowId, key);
          out.pausesSeen.set(c.workflowId, [...(out.pausesSeen.get(c.workflowId) ?? []), state.blocked_reason ?? '(none)']);
        }
        if (opts.retryPaused) {
          await rig.steward.retry(c.workflowId, 'ops.reliability', 'the outage is over');
          lastPause.delete(c.workflowId);
          out.operatorRetries += 1;
          out.stuck.set(c.workflowId, state);
        } else {
          out.paused.set(c.workflowId, state);
        }
        return;
      }
      out.stuck.set(c.workflowId, state);
    });
    opts.onRound?.(out.stuck.size);
    if (out.stuck.size === 0) return out;
    if (Date.now() > deadline) return out;
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 1000));
  }
}

/** Closed runs on the rig's task queue (visibility), with their status. */
async function closedRuns(rig: Rig): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const wf of rig.client.workflow.list({ query: `TaskQueue = '${rig.taskQueue}' AND ExecutionStatus != 'Running'` })) {
    out.set(wf.workflowId, wf.status.name);
  }
  return out;
}

/** Runs `fn` over `items`, at most `n` at a time. */
export async function pool<T>(items: T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const item = items[next++]!;
        await fn(item);
      }
    }),
  );
}

/** Describes runs in a readable block for a failure message. */
export function describeRuns(d: Drive): string {
  const lines: string[] = d.refusedDecisions.slice(-5).map((r) => `  decision not accepted: ${r}`);
  for (const [id, s] of d.stuck) lines.push(`  still open: ${id}: ${typeof s === 'string' ? s : `${s.current_step} (${s.status}) ${s.blocked_reason ?? ''}`}`);
  for (const [id, status] of d.closed) if (status !== 'COMPLETED') lines.push(`  ${status}: ${id}`);
  return lines.join('\n');
}

/**
 * Waits until a run really awaits a manager. The state says `waiting_for_manager_approval` as
 * soon as the step starts, but the approval desk opens only after the "awaits approval" note is
 * written; a decision sent in between is refused ("no approval is pending"). The desk is open once
 * the workflow task that saw that note complete has itself completed.
 */
export async function awaitApprovalDesk(rig: Pick<Rig, 'client' | 'steward'>, workflowId: string, timeoutMs = 30_000): Promise<WorkflowState> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await rig.steward.state(workflowId).catch(() => null);
    if (state && awaitsApproval(state)) {
      const events = (await rig.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
      const noteScheduled = new Set<string>();
      let noteDoneAt = -1;
      events.forEach((e, i) => {
        if (e.activityTaskScheduledEventAttributes?.activityType?.name === 'addTicketNote') noteScheduled.add(String(e.eventId));
        if (e.activityTaskCompletedEventAttributes && noteScheduled.has(String(e.activityTaskCompletedEventAttributes.scheduledEventId))) noteDoneAt = i;
      });
      if (noteDoneAt >= 0 && events.slice(noteDoneAt).some((e) => e.workflowTaskCompletedEventAttributes)) return state;
    }
    if (Date.now() > deadline) throw new Error(`${workflowId} never opened its approval desk; last state: ${JSON.stringify(state)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
