import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, type Worker } from '@temporalio/worker';
import { createStripeBilling, createStripeClient } from '../../activities/billing.js';
import { createHubSpotClient, createHubSpotCrm } from '../../activities/crm.js';
import { createOfflineLlm } from '../../activities/llm/offline.js';
import { webhookNotifier } from '../../activities/notify.js';
import type { LlmPort } from '../../activities/ports.js';
import { openAuditStore } from '../../audit/store.js';
import type { AuditStore } from '../../audit/types.js';
import { loadAgentScopes } from '../../policies/agents.js';
import { loadApprovers } from '../../policies/approvers.js';
import { approverKey } from '../../runtime/approval-tokens.js';
import { loadRefundPolicy } from '../../policies/load.js';
import type { RefundPolicy } from '../../policies/schema.js';
import { createLogger } from '../../runtime/logger.js';
import { StewardClient } from '../../runtime/steward-client.js';
import { resolveTemporalCli } from '../../runtime/temporal-cli.js';
import { createStewardWorker } from '../../runtime/worker.js';
import { startSimulator, type Simulator } from '../../simulator/server.js';
import type { WorkflowState } from '../../workflows/kit/state.js';
import { searchAttributes, stateQuery } from '../../workflows/messages.js';
import { workflowBundle } from './bundle.js';

export interface OperatorInbox {
  notices: Array<Record<string, unknown>>;
  /** While true the webhook answers 503, as a receiver that is down. */
  down: boolean;
  url: string;
  close(): Promise<void>;
}

/** A real HTTP receiver for operator notices. */
async function startOperatorInbox(): Promise<OperatorInbox> {
  const inbox = { notices: [] as Array<Record<string, unknown>>, down: false } as OperatorInbox;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      if (inbox.down) {
        res.writeHead(503).end();
        return;
      }
      inbox.notices.push({ ...JSON.parse(body), idempotencyKey: req.headers['idempotency-key'] });
      res.writeHead(202, { 'x-request-id': `ntc_${inbox.notices.length}` }).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  inbox.url = `http://127.0.0.1:${port}/operator`;
  inbox.close = () => new Promise((r) => server.close(() => r()));
  return inbox;
}

/** Policy with the waits shrunk to seconds, so approval expiry and the like run on a real server in a test. */
export function fastPolicy(overrides: Partial<RefundPolicy> = {}): RefundPolicy {
  const base = loadRefundPolicy();
  return {
    ...base,
    approval: { escalate_after_hours: 2 / 3600, expire_after_hours: 4 / 3600 },
    waits: { customer_identifier_hours: 4 / 3600, billing_sync_hours: 6 / 3600, billing_sync_poll_minutes: 1 / 60, operator_hours: 30 / 3600 },
    ...overrides,
  };
}

export interface HarnessOptions {
  policy?: RefundPolicy;
  /** PostgreSQL instead of a SQLite file for the audit store. */
  databaseUrl?: string;
  /** Stripe client timeout; small in fault tests. */
  stripeTimeoutMs?: number;
  llm?: LlmPort;
}

export interface Harness {
  env: TestWorkflowEnvironment;
  sim: Simulator;
  audit: AuditStore;
  client: StewardClient;
  inbox: OperatorInbox;
  taskQueue: string;
  /** The personal key an admin would issue to this approver (derived from the harness's secret). */
  approverKey(approverId: string): string;
  /** Holds the SQLite audit store (`audit.sqlite`), like STEWARD_DATA_DIR does for `npm start`. */
  dataDir: string;
  /** The policy the next classified ticket snapshots; tests may replace it between runs. */
  policy: RefundPolicy;
  worker: Worker;
  stop(): Promise<void>;
}

/**
 * Everything real: a Temporal dev server (the real CLI), the Stripe/HubSpot simulator over HTTP
 * driven by the real SDKs, an audit store on disk (or PostgreSQL), a webhook receiver, and
 * Steward's own worker built by the same factory `npm start` uses.
 */
export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  quietSdkLogs();
  const cli = resolveTemporalCli();
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: cli ? { type: 'existing-path', path: cli } : { type: 'cached-download' },
      ip: '127.0.0.1',
      searchAttributes: Object.values(searchAttributes),
      log: { format: 'pretty', level: 'error' },
    },
  });
  const sim = await startSimulator({ port: 0, fixtures: 'empty' });
  const inbox = await startOperatorInbox();
  const dir = mkdtempSync(join(tmpdir(), 'steward-test-'));
  const pgSchema = opts.databaseUrl ? `steward_test_${randomUUID().replaceAll('-', '').slice(0, 12)}` : undefined;
  const audit = await openAuditStore({ databaseUrl: opts.databaseUrl, sqlitePath: join(dir, 'audit.sqlite'), pgSchema });
  const approvalSecret = randomUUID() + randomUUID();
  const current = { policy: opts.policy ?? fastPolicy() };
  const taskQueue = `steward-test-${randomUUID()}`;
  const logger = createLogger('steward-test', process.env.LOG_LEVEL ?? 'silent');
  const worker = await createStewardWorker({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    workflowBundle: await workflowBundle(),
    deps: {
      billing: createStripeBilling(createStripeClient({ apiKey: 'sk_test_harness', baseUrl: sim.url, timeoutMs: opts.stripeTimeoutMs ?? 5000 })),
      crm: createHubSpotCrm(createHubSpotClient({ accessToken: 'harness', baseUrl: sim.url })),
      llm: opts.llm ?? createOfflineLlm(),
      audit,
      scopes: loadAgentScopes(),
      notifier: webhookNotifier(inbox.url),
      approvals: { secret: approvalSecret, approvers: loadApprovers() },
      refundPolicy: () => current.policy,
      logger,
    },
  });
  const running = worker.run();
  return {
    env,
    sim,
    audit,
    inbox,
    taskQueue,
    dataDir: dir,
    approverKey: (id: string) => approverKey(approvalSecret, id),
    get policy() {
      return current.policy;
    },
    set policy(p: RefundPolicy) {
      current.policy = p;
    },
    worker,
    client: new StewardClient(env.client, taskQueue),
    async stop() {
      worker.shutdown();
      await running.catch(() => undefined);
      await audit.close();
      await Promise.all([sim.close(), inbox.close()]);
      await env.teardown();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls the state query until `predicate` holds (or fails with the last state seen). */
export async function waitForState(handle: WorkflowHandle, predicate: (s: WorkflowState) => boolean, timeoutMs = 30_000): Promise<WorkflowState> {
  const deadline = Date.now() + timeoutMs;
  let last: WorkflowState | undefined;
  while (Date.now() < deadline) {
    try {
      last = await handle.query(stateQuery);
      if (predicate(last)) return last;
    } catch {
      // not started yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`state never matched; last state: ${JSON.stringify(last, null, 2)}`);
}

/** Polls until `check` holds: for effects that happen in the background (operator notices). */
export async function eventually(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function ticketEvent(ticketId: string, senderEmail: string, body = 'I was charged twice this month. Please refund the duplicate payment.') {
  return { ticketId, senderEmail, subject: 'Charged twice', body, receivedAt: new Date().toISOString() };
}

let runtimeInstalled = false;
/** The SDK logs every worker state change at INFO; tests only want warnings. */
function quietSdkLogs() {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({ logger: new DefaultLogger((process.env.TEMPORAL_LOG_LEVEL as 'WARN') ?? 'WARN') });
}
