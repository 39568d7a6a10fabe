import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { openAuditStore } from '../../audit/store.js';
import type { AuditStore } from '../../audit/types.js';
import type { RefundPolicy } from '../../policies/schema.js';
import { approverKey } from '../../runtime/approval-tokens.js';
import { StewardClient } from '../../runtime/steward-client.js';
import { restartSimulator } from '../../simulator/restart.js';
import { startSimulator, type Simulator } from '../../simulator/server.js';
import { spawnChild, type Child } from './children.js';
import { fastPolicy } from './harness.js';
import { startStewardWorker, type RunningStewardWorker, type StewardWorkerConfig } from './steward-worker.js';
import { startDevServer, type DevServer } from './temporal-server.js';

/**
 * The reliability rig: like startHarness, every part is real (Temporal dev server from the real
 * CLI, the Stripe/HubSpot simulator over HTTP, a SQLite audit store on disk, an operator webhook),
 * but each part can be broken on purpose: the Temporal server stopped and restarted on its
 * database, the simulator closed and reopened on its port and state, the webhook answering 503,
 * and Steward's worker run in child processes that a test kills with SIGKILL.
 */
export interface Rig {
  temporal: DevServer;
  client: Client;
  steward: StewardClient;
  /** The current simulator (replaced by `restartSimulator`). */
  sim: Simulator;
  inbox: WebhookInbox;
  audit: AuditStore;
  auditSqlite: string;
  taskQueue: string;
  policy: RefundPolicy;
  /** The personal key an admin would issue to this approver (`client.ts approvers issue-key`). */
  approverKey(approverId: string): string;
  /** Approves or rejects with a proven credential (maria.finance, finance manager). */
  decide(workflowId: string, decision: 'approve' | 'reject'): ReturnType<StewardClient['decide']>;
  /** The config a worker of this rig gets; `overrides` for a proxy URL, timeouts, an identity. */
  workerConfig(overrides?: Partial<StewardWorkerConfig>): StewardWorkerConfig;
  /** A worker in this process (stopped by `stop`). */
  startWorker(overrides?: Partial<StewardWorkerConfig>): Promise<RunningStewardWorker>;
  /** A worker in a child process; resolves once it polls. */
  spawnWorker(overrides?: Partial<StewardWorkerConfig>): Promise<WorkerProcess>;
  /** Connection refused for `downMs`, then the simulator is back on the same port and state. */
  restartSimulator(downMs: number, onDown?: () => void | Promise<void>): Promise<Simulator>;
  stop(): Promise<void>;
}

export interface WorkerProcess {
  child: Child;
  identity: string;
  /** SIGKILL: no shutdown, no goodbye, in-flight activities are simply lost. */
  kill(): Promise<void>;
}

export interface RigOptions {
  policy?: RefundPolicy;
  /**
   * A Temporal server shared with other rigs (each rig keeps its own task queue, simulator,
   * webhook and audit store, so rigs can run side by side); it is not stopped with this rig.
   */
  temporal?: DevServer;
}

/** Waits counted in minutes, so nothing expires or hands off while a test breaks things. */
export function patientPolicy(): RefundPolicy {
  const base = fastPolicy();
  return {
    ...base,
    approval: { escalate_after_hours: 1, expire_after_hours: 2 },
    waits: { ...base.waits, operator_hours: 2 },
  };
}

/** A finance manager from policies/approvers.yaml (limit $5,000). */
export const APPROVER = 'maria.finance';

const WORKER_ENTRY = fileURLToPath(new URL('./worker-process.ts', import.meta.url));

export async function startRig(opts: RigOptions = {}): Promise<Rig> {
  quietSdkLogs();
  const dir = mkdtempSync(join(tmpdir(), 'steward-reliability-'));
  const cleanups: Array<() => Promise<unknown>> = [async () => rmSync(dir, { recursive: true, force: true })];
  const cleanup = async () => {
    for (const fn of cleanups.reverse()) await fn().catch(() => undefined);
    cleanups.length = 0;
  };
  try {
    const temporal = opts.temporal ?? (await startDevServer());
    if (!opts.temporal) cleanups.push(() => temporal.dispose());
    const connection = await Connection.connect({ address: temporal.address });
    cleanups.push(() => connection.close());
    const client = new Client({ connection, namespace: temporal.namespace });
    let sim = await startSimulator({ port: 0, fixtures: 'empty' });
    cleanups.push(() => sim.close());
    const inbox = await startWebhookInbox();
    cleanups.push(() => inbox.close());
    const auditSqlite = join(dir, 'audit.sqlite');
    const audit = await openAuditStore({ sqlitePath: auditSqlite });
    cleanups.push(() => audit.close());
    const taskQueue = `steward-reliability-${randomUUID()}`;
    const approvalSecret = randomUUID() + randomUUID();
    const workers: RunningStewardWorker[] = [];
    const processes: WorkerProcess[] = [];
    // Workers stop first (pushed last, run first).
    cleanups.push(async () => {
      await Promise.all(processes.map((p) => p.child.stop('SIGKILL')));
      await Promise.all(workers.map((w) => w.stop()));
    });
    let spawned = 0;

    const rig: Rig = {
      temporal,
      client,
      steward: new StewardClient(client, taskQueue),
      get sim() {
        return sim;
      },
      inbox,
      audit,
      auditSqlite,
      taskQueue,
      policy: opts.policy ?? patientPolicy(),
      approverKey: (id) => approverKey(approvalSecret, id),
      decide: (workflowId, decision) =>
        rig.steward.decide(workflowId, decision, { approver: APPROVER, approverKey: approverKey(approvalSecret, APPROVER), comment: 'reliability suite' }),
      workerConfig(overrides = {}) {
        return {
          address: temporal.address,
          namespace: temporal.namespace,
          taskQueue,
          simulatorUrl: sim.url,
          auditSqlite,
          webhookUrl: inbox.url,
          policy: rig.policy,
          approvalSecret,
          ...overrides,
        };
      },
      async startWorker(overrides = {}) {
        const worker = await startStewardWorker(rig.workerConfig(overrides));
        workers.push(worker);
        return worker;
      },
      async spawnWorker(overrides = {}) {
        spawned += 1;
        const identity = overrides.identity ?? `worker-${spawned}`;
        const cfg = rig.workerConfig({ ...overrides, identity });
        const child = spawnChild(process.execPath, ['--import', 'tsx', WORKER_ENTRY], {
          env: { ...process.env, STEWARD_TEST_WORKER: JSON.stringify(cfg) },
        });
        const wp: WorkerProcess = {
          child,
          identity,
          async kill() {
            await child.stop('SIGKILL');
          },
        };
        processes.push(wp);
        await waitForReady(child);
        return wp;
      },
      async restartSimulator(downMs, onDown) {
        sim = await restartSimulator(sim, { downMs, ...(onDown ? { onDown } : {}) });
        return sim;
      },
      stop: cleanup,
    };
    return rig;
  } catch (err) {
    await cleanup();
    throw err;
  }
}

async function waitForReady(child: Child, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.output().includes('"ready":true')) return;
    if (!child.alive) throw new Error(`worker process exited before it was ready:\n${child.output().slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  await child.stop('SIGKILL');
  throw new Error(`worker process not ready after ${timeoutMs} ms:\n${child.output().slice(-4000)}`);
}

/**
 * The operator webhook: a real HTTP receiver. While `down` it answers 503 (and counts the refused
 * deliveries); otherwise it keeps each notice with its Idempotency-Key.
 */
export interface WebhookInbox {
  notices: Array<Record<string, unknown> & { idempotencyKey?: string }>;
  down: boolean;
  refused: number;
  url: string;
  close(): Promise<void>;
}

export async function startWebhookInbox(): Promise<WebhookInbox> {
  const inbox = { notices: [], down: false, refused: 0 } as unknown as WebhookInbox;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      if (inbox.down) {
        inbox.refused += 1;
        res.writeHead(503).end();
        return;
      }
      inbox.notices.push({ ...JSON.parse(body), idempotencyKey: String(req.headers['idempotency-key'] ?? '') });
      res.writeHead(202, { 'x-request-id': `ntc_${inbox.notices.length}` }).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  inbox.url = `http://127.0.0.1:${port}/operator`;
  inbox.close = () =>
    new Promise((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return inbox;
}

let runtimeInstalled = false;
function quietSdkLogs() {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    // Activity failures are the point of these suites; the SDK would log each one at WARN.
    const level = (process.env.TEMPORAL_LOG_LEVEL as 'ERROR') ?? 'ERROR';
    // The native core retries every call while a server is down and says so at WARN; so do we.
    Runtime.install({ logger: new DefaultLogger(level), telemetryOptions: { logging: { filter: { core: level, other: level } } } });
  } catch {
    // already installed by another helper in this process
  }
}
