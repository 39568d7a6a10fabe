import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { searchAttributes } from '../workflows/messages.js';
import { resolveTemporalCli } from './temporal-cli.js';

export interface EmbeddedServerOptions {
  dataDir: string;
  namespace: string;
  port: number;
  uiPort: number;
  cliPath?: string | undefined;
  /** Keep state in `<dataDir>/temporal.db` across restarts (npm start); tests pass false. */
  persistent?: boolean;
}

/**
 * The embedded `temporal server start-dev`, through the SDK's own ephemeral-server support: it
 * spawns the real CLI, waits until the server answers, registers Steward's search attributes, and
 * tears the process down with us. With `persistent`, workflows survive a restart of Steward.
 */
export async function startEmbeddedTemporal(opts: EmbeddedServerOptions): Promise<TestWorkflowEnvironment> {
  const cli = opts.cliPath ?? resolveTemporalCli();
  let dbFilename: string | undefined;
  if (opts.persistent !== false) {
    mkdirSync(opts.dataDir, { recursive: true });
    dbFilename = join(opts.dataDir, 'temporal.db');
  }
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: cli ? { type: 'existing-path', path: cli } : { type: 'cached-download' },
      ip: '127.0.0.1',
      port: opts.port,
      ui: opts.uiPort > 0,
      uiPort: opts.uiPort > 0 ? opts.uiPort : undefined,
      namespace: opts.namespace,
      dbFilename,
      searchAttributes: Object.values(searchAttributes),
      log: { format: 'pretty', level: 'warn' },
    },
  });
}
