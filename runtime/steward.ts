import { join } from 'node:path';
import { DefaultLogger, Runtime, type NativeConnection } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { openAuditStore } from '../audit/store.js';
import { loadAgentScopes } from '../policies/agents.js';
import { loadApprovers } from '../policies/approvers.js';
import { resolveApprovalSecret } from './approval-secret.js';
import { loadRefundPolicy } from '../policies/load.js';
import { startSimulator, type Simulator } from '../simulator/server.js';
import { buildExternalClients } from './clients.js';
import { externalSystems, type StewardEnv } from './config.js';
import { connectWorker, temporalAddress } from './connection.js';
import { startEmbeddedTemporal } from './dev-server.js';
import { createLogger } from './logger.js';
import { createStewardWorker } from './worker.js';

export interface RunningSteward {
  temporalAddress: string;
  uiUrl: string | null;
  simulatorUrl: string | null;
  systems: ReturnType<typeof externalSystems>;
  auditStore: string;
  stop(): Promise<void>;
}

/**
 * Everything `npm start` brings up, in dependency order: policies (fail fast if invalid), the
 * simulators for vendors without credentials, the embedded Temporal dev server when no cluster is
 * configured, the audit store (migrated), and the worker. `stop` takes it all down in reverse.
 */
export async function startSteward(env: StewardEnv): Promise<RunningSteward> {
  const logger = createLogger('steward', env.LOG_LEVEL);
  // The SDK narrates every bundle and state change at INFO; keep its warnings unless debugging.
  Runtime.install({ logger: new DefaultLogger(env.LOG_LEVEL === 'debug' || env.LOG_LEVEL === 'trace' ? 'DEBUG' : 'WARN') });
  const refundPolicy = loadRefundPolicy();
  const scopes = loadAgentScopes();
  const systems = externalSystems(env);
  const stops: Array<() => Promise<unknown>> = [];
  const stop = async () => {
    for (const fn of stops.reverse()) await fn().catch((err) => logger.error({ err }, 'shutdown step failed'));
  };
  try {
    let simulator: Simulator | null = null;
    if (systems.stripe === 'simulated' || systems.hubspot === 'simulated') {
      simulator = await startSimulator({ port: env.SIMULATOR_PORT, fixtures: 'demo' });
      stops.push(() => simulator!.close());
    }

    let connection: NativeConnection;
    let embedded: TestWorkflowEnvironment | null = null;
    if (!env.TEMPORAL_ADDRESS) {
      embedded = await startEmbeddedTemporal({ dataDir: env.STEWARD_DATA_DIR, namespace: env.TEMPORAL_NAMESPACE, port: env.TEMPORAL_PORT, uiPort: env.TEMPORAL_UI_PORT });
      stops.push(() => embedded!.teardown());
      connection = embedded.nativeConnection;
    } else {
      connection = await connectWorker(env);
      stops.push(() => connection.close());
    }

    const audit = await openAuditStore({ databaseUrl: env.DATABASE_URL, sqlitePath: join(env.STEWARD_DATA_DIR, 'audit.sqlite') });
    stops.push(() => audit.close());

    const clients = buildExternalClients(env, simulator?.url ?? null, logger);
    const worker = await createStewardWorker({
      connection,
      namespace: env.TEMPORAL_NAMESPACE,
      taskQueue: env.TEMPORAL_TASK_QUEUE,
      deps: { ...clients, audit, scopes, approvals: { secret: resolveApprovalSecret(env), approvers: loadApprovers() }, refundPolicy: () => refundPolicy, logger },
    });
    const running = worker.run();
    // Registered last so it runs first: drain the worker before its connection and server go.
    stops.push(async () => {
      worker.shutdown();
      await running;
    });
    running.catch((err) => logger.fatal({ err }, 'worker stopped'));

    return {
      temporalAddress: temporalAddress(env),
      uiUrl: embedded ? `http://127.0.0.1:${env.TEMPORAL_UI_PORT}` : null,
      simulatorUrl: simulator?.url ?? null,
      systems,
      auditStore: env.DATABASE_URL ? 'postgres (DATABASE_URL)' : join(env.STEWARD_DATA_DIR, 'audit.sqlite'),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
