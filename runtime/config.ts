import { z } from 'zod';

/**
 * Every environment variable Steward reads, checked once at start-up. A missing or malformed value
 * stops start-up with a message naming the variable; `.env.example` documents each of them.
 * Secret values are never echoed back in those messages.
 */
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));
const optionalUrl = optionalString.pipe(z.string().url().optional());
const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);

const EnvSchema = z
  .object({
    TEMPORAL_ADDRESS: optionalString.pipe(z.string().regex(/^[^\s:]+:\d+$/, 'must be host:port').optional()),
    TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
    TEMPORAL_TASK_QUEUE: z.string().min(1).default('steward'),
    TEMPORAL_API_KEY: optionalString,
    TEMPORAL_TLS: z.enum(['true', 'false', '']).optional().transform((v) => v === 'true'),
    TEMPORAL_TLS_CERT_PATH: optionalString,
    TEMPORAL_TLS_KEY_PATH: optionalString,
    TEMPORAL_CLI_PATH: optionalString,
    TEMPORAL_PORT: port(7233),
    TEMPORAL_UI_PORT: port(8233),
    STEWARD_DATA_DIR: z.string().min(1).default('data'),
    DATABASE_URL: optionalString.pipe(
      z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL (unset it to use SQLite)').optional(),
    ),
    STRIPE_API_KEY: optionalString.pipe(z.string().regex(/^(sk|rk)_(test|live)_/, 'must be a Stripe secret or restricted key').optional()),
    STRIPE_API_BASE: optionalUrl,
    HUBSPOT_ACCESS_TOKEN: optionalString,
    HUBSPOT_API_BASE: optionalUrl,
    ANTHROPIC_API_KEY: optionalString,
    ANTHROPIC_BASE_URL: optionalUrl,
    ANTHROPIC_MODEL: optionalString,
    SIMULATOR_PORT: port(12111),
    OPERATOR_WEBHOOK_URL: optionalUrl,
    /** Server secret approver keys derive from; unset = generated into STEWARD_DATA_DIR on first use. */
    STEWARD_APPROVAL_SECRET: optionalString.pipe(z.string().min(32, 'must be at least 32 characters').optional()),
    /** The approver's personal key, for `client.ts approve|reject|request-info`. */
    STEWARD_APPROVER_KEY: optionalString.pipe(z.string().regex(/^[0-9a-f]{64}$/, 'must be the 64-hex-digit key from `client.ts approvers issue-key`').optional()),
    /** `off` stops `npm start` from submitting the demo ticket when the simulators run. */
    STEWARD_DEMO: z.enum(['on', 'off']).default('on'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  })
  .superRefine((env, ctx) => {
    if (env.TEMPORAL_TLS_CERT_PATH && !env.TEMPORAL_TLS_KEY_PATH) {
      ctx.addIssue({ code: 'custom', path: ['TEMPORAL_TLS_KEY_PATH'], message: 'required when TEMPORAL_TLS_CERT_PATH is set' });
    }
    if ((env.TEMPORAL_API_KEY || env.TEMPORAL_TLS_CERT_PATH) && !env.TEMPORAL_ADDRESS) {
      ctx.addIssue({ code: 'custom', path: ['TEMPORAL_ADDRESS'], message: 'required when Temporal Cloud credentials are set' });
    }
  });

export type StewardEnv = z.infer<typeof EnvSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): StewardEnv {
  const result = EnvSchema.safeParse(env);
  if (result.success) return result.data;
  const lines = result.error.issues.map((i) => `  - ${i.path.join('.')}: ${i.message}`);
  throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
}

/** Whether a vendor is real (credentials given) or simulated locally. */
export function externalSystems(env: StewardEnv) {
  return {
    stripe: env.STRIPE_API_KEY ? 'real' : 'simulated',
    hubspot: env.HUBSPOT_ACCESS_TOKEN ? 'real' : 'simulated',
    llm: env.ANTHROPIC_API_KEY ? 'anthropic' : 'offline',
  } as const;
}
