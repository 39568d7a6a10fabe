/**
 * `npm start`: brings Steward up. With no TEMPORAL_ADDRESS it runs an embedded Temporal dev server
 * (data in STEWARD_DATA_DIR, Web UI on :8233); with no vendor credentials it runs the local
 * simulators with demo data and submits the demo ticket. Ctrl-C stops everything it started.
 */
import { readFileSync } from 'node:fs';
import { ConfigError, loadConfig } from './runtime/config.js';
import { connectClient } from './runtime/connection.js';
import { createLogger } from './runtime/logger.js';
import { startSteward } from './runtime/steward.js';
import { StewardClient } from './runtime/steward-client.js';

const logger = createLogger('steward');

async function main() {
  const startedAt = Date.now();
  const env = loadConfig();
  const steward = await startSteward(env);
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping Steward');
    await steward.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  const lines = [
    `Steward is up in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`,
    `  Temporal:      ${steward.temporalAddress} (namespace ${env.TEMPORAL_NAMESPACE}, task queue ${env.TEMPORAL_TASK_QUEUE})`,
    steward.uiUrl ? `  Temporal UI:   ${steward.uiUrl}` : '  Temporal UI:   (your cluster\'s UI)',
    `  Stripe:        ${steward.systems.stripe}${steward.systems.stripe === 'simulated' ? ` at ${steward.simulatorUrl}` : ''}`,
    `  HubSpot:       ${steward.systems.hubspot}${steward.systems.hubspot === 'simulated' ? ` at ${steward.simulatorUrl}` : ''}`,
    `  LLM:           ${steward.systems.llm === 'anthropic' ? 'Anthropic (ANTHROPIC_API_KEY set)' : 'offline classifier (set ANTHROPIC_API_KEY for Claude)'}`,
    `  Audit store:   ${steward.auditStore}`,
  ];
  if (steward.simulatorUrl && env.STEWARD_DEMO !== 'off') {
    const client = new StewardClient(await connectClient(env), env.TEMPORAL_TASK_QUEUE);
    const demo = JSON.parse(readFileSync(new URL('./simulator/demo-events/ticket-48291.json', import.meta.url), 'utf8'));
    const started = await client.startTicket({ ...demo, receivedAt: new Date().toISOString() });
    lines.push(`  Demo ticket:   ${demo.ticketId} -> workflow ${started.workflowId}${started.started ? '' : ' (already submitted earlier)'}`);
    lines.push(`                 npx tsx client.ts state ${started.workflowId}`);
  }
  lines.push('Press Ctrl-C to stop.');
  console.log(lines.join('\n'));
}

main().catch((err) => {
  if (err instanceof ConfigError) console.error(err.message);
  else logger.fatal({ err }, 'Steward failed to start');
  process.exit(1);
});
