import type { Simulator } from '../../simulator/server.js';
import { seedCustomer, seedDuplicateCharges, seedTicket, type SeedCustomerOptions, type SeedDuplicateChargesOptions } from '../../simulator/scenarios.js';

const linkedTo = (ticketId: string) => (r: { associations: Array<{ toObjectType: string; toObjectId: string }> }) =>
  r.associations.some((a) => a.toObjectType === 'tickets' && a.toObjectId === ticketId);

/** What the outside world looks like after a run: what a user would check in Stripe and HubSpot. */
export function world(sim: Simulator) {
  const s = sim.state;
  return {
    refundsOf: (chargeId: string) => [...s.refunds.values()].filter((r) => r.charge === chargeId && (r.reason === 'duplicate')),
    allStewardRefunds: () => [...s.refunds.values()].filter((r) => r.metadata?.steward_key),
    notesOn: (ticketId: string) => [...s.notes.values()].filter(linkedTo(ticketId)).map((n) => n.properties.hs_note_body ?? ''),
    repliesOn: (ticketId: string) => [...s.emails.values()].filter(linkedTo(ticketId)).map((e) => ({ subject: e.properties.hs_email_subject ?? '', text: e.properties.hs_email_text ?? '', headers: e.properties.hs_email_headers ?? '' })),
    ticketStage: (ticketId: string) => s.tickets.get(ticketId)?.properties.hs_pipeline_stage ?? null,
  };
}

let counter = 0;

/** A customer with a duplicate charge and a ticket about it; returns the ids a test asserts on. */
export function seedDuplicateCase(sim: Simulator, opts: { customer?: Partial<SeedCustomerOptions>; charges: SeedDuplicateChargesOptions }) {
  counter += 1;
  const email = opts.customer?.email ?? `customer${counter}.${Date.now()}@example.com`;
  const customer = seedCustomer(sim.state, { name: 'Test Customer', ...opts.customer, email });
  const charges = customer.customerId ? seedDuplicateCharges(sim.state, customer.customerId, opts.charges) : null;
  const { ticketId } = seedTicket(sim.state, { id: String(900000 + counter * 10 + Math.floor(Math.random() * 10)) + String(Date.now() % 100000), subject: 'Charged twice', contactId: customer.contactId });
  return { email, customer, charges, ticketId };
}

export const STAGE = { open: '1', waiting_on_customer: '2', needs_human: '3', closed: '4' } as const;
