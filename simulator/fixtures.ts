/**
 * Demo data for the README walkthrough and `npm start`: two customers who were charged twice.
 *
 * - Dana Whitfield <dana@example.com>: two identical $49.00 charges for `prod_pro_monthly`, 3 minutes
 *   apart, yesterday. Small enough for Steward to refund on its own. HubSpot ticket 48291.
 * - Sam Okafor <sam@example.com>: two identical $180.00 charges for `prod_team_monthly`, 5 minutes apart,
 *   two days ago. Above the auto-refund limit, so it waits for a manager. HubSpot ticket 48292.
 *
 * Charges are seeded relative to the moment the simulator starts, so "yesterday" stays yesterday.
 * The ticket events below (also in `demo-events/*.json`) are what a helpdesk webhook would deliver;
 * their `receivedAt` is fixed and only informational.
 */

import type { TicketEvent } from '../workflows/model.js';
import { seedCustomer, seedDuplicateCharges, seedTicket } from './scenarios.js';
import type { SimState } from './state.js';

export const DEMO_TICKET_48291: TicketEvent = {
  ticketId: '48291',
  senderEmail: 'dana@example.com',
  subject: 'Charged twice',
  body: 'I was charged twice this month. Please refund the duplicate payment.',
  receivedAt: '2026-11-23T09:14:00.000Z',
};

export const DEMO_TICKET_48292: TicketEvent = {
  ticketId: '48292',
  senderEmail: 'sam@example.com',
  subject: 'Double charge on my card',
  body: 'I was charged twice this month. Please refund the duplicate payment.',
  receivedAt: '2026-11-23T09:41:00.000Z',
};

export const DEMO_TICKET_EVENTS: readonly TicketEvent[] = [DEMO_TICKET_48291, DEMO_TICKET_48292];

/** Ids the demo seeding produced, for a CLI or README that wants to show them. */
export interface DemoIds {
  dana: { customerId: string; contactId: string; firstChargeId: string; duplicateChargeId: string; ticketId: string };
  sam: { customerId: string; contactId: string; firstChargeId: string; duplicateChargeId: string; ticketId: string };
}

export function loadDemoFixtures(state: SimState): DemoIds {
  return {
    dana: seedDemoCustomer(state, {
      email: DEMO_TICKET_48291.senderEmail,
      name: 'Dana Whitfield',
      amountCents: 4900,
      productId: 'prod_pro_monthly',
      daysAgo: 1,
      minutesApart: 3,
      ticket: DEMO_TICKET_48291,
    }),
    sam: seedDemoCustomer(state, {
      email: DEMO_TICKET_48292.senderEmail,
      name: 'Sam Okafor',
      amountCents: 18000,
      productId: 'prod_team_monthly',
      daysAgo: 2,
      minutesApart: 5,
      ticket: DEMO_TICKET_48292,
    }),
  };
}

function seedDemoCustomer(
  state: SimState,
  demo: { email: string; name: string; amountCents: number; productId: string; daysAgo: number; minutesApart: number; ticket: TicketEvent },
): DemoIds['dana'] {
  const person = seedCustomer(state, { email: demo.email, name: demo.name, accountStatus: 'active', createdDaysAgo: 420 });
  if (!person.customerId || !person.contactId) throw new Error('demo customer was not seeded');
  const charges = seedDuplicateCharges(state, person.customerId, {
    amountCents: demo.amountCents,
    productType: 'subscription',
    productId: demo.productId,
    daysAgo: demo.daysAgo,
    minutesApart: demo.minutesApart,
  });
  const { ticketId } = seedTicket(state, {
    id: demo.ticket.ticketId,
    subject: demo.ticket.subject,
    content: demo.ticket.body,
    contactId: person.contactId,
  });
  return {
    customerId: person.customerId,
    contactId: person.contactId,
    firstChargeId: charges.firstChargeId,
    duplicateChargeId: charges.duplicateChargeId,
    ticketId,
  };
}
