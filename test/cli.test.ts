import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { PROJECT_ROOT } from '../runtime/temporal-cli.js';
import { fastPolicy, startHarness, ticketEvent, waitForState, type Harness } from './helpers/harness.js';
import { seedDuplicateCase, world } from './helpers/world.js';

const run = promisify(execFile);

/** client.ts as an operator runs it: a separate process, real arguments, real exit codes. */
let h: Harness;
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'client.ts'), ...args], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, TEMPORAL_ADDRESS: h.env.address, TEMPORAL_TASK_QUEUE: h.taskQueue, STEWARD_DATA_DIR: h.dataDir, DATABASE_URL: '' },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

before(async () => {
  h = await startHarness({ policy: fastPolicy({ approval: { escalate_after_hours: 0.25, expire_after_hours: 0.5 } }) });
});
after(async () => {
  await h?.stop();
});

describe('client.ts', () => {
  it('--help lists the commands', async () => {
    const r = await cli('--help');
    assert.equal(r.code, 0);
    for (const command of ['start', 'state', 'approve', 'reject', 'request-info', 'retry', 'abort', 'provide-identifier', 'billing-synced', 'waiting', 'approvers', 'audit']) {
      assert.match(r.stdout, new RegExp(`\\b${command}\\b`));
    }
  });

  it('refuses a malformed event file with a message naming the problem, and starts nothing', async () => {
    const bad = join(h.dataDir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ ticketId: 'CLI-BAD', senderEmail: 'nobody', subject: 'x', body: 'y', receivedAt: 'now' }));
    const r = await cli('start', bad);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /senderEmail/);
    assert.equal((await h.env.client.workflow.count(`WorkflowId = 'duplicatePaymentRefund-CLI-BAD'`)).count, 0);
    const notJson = join(h.dataDir, 'not.json');
    writeFileSync(notJson, '{ticket');
    const r2 = await cli('start', notJson);
    assert.equal(r2.code, 1);
    assert.match(r2.stderr, /not valid JSON/);
  });

  it('starts once per ticket, lists the run as waiting, approves it, and prints its audit story', async () => {
    const c = seedDuplicateCase(h.sim, { charges: { amountCents: 18000 } });
    const file = join(h.dataDir, 'event.json');
    writeFileSync(file, JSON.stringify(ticketEvent(c.ticketId, c.email)));
    const first = JSON.parse((await cli('--json', 'start', file)).stdout);
    assert.equal(first.started, true);
    const second = JSON.parse((await cli('--json', 'start', file)).stdout);
    assert.equal(second.started, false);

    const handle = h.env.client.workflow.getHandle(first.workflowId);
    await waitForState(handle, (s) => s.current_step === 'waiting_for_manager_approval');
    const state = JSON.parse((await cli('--json', 'state', first.workflowId)).stdout);
    assert.equal(state.blocked_reason, 'amount_above_auto_threshold');

    let waiting: Array<{ workflowId: string }> = [];
    for (let i = 0; i < 50 && !waiting.some((w) => w.workflowId === first.workflowId); i++) {
      waiting = JSON.parse((await cli('--json', 'waiting')).stdout);
      if (!waiting.some((w) => w.workflowId === first.workflowId)) await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(waiting.some((w) => w.workflowId === first.workflowId), 'the run is listed as waiting for approval');

    const approved = await cli('approve', first.workflowId, '--approver', 'maria.finance', '--key', h.approverKey('maria.finance'), '--comment', 'ok');
    assert.equal(approved.code, 0, approved.stderr);
    await handle.result();
    assert.equal(world(h.sim).refundsOf(c.charges!.duplicateChargeId).length, 1);

    const late = await cli('approve', first.workflowId, '--approver', 'maria.finance', '--key', h.approverKey('maria.finance'));
    assert.notEqual(late.code, 0, 'approving a finished run fails');

    const story = await cli('audit', first.workflowId);
    assert.equal(story.code, 0, story.stderr);
    assert.match(story.stdout, /refund_created/);
    assert.match(story.stdout, /maria\.finance/);
    const verify = await cli('audit', 'verify');
    assert.equal(verify.code, 0);
    assert.match(verify.stdout, /intact/);
    // A DBA edits a stored refund record behind Steward's back: verify names it and fails.
    const db = new Database(join(h.dataDir, 'audit.sqlite'));
    db.exec('DROP TRIGGER audit_events_no_update');
    db.prepare("UPDATE audit_events SET amount_usd = 1 WHERE workflow_id = ? AND event = 'refund_created'").run(first.workflowId);
    db.close();
    const tampered = await cli('audit', 'verify', first.workflowId);
    assert.equal(tampered.code, 3);
    assert.match(tampered.stdout, new RegExp(`BROKEN[\\s\\S]*${first.workflowId} record \\d+ .*modified`));
    const exported = JSON.parse((await cli('audit', 'export', '--from', '2000-01-01T00:00:00Z', '--to', '2100-01-01T00:00:00Z')).stdout);
    assert.ok(exported.some((r: { event: string; workflowId: string }) => r.event === 'refund_created' && r.workflowId === first.workflowId));
  });
});
