/**
 * A local stand-in for the Anthropic Messages API (`POST /v1/messages`), so the real
 * `@anthropic-ai/sdk` client can be exercised with no network and no API key.
 *
 * By default it answers like a well-behaved model: a forced classification tool gets the offline
 * rules' verdict on the ticket found between the `<ticket>` tags, a forced reply tool gets the
 * offline template for the `<facts>`. Tests script anything else with `enqueue` (a given tool
 * input, a text-only answer, a refusal, a body that is not JSON, an HTTP error) and read what the
 * SDK actually sent from `requests`.
 *
 * Like the real API it refuses a request without credentials (401 `authentication_error`), without
 * `anthropic-version` (400), or that combines thinking with a forced tool (400). The SDK (1.x) sends
 * the key as `Authorization: Bearer …`; `x-api-key` is accepted too.
 *
 * @example
 * const standIn = await startAnthropicStandIn({ port: 0 });
 * const llm = createAnthropicLlm({ client: createAnthropicClient({ apiKey: 'test', baseUrl: standIn.url }), model, fallback });
 * standIn.enqueue({ type: 'tool_use', input: { intent: 'nonsense' } });
 * await assert.rejects(llm.classifyTicket(ticket), MalformedModelOutputError);
 * await standIn.close();
 */

import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { classifyOffline } from '../activities/llm/offline.js';
import { CLASSIFY_TOOL_NAME, DRAFT_TOOL_NAME, readTagged, TAGS } from '../activities/llm/prompts.js';
import { templateReply, type ReplyFacts } from '../activities/llm/templates.js';

/** One scripted answer; consumed in order, one per request, before the default behaviour. */
export type ScriptedResponse =
  /** A `tool_use` block with exactly this input (any JSON, including wrong types). `name` defaults to the forced tool. */
  | { type: 'tool_use'; input: unknown; name?: string }
  /** A text-only answer (`stop_reason: end_turn`), as if the model ignored the forced tool. */
  | { type: 'text'; text: string }
  /** Any content blocks and stop reason, e.g. `{ type: 'message', content: [], stopReason: 'refusal' }`. */
  | { type: 'message'; content: unknown[]; stopReason?: string }
  /** A 200 response whose body is this exact string (e.g. truncated JSON). */
  | { type: 'raw'; body: string; status?: number; contentType?: string }
  /** An API error in Anthropic's shape, e.g. 429 `rate_limit_error` with `retry-after`. */
  | { type: 'error'; status: number; errorType?: string; message?: string; headers?: Record<string, string> };

export interface RecordedRequest {
  /** Parsed JSON body as the SDK sent it. */
  body: MessagesBody;
  /** The exact bytes received, e.g. to recompute a classification's `promptHash`. */
  rawBody: string;
  anthropicVersion: string | null;
  /** How the request authenticated; the credential itself is not recorded. */
  auth: 'x-api-key' | 'bearer' | null;
}

export interface AnthropicStandInOptions {
  /** Default 0: any free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** When set, only this key is accepted; otherwise any non-empty key is. */
  apiKey?: string;
  logger?: boolean;
}

export interface AnthropicStandIn {
  /** Base URL for the SDK's `baseURL`, e.g. `http://127.0.0.1:43121`. */
  url: string;
  enqueue(...responses: ScriptedResponse[]): void;
  requests: RecordedRequest[];
  /** Drops queued responses and recorded requests. */
  reset(): void;
  close(): Promise<void>;
}

/** The parts of a Messages request the stand-in looks at. */
export interface MessagesBody {
  model?: unknown;
  max_tokens?: unknown;
  system?: unknown;
  messages?: Array<{ role?: unknown; content?: unknown }>;
  tools?: Array<{ name?: unknown }>;
  tool_choice?: { type?: unknown; name?: unknown };
  thinking?: { type?: unknown };
  [key: string]: unknown;
}

export async function startAnthropicStandIn(opts: AnthropicStandInOptions = {}): Promise<AnthropicStandIn> {
  const queue: ScriptedResponse[] = [];
  const requests: RecordedRequest[] = [];
  const app = Fastify({ logger: opts.logger ? { redact: ['req.headers.authorization', 'req.headers["x-api-key"]'] } : false, forceCloseConnections: true });

  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => done(null, body));

  app.post('/v1/messages', async (request: FastifyRequest, reply: FastifyReply) => {
    const auth = credentialOf(request, opts.apiKey);
    if (auth === 'missing') return sendError(reply, 401, 'authentication_error', 'x-api-key header is required');
    if (auth === 'invalid') return sendError(reply, 401, 'authentication_error', 'invalid x-api-key');
    const version = headerValue(request, 'anthropic-version');
    if (!version) return sendError(reply, 400, 'invalid_request_error', 'anthropic-version: header is required');

    const rawBody = typeof request.body === 'string' ? request.body : '';
    let body: MessagesBody;
    try {
      body = JSON.parse(rawBody) as MessagesBody;
    } catch {
      return sendError(reply, 400, 'invalid_request_error', 'request body is not valid JSON');
    }
    requests.push({ body, rawBody, anthropicVersion: version, auth });

    const invalid = requestProblem(body);
    if (invalid) return sendError(reply, 400, 'invalid_request_error', invalid);

    const scripted = queue.shift();
    if (scripted?.type === 'error') return sendError(reply, scripted.status, scripted.errorType ?? errorTypeFor(scripted.status), scripted.message ?? `scripted ${scripted.status}`, scripted.headers);
    if (scripted?.type === 'raw') return reply.code(scripted.status ?? 200).header('content-type', scripted.contentType ?? 'application/json').header('request-id', requestId()).send(scripted.body);
    const forcedTool = typeof body.tool_choice?.name === 'string' ? body.tool_choice.name : null;
    const answer = scripted ? scriptedAnswer(scripted, forcedTool) : wellBehavedAnswer(body, forcedTool);
    return reply.header('request-id', requestId()).send(messageJson(body, answer.content, answer.stopReason));
  });

  app.setNotFoundHandler((request, reply) => sendError(reply, 404, 'not_found_error', `${request.method} ${request.url} is not served by the stand-in`));

  const address = await app.listen({ port: opts.port ?? 0, host: opts.host ?? '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return {
    url: address.startsWith('http') ? `http://${opts.host ?? '127.0.0.1'}:${port}` : address,
    enqueue: (...responses) => void queue.push(...responses),
    requests,
    reset: () => {
      queue.length = 0;
      requests.length = 0;
    },
    close: () => app.close(),
  };
}

interface Answer {
  content: unknown[];
  stopReason: string;
}

function scriptedAnswer(scripted: Exclude<ScriptedResponse, { type: 'error' | 'raw' }>, forcedTool: string | null): Answer {
  switch (scripted.type) {
    case 'tool_use':
      return { content: [toolUse(scripted.name ?? forcedTool ?? 'unknown_tool', scripted.input)], stopReason: 'tool_use' };
    case 'text':
      return { content: [{ type: 'text', text: scripted.text, citations: null }], stopReason: 'end_turn' };
    case 'message':
      return { content: scripted.content, stopReason: scripted.stopReason ?? 'end_turn' };
  }
}

/** What a model that follows its instructions would answer. */
function wellBehavedAnswer(body: MessagesBody, forcedTool: string | null): Answer {
  const userText = lastUserText(body);
  if (forcedTool === CLASSIFY_TOOL_NAME) {
    const subject = readTagged(userText, TAGS.subject) ?? '';
    const text = readTagged(userText, TAGS.body) ?? '';
    const { intent, confidence, identifiers, summary } = classifyOffline({ subject, body: text });
    return { content: [toolUse(CLASSIFY_TOOL_NAME, { intent, confidence, identifiers, summary })], stopReason: 'tool_use' };
  }
  if (forcedTool === DRAFT_TOOL_NAME) {
    const facts = JSON.parse(readTagged(userText, TAGS.facts) ?? 'null') as ReplyFacts | null;
    if (!facts) return { content: [{ type: 'text', text: 'I need the facts to write a reply.', citations: null }], stopReason: 'end_turn' };
    return { content: [toolUse(DRAFT_TOOL_NAME, templateReply(facts))], stopReason: 'tool_use' };
  }
  return { content: [{ type: 'text', text: 'This stand-in only plays the tools Steward forces.', citations: null }], stopReason: 'end_turn' };
}

/** Checks the real API makes that Steward's requests could plausibly get wrong. */
function requestProblem(body: MessagesBody): string | null {
  if (typeof body.model !== 'string' || body.model.length === 0) return 'model: Field required';
  if (typeof body.max_tokens !== 'number' || body.max_tokens < 1) return 'max_tokens: Field required';
  if (!Array.isArray(body.messages) || body.messages.length === 0) return 'messages: at least one message is required';
  const choice = body.tool_choice;
  if (choice?.type === 'tool') {
    const names = Array.isArray(body.tools) ? body.tools.map((t) => t.name) : [];
    if (!names.includes(choice.name)) return `tool_choice: tool ${String(choice.name)} is not in tools`;
  }
  const thinking = body.thinking?.type;
  if ((choice?.type === 'tool' || choice?.type === 'any') && (thinking === 'enabled' || thinking === 'adaptive')) {
    return 'Thinking may not be enabled when tool_choice forces tool use.';
  }
  for (const sampling of ['temperature', 'top_p', 'top_k']) {
    if (sampling in body && /^claude-haiku-5/.test(body.model)) return `${sampling}: not supported by ${body.model}`;
  }
  return null;
}

function lastUserText(body: MessagesBody): string {
  const last = [...(body.messages ?? [])].reverse().find((m) => m.role === 'user');
  if (!last) return '';
  if (typeof last.content === 'string') return last.content;
  if (!Array.isArray(last.content)) return '';
  return last.content.map((b: { type?: unknown; text?: unknown }) => (b?.type === 'text' && typeof b.text === 'string' ? b.text : '')).join('\n');
}

function toolUse(name: string, input: unknown) {
  return { type: 'tool_use', id: `toolu_${randomBytes(12).toString('hex')}`, name, input, caller: null };
}

function messageJson(body: MessagesBody, content: unknown[], stopReason: string) {
  const inputTokens = Math.ceil(JSON.stringify([body.system, body.messages, body.tools]).length / 4);
  return {
    id: `msg_${randomBytes(12).toString('hex')}`,
    type: 'message',
    role: 'assistant',
    model: body.model,
    content,
    stop_reason: stopReason,
    stop_sequence: null,
    stop_details: null,
    container: null,
    diagnostics: null,
    usage: {
      input_tokens: inputTokens,
      output_tokens: Math.ceil(JSON.stringify(content).length / 4),
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      cache_creation: null,
      server_tool_use: null,
      service_tier: 'standard',
      inference_geo: null,
      output_tokens_details: null,
      speed: null,
    },
  };
}

function credentialOf(request: FastifyRequest, expected: string | undefined): 'x-api-key' | 'bearer' | 'missing' | 'invalid' {
  const apiKey = headerValue(request, 'x-api-key');
  const bearer = headerValue(request, 'authorization')?.match(/^Bearer\s+(.+)$/i)?.[1] ?? null;
  const key = apiKey ?? bearer;
  if (!key) return 'missing';
  if (expected !== undefined && key !== expected) return 'invalid';
  return apiKey ? 'x-api-key' : 'bearer';
}

function headerValue(request: FastifyRequest, name: string): string | null {
  const value = request.headers[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first && first.trim() ? first.trim() : null;
}

function errorTypeFor(status: number): string {
  if (status === 400) return 'invalid_request_error';
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 413) return 'request_too_large';
  if (status === 429) return 'rate_limit_error';
  if (status === 529) return 'overloaded_error';
  return 'api_error';
}

function sendError(reply: FastifyReply, status: number, type: string, message: string, headers: Record<string, string> = {}) {
  const id = requestId();
  return reply
    .code(status)
    .headers({ ...headers, 'request-id': id })
    .send({ type: 'error', error: { type, message }, request_id: id });
}

function requestId(): string {
  return `req_${randomBytes(12).toString('hex')}`;
}
