/**
 * Picks Steward's LLM: Claude when an API key is configured, the offline rules otherwise. The key
 * goes to the SDK client and nowhere else (not into logs, errors, audit records or the port).
 */

import type { LlmPort } from '../ports.js';
import { createAnthropicClient, createAnthropicLlm } from './anthropic.js';
import { createOfflineLlm } from './offline.js';

export { createAnthropicClient, createAnthropicLlm, DEFAULT_ANTHROPIC_MODEL } from './anthropic.js';
export { MalformedModelOutputError } from './errors.js';
export { createOfflineLlm } from './offline.js';
export { INTENT_RULES, OFFLINE_MODEL_ID } from './rules.js';

export interface LlmOptions {
  /** ANTHROPIC_API_KEY. Empty or absent: offline. */
  apiKey?: string;
  /** ANTHROPIC_BASE_URL, e.g. the local stand-in (`simulator/anthropic.ts`). */
  baseUrl?: string;
  model: string;
  timeoutMs?: number;
}

export function createLlm(opts: LlmOptions): LlmPort {
  const offline = createOfflineLlm();
  const apiKey = opts.apiKey?.trim();
  if (!apiKey) return offline;
  const client = createAnthropicClient({ apiKey, baseUrl: opts.baseUrl || undefined, timeoutMs: opts.timeoutMs });
  return createAnthropicLlm({ client, model: opts.model, fallback: offline });
}
