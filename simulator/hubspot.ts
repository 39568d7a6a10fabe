/**
 * The HubSpot CRM v3 object endpoints Steward's CRM adapter calls, for contacts, tickets, notes and
 * emails: `POST /crm/v3/objects/<type>/search`, `GET /crm/v3/objects/<type>/:id`,
 * `PATCH /crm/v3/objects/<type>/:id`, `POST /crm/v3/objects/<type>`.
 *
 * Like the real portal, it refuses properties the portal does not define (so Steward's custom
 * properties must be declared: see `STEWARD_CUSTOM_PROPERTIES`), invalid enumeration values, a missing
 * `hs_timestamp` on engagements, and associations whose type id does not fit the two object types.
 */

import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CRM_OBJECT_TYPES, hubspotId, type CrmAssociation, type CrmObjectType, type CrmRecord, type SimState } from './state.js';

/**
 * Custom properties Steward relies on. A real portal must define them (Settings → Properties) before
 * the adapter can write or search them; the simulator defines them out of the box.
 */
export const STEWARD_CUSTOM_PROPERTIES: Readonly<Record<CrmObjectType, readonly string[]>> = {
  contacts: ['account_status', 'stripe_customer_id'],
  tickets: [],
  notes: ['steward_key'],
  emails: ['steward_key'],
};

/** Ticket pipeline stages of HubSpot's default support pipeline (`hs_pipeline` "0"). */
export const DEFAULT_PIPELINE_STAGES = ['1', '2', '3', '4'] as const;

interface PropertyRule {
  options?: readonly string[];
  readOnly?: boolean;
}

const COMMON: Record<string, PropertyRule> = {
  hs_object_id: { readOnly: true },
  hs_createdate: { readOnly: true },
  createdate: { readOnly: true },
  hs_lastmodifieddate: { readOnly: true },
  lastmodifieddate: { readOnly: true },
  hubspot_owner_id: {},
};

const SCHEMA: Record<CrmObjectType, Record<string, PropertyRule>> = {
  contacts: {
    ...COMMON,
    email: {},
    firstname: {},
    lastname: {},
    phone: {},
    company: {},
    lifecyclestage: {},
    account_status: {},
    stripe_customer_id: {},
  },
  tickets: {
    ...COMMON,
    subject: {},
    content: {},
    hs_pipeline: { options: ['0'] },
    hs_pipeline_stage: { options: DEFAULT_PIPELINE_STAGES },
    hs_ticket_priority: { options: ['LOW', 'MEDIUM', 'HIGH', 'URGENT'] },
    hs_ticket_category: {},
  },
  notes: {
    ...COMMON,
    hs_timestamp: {},
    hs_note_body: {},
    hs_attachment_ids: {},
    steward_key: {},
  },
  emails: {
    ...COMMON,
    hs_timestamp: {},
    hs_email_direction: { options: ['EMAIL', 'INCOMING_EMAIL', 'FORWARDED_EMAIL'] },
    hs_email_status: { options: ['BOUNCED', 'FAILED', 'SCHEDULED', 'SENDING', 'SENT'] },
    hs_email_subject: {},
    hs_email_text: {},
    hs_email_html: {},
    hs_email_headers: {},
    hs_attachment_ids: {},
    steward_key: {},
  },
};

const DEFAULT_PROPERTIES: Record<CrmObjectType, readonly string[]> = {
  contacts: ['email', 'firstname', 'lastname', 'createdate', 'lastmodifieddate', 'hs_object_id'],
  tickets: ['subject', 'content', 'hs_pipeline', 'hs_pipeline_stage', 'hs_ticket_priority', 'createdate', 'hs_lastmodifieddate', 'hs_object_id'],
  notes: ['hs_createdate', 'hs_lastmodifieddate', 'hs_object_id'],
  emails: ['hs_createdate', 'hs_lastmodifieddate', 'hs_object_id'],
};

/** HUBSPOT_DEFINED association type ids the simulator knows, with the object types each one joins. */
export const ASSOCIATION_TYPES: Readonly<Record<number, { from: CrmObjectType; to: CrmObjectType }>> = {
  15: { from: 'contacts', to: 'tickets' },
  16: { from: 'tickets', to: 'contacts' },
  198: { from: 'emails', to: 'contacts' },
  202: { from: 'notes', to: 'contacts' },
  224: { from: 'emails', to: 'tickets' },
  228: { from: 'notes', to: 'tickets' },
};

class HubSpotApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly category: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** HubSpot's error envelope: `{ status: 'error', message, correlationId, category, ... }`. */
export function hubspotErrorBody(message: string, category: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { status: 'error', message, correlationId: randomUUID(), category, ...extra };
}

export function hubspotNotFound(_request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return reply.code(404).type('application/json').send(hubspotErrorBody('resource not found', 'OBJECT_NOT_FOUND'));
}

export async function registerHubSpotRoutes(app: FastifyInstance, state: SimState): Promise<void> {
  await app.register(async (hubspot) => {
    hubspot.addHook('preHandler', async (request) => {
      const header = request.headers.authorization ?? '';
      if (!/^bearer \S+/i.test(header)) {
        throw new HubSpotApiError(
          401,
          'INVALID_AUTHENTICATION',
          'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview',
        );
      }
    });
    hubspot.setErrorHandler((error, _request, reply) => {
      if (error instanceof HubSpotApiError) {
        return reply.code(error.statusCode).type('application/json').send(hubspotErrorBody(error.message, error.category, error.extra));
      }
      const status = (error as { statusCode?: number }).statusCode;
      if (status && status >= 400 && status < 500) {
        return reply.code(status).send(hubspotErrorBody((error as Error).message, 'VALIDATION_ERROR'));
      }
      return reply.code(500).send(hubspotErrorBody('internal error', 'INTERNAL_ERROR'));
    });

    for (const type of CRM_OBJECT_TYPES) {
      const base = `/crm/v3/objects/${type}`;

      hubspot.post(`${base}/search`, async (request) => search(state, type, request.body));

      hubspot.get<{ Params: { id: string }; Querystring: Record<string, unknown> }>(`${base}/:id`, async (request) => {
        const record = requireRecord(state, type, request.params.id);
        const wanted = listParam(request.query.properties);
        const associations = listParam(request.query.associations);
        return serialize(type, record, wanted, associations);
      });

      hubspot.patch<{ Params: { id: string } }>(`${base}/:id`, async (request) => {
        const record = requireRecord(state, type, request.params.id);
        const properties = readProperties(type, request.body, false);
        Object.assign(record.properties, properties);
        record.updatedAt = new Date().toISOString();
        stampModified(type, record);
        return serialize(type, record, Object.keys(properties));
      });

      hubspot.post(base, async (request, reply) => {
        const properties = readProperties(type, request.body, true);
        const associations = readAssociations(state, type, request.body);
        const record = insertCrmRecord(state, type, properties, { associations });
        return reply.code(201).send(serialize(type, record, Object.keys(properties)));
      });
    }
  });
}

/**
 * Adds a CRM object directly (fixtures and scenarios use this; the routes too). Fills the read-only
 * properties HubSpot maintains itself.
 */
export function insertCrmRecord(
  state: SimState,
  type: CrmObjectType,
  properties: Record<string, string | null>,
  options: { id?: string; createdMs?: number; associations?: CrmAssociation[] } = {},
): CrmRecord {
  const id = options.id ?? hubspotId();
  const created = new Date(options.createdMs ?? Date.now()).toISOString();
  const record: CrmRecord = {
    id,
    properties: { ...properties, hs_object_id: id },
    createdAt: created,
    updatedAt: created,
    archived: false,
    associations: options.associations ?? [],
  };
  if (type === 'contacts' || type === 'tickets') record.properties.createdate = created;
  record.properties.hs_createdate = created;
  stampModified(type, record);
  state.crm(type).set(id, record);
  return record;
}

function stampModified(type: CrmObjectType, record: CrmRecord): void {
  record.properties[type === 'contacts' ? 'lastmodifieddate' : 'hs_lastmodifieddate'] = record.updatedAt;
}

function requireRecord(state: SimState, type: CrmObjectType, id: string): CrmRecord {
  const record = state.crm(type).get(id);
  if (!record) throw new HubSpotApiError(404, 'OBJECT_NOT_FOUND', 'resource not found');
  return record;
}

/** The object as HubSpot returns it: only the requested (or default) properties, always the id ones. */
function serialize(type: CrmObjectType, record: CrmRecord, wanted: string[] = [], associations: string[] = []): Record<string, unknown> {
  const names = new Set([...(wanted.length > 0 ? wanted : DEFAULT_PROPERTIES[type]), 'hs_object_id']);
  if (type === 'contacts') names.add('createdate').add('lastmodifieddate');
  else names.add('hs_createdate').add('hs_lastmodifieddate');
  const properties: Record<string, string | null> = {};
  for (const name of names) {
    if (Object.hasOwn(SCHEMA[type], name) || Object.hasOwn(record.properties, name)) properties[name] = record.properties[name] ?? null;
  }
  const body: Record<string, unknown> = {
    id: record.id,
    properties,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    archived: false,
  };
  if (associations.length > 0) {
    const grouped: Record<string, { results: { id: string; type: string }[] }> = {};
    for (const association of record.associations) {
      if (!associations.includes(association.toObjectType)) continue;
      const bucket = (grouped[association.toObjectType] ??= { results: [] });
      bucket.results.push({ id: association.toObjectId, type: associationLabel(association.associationTypeId) });
    }
    body.associations = grouped;
  }
  return body;
}

function associationLabel(typeId: number): string {
  const spec = ASSOCIATION_TYPES[typeId];
  return spec ? `${spec.from.replace(/s$/, '')}_to_${spec.to.replace(/s$/, '')}` : String(typeId);
}

/** `properties` from a create or update body, checked against the portal's schema. */
function readProperties(type: CrmObjectType, body: unknown, creating: boolean): Record<string, string> {
  const raw = (body as { properties?: unknown } | null)?.properties;
  if (raw === undefined && !creating) return {};
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new HubSpotApiError(400, 'VALIDATION_ERROR', 'Invalid input JSON: "properties" must be an object');
  }
  const problems: { message: string; code: string; context: Record<string, string[]> }[] = [];
  const properties: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
    const rule = Object.hasOwn(SCHEMA[type], name) ? SCHEMA[type][name] : undefined;
    const text = value === null || value === undefined ? '' : String(value);
    if (!rule) {
      problems.push({ message: `Property "${name}" does not exist`, code: 'PROPERTY_DOESNT_EXIST', context: { propertyName: [name] } });
    } else if (rule.readOnly) {
      problems.push({ message: `"${name}" is a read only property; its value cannot be set.`, code: 'READ_ONLY_VALUE', context: { propertyName: [name] } });
    } else if (rule.options && text !== '' && !rule.options.includes(text)) {
      problems.push({
        message: `${text} was not one of the allowed options: ${rule.options.join(', ')}`,
        code: 'INVALID_OPTION',
        context: { propertyName: [name] },
      });
    } else {
      properties[name] = text;
    }
  }
  if (creating && (type === 'notes' || type === 'emails') && !properties.hs_timestamp) {
    problems.push({ message: 'hs_timestamp is required', code: 'REQUIRED_PROPERTY', context: { propertyName: ['hs_timestamp'] } });
  }
  if (problems.length > 0) {
    throw new HubSpotApiError(400, 'VALIDATION_ERROR', `Property values were not valid: ${JSON.stringify(problems)}`, {
      errors: problems,
    });
  }
  return properties;
}

function readAssociations(state: SimState, type: CrmObjectType, body: unknown): CrmAssociation[] {
  const raw = (body as { associations?: unknown } | null)?.associations;
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw new HubSpotApiError(400, 'VALIDATION_ERROR', 'Invalid input JSON: "associations" must be an array');
  const associations: CrmAssociation[] = [];
  for (const item of raw as { to?: { id?: unknown }; types?: { associationCategory?: unknown; associationTypeId?: unknown }[] }[]) {
    const toId = String(item?.to?.id ?? '');
    for (const spec of item?.types ?? []) {
      const typeId = Number(spec.associationTypeId);
      const known = ASSOCIATION_TYPES[typeId];
      if (spec.associationCategory !== 'HUBSPOT_DEFINED' || !known || known.from !== type) {
        throw new HubSpotApiError(
          400,
          'VALIDATION_ERROR',
          `Association type ${String(spec.associationCategory)}/${String(spec.associationTypeId)} is not valid for ${type}`,
        );
      }
      if (!state.crm(known.to).has(toId)) {
        throw new HubSpotApiError(400, 'VALIDATION_ERROR', `One or more associations are invalid: ${known.to} ${toId} does not exist`);
      }
      associations.push({ toObjectType: known.to, toObjectId: toId, associationCategory: 'HUBSPOT_DEFINED', associationTypeId: typeId });
    }
  }
  return associations;
}

interface SearchFilter {
  propertyName?: unknown;
  operator?: unknown;
  value?: unknown;
  values?: unknown;
  highValue?: unknown;
}

/** CRM search: filter groups are ORed, filters inside a group ANDed; string matching ignores case. */
function search(state: SimState, type: CrmObjectType, body: unknown): Record<string, unknown> {
  const request = (body ?? {}) as { filterGroups?: { filters?: SearchFilter[] }[]; properties?: unknown; limit?: unknown; after?: unknown };
  const groups = request.filterGroups ?? [];
  if (groups.length > 5 || groups.reduce((total, group) => total + (group.filters?.length ?? 0), 0) > 18) {
    throw new HubSpotApiError(400, 'VALIDATION_ERROR', 'Too many filters: at most 5 filterGroups and 18 filters in total.');
  }
  for (const group of groups) {
    for (const filter of group.filters ?? []) {
      const name = String(filter.propertyName ?? '');
      if (!Object.hasOwn(SCHEMA[type], name)) {
        throw new HubSpotApiError(400, 'VALIDATION_ERROR', `There was a problem with the request: property "${name}" does not exist on ${type}`);
      }
    }
  }
  const limit = request.limit === undefined ? 10 : Number(request.limit);
  if (!Number.isInteger(limit) || limit < 0 || limit > 200) {
    throw new HubSpotApiError(400, 'VALIDATION_ERROR', 'limit must be an integer between 0 and 200');
  }
  const offset = request.after === undefined ? 0 : Number(request.after);
  const matches = [...state.crm(type).values()].filter(
    (record) => groups.length === 0 || groups.some((group) => (group.filters ?? []).every((filter) => matchesFilter(record, filter))),
  );
  const page = matches.slice(offset, offset + limit);
  const wanted = Array.isArray(request.properties) ? request.properties.map(String) : [];
  const result: Record<string, unknown> = { total: matches.length, results: page.map((record) => serialize(type, record, wanted)) };
  if (offset + limit < matches.length) result.paging = { next: { after: String(offset + limit) } };
  return result;
}

function matchesFilter(record: CrmRecord, filter: SearchFilter): boolean {
  const actual = record.properties[String(filter.propertyName)] ?? null;
  const has = actual !== null && actual !== '';
  const value = filter.value === undefined ? '' : String(filter.value);
  const values = Array.isArray(filter.values) ? filter.values.map((v) => String(v).toLowerCase()) : [];
  const lower = (actual ?? '').toLowerCase();
  switch (filter.operator) {
    case 'EQ':
      return has && lower === value.toLowerCase();
    case 'NEQ':
      return lower !== value.toLowerCase();
    case 'IN':
      return has && values.includes(lower);
    case 'NOT_IN':
      return !values.includes(lower);
    case 'HAS_PROPERTY':
      return has;
    case 'NOT_HAS_PROPERTY':
      return !has;
    case 'CONTAINS_TOKEN':
      return has && lower.includes(value.toLowerCase().replace(/\*/g, ''));
    case 'NOT_CONTAINS_TOKEN':
      return !lower.includes(value.toLowerCase().replace(/\*/g, ''));
    case 'LT':
    case 'LTE':
    case 'GT':
    case 'GTE':
    case 'BETWEEN':
      return has && compareNumbers(actual ?? '', filter);
    default:
      throw new HubSpotApiError(400, 'VALIDATION_ERROR', `Unknown filter operator: ${String(filter.operator)}`);
  }
}

function compareNumbers(actual: string, filter: SearchFilter): boolean {
  const toNumber = (text: string): number => (/^\d+(\.\d+)?$/.test(text) ? Number(text) : Date.parse(text));
  const a = toNumber(actual);
  const v = toNumber(String(filter.value ?? ''));
  switch (filter.operator) {
    case 'LT':
      return a < v;
    case 'LTE':
      return a <= v;
    case 'GT':
      return a > v;
    case 'GTE':
      return a >= v;
    default:
      return a >= v && a <= toNumber(String(filter.highValue ?? ''));
  }
}

/** A query parameter that HubSpot accepts repeated (`a=1&a=2`) or comma-separated (`a=1,2`). */
function listParam(raw: unknown): string[] {
  const items = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  return items.flatMap((item) => String(item).split(',')).map((item) => item.trim()).filter(Boolean);
}
