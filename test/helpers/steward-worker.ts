import { NativeConnection, type Worker } from '@temporalio/worker';
import { createStripeBilling, createStripeClient } from '../../activities/billing.js';
import { createHubSpotClient, createHubSpotCrm } from '../../activities/crm.js';
import { createOfflineLlm } from '../../activities/llm/offline.js';
import { webhookNotifier } from '../../activities/notify.js';
import { openAuditStore } from '../../audit/store.js';
import { loadAgentScopes } from '../../policies/agents.js';
import { loadApprovers } from '../../policies/approvers.js';
import type { RefundPolicy } from '../../policies/schema.js';
import { createLogger } from '../../runtime/logger.js';
import { createStewardWorker } from '../../runtime/worker.js';
import { workflowBundle } from './bundle.js';

/**
 * Everything one Steward worker needs, as plain JSON, so the same worker can be built in the test
 * process or in a child process (test/helpers/worker-process.ts) that a test can SIGKILL.
 */
export interface StewardWorkerConfig {
  /** Temporal frontend, e.g. `127.0.0.1:7233` (TEMPORAL_ADDRESS). */
  address: string;
  namespace: string;
  taskQueue: string;
  /** Base URL for both the Stripe and the HubSpot SDK. */
  simulatorUrl: string;
  /** The shared SQLite audit store (several processes may write it at once). */
  auditSqlite: string;
  /** OPERATOR_WEBHOOK_URL */
  webhookUrl: string;
  policy: RefundPolicy;
  /** STEWARD_APPROVAL_SECRET: approver keys derive from it (the rig issues keys from the same one). */
  approvalSecret: string;
  stripeTimeoutMs?: number;
  hubspotTimeoutMs?: number;
  identity?: string;
}

export interface RunningStewardWorker {
  worker: Worker;
  /** Resolves when the worker has stopped (rejects if it failed). */
  done: Promise<void>;
  /** Graceful: drain, then close the audit store and the connection. */
  stop(): Promise<void>;
}

/** Builds Steward's worker with the factory `npm start` uses, and starts it polling. */
export async function startStewardWorker(cfg: StewardWorkerConfig): Promise<RunningStewardWorker> {
  const connection = await NativeConnection.connect({ address: cfg.address });
  const audit = await openAuditStore({ sqlitePath: cfg.auditSqlite });
  const worker = await createStewardWorker({
    connection,
    namespace: cfg.namespace,
    taskQueue: cfg.taskQueue,
    workflowBundle: await workflowBundle(),
    ...(cfg.identity ? { identity: cfg.identity } : {}),
    deps: {
      billing: createStripeBilling(createStripeClient({ apiKey: 'sk_test_reliability', baseUrl: cfg.simulatorUrl, timeoutMs: cfg.stripeTimeoutMs ?? 5000 })),
      crm: createHubSpotCrm(createHubSpotClient({ accessToken: 'reliability', baseUrl: cfg.simulatorUrl, timeoutMs: cfg.hubspotTimeoutMs ?? 5000 })),
      llm: createOfflineLlm(),
      audit,
      scopes: loadAgentScopes(),
      notifier: webhookNotifier(cfg.webhookUrl),
      approvals: { secret: cfg.approvalSecret, approvers: loadApprovers() },
      refundPolicy: () => cfg.policy,
      logger: createLogger('steward-reliability', process.env.LOG_LEVEL ?? 'silent'),
    },
  });
  const running = worker.run();
  const done = running.finally(async () => {
    await audit.close().catch(() => undefined);
    await connection.close().catch(() => undefined);
  });
  done.catch(() => undefined);
  return {
    worker,
    done,
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done.catch(() => undefined);
    },
  };
}
