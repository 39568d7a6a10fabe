/**
 * One Steward worker in its own process, for tests that kill it (SIGKILL) the way a machine dies:
 *
 *   STEWARD_TEST_WORKER='<StewardWorkerConfig as JSON>' node --import tsx test/helpers/worker-process.ts
 *
 * Prints one line `{"ready":true,...}` once the worker polls. SIGTERM stops it gracefully.
 */
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { startStewardWorker, type StewardWorkerConfig } from './steward-worker.js';

const raw = process.env.STEWARD_TEST_WORKER;
if (!raw) {
  console.error('STEWARD_TEST_WORKER (a JSON StewardWorkerConfig) is required');
  process.exit(2);
}
const cfg = JSON.parse(raw) as StewardWorkerConfig;
const level = (process.env.TEMPORAL_LOG_LEVEL as 'ERROR') ?? 'ERROR';
Runtime.install({ logger: new DefaultLogger(level), telemetryOptions: { logging: { filter: { core: level, other: level } } } });

const running = await startStewardWorker(cfg);
process.once('SIGTERM', () => void running.stop());
console.log(JSON.stringify({ ready: true, pid: process.pid, identity: cfg.identity ?? null, taskQueue: cfg.taskQueue }));
try {
  await running.done;
  process.exit(0);
} catch (err) {
  console.error('worker failed:', err);
  process.exit(1);
}
