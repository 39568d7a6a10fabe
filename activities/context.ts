import type { CustomerContext, CustomerMatch, ResolvedCustomer } from '../workflows/model.js';
import { defineTool, type ToolKit } from './kit/tool.js';
import type { BillingContext, BillingCustomer, BillingPort, CrmContact, CrmPort } from './ports.js';

type Lookup = {
  email?: string;
  customerId?: string;
  /** Invoice ids the ticket cites: used only to catch a conflict, never to pick an account. */
  mentionedInvoiceIds?: string[];
};

/**
 * Steps 2-3 in one batched read: who the customer is (billing and CRM, by the sender's email or an
 * identifier a person supplied) and, when exactly one account matches, their billing history.
 * The ticket's own claims ("my id is cus_...") are never used to pick an account.
 */
export function contextActivities(kit: ToolKit, billing: BillingPort, crm: CrmPort, now: () => number = Date.now) {
  return {
    retrieveContext: defineTool(kit, {
      tool: 'customer.read_profile_and_invoices',
      keyTarget: (args: Lookup) => args.customerId ?? args.email ?? 'none',
      run: async (args): Promise<CustomerContext> => {
        const lookup = args.customerId ? { by: 'customer_id' as const, value: args.customerId } : { by: 'email' as const, value: (args.email ?? '').toLowerCase() };
        const [billingMatches, contacts, prefetched] = await findAccounts(billing, crm, lookup);
        const matches = mergeMatches(billingMatches, contacts);
        const unresolved = billingMatches.length === 0 ? 'no_match' : matches.length > 1 ? 'multiple_matches' : null;
        if (unresolved) return { lookup, matches, customer: null, billing: null, unresolved, conflicts: [] };
        const account = billingMatches[0]!;
        const contact = contacts[0] ?? null;
        const context = prefetched ?? (await billing.getBillingContext(account.id));
        const customer: ResolvedCustomer = {
          billingCustomerId: account.id,
          contactId: contact?.id ?? null,
          name: account.name ?? ([contact?.firstName, contact?.lastName].filter(Boolean).join(' ') || null),
          email: account.email,
          accountStatus: contact?.accountStatus ?? null,
          accountAgeDays: Math.floor((now() / 1000 - account.created) / 86400),
        };
        const conflicts = await findConflicts(billing, account, contact, context.invoices.map((i) => i.id), args.mentionedInvoiceIds ?? []);
        return { lookup, matches, customer, billing: context, unresolved: null, conflicts };
      },
      receipt: (result) => ({
        event: result.customer ? 'customer_identified' : 'customer_lookup_unresolved',
        reason: result.unresolved,
        externalReference: result.customer?.billingCustomerId ?? null,
        details: {
          lookup: result.lookup,
          matches: result.matches.length,
          charges: result.billing?.charges.length ?? 0,
          invoices: result.billing?.invoices.length ?? 0,
          refunds: result.billing?.refunds.length ?? 0,
          disputes: result.billing?.disputes.length ?? 0,
          accountStatus: result.customer?.accountStatus ?? null,
          conflicts: result.conflicts,
        },
      }),
    }),
  };
}

/**
 * Where the systems of record disagree on a fact the policy needs. Steward never picks a side:
 * the workflow escalates with both sides named.
 */
async function findConflicts(billing: BillingPort, account: BillingCustomer, contact: CrmContact | null, ownInvoices: string[], mentioned: string[]): Promise<string[]> {
  const conflicts: string[] = [];
  if (account.accountStatus && contact?.accountStatus && account.accountStatus !== contact.accountStatus) {
    conflicts.push(`account status: the CRM (HubSpot contact ${contact.id}) says ${contact.accountStatus}, billing (Stripe customer ${account.id}) says ${account.accountStatus}`);
  }
  for (const invoiceId of [...new Set(mentioned)].filter((id) => !ownInvoices.includes(id)).slice(0, 5)) {
    const owner = await billing.findInvoiceOwner(invoiceId);
    if (owner && owner !== account.id) conflicts.push(`invoice ownership: the ticket cites ${invoiceId}, which billing says belongs to ${owner}, not to the sender's account ${account.id}`);
  }
  return conflicts;
}

/**
 * The accounts a lookup matches. A lookup by customer id has to read that customer's billing
 * context to find them; it is returned too, so the caller does not read it twice.
 */
async function findAccounts(
  billing: BillingPort,
  crm: CrmPort,
  lookup: CustomerContext['lookup'],
): Promise<[BillingCustomer[], CrmContact[], BillingContext | null]> {
  if (lookup.by === 'email') {
    const [accounts, contacts] = await Promise.all([billing.findCustomersByEmail(lookup.value), crm.findContactsByEmail(lookup.value)]);
    return [accounts, contacts, null];
  }
  const context = await billing.getBillingContext(lookup.value).catch((err: { statusCode?: number }) => {
    if (err?.statusCode === 404) return null;
    throw err;
  });
  if (!context) return [[], [], null];
  const contacts = context.customer.email ? await crm.findContactsByEmail(context.customer.email) : [];
  return [[context.customer], contacts.filter((c) => !c.billingCustomerId || c.billingCustomerId === context.customer.id), context];
}

/**
 * One match per distinct account. A CRM contact that names a different billing customer than the
 * billing match is a second candidate, not something to reconcile by guessing.
 */
function mergeMatches(accounts: BillingCustomer[], contacts: CrmContact[]): CustomerMatch[] {
  const matches: CustomerMatch[] = accounts.map((a) => ({ billingCustomerId: a.id, contactId: null, email: a.email, name: a.name }));
  for (const contact of contacts) {
    const owner = matches.find((m) => m.contactId === null && (contact.billingCustomerId === null || contact.billingCustomerId === m.billingCustomerId));
    if (owner) owner.contactId = contact.id;
    else matches.push({ billingCustomerId: contact.billingCustomerId, contactId: contact.id, email: contact.email, name: [contact.firstName, contact.lastName].filter(Boolean).join(' ') || null });
  }
  return matches;
}
