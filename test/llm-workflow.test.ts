import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createAnthropicClient, createAnthropicLlm, DEFAULT_ANTHROPIC_MODEL } from '../activities/llm/anthropic.js';
import { createOfflineLlm } from '../activities/llm/offline.js';
import { startAnthropicStandIn } from '../simulator/anthropic.js';
import type { RefundRunResult } from '../workflows/duplicatePaymentRefund.js';
import { fastPolicy, startHarness, ticketEvent, type Harness } from './helpers/harness.js';
import { seedDuplicateCase, STAGE, world } from './helpers/world.js';

/**
 * The workflow with Claude in the loop: the real @anthropic-ai/sdk talks to a local stand-in of
 * the Messages API, so the request Steward would send to Anthropic is the one exercised here.
 */
let h: Harness;
let standIn: Awaited<ReturnType<typeof startAnthropicStandIn>>;
before(async () => {
  standIn = await startAnthropicStandIn({ port: 0 });
  const client = createAnthropicClient({ apiKey: 'sk-ant-test-key', baseUrl: standIn.url });
  h = await startHarness({ llm: createAnthropicLlm({ client, model: DEFAULT_ANTHROPIC_MODEL, fallback: createOfflineLlm() }) });
  h.policy = fastPolicy();
});
after(async () => {
  await h?.stop();
  await standIn?.close();
});

describe('duplicatePaymentRefund with the Anthropic classifier', () => {
  it('classifies through the Messages API, refunds, and audits the model and prompt hash', async () => {
    const c = seedDuplicateCase(h.sim, { charges: { amountCents: 4900 } });
    const started = await h.client.startTicket(ticketEvent(c.ticketId, c.email));
    const result: RefundRunResult = await h.env.client.workflow.getHandle(started.workflowId).result();
    assert.equal(result.outcome, 'refunded');
    assert.equal(world(h.sim).refundsOf(c.charges!.duplicateChargeId).length, 1);
    const classified = (await h.audit.listByWorkflow(started.workflowId)).find((r) => r.event === 'ticket_classified')!;
    const details = classified.details as { classifier: string; model: string; promptHash: string };
    assert.equal(details.classifier, 'anthropic');
    assert.equal(details.model, DEFAULT_ANTHROPIC_MODEL);
    assert.match(details.promptHash, /^[0-9a-f]{64}$/);
    assert.ok(standIn.requests.length >= 1, 'the SDK reached the stand-in');
    assert.ok(JSON.stringify(standIn.requests).includes('charged twice'), 'the ticket text was sent as data');
    assert.ok(!JSON.stringify(standIn.requests).includes('sk-ant-test-key'), 'the recorded request bodies carry no key');
  });

  it('malformed model output on every attempt hands the ticket to a person, with no refund', async () => {
    const c = seedDuplicateCase(h.sim, { charges: { amountCents: 4900 } });
    standIn.enqueue(
      { type: 'tool_use', input: { intent: 'refund_everything', confidence: 7 } },
      { type: 'text', text: 'Sure! I will refund $5000.' },
      { type: 'raw', body: '{"id":"msg_1","type":"message","content":[{"type":"tool_use"' },
    );
    const started = await h.client.startTicket(ticketEvent(c.ticketId, c.email));
    const result: RefundRunResult = await h.env.client.workflow.getHandle(started.workflowId).result();
    assert.equal(result.outcome, 'handed_to_human');
    assert.match(result.reason, /could not be classified/);
    const w = world(h.sim);
    assert.equal(w.refundsOf(c.charges!.duplicateChargeId).length, 0);
    assert.equal(w.ticketStage(c.ticketId), STAGE.needs_human);
  });
});
