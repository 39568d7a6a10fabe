/**
 * The billing and CRM adapters, driven over real HTTP through the real stripe and @hubspot/api-client
 * SDKs against the local simulator. Each test seeds a situation, acts through an adapter only, and
 * checks what the customer's accounts now look like.
 *
 *   node --import tsx --test test/simulator.test.ts
 */

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, beforeEach, describe, test } from 'node:test';
import { createStripeBilling, createStripeClient } from '../activities/billing.js';
import { createHubSpotClient, createHubSpotCrm } from '../activities/crm.js';
import type { BillingPort, CrmPort, TicketStatus } from '../activities/ports.js';
import { DEMO_TICKET_EVENTS } from '../simulator/fixtures.js';
import { seedCharge, seedCustomer, seedDuplicateCharges, seedTicket } from '../simulator/scenarios.js';
import { startSimulator, type Simulator } from '../simulator/server.js';

let sim: Simulator;
let billing: BillingPort;
let crm: CrmPort;

/** Adapters whose SDK gives up after `timeoutMs`, to observe lost answers quickly. */
function impatient(timeoutMs: number): { billing: BillingPort; crm: CrmPort } {
  return {
    billing: createStripeBilling(createStripeClient({ apiKey: 'sk_test_steward', baseUrl: sim.url, timeoutMs })),
    crm: createHubSpotCrm(createHubSpotClient({ accessToken: 'test-token', baseUrl: sim.url, timeoutMs })),
  };
}

/** Error fields both SDKs expose: stripe-node `statusCode`/`code`/`headers`, HubSpot `code` (HTTP status)/`headers`. */
type SdkError = { statusCode?: number; code?: number | string; type?: string; rawType?: string; headers?: Record<string, string>; message: string };

function rejectsWith(check: (error: SdkError) => void) {
  return (error: unknown) => {
    check(error as SdkError);
    return true;
  };
}

/** A customer with two identical $49 charges and a ticket, the common starting point. */
function danaWithDuplicate(options: Parameters<typeof seedDuplicateCharges>[2] = { amountCents: 4900 }) {
  const person = seedCustomer(sim.state, { email: 'dana@example.com', name: 'Dana Whitfield' });
  assert.ok(person.customerId && person.contactId);
  const charges = seedDuplicateCharges(sim.state, person.customerId, options);
  const { ticketId } = seedTicket(sim.state, { subject: 'Charged twice', contactId: person.contactId });
  return { ...person, customerId: person.customerId, contactId: person.contactId, ...charges, ticketId };
}

const refundOf = (chargeId: string, amountCents = 4900) =>
  ({ chargeId, amountCents, reason: 'duplicate', metadata: { workflow_id: 'wf-test' } }) as const;

before(async () => {
  sim = await startSimulator({ port: 0, fixtures: 'empty' });
  billing = createStripeBilling(createStripeClient({ apiKey: 'sk_test_steward', baseUrl: sim.url }));
  crm = createHubSpotCrm(createHubSpotClient({ accessToken: 'test-token', baseUrl: sim.url }));
});

after(async () => {
  await sim.close();
});

beforeEach(() => {
  sim.reset('empty');
});

describe('billing lookups', () => {
  test('finds customers by email: none, one, or an ambiguous two', async () => {
    seedCustomer(sim.state, { email: 'one@example.com', name: 'One Person' });
    seedCustomer(sim.state, { email: 'two@example.com', name: 'Two Accounts', billingCustomers: 2 });
    seedCustomer(sim.state, { email: 'crm-only@example.com', name: 'Crm Only', billingCustomers: 0 });

    const one = await billing.findCustomersByEmail('One@Example.com ');
    assert.equal(one.length, 1);
    assert.equal(one[0]?.name, 'One Person');
    assert.equal((await billing.findCustomersByEmail('two@example.com')).length, 2);
    assert.deepEqual(await billing.findCustomersByEmail('crm-only@example.com'), []);
    assert.deepEqual(await billing.findCustomersByEmail('nobody@example.com'), []);
  });

  test('the billing context joins charges, invoices, refunds and disputes', async () => {
    const dana = danaWithDuplicate({ amountCents: 4900, priorRefundCount: 2, disputeOnSecond: true, fraudOnSecond: true });

    const context = await billing.getBillingContext(dana.customerId);

    assert.equal(context.customer.id, dana.customerId);
    assert.equal(context.customer.email, 'dana@example.com');
    assert.equal(context.charges.length, 4);
    const first = context.charges.find((charge) => charge.id === dana.firstChargeId);
    const duplicate = context.charges.find((charge) => charge.id === dana.duplicateChargeId);
    assert.ok(first && duplicate);
    assert.equal(first.amountCents, 4900);
    assert.equal(first.productId, 'prod_pro_monthly');
    assert.equal(first.productType, 'subscription');
    assert.equal(first.invoiceId, dana.invoiceId);
    assert.equal(first.fraudSignal, false);
    assert.equal(duplicate.invoiceId, null);
    assert.equal(duplicate.disputed, true);
    assert.equal(duplicate.fraudSignal, true);
    assert.equal(duplicate.created - first.created, 180);

    assert.deepEqual(context.invoices.map((invoice) => [invoice.id, invoice.chargeId, invoice.status]), [[dana.invoiceId, dana.firstChargeId, 'paid']]);
    assert.deepEqual(context.refunds.map((refund) => refund.id).sort(), [...dana.priorRefundIds].sort());
    assert.deepEqual(context.disputes.map((dispute) => [dispute.id, dispute.chargeId]), [[dana.disputeId, dana.duplicateChargeId]]);
  });

  test('follows pagination past one page of charges', async () => {
    const person = seedCustomer(sim.state, { email: 'busy@example.com', name: 'Busy Buyer' });
    assert.ok(person.customerId);
    for (let i = 0; i < 130; i++) seedCharge(sim.state, person.customerId, { amountCents: 100 + i, createdMs: Date.now() - i * 60_000 });

    const context = await billing.getBillingContext(person.customerId);
    assert.equal(context.charges.length, 130);
    assert.equal(new Set(context.charges.map((charge) => charge.id)).size, 130);
  });

  test('an unknown customer or charge is a 404', async () => {
    await assert.rejects(billing.getBillingContext('cus_missing'), rejectsWith((e) => assert.equal(e.statusCode, 404)));
    await assert.rejects(billing.getCharge('ch_missing'), rejectsWith((e) => assert.equal(e.code, 'resource_missing')));
  });

  test('a pending charge is reported pending, refused for refund, and refundable once settled', async () => {
    const dana = danaWithDuplicate({ amountCents: 4900, secondPending: true });
    assert.equal((await billing.getCharge(dana.duplicateChargeId)).status, 'pending');
    await assert.rejects(billing.createRefund(refundOf(dana.duplicateChargeId), 'wf:pending:1'), rejectsWith((e) => assert.equal(e.code, 'charge_not_refundable')));

    const settled = await fetch(`${sim.url}/_sim/charges/${dana.duplicateChargeId}/settle`, { method: 'POST' });
    assert.equal(settled.status, 200);
    assert.equal((await billing.getCharge(dana.duplicateChargeId)).status, 'succeeded');
    const refund = await billing.createRefund(refundOf(dana.duplicateChargeId), 'wf:pending:2');
    assert.equal(refund.amountCents, 4900);
  });
});

describe('refunds', () => {
  test('creates a refund and the charge shows it', async () => {
    const dana = danaWithDuplicate();

    const refund = await billing.createRefund(refundOf(dana.duplicateChargeId), 'wf-1:refund:' + dana.duplicateChargeId);

    assert.match(refund.id, /^re_/);
    assert.equal(refund.chargeId, dana.duplicateChargeId);
    assert.equal(refund.amountCents, 4900);
    assert.equal(refund.status, 'succeeded');
    const charge = await billing.getCharge(dana.duplicateChargeId);
    assert.equal(charge.amountRefundedCents, 4900);
    assert.equal(charge.refunded, true);
    assert.equal((await billing.getCharge(dana.firstChargeId)).amountRefundedCents, 0);
  });

  test('the same idempotency key returns the same refund and moves money once', async () => {
    const dana = danaWithDuplicate();
    const key = 'wf-2:refund:' + dana.duplicateChargeId;

    const first = await billing.createRefund(refundOf(dana.duplicateChargeId), key);
    const again = await billing.createRefund(refundOf(dana.duplicateChargeId), key);

    assert.equal(again.id, first.id);
    assert.equal(sim.state.refunds.size, 1);
    assert.equal((await billing.getCharge(dana.duplicateChargeId)).amountRefundedCents, 4900);
    assert.deepEqual(await billing.findRefundByKey(dana.duplicateChargeId, key), first);
    assert.equal(await billing.findRefundByKey(dana.duplicateChargeId, 'wf-other:refund:x'), null);
  });

  test('reusing a key with different parameters is refused', async () => {
    const dana = danaWithDuplicate();
    const key = 'wf-3:refund:' + dana.duplicateChargeId;
    await billing.createRefund(refundOf(dana.duplicateChargeId, 1000), key);

    await assert.rejects(
      billing.createRefund(refundOf(dana.duplicateChargeId, 2000), key),
      rejectsWith((e) => {
        assert.equal(e.statusCode, 400);
        assert.equal(e.rawType, 'idempotency_error');
      }),
    );
    assert.equal(sim.state.refunds.size, 1);
  });

  test('never refunds more than what is left on the charge', async () => {
    const dana = danaWithDuplicate();

    await assert.rejects(
      billing.createRefund(refundOf(dana.duplicateChargeId, 5000), 'wf-4:a'),
      rejectsWith((e) => {
        assert.equal(e.statusCode, 400);
        assert.equal(e.code, 'amount_too_large');
      }),
    );
    await billing.createRefund(refundOf(dana.duplicateChargeId, 2000), 'wf-4:b');
    await assert.rejects(billing.createRefund(refundOf(dana.duplicateChargeId, 3000), 'wf-4:c'), rejectsWith((e) => assert.equal(e.code, 'amount_too_large')));
    await billing.createRefund(refundOf(dana.duplicateChargeId, 2900), 'wf-4:d');
    await assert.rejects(billing.createRefund(refundOf(dana.duplicateChargeId, 1), 'wf-4:e'), rejectsWith((e) => assert.equal(e.code, 'charge_already_refunded')));

    const charge = await billing.getCharge(dana.duplicateChargeId);
    assert.equal(charge.amountRefundedCents, 4900);
    assert.equal(charge.refunded, true);
    // A refused request is remembered under its key: retrying it is refused again, not executed.
    await assert.rejects(billing.createRefund(refundOf(dana.duplicateChargeId, 5000), 'wf-4:a'), rejectsWith((e) => assert.equal(e.code, 'amount_too_large')));
  });

  test('a disputed charge is never refunded', async () => {
    const dana = danaWithDuplicate({ amountCents: 4900, disputeOnSecond: true });

    await assert.rejects(
      billing.createRefund(refundOf(dana.duplicateChargeId), 'wf-5:refund'),
      rejectsWith((e) => assert.equal(e.code, 'charge_disputed')),
    );
    assert.equal(sim.state.refunds.size, 0);
  });

  test('a dispute opened after the context was read shows up in the fresh read', async () => {
    const dana = danaWithDuplicate();
    assert.equal((await billing.getCharge(dana.duplicateChargeId)).disputed, false);
    const opened = await fetch(`${sim.url}/_sim/charges/${dana.duplicateChargeId}/dispute`, { method: 'POST' });
    assert.equal(opened.status, 200);
    assert.equal((await billing.getCharge(dana.duplicateChargeId)).disputed, true);
  });
});

describe('faults, as the SDKs see them', () => {
  test('timeout: the client gives up and nothing happened', async () => {
    const dana = danaWithDuplicate();
    sim.faults.inject({ route: 'POST /v1/refunds', kind: 'timeout' });
    const started = Date.now();

    await assert.rejects(
      impatient(200).billing.createRefund(refundOf(dana.duplicateChargeId), 'wf-6:refund'),
      rejectsWith((e) => {
        assert.equal(e.type, 'StripeConnectionError');
        assert.match(e.message, /timeout/i);
      }),
    );
    assert.ok(Date.now() - started < 2_000);
    assert.equal(sim.state.refunds.size, 0);
  });

  test('5xx: the error carries the status, and the next call succeeds', async () => {
    const dana = danaWithDuplicate();
    sim.faults.inject({ route: 'GET /v1/charges/:id', kind: 'error_5xx', status: 503 });

    await assert.rejects(billing.getCharge(dana.duplicateChargeId), rejectsWith((e) => {
      assert.equal(e.statusCode, 503);
      assert.equal(e.type, 'StripeAPIError');
    }));
    assert.equal((await billing.getCharge(dana.duplicateChargeId)).id, dana.duplicateChargeId);
  });

  test('429: Retry-After is visible on the error and no refund was made', async () => {
    const dana = danaWithDuplicate();
    sim.faults.inject({ route: 'POST /v1/refunds', kind: 'rate_limit_429', retryAfterSeconds: 7 });

    await assert.rejects(
      billing.createRefund(refundOf(dana.duplicateChargeId), 'wf-7:refund'),
      rejectsWith((e) => {
        assert.equal(e.statusCode, 429);
        assert.equal(e.type, 'StripeRateLimitError');
        assert.equal(e.headers?.['retry-after'], '7');
      }),
    );
    assert.equal(sim.state.refunds.size, 0);
    assert.equal((await billing.createRefund(refundOf(dana.duplicateChargeId), 'wf-7:refund')).amountCents, 4900);
  });

  test('connection reset: stripe-node retries a reset once by itself (with our key), a second reset surfaces', async () => {
    const dana = danaWithDuplicate();
    const once = sim.faults.inject({ route: 'POST /v1/refunds', kind: 'connection_reset', times: 1 });
    const refund = await billing.createRefund(refundOf(dana.duplicateChargeId, 1000), 'wf-8:a');
    assert.equal(once.hits, 1);
    assert.equal(refund.amountCents, 1000);

    const twice = sim.faults.inject({ route: 'POST /v1/refunds', kind: 'connection_reset', times: 2 });
    await assert.rejects(billing.createRefund(refundOf(dana.duplicateChargeId, 1000), 'wf-8:b'), rejectsWith((e) => assert.equal(e.type, 'StripeConnectionError')));
    assert.equal(twice.hits, 2);
    assert.equal(sim.state.refunds.size, 1);
  });

  test('slow success: the refund happened though the answer was lost; the retry returns it, not a second one', async () => {
    const dana = danaWithDuplicate();
    const key = 'wf-9:refund:' + dana.duplicateChargeId;
    sim.faults.inject({ route: 'POST /v1/refunds', kind: 'slow_success', delayMs: 1_500 });

    await assert.rejects(impatient(200).billing.createRefund(refundOf(dana.duplicateChargeId), key), rejectsWith((e) => assert.equal(e.type, 'StripeConnectionError')));
    assert.equal(sim.state.refunds.size, 1, 'the refund exists although the client never heard back');
    const [made] = [...sim.state.refunds.values()];

    const retried = await billing.createRefund(refundOf(dana.duplicateChargeId), key);
    assert.equal(retried.id, made?.id);
    assert.equal(sim.state.refunds.size, 1);
    assert.equal((await billing.findRefundByKey(dana.duplicateChargeId, key))?.id, made?.id);
  });

  test('HubSpot 429 and 5xx reach the caller with their status and headers', async () => {
    const dana = danaWithDuplicate();
    sim.faults.inject({ route: 'POST /crm/v3/objects/notes/search', kind: 'rate_limit_429', retryAfterSeconds: 3 });
    await assert.rejects(crm.addTicketNote(dana.ticketId, 'Refund issued.', 'wf-10:note'), rejectsWith((e) => {
      assert.equal(e.code, 429);
      assert.equal(e.headers?.['retry-after'], '3');
    }));
    assert.equal(sim.state.notes.size, 0);

    sim.faults.inject({ route: 'PATCH /crm/v3/objects/tickets/:id', kind: 'error_5xx' });
    await assert.rejects(crm.setTicketStatus(dana.ticketId, 'closed'), rejectsWith((e) => assert.equal(e.code, 500)));
    assert.equal((await crm.getTicket(dana.ticketId)).status, 'open');
  });

  test('HubSpot timeout and reset end the call instead of hanging it', async () => {
    const dana = danaWithDuplicate();
    sim.faults.inject({ route: 'GET /crm/v3/objects/tickets/:id', kind: 'timeout' });
    const started = Date.now();
    await assert.rejects(impatient(200).crm.getTicket(dana.ticketId), rejectsWith((e) => assert.equal(e.code, 'ETIMEDOUT')));
    assert.ok(Date.now() - started < 2_000);

    sim.faults.inject({ route: 'POST /crm/v3/objects/contacts/search', kind: 'connection_reset' });
    await assert.rejects(crm.findContactsByEmail('dana@example.com'));
  });

  test('HubSpot slow success: the retried note is found by its key, not written twice', async () => {
    const dana = danaWithDuplicate();
    sim.faults.inject({ route: 'POST /crm/v3/objects/notes', kind: 'slow_success', delayMs: 1_500 });

    await assert.rejects(impatient(200).crm.addTicketNote(dana.ticketId, 'Refund issued.', 'wf-11:note'));
    assert.equal(sim.state.notes.size, 1);
    const [written] = [...sim.state.notes.values()];
    assert.equal((await crm.addTicketNote(dana.ticketId, 'Refund issued.', 'wf-11:note')).id, written?.id);
    assert.equal(sim.state.notes.size, 1);
  });

  test('faults can be set and cleared over HTTP, and an unknown route is refused', async () => {
    const dana = danaWithDuplicate();
    const set = await fetch(`${sim.url}/_sim/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ route: 'GET /v1/charges/:id', kind: 'error_5xx', times: 5 }),
    });
    assert.equal(set.status, 201);
    await assert.rejects(billing.getCharge(dana.firstChargeId), rejectsWith((e) => assert.equal(e.statusCode, 500)));
    assert.equal((await fetch(`${sim.url}/_sim/faults`, { method: 'DELETE' })).status, 200);
    assert.equal((await billing.getCharge(dana.firstChargeId)).id, dana.firstChargeId);

    assert.throws(() => sim.faults.inject({ route: 'POST /v1/refund', kind: 'timeout' }), /unknown route/);
  });
});

describe('CRM', () => {
  test('finds contacts by email with their account status and billing id', async () => {
    const suspended = seedCustomer(sim.state, { email: 'abuser@example.com', name: 'Ab User', accountStatus: 'suspended_for_abuse' });
    seedCustomer(sim.state, { email: 'twice@example.com', name: 'Twice Known', crmContacts: 2 });
    seedCustomer(sim.state, { email: 'billing-only@example.com', name: 'Billing Only', crmContacts: 0 });

    const [contact] = await crm.findContactsByEmail('ABUSER@example.com');
    assert.deepEqual(contact, {
      id: suspended.contactId,
      email: 'abuser@example.com',
      firstName: 'Ab',
      lastName: 'User',
      accountStatus: 'suspended_for_abuse',
      billingCustomerId: suspended.customerId,
    });
    assert.equal((await crm.findContactsByEmail('twice@example.com')).length, 2);
    assert.deepEqual(await crm.findContactsByEmail('billing-only@example.com'), []);
  });

  test('notes are written once per idempotency key, on the ticket', async () => {
    const dana = danaWithDuplicate();

    const note = await crm.addTicketNote(dana.ticketId, 'Refund re_1 issued for the duplicate charge.', 'wf-12:note');
    const again = await crm.addTicketNote(dana.ticketId, 'Refund re_1 issued for the duplicate charge.', 'wf-12:note');
    const other = await crm.addTicketNote(dana.ticketId, 'Second, different step.', 'wf-12:note-2');

    assert.equal(again.id, note.id);
    assert.notEqual(other.id, note.id);
    assert.equal(sim.state.notes.size, 2);
    const stored = sim.state.notes.get(note.id);
    assert.equal(stored?.properties.hs_note_body, 'Refund re_1 issued for the duplicate charge.');
    assert.deepEqual(stored?.associations.map((a) => [a.toObjectType, a.toObjectId]), [['tickets', dana.ticketId]]);
  });

  test('replies are logged once per idempotency key, addressed to the customer, on the ticket', async () => {
    const dana = danaWithDuplicate();
    const reply = { to: 'dana@example.com', subject: 'Re: Charged twice', body: 'We refunded the duplicate $49.00 (re_x).' };

    const sent = await crm.sendTicketReply(dana.ticketId, reply, 'wf-13:reply');
    const again = await crm.sendTicketReply(dana.ticketId, reply, 'wf-13:reply');

    assert.equal(again.id, sent.id);
    assert.equal(sim.state.emails.size, 1);
    const stored = sim.state.emails.get(sent.id);
    assert.equal(stored?.properties.hs_email_direction, 'EMAIL');
    assert.equal(stored?.properties.hs_email_status, 'SENT');
    assert.equal(stored?.properties.hs_email_subject, reply.subject);
    assert.equal(stored?.properties.hs_email_text, reply.body);
    assert.deepEqual(JSON.parse(stored?.properties.hs_email_headers ?? '{}').to, [{ email: 'dana@example.com' }]);
    assert.deepEqual(stored?.associations.map((a) => [a.toObjectType, a.toObjectId]), [['tickets', dana.ticketId]]);
  });

  test('a note on a ticket that does not exist is refused', async () => {
    await assert.rejects(crm.addTicketNote('999999', 'x', 'wf-14:note'), rejectsWith((e) => assert.equal(e.code, 400)));
    assert.equal(sim.state.notes.size, 0);
  });

  test('ticket statuses map to the support pipeline stages and back', async () => {
    const dana = danaWithDuplicate();
    assert.deepEqual(await crm.getTicket(dana.ticketId), { id: dana.ticketId, subject: 'Charged twice', status: 'open', ownerId: null });

    const expected: Record<TicketStatus, string> = { open: '1', waiting_on_customer: '2', needs_human: '3', closed: '4' };
    for (const [status, stage] of Object.entries(expected) as [TicketStatus, string][]) {
      await crm.setTicketStatus(dana.ticketId, status);
      assert.equal(sim.state.tickets.get(dana.ticketId)?.properties.hs_pipeline_stage, stage);
      assert.equal((await crm.getTicket(dana.ticketId)).status, status);
    }
    await assert.rejects(crm.getTicket('404404'), rejectsWith((e) => assert.equal(e.code, 404)));
  });
});

describe('demo fixtures', () => {
  test('Dana and Sam each have a duplicate, a CRM contact and their ticket; the event files match', async () => {
    sim.reset('demo');

    const [dana] = await billing.findCustomersByEmail('dana@example.com');
    assert.ok(dana);
    const context = await billing.getBillingContext(dana.id);
    assert.deepEqual(context.charges.map((charge) => [charge.amountCents, charge.productId, charge.productType]), [
      [4900, 'prod_pro_monthly', 'subscription'],
      [4900, 'prod_pro_monthly', 'subscription'],
    ]);
    const [later, earlier] = context.charges;
    assert.equal((later?.created ?? 0) - (earlier?.created ?? 0), 180);
    const [contact] = await crm.findContactsByEmail('dana@example.com');
    assert.equal(contact?.billingCustomerId, dana.id);
    assert.equal(contact?.accountStatus, 'active');
    assert.deepEqual(await crm.getTicket('48291'), { id: '48291', subject: 'Charged twice', status: 'open', ownerId: null });

    const [sam] = await billing.findCustomersByEmail('sam@example.com');
    assert.ok(sam);
    assert.deepEqual((await billing.getBillingContext(sam.id)).charges.map((charge) => charge.amountCents), [18000, 18000]);
    assert.equal((await crm.getTicket('48292')).status, 'open');

    for (const event of DEMO_TICKET_EVENTS) {
      const file = JSON.parse(readFileSync(new URL(`../simulator/demo-events/ticket-${event.ticketId}.json`, import.meta.url), 'utf8'));
      assert.deepEqual(file, event);
    }
  });
});
