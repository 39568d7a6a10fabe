/**
 * Runs the Anthropic Messages API stand-in on its own, for a worker started with
 * ANTHROPIC_BASE_URL pointing at it:
 *
 *   tsx simulator/anthropic-main.ts [--port 12112] [--host 127.0.0.1] [--api-key KEY] [--quiet]
 *
 * Without --api-key any non-empty key is accepted. Ctrl-C (SIGINT) or SIGTERM closes it.
 */

import { parseArgs } from 'node:util';
import { startAnthropicStandIn } from './anthropic.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '12112' },
    host: { type: 'string', default: '127.0.0.1' },
    'api-key': { type: 'string' },
    quiet: { type: 'boolean', default: false },
  },
});

const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0..65535, got ${values.port}`);

const standIn = await startAnthropicStandIn({ port, host: values.host, apiKey: values['api-key'], logger: !values.quiet });
console.log(
  [
    `Anthropic Messages API stand-in listening on ${standIn.url}`,
    `  Worker:   ANTHROPIC_BASE_URL=${standIn.url} ANTHROPIC_API_KEY=${values['api-key'] ? '<the --api-key you chose>' : '<any non-empty value>'}`,
    '  Answers:  offline rules for classification, offline templates for replies',
  ].join('\n'),
);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void standIn.close().then(() => process.exit(0));
  });
}
