import { ApplicationFailure } from '@temporalio/common';
import { AuditValidationError } from '../../audit/validate.js';


/**
 * Maps a vendor SDK error to a Temporal failure, the same way for Stripe, HubSpot and Anthropic:
 * a 429 is retried after the provider's Retry-After (not a fixed backoff), 5xx, timeouts and
 * dropped connections are retried by the activity's policy, a 4xx is final. Messages name the
 * provider's status and error, never a request's credentials.
 */
export function toActivityFailure(err: unknown): Error {
  if (err instanceof ApplicationFailure) return err;
  // A malformed audit record is a bug in the caller; retrying would only repeat it.
  if (err instanceof AuditValidationError) return ApplicationFailure.nonRetryable(err.message, 'InvalidInput');
  const e = err as { name?: string; message?: string; statusCode?: number; status?: number; code?: number | string; headers?: unknown; type?: string; rawType?: string };
  const status = typeof e?.statusCode === 'number' ? e.statusCode : typeof e?.status === 'number' ? e.status : typeof e?.code === 'number' ? e.code : undefined;
  const message = `${e?.name ?? 'Error'}${status ? ` (HTTP ${status})` : ''}: ${e?.message ?? String(err)}`;
  if (status === 429) {
    const retryAfterSeconds = Number(headerOf(e.headers, 'retry-after'));
    return ApplicationFailure.create({
      message,
      type: 'RateLimited',
      nextRetryDelay: Number.isFinite(retryAfterSeconds) && retryAfterSeconds > 0 ? retryAfterSeconds * 1000 : undefined,
    });
  }
  if (status === 401 || status === 403) return ApplicationFailure.nonRetryable(message, 'ProviderAuthFailed');
  if (status === 404) return ApplicationFailure.nonRetryable(message, 'NotFound');
  if (status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 409) {
    return ApplicationFailure.nonRetryable(message, 'InvalidInput');
  }
  return ApplicationFailure.retryable(message, e?.name ?? 'ProviderUnavailable');
}

function headerOf(headers: unknown, name: string): string | undefined {
  if (!headers) return undefined;
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const record = headers as Record<string, string | string[] | undefined>;
  const value = record[name] ?? record[name.toLowerCase()] ?? Object.entries(record).find(([k]) => k.toLowerCase() === name)?.[1];
  return Array.isArray(value) ? value[0] : value;
}
