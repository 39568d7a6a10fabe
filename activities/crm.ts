/**
 * Steward's CRM port over the real `@hubspot/api-client` SDK (CRM v3 objects: contacts, tickets,
 * notes, emails). The same code talks to api.hubapi.com and to the local simulator.
 *
 * HubSpot has no idempotency header, so writes that must happen once (a note, a reply) carry
 * Steward's idempotency key in the custom property `steward_key`, and the adapter looks for an
 * object with that key before creating one. The portal must define `steward_key` on notes and
 * emails, and `account_status` / `stripe_customer_id` on contacts.
 *
 * Retries belong to Temporal (`numberOfApiCallRetries: 0`, no SDK rate limiter); HubSpot errors are
 * left as the SDK throws them (`code` = HTTP status, `headers`, `body`) for the activity layer to map.
 */

import http from 'node:http';
import https from 'node:https';
import { AssociationTypes, Client } from '@hubspot/api-client';
import type { FilterOperatorEnum } from '@hubspot/api-client/lib/codegen/crm/contacts/index.js';
import type { AssociationSpecAssociationCategoryEnum } from '@hubspot/api-client/lib/codegen/crm/objects/notes/index.js';
import type { CrmContact, CrmPort, CrmTicket, TicketStatus } from './ports.js';

export type HubSpotClient = Client;

export interface HubSpotClientOptions {
  accessToken: string;
  /** e.g. `http://127.0.0.1:12111` for the simulator. Default: HubSpot's own API host. */
  baseUrl?: string;
  /**
   * A socket that stays silent this long is dropped. Default 20 s. The SDK itself has no timeout, so
   * without this a hung call would outlive its activity attempt.
   */
  timeoutMs?: number;
}

/** Custom property holding Steward's idempotency key on notes and emails. */
export const STEWARD_KEY_PROPERTY = 'steward_key';

/** Steward's ticket states as stages of HubSpot's default support pipeline. */
export const TICKET_STAGE_BY_STATUS: Readonly<Record<TicketStatus, string>> = {
  open: '1',
  waiting_on_customer: '2',
  needs_human: '3',
  closed: '4',
};

const CONTACT_PROPERTIES = ['email', 'firstname', 'lastname', 'account_status', 'stripe_customer_id'];
const EQ = 'EQ' as FilterOperatorEnum;
const HUBSPOT_DEFINED = 'HUBSPOT_DEFINED' as AssociationSpecAssociationCategoryEnum;

/**
 * Passed to every SDK call. In @hubspot/api-client 13 the client-level middleware (its User-Agent
 * header and the `httpAgent` carrying our timeout) is only applied when a call brings middleware of
 * its own (HubSpot/hubspot-api-nodejs#671, #683); an empty list merged with `append` switches it on.
 */
const WITH_CLIENT_MIDDLEWARE = { middleware: [] as never[], middlewareMergeStrategy: 'append' as const };

/** A HubSpot client for Steward: SDK retries off, an idle-socket deadline, optional base URL. */
export function createHubSpotClient(options: HubSpotClientOptions): HubSpotClient {
  const basePath = options.baseUrl?.replace(/\/+$/, '');
  const protocol = basePath ? new URL(basePath).protocol : 'https:';
  return new Client({
    accessToken: options.accessToken,
    numberOfApiCallRetries: 0,
    httpAgent: idleDeadlineAgent(protocol, options.timeoutMs ?? 20_000),
    ...(basePath ? { basePath } : {}),
  });
}

export function createHubSpotCrm(client: HubSpotClient): CrmPort {
  return {
    async findContactsByEmail(email) {
      const found = await client.crm.contacts.searchApi.doSearch({
        filterGroups: [{ filters: [{ propertyName: 'email', operator: EQ, value: email.trim() }] }],
        properties: CONTACT_PROPERTIES,
        limit: 10,
      }, WITH_CLIENT_MIDDLEWARE);
      return found.results.map(
        (contact): CrmContact => ({
          id: contact.id,
          email: contact.properties.email ?? null,
          firstName: contact.properties.firstname ?? null,
          lastName: contact.properties.lastname ?? null,
          accountStatus: contact.properties.account_status ?? null,
          billingCustomerId: contact.properties.stripe_customer_id || null,
        }),
      );
    },

    async getTicket(ticketId) {
      const ticket = await client.crm.tickets.basicApi.getById(
        ticketId,
        ['subject', 'hs_pipeline', 'hs_pipeline_stage', 'hubspot_owner_id'],
        undefined,
        undefined,
        undefined,
        undefined,
        WITH_CLIENT_MIDDLEWARE,
      );
      return {
        id: ticket.id,
        subject: ticket.properties.subject ?? null,
        status: statusOfStage(ticket.properties.hs_pipeline_stage ?? null),
        ownerId: ticket.properties.hubspot_owner_id || null,
      } satisfies CrmTicket;
    },

    async addTicketNote(ticketId, body, idempotencyKey) {
      const existing = await findByKey(client.crm.objects.notes.searchApi, idempotencyKey);
      if (existing) return existing;
      const note = await client.crm.objects.notes.basicApi.create({
        properties: { hs_timestamp: new Date().toISOString(), hs_note_body: body, [STEWARD_KEY_PROPERTY]: idempotencyKey },
        associations: [ticketAssociation(ticketId, AssociationTypes.noteToTicket)],
      }, WITH_CLIENT_MIDDLEWARE);
      return { id: note.id };
    },

    /**
     * Logs the outgoing email on the ticket (`hs_email_direction: EMAIL`, status SENT). Note that
     * HubSpot's emails object records an email; it does not deliver one.
     */
    async sendTicketReply(ticketId, reply, idempotencyKey) {
      const existing = await findByKey(client.crm.objects.emails.searchApi, idempotencyKey);
      if (existing) return existing;
      const email = await client.crm.objects.emails.basicApi.create({
        properties: {
          hs_timestamp: new Date().toISOString(),
          hs_email_direction: 'EMAIL',
          hs_email_status: 'SENT',
          hs_email_subject: reply.subject,
          hs_email_text: reply.body,
          hs_email_headers: JSON.stringify({ to: [{ email: reply.to }], cc: [], bcc: [] }),
          [STEWARD_KEY_PROPERTY]: idempotencyKey,
        },
        associations: [ticketAssociation(ticketId, AssociationTypes.emailToTicket)],
      }, WITH_CLIENT_MIDDLEWARE);
      return { id: email.id };
    },

    async setTicketStatus(ticketId, status) {
      await client.crm.tickets.basicApi.update(
        ticketId,
        { properties: { hs_pipeline_stage: TICKET_STAGE_BY_STATUS[status] } },
        undefined,
        WITH_CLIENT_MIDDLEWARE,
      );
    },
  };
}

interface SearchApi {
  doSearch(request: {
    filterGroups: { filters: { propertyName: string; operator: FilterOperatorEnum; value: string }[] }[];
    properties: string[];
    limit: number;
  }, options: typeof WITH_CLIENT_MIDDLEWARE): Promise<{ results: { id: string }[] }>;
}

/** The object an earlier attempt created under this idempotency key, if there is one. */
async function findByKey(searchApi: SearchApi, idempotencyKey: string): Promise<{ id: string } | null> {
  const found = await searchApi.doSearch({
    filterGroups: [{ filters: [{ propertyName: STEWARD_KEY_PROPERTY, operator: EQ, value: idempotencyKey }] }],
    properties: [STEWARD_KEY_PROPERTY],
    limit: 1,
  }, WITH_CLIENT_MIDDLEWARE);
  const first = found.results[0];
  return first ? { id: first.id } : null;
}

function ticketAssociation(ticketId: string, associationTypeId: number) {
  return { to: { id: ticketId }, types: [{ associationCategory: HUBSPOT_DEFINED, associationTypeId }] };
}

function statusOfStage(stage: string | null): TicketStatus | null {
  const entry = Object.entries(TICKET_STAGE_BY_STATUS).find(([, value]) => value === stage);
  return entry ? (entry[0] as TicketStatus) : null;
}

/**
 * An agent whose sockets are destroyed after `idleMs` without traffic. Node only emits `timeout` on
 * an idle socket, and node-fetch (inside the SDK) does not act on it, so the agent ends the socket
 * itself; the SDK call then rejects with a connection error.
 */
function idleDeadlineAgent(protocol: string, idleMs: number): http.Agent {
  const agent = protocol === 'http:' ? new http.Agent({ keepAlive: true, timeout: idleMs }) : new https.Agent({ keepAlive: true, timeout: idleMs });
  const createConnection = agent.createConnection.bind(agent);
  agent.createConnection = (options, callback) => {
    const socket = createConnection(options, callback);
    socket?.on('timeout', () => {
      const error = Object.assign(new Error(`HubSpot request timed out after ${idleMs} ms without a response`), { code: 'ETIMEDOUT' });
      socket.destroy(error);
    });
    return socket;
  };
  return agent;
}
