/**
 * The LLM port on Claude, through the official `@anthropic-ai/sdk` Messages API.
 *
 * The model is only ever asked to fill a forced tool whose schema has no room for a decision:
 * classification is intent + identifier hints + summary; a reply is subject + body. Whatever the
 * model returns is validated (zod) and then narrowed again by code: identifiers must occur in the
 * ticket, amounts are stripped from the summary, and a draft must agree with the facts from billing
 * or it is replaced by the offline template.
 */

import Anthropic from '@anthropic-ai/sdk';
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { INTENTS, type DraftedReply, type ReplyRequest, type TicketClassification, type TicketEvent } from '../../workflows/model.js';
import type { LlmPort } from '../ports.js';
import { draftProblems } from './draft-check.js';
import { MalformedModelOutputError } from './errors.js';
import { redactMoney } from './money.js';
import { CLASSIFY_TOOL_NAME, classifyRequest, DRAFT_TOOL_NAME, draftRequest } from './prompts.js';
import { keepIdentifiersFoundIn } from './rules.js';
import { replyFactsOf, type ReplyFacts } from './templates.js';

/**
 * Claude Haiku 5.5 (Claude API id, checked against Anthropic's models overview and Haiku 5.5
 * migration guide): the fast, low-cost tier meant for classification and short drafting.
 * Override with ANTHROPIC_MODEL.
 */
export const DEFAULT_ANTHROPIC_MODEL = 'claude-haiku-5-5';

const MAX_SUMMARY_CHARS = 500;

export interface AnthropicClientOptions {
  apiKey: string;
  /** e.g. the local stand-in's URL; defaults to the SDK's (ANTHROPIC_BASE_URL or api.anthropic.com). */
  baseUrl?: string;
  /** Per request. Default 60 s: a classification takes seconds; Temporal's activity timeout bounds the rest. */
  timeoutMs?: number;
}

/** `maxRetries: 0`: Temporal owns retries, so the SDK's own would multiply them and hide the attempts. */
export function createAnthropicClient(opts: AnthropicClientOptions): Anthropic {
  return new Anthropic({ apiKey: opts.apiKey, baseURL: opts.baseUrl, timeout: opts.timeoutMs ?? 60_000, maxRetries: 0 });
}

export interface AnthropicLlmOptions {
  client: Anthropic;
  model: string;
  /** Writes the reply when the model's draft fails validation or the fact checks (the offline port). */
  fallback: LlmPort;
  /** Told why a draft was replaced, e.g. to log it; the reply itself records `drafter`. */
  onDraftRejected?: (problems: string[], request: ReplyRequest) => void;
}

const ClassificationOutput = z.object({
  intent: z.enum(INTENTS),
  confidence: z.number().min(0).max(1),
  identifiers: z.object({
    customerIds: z.array(z.string()),
    chargeIds: z.array(z.string()),
    invoiceIds: z.array(z.string()),
    emails: z.array(z.string()),
  }),
  summary: z.string().trim().min(1),
});

const DraftOutput = z.object({
  subject: z.string().trim().min(1).max(200),
  body: z.string().trim().min(1).max(8000),
});

export function createAnthropicLlm(opts: AnthropicLlmOptions): LlmPort {
  const { client, model, fallback } = opts;
  return {
    name: 'anthropic',

    async classifyTicket(ticket: TicketEvent): Promise<TicketClassification> {
      const params = classifyRequest(model, ticket);
      const message = await createMessage(client, params, 'classify_ticket', model);
      const answeredBy = modelOf(message, model);
      const output = validate(ClassificationOutput, readToolInput(message, CLASSIFY_TOOL_NAME, 'classify_ticket', answeredBy), 'classify_ticket', answeredBy);
      return {
        intent: output.intent,
        confidence: output.confidence,
        identifiers: keepIdentifiersFoundIn(`${ticket.subject}\n${ticket.body}`, output.identifiers),
        summary: redactMoney(output.summary).slice(0, MAX_SUMMARY_CHARS),
        classifier: 'anthropic',
        model: answeredBy,
        promptHash: sha256(JSON.stringify(params)),
      };
    },

    async draftReply(request: ReplyRequest): Promise<DraftedReply> {
      const facts = replyFactsOf(request);
      // API errors (401, 429, 5xx, timeouts) propagate for Temporal to retry; only a bad answer falls back.
      const verdict = await modelDraft(facts, request.ticket).catch((err: unknown) => {
        if (err instanceof MalformedModelOutputError) return { problems: [err.message] };
        throw err;
      });
      if ('draft' in verdict) return verdict.draft;
      opts.onDraftRejected?.(verdict.problems, request);
      return fallback.draftReply(request);
    },
  };

  async function modelDraft(facts: ReplyFacts, ticket: TicketEvent): Promise<{ draft: DraftedReply } | { problems: string[] }> {
    const message = await createMessage(client, draftRequest(model, facts, ticket), 'draft_reply', model);
    const answeredBy = modelOf(message, model);
    const draft = validate(DraftOutput, readToolInput(message, DRAFT_TOOL_NAME, 'draft_reply', answeredBy), 'draft_reply', answeredBy);
    const problems = draftProblems(draft, facts);
    return problems.length > 0 ? { problems } : { draft: { subject: draft.subject, body: draft.body, drafter: 'anthropic', model: answeredBy } };
  }
}

/**
 * `messages.create`, with a 200 response whose body is not JSON reported as malformed output
 * (the SDK throws a bare SyntaxError). API errors (401, 429, 5xx, timeouts) pass through untouched,
 * with their status and headers, for `toActivityFailure`.
 */
async function createMessage(client: Anthropic, params: Anthropic.MessageCreateParamsNonStreaming, task: MalformedModelOutputError['task'], model: string): Promise<Anthropic.Message> {
  try {
    return await client.messages.create(params);
  } catch (err) {
    if (err instanceof SyntaxError) throw new MalformedModelOutputError(task, 'unparseable_response', [`response body is not JSON: ${err.message}`], model);
    throw err;
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function modelOf(message: Anthropic.Message, requested: string): string {
  return typeof message.model === 'string' && message.model.length > 0 ? message.model : requested;
}

/**
 * The input of the forced tool call. Blocks are selected by type (a model may put thinking or text
 * blocks first); anything but exactly one usable call to our tool is malformed.
 */
function readToolInput(message: Anthropic.Message, toolName: string, task: MalformedModelOutputError['task'], model: string): Record<string, unknown> {
  const content: unknown[] = Array.isArray(message.content) ? message.content : [];
  if (message.stop_reason === 'refusal') throw new MalformedModelOutputError(task, 'refusal', ['stop_reason is "refusal"'], model);
  const calls = content.filter((b): b is Anthropic.ToolUseBlock => isObject(b) && b.type === 'tool_use');
  if (calls.length === 0) {
    const seen = content.map((b) => (isObject(b) ? String(b.type) : typeof b)).join(', ') || 'nothing';
    throw new MalformedModelOutputError(task, 'no_tool_use', [`expected a ${toolName} tool_use block, got: ${seen} (stop_reason ${String(message.stop_reason)})`], model);
  }
  const call = calls.find((c) => c.name === toolName);
  if (!call) throw new MalformedModelOutputError(task, 'wrong_tool', [`called ${calls.map((c) => c.name).join(', ')} instead of ${toolName}`], model);
  if (!isObject(call.input) || Array.isArray(call.input)) {
    throw new MalformedModelOutputError(task, 'invalid_input', [`tool input is ${Array.isArray(call.input) ? 'an array' : typeof call.input}, not a JSON object`], model);
  }
  return call.input;
}

function validate<T>(schema: z.ZodType<T>, input: unknown, task: MalformedModelOutputError['task'], model: string): T {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const details = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(input)'}: ${issue.message}`);
  throw new MalformedModelOutputError(task, 'invalid_input', details, model);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
