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

  it('has fixtures for the main paths', () => {
    for (const path of ['auto-refund', 'approval-approved', 'approval-rejected', 'approval-expired', 'never-refundable', 'not-duplicate', 'provider-timeout-retry', 'billing-sync']) {
      assert.ok(files.includes(`${path}.json`), `missing test/histories/${path}.json`);
    }
  });

  for (const file of files) {
    it(`replays ${file} without nondeterminism`, async () => {
      const history = historyFromJSON(JSON.parse(readFileSync(join(HISTORIES_DIR, file), 'utf8')));
      await Worker.runReplayHistory({ workflowBundle: await workflowBundle(), replayName: file }, history);
    });
  }
});
