import { pino, type Logger } from 'pino';

/**
 * One logger for the whole process. Redaction is by key name, so a secret passed in a log object
 * under any of these names never reaches the output, whatever code path logged it.
 */
export const SECRET_KEYS = [
  'apiKey',
  'api_key',
  'secret',
  'token',
  'accessToken',
  'authorization',
  'password',
  'STRIPE_API_KEY',
  'HUBSPOT_ACCESS_TOKEN',
  'ANTHROPIC_API_KEY',
  'TEMPORAL_API_KEY',
  'STEWARD_APPROVAL_SECRET',
  'DATABASE_URL',
];

export function createLogger(name: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({
    name,
    level,
    redact: {
      paths: SECRET_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]),
      censor: '[redacted]',
    },
  });
}
