import { z } from 'zod';
import { redactSecrets } from './redact.js';
import type { AuditEventInput } from './types.js';

/** Thrown when `append` receives an event it will not store; names the event and the fields. */
export class AuditValidationError extends Error {
  override name = 'AuditValidationError';
}

const required = (maxLength = 1000) =>
  z
    .string({ error: 'is required (a non-empty string)' })
    .max(maxLength, `must be at most ${maxLength} characters`)
    .refine((s) => s.trim() !== '', 'must not be empty');
/** Nullable fields may also be omitted by JavaScript callers; both are stored as null. */
const optionalText = z
  .string()
  .nullish()
  .transform((v) => (v === undefined || v === null || v.trim() === '' ? null : v));

const isoTimestamp = z.iso.datetime({ offset: true, error: 'must be an ISO-8601 date-time with a zone, e.g. 2025-01-31T12:00:00.000Z' });

const AuditEventInputSchema = z.object({
  eventId: required(500),
  event: required(),
  workflowId: required(),
  workflowType: required(),
  actor: required(),
  humanApprover: optionalText,
  customerId: optionalText,
  amountUsd: z
    .number({ error: 'must be a number of dollars or null' })
    .refine(Number.isFinite, 'must be a finite number')
    .nullish()
    .transform((v) => v ?? null),
  policyVersion: optionalText,
  reason: optionalText,
  toolCalled: optionalText,
  externalReference: optionalText,
  idempotencyKey: optionalText,
  step: required(),
  details: z.record(z.string(), z.unknown(), { error: 'must be an object' }).default({}),
  timestamp: isoTimestamp,
});

/**
 * Checks one event and returns exactly what will be hashed and stored:
 * - `timestamp` normalised to UTC with millisecond precision (`Date#toISOString`), so time-range
 *   queries compare correctly as text in both databases (an offset like +02:00 is converted, not
 *   kept; sub-millisecond digits are dropped);
 * - `details` passed through JSON (what the database can hold) and stripped of secrets
 *   ({@link redactSecrets}).
 */
export function validateAuditEvent(input: unknown, position: number): AuditEventInput {
  const result = AuditEventInputSchema.safeParse(input);
  const label = describe(input, position);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.') || '(event)'}: ${i.message}`);
    throw new AuditValidationError(`${label} is invalid: ${problems.join('; ')}`);
  }
  const event = result.data;
  let details: Record<string, unknown>;
  try {
    details = JSON.parse(JSON.stringify(event.details)) as Record<string, unknown>;
  } catch (err) {
    throw new AuditValidationError(`${label} is invalid: details: must be JSON-serialisable (${(err as Error).message})`);
  }
  return { ...event, timestamp: new Date(event.timestamp).toISOString(), details: redactSecrets(details) };
}

/** Validates an ISO bound of a time-range query and normalises it like stored timestamps. */
export function normaliseIsoBound(value: string, name: string): string {
  if (!isoTimestamp.safeParse(value).success) throw new AuditValidationError(`${name} must be an ISO-8601 date-time with a zone, got ${JSON.stringify(value)}`);
  return new Date(value).toISOString();
}

function describe(input: unknown, position: number): string {
  const eventId = input && typeof input === 'object' ? (input as { eventId?: unknown }).eventId : undefined;
  return typeof eventId === 'string' ? `audit event #${position} (${eventId})` : `audit event #${position}`;
}
