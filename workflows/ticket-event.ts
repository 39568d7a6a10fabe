import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import type { TicketEvent } from './model.js';

/**
 * The ticket event schema (README "Event schemas"). Checked by the client before a workflow is
 * started, so a malformed event starts nothing, and again by the workflow, which fails fast and
 * non-retryably if something bypassed the client.
 */
export const TicketEventSchema = z
  .object({
    ticketId: z.string().trim().min(1, 'ticketId is required').max(128).regex(/^[A-Za-z0-9._:-]+$/, 'ticketId may contain only letters, digits and . _ : -'),
    senderEmail: z.string().trim().toLowerCase().email('senderEmail must be an email address'),
    subject: z.string().max(1000),
    body: z.string().min(1, 'body is required').max(20_000),
    receivedAt: z.string().datetime({ offset: true, message: 'receivedAt must be an ISO-8601 date-time' }),
  })
  .strict();

export function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(event)'}: ${i.message}`).join('; ');
}

export function parseTicketEvent(input: unknown): TicketEvent {
  const result = TicketEventSchema.safeParse(input);
  if (!result.success) {
    throw ApplicationFailure.nonRetryable(`invalid ticket event: ${describeIssues(result.error)}`, 'InvalidInput');
  }
  return result.data;
}
