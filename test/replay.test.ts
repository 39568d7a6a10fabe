import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { workflowBundle } from './helpers/bundle.js';
import { HISTORIES_DIR } from './helpers/histories.js';

/**
 * Every checked-in history replays against today's workflow code. A failure here means a change
 * would break runs already in flight (some wait days for approval): guard it with `patched()` or
 * version the workflow, then re-record with `npm run record-histories`.
 */
describe('replay of recorded histories', () => {
  const files = readdirSync(HISTORIES_DIR).filter((f) => f.endsWith('.json')).sort();

  it('has fixtures for the main paths, from before and after the approval-credentials patch', () => {
    for (const path of ['v1-approval-approved', 'v1-approval-rejected', 'v1-auto-refund']) {
      assert.ok(files.includes(`${path}.json`), `missing test/histories/${path}.json (recorded before patch approval-credentials-v1)`);
    }
    for (const path of ['auto-refund', 'approval-approved', 'approval-rejected', 'approval-expired', 'never-refundable', 'not-duplicate', 'provider-timeout-retry', 'billing-sync']) {
      assert.ok(files.includes(`${path}.json`), `missing test/histories/${path}.json`);
    }
  });

  for (const file of files) {
    it(`replays ${file} without nondeterminism`, async () => {
      const history = historyFromJSON(JSON.parse(readFileSync(join(HISTORIES_DIR, file), 'utf8')));
      try {
        await Worker.runReplayHistory({ workflowBundle: await workflowBundle(), replayName: file }, history);
      } catch (err) {
        const workflowType = history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name ?? 'unknown';
        throw new Error(
          `${workflowType} no longer replays test/histories/${file}: ${(err as Error).message}\n` +
            'Workflows already running (some wait days for approval) would break on this change. ' +
            'Guard the new code with patched()/deprecatePatch() from @temporalio/workflow (see workflows/kit/approval.ts), ' +
            'or start a new workflow type; then re-record with `npm run record-histories` and keep the old fixtures.',
        );
      }
    });
  }
});
