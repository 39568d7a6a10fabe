import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { resolveTemporalCli } from '../../runtime/temporal-cli.js';
import { searchAttributeFlags, searchAttributes } from '../../workflows/messages.js';
import { freePort, sleep, spawnChild, type Child } from './children.js';

/**
 * A `temporal server start-dev` we spawn ourselves (the real CLI from resolveTemporalCli()), on a
 * fixed port and with a persistent SQLite file, so a test can stop it and start it again on the
 * same address and the same data: what a restart of a real cluster looks like to Steward.
 */
export interface DevServer {
  address: string;
  port: number;
  namespace: string;
  dbFile: string;
  readonly running: boolean;
  /** Stops the server process (SIGTERM: a clean stop; SIGKILL: a crash). */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port and database file, and waits until it answers. */
  start(): Promise<void>;
  /** Stops it for good and removes the database file. */
  dispose(): Promise<void>;
  /** The server's own output, for failure messages. */
  output(): string;
}

export async function startDevServer(opts: { namespace?: string } = {}): Promise<DevServer> {
  const cli = resolveTemporalCli();
  if (!cli) throw new Error('the Temporal CLI was not found (npm install provides it in .tools/temporal/bin)');
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'steward-reliability-temporal-'));
  const dbFile = join(dir, 'temporal.db');
  const namespace = opts.namespace ?? 'default';
  const address = `127.0.0.1:${port}`;
  let child: Child | null = null;
  let log = '';

  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--db-filename',
    dbFile,
    '--namespace',
    namespace,
    '--headless',
    '--log-format',
    'pretty',
    '--log-level',
    'error',
    // The same dynamic config the SDK's ephemeral server sets: updates (used by `decide`) on.
    '--dynamic-config-value',
    'frontend.enableUpdateWorkflowExecution=true',
    '--dynamic-config-value',
    'frontend.enableUpdateWorkflowExecutionAsyncAccepted=true',
    '--dynamic-config-value',
    'frontend.enableServerVersionCheck=false',
    ...searchAttributeFlags.flatMap((flag) => ['--search-attribute', flag]),
  ];

  const server: DevServer = {
    address,
    port,
    namespace,
    dbFile,
    get running() {
      return child?.alive ?? false;
    },
    async start() {
      if (child?.alive) return;
      child = spawnChild(cli, args);
      await waitUntilServing(address, namespace, child);
    },
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (!child) return;
      log += child.output();
      await child.stop(signal, 15_000);
      child = null;
    },
    async dispose() {
      await server.stop('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
    output: () => log + (child?.output() ?? ''),
  };
  try {
    await server.start();
  } catch (err) {
    await server.dispose();
    throw err;
  }
  return server;
}

/** Polls until the frontend answers and Steward's search attributes are registered. */
async function waitUntilServing(address: string, namespace: string, child: Child, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown = null;
  while (Date.now() < deadline) {
    if (!child.alive) throw new Error(`temporal server start-dev exited early:\n${child.output().slice(-4000)}`);
    let connection: Connection | null = null;
    try {
      connection = await Connection.connect({ address, connectTimeout: '2 seconds' });
      const attrs = await connection.operatorService.listSearchAttributes({ namespace });
      if (attrs.customAttributes && searchAttributes.ticketId.name in attrs.customAttributes) return;
      lastError = new Error('search attributes not registered yet');
    } catch (err) {
      lastError = err;
    } finally {
      await connection?.close().catch(() => undefined);
    }
    await sleep(250);
  }
  throw new Error(`temporal dev server at ${address} did not come up in ${timeoutMs} ms: ${String(lastError)}\n${child.output().slice(-4000)}`);
}
