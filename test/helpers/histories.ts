import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { PROJECT_ROOT } from '../../runtime/temporal-cli.js';

export const HISTORIES_DIR = join(PROJECT_ROOT, 'test', 'histories');

/**
 * With STEWARD_RECORD_HISTORIES=1, saves a finished run's event history as a replay fixture
 * (test/histories/<name>.json). The fixtures are checked in; test/replay.test.ts replays every one
 * of them on every test run, so a change to workflow code that breaks determinism fails CI.
 */
export async function recordHistory(handle: WorkflowHandle, name: string): Promise<void> {
  if (process.env.STEWARD_RECORD_HISTORIES !== '1') return;
  const history = await handle.fetchHistory();
  writeFileSync(join(HISTORIES_DIR, `${name}.json`), historyToJSON(history));
}
