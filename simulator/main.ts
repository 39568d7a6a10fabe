/**
 * Runs the Stripe + HubSpot simulator on its own:
 *
 *   tsx simulator/main.ts [--port 12111] [--host 127.0.0.1] [--fixtures demo|empty] [--quiet]
 *
 * Ctrl-C (SIGINT) or SIGTERM closes it.
 */

import { parseArgs } from 'node:util';
import { DEMO_TICKET_EVENTS } from './fixtures.js';
import { startSimulator } from './server.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '12111' },
    host: { type: 'string', default: '127.0.0.1' },
    fixtures: { type: 'string', default: 'demo' },
    quiet: { type: 'boolean', default: false },
  },
});

const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0..65535, got ${values.port}`);
if (values.fixtures !== 'demo' && values.fixtures !== 'empty') throw new Error('--fixtures must be "demo" or "empty"');

const sim = await startSimulator({ port, host: values.host, fixtures: values.fixtures, logger: !values.quiet });

const lines = [
  `Steward simulator (Stripe + HubSpot) listening on ${sim.url}`,
  `  Stripe:   STRIPE_API_BASE=${sim.url}  (any sk_test_... key)`,
  `  HubSpot:  HUBSPOT_API_BASE=${sim.url}  (any bearer token)`,
  `  Control:  ${sim.url}/_sim/state, /_sim/faults, /_sim/reset`,
];
if (sim.demo) {
  lines.push(
    `  Demo:     ${DEMO_TICKET_EVENTS.map((event) => `ticket ${event.ticketId} <${event.senderEmail}>`).join(', ')}`,
    `            duplicate charges ${sim.demo.dana.duplicateChargeId} (Dana, $49.00), ${sim.demo.sam.duplicateChargeId} (Sam, $180.00)`,
  );
}
console.log(lines.join('\n'));

let closing = false;
const shutdown = (signal: string) => {
  if (closing) return;
  closing = true;
  console.log(`\n${signal}: closing the simulator`);
  sim.close().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
};
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGTERM', () => shutdown('SIGTERM'));
