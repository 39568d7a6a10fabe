/** What replaces a secret value, so a reader can see a value existed without seeing it. */
export const REDACTED = '[redacted]';

/**
 * Key names (lower-cased, punctuation removed) whose values are credentials. Matching is by
 * "contains" for unambiguous words and by suffix for `token`, so `accessToken`, `api_key`,
 * `X-Authorization`, `dbPassword`, `client_secret` are stripped while `inputTokens` (an LLM usage
 * count), `tokenCount` and `idempotencyKey` are kept.
 */
const SECRET_KEY_PARTS = ['apikey', 'secret', 'password', 'passwd', 'passphrase', 'authorization', 'credential', 'privatekey', 'cookie'];

export function isSecretKey(key: string): boolean {
  const k = key.toLowerCase().replace(/[^a-z0-9]/g, '');
  return k === 'auth' || k.endsWith('token') || SECRET_KEY_PARTS.some((part) => k.includes(part));
}

/**
 * Secret-shaped substrings that can hide in any string (an error message quoting a header, a
 * pasted key): Stripe secret/restricted keys, Anthropic keys, HubSpot private-app tokens, bearer
 * and basic credentials.
 */
const SECRET_VALUE_PATTERNS: Array<[RegExp, string]> = [
  [/\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{8,}/g, REDACTED],
  [/\bsk-ant-[A-Za-z0-9_-]{8,}/g, REDACTED],
  [/\bpat-[a-z]{2,3}\d-[0-9a-f-]{16,}/gi, REDACTED],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g, `$1 ${REDACTED}`],
];

function redactString(value: string): string {
  return SECRET_VALUE_PATTERNS.reduce((text, [pattern, replacement]) => text.replace(pattern, replacement), value);
}

/**
 * Returns a copy of `details` that is safe to store for ever: every value under a secret-named key
 * (at any depth, inside arrays too) becomes {@link REDACTED}, and secret-shaped substrings in other
 * strings are masked. It runs before hashing, so the stored record and its hash agree and the
 * secret never reaches the database, its backups, or an export.
 *
 * It is a safety net, not a licence: callers should not put credentials in `details` at all. It
 * cannot recognise a secret under an innocent key in an unknown format.
 */
export function redactSecrets<T>(value: T): T {
  return redactValue(value) as T;
}

function redactValue(value: unknown): unknown {
  if (typeof value === 'string') return redactString(value);
  if (Array.isArray(value)) return value.map(redactValue);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, isSecretKey(k) && v !== null ? REDACTED : redactValue(v)]),
    );
  }
  return value;
}
