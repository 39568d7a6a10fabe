import { Migrator, sql, type Kysely, type Transaction } from 'kysely';
import { canonicalJson, GENESIS_HASH, recordHash } from './canonical.js';
import { openPostgresKysely, openSqliteKysely } from './dialects.js';
import { AUDIT_MIGRATION_LOCK_TABLE, AUDIT_MIGRATION_TABLE, auditMigrationProvider } from './migrations.js';
import { recordToRow, rowToRecord, type AuditDatabase, type AuditEventRow } from './schema.js';
import type { AuditEventInput, AuditRecord, AuditStore, ChainBreak, VerifyResult } from './types.js';
import { normaliseIsoBound, validateAuditEvent } from './validate.js';
import { verifyChain, type ChainHead } from './verify.js';

export interface OpenAuditStoreOptions {
  /** A postgres:// or postgresql:// URL selects PostgreSQL; absent or empty selects SQLite. */
  databaseUrl?: string;
  /** SQLite file (parent folders are created). Default {@link DEFAULT_SQLITE_PATH}. */
  sqlitePath?: string;
  /** Postgres schema to live in (created if missing). Default `public`. Tests use a fresh one. */
  pgSchema?: string;
  /** Called when an idle pooled Postgres connection fails (the pool replaces it). */
  onPoolError?: (err: Error) => void;
}

export const DEFAULT_SQLITE_PATH = 'data/audit.sqlite';
const PAGE_SIZE = 500;
const INSERT_CHUNK = 100;

/**
 * Opens the audit store and brings its schema up to date. Postgres when `databaseUrl` is a
 * postgres URL, otherwise SQLite at `sqlitePath`. Several processes may open the same database at
 * once: migrations and appends are serialised (see {@link KyselyAuditStore.append}).
 */
export async function openAuditStore(opts: OpenAuditStoreOptions = {}): Promise<AuditStore> {
  const url = opts.databaseUrl?.trim();
  let store: KyselyAuditStore;
  if (url && /^postgres(ql)?:\/\//i.test(url)) {
    const schema = opts.pgSchema ?? 'public';
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(schema)) throw new Error(`pgSchema must be a plain identifier, got ${JSON.stringify(schema)}`);
    const onPoolError = opts.onPoolError ?? ((err: Error) => console.warn(`audit store: idle Postgres connection failed: ${err.message}`));
    store = new KyselyAuditStore('postgres', openPostgresKysely(url, schema, onPoolError), schema);
  } else if (url) {
    // Refuse rather than silently writing the audit trail somewhere nobody will look.
    throw new Error('databaseUrl must start with postgres:// or postgresql:// (leave it unset to use SQLite)');
  } else {
    store = new KyselyAuditStore('sqlite', openSqliteKysely(opts.sqlitePath ?? DEFAULT_SQLITE_PATH), null);
  }
  try {
    await store.migrate();
  } catch (err) {
    await store.close();
    throw err;
  }
  return store;
}

/**
 * One implementation for both databases; the only dialect-specific parts are the per-workflow
 * lock in {@link append} and the migrations.
 *
 * Append-only is enforced twice: this class has no update or delete, and database triggers refuse
 * UPDATE/DELETE/TRUNCATE on `audit_events` (and deleting or rewinding `audit_chain_heads`) for
 * every client. Tampering by someone who can drop those triggers is detected by {@link verify};
 * see {@link verifyChain} for exactly what is and is not detectable.
 */
export class KyselyAuditStore implements AuditStore {
  constructor(
    readonly kind: 'sqlite' | 'postgres',
    private readonly db: Kysely<AuditDatabase>,
    private readonly pgSchema: string | null,
  ) {}

  async migrate(): Promise<void> {
    if (this.pgSchema) await this.createSchemaIfMissing(this.pgSchema);
    const migrator = new Migrator({
      db: this.db,
      provider: auditMigrationProvider(this.kind),
      migrationTableName: AUDIT_MIGRATION_TABLE,
      migrationLockTableName: AUDIT_MIGRATION_LOCK_TABLE,
      // Without a schema kysely would accept bookkeeping tables found in any schema.
      ...(this.pgSchema ? { migrationTableSchema: this.pgSchema } : {}),
    });
    const { error, results } = await migrator.migrateToLatest();
    if (error) {
      const failed = results?.find((r) => r.status === 'Error')?.migrationName;
      throw new Error(`audit store migration ${failed ?? ''} failed: ${(error as Error).message ?? String(error)}`, { cause: error });
    }
  }

  /**
   * Appends events in order, in one transaction, and returns how many were new.
   *
   * - Validation first (zod): one bad event rejects the whole call and nothing is written.
   * - `details` are stripped of secrets and `timestamp` normalised to UTC before hashing
   *   (see {@link validateAuditEvent}).
   * - An event id already stored (or repeated within the call) is skipped, not duplicated, even
   *   if its other fields differ: the first write wins. This is what makes a retried Temporal
   *   activity safe.
   * - Each workflow's chain is extended under a lock so concurrent writers (other processes,
   *   other store instances) never fork it: Postgres takes `pg_advisory_xact_lock(hashtext(id))`
   *   per workflow (in hash order, so batches spanning workflows cannot deadlock); SQLite takes
   *   the database write lock up front (`BEGIN IMMEDIATE`).
   */
  async append(events: AuditEventInput[]): Promise<{ inserted: number; skipped: number }> {
    const valid = events.map((event, i) => validateAuditEvent(event, i));
    if (valid.length === 0) return { inserted: 0, skipped: 0 };

    return this.db.transaction().execute(async (trx) => {
      const workflowIds = [...new Set(valid.map((e) => e.workflowId))];
      if (this.kind === 'postgres') await lockWorkflows(trx, workflowIds);
      const seen = await existingEventIds(trx, [...new Set(valid.map((e) => e.eventId))]);
      const heads = await loadHeads(trx, workflowIds);
      const recordedAt = new Date().toISOString();
      const rows: ReturnType<typeof recordToRow>[] = [];
      const moved = new Set<string>();
      let skipped = 0;

      for (const event of valid) {
        if (seen.has(event.eventId)) {
          skipped += 1;
          continue;
        }
        seen.add(event.eventId);
        const head = heads.get(event.workflowId) ?? (await startChain(trx, event.workflowId));
        const linked = { ...event, chainIndex: head.lastIndex + 1, prevHash: head.lastHash, recordedAt };
        const hash = recordHash(linked);
        rows.push(recordToRow({ ...linked, hash }, canonicalJson(event.details)));
        heads.set(event.workflowId, { lastIndex: linked.chainIndex, lastHash: hash });
        moved.add(event.workflowId);
      }

      for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
        await trx.insertInto('audit_events').values(rows.slice(i, i + INSERT_CHUNK)).execute();
      }
      if (moved.size > 0) {
        const headRows = [...moved].map((workflowId) => {
          const head = heads.get(workflowId)!;
          return { workflow_id: workflowId, last_index: head.lastIndex, last_hash: head.lastHash, updated_at: recordedAt };
        });
        await trx
          .insertInto('audit_chain_heads')
          .values(headRows)
          .onConflict((oc) =>
            oc.column('workflow_id').doUpdateSet((eb) => ({
              last_index: eb.ref('excluded.last_index'),
              last_hash: eb.ref('excluded.last_hash'),
              updated_at: eb.ref('excluded.updated_at'),
            })),
          )
          .execute();
      }
      return { inserted: rows.length, skipped };
    });
  }

  async listByWorkflow(workflowId: string): Promise<AuditRecord[]> {
    const rows = await this.db.selectFrom('audit_events').selectAll().where('workflow_id', '=', workflowId).orderBy('chain_index').execute();
    return rows.map(rowToRecord);
  }

  async listByTimeRange(fromIso: string, toIso: string): Promise<AuditRecord[]> {
    const from = normaliseIsoBound(fromIso, 'from');
    const to = normaliseIsoBound(toIso, 'to');
    const rows = await this.db
      .selectFrom('audit_events')
      .selectAll()
      .where('timestamp', '>=', from)
      .where('timestamp', '<', to)
      .orderBy('timestamp')
      .orderBy('seq')
      .execute();
    return rows.map(rowToRecord);
  }

  /**
   * Verifies one workflow's chain, or every chain in the store (workflows found in either table,
   * so a workflow whose records were all deleted is still reported). Each workflow is read in
   * pages inside one read-only snapshot, so memory stays bounded and a concurrent append cannot
   * look like tampering.
   */
  async verify(workflowId?: string): Promise<VerifyResult> {
    const result: VerifyResult = { ok: true, workflowsChecked: 0, recordsChecked: 0, breaks: [] };
    const ids = workflowId === undefined ? this.allWorkflowIds() : singleton(workflowId);
    for await (const id of ids) {
      const { found, recordsChecked, breaks } = await this.verifyWorkflow(id);
      if (!found) continue;
      result.workflowsChecked += 1;
      result.recordsChecked += recordsChecked;
      result.breaks.push(...breaks);
    }
    result.ok = result.breaks.length === 0;
    return result;
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }

  private async verifyWorkflow(workflowId: string): Promise<{ found: boolean; recordsChecked: number; breaks: ChainBreak[] }> {
    let tx = this.db.transaction().setAccessMode('read only');
    if (this.kind === 'postgres') tx = tx.setIsolationLevel('repeatable read');
    return tx.execute(async (trx) => {
      const headRow = await trx.selectFrom('audit_chain_heads').select(['last_index', 'last_hash']).where('workflow_id', '=', workflowId).executeTakeFirst();
      const head: ChainHead | null = headRow ? { lastIndex: Number(headRow.last_index), lastHash: headRow.last_hash } : null;
      const { recordsChecked, breaks } = await verifyChain(workflowId, head, pagesOf(trx, workflowId));
      return { found: head !== null || recordsChecked > 0, recordsChecked, breaks };
    });
  }

  private async *allWorkflowIds(): AsyncGenerator<string> {
    let after = '';
    for (;;) {
      const page = await this.db
        .selectFrom('audit_chain_heads')
        .select('workflow_id')
        .where('workflow_id', '>', after)
        .union(this.db.selectFrom('audit_events').select('workflow_id').where('workflow_id', '>', after))
        .orderBy('workflow_id')
        .limit(PAGE_SIZE)
        .execute();
      for (const row of page) yield row.workflow_id;
      if (page.length < PAGE_SIZE) return;
      after = page[page.length - 1]!.workflow_id;
    }
  }

  private async createSchemaIfMissing(schema: string): Promise<void> {
    try {
      await sql`create schema if not exists ${sql.id(schema)}`.execute(this.db);
    } catch (err) {
      // Two processes creating it at the same moment: one loses with a duplicate error; fine.
      if (!['42P06', '23505'].includes((err as { code?: string }).code ?? '')) throw err;
    }
  }
}

async function* singleton(value: string): AsyncGenerator<string> {
  yield value;
}

async function* pagesOf(trx: Transaction<AuditDatabase>, workflowId: string): AsyncGenerator<AuditEventRow[]> {
  let after = 0;
  for (;;) {
    const page = await trx
      .selectFrom('audit_events')
      .selectAll()
      .where('workflow_id', '=', workflowId)
      .where('chain_index', '>', after)
      .orderBy('chain_index')
      .limit(PAGE_SIZE)
      .execute();
    if (page.length > 0) yield page;
    if (page.length < PAGE_SIZE) return;
    after = Number(page[page.length - 1]!.chain_index);
  }
}

/** Postgres: one transaction-scoped advisory lock per workflow, taken in a fixed (hash) order. */
async function lockWorkflows(trx: Transaction<AuditDatabase>, workflowIds: string[]): Promise<void> {
  if (workflowIds.length === 1) {
    await sql`select pg_advisory_xact_lock(hashtext(${workflowIds[0]}))`.execute(trx);
    return;
  }
  const { rows } = await sql<{ h: number }>`select distinct hashtext(w) as h from unnest(${workflowIds}::text[]) as w order by h`.execute(trx);
  for (const { h } of rows) await sql`select pg_advisory_xact_lock(${h})`.execute(trx);
}

async function existingEventIds(trx: Transaction<AuditDatabase>, eventIds: string[]): Promise<Set<string>> {
  const seen = new Set<string>();
  for (let i = 0; i < eventIds.length; i += PAGE_SIZE) {
    const rows = await trx.selectFrom('audit_events').select('event_id').where('event_id', 'in', eventIds.slice(i, i + PAGE_SIZE)).execute();
    for (const row of rows) seen.add(row.event_id);
  }
  return seen;
}

async function loadHeads(trx: Transaction<AuditDatabase>, workflowIds: string[]): Promise<Map<string, ChainHead>> {
  const heads = new Map<string, ChainHead>();
  for (let i = 0; i < workflowIds.length; i += PAGE_SIZE) {
    const rows = await trx
      .selectFrom('audit_chain_heads')
      .select(['workflow_id', 'last_index', 'last_hash'])
      .where('workflow_id', 'in', workflowIds.slice(i, i + PAGE_SIZE))
      .execute();
    for (const row of rows) heads.set(row.workflow_id, { lastIndex: Number(row.last_index), lastHash: row.last_hash });
  }
  return heads;
}

/**
 * A workflow with no chain head is new, unless records for it exist: then its head was deleted
 * behind the store's back, and appending would fork the chain and hide the damage. Refuse loudly.
 */
async function startChain(trx: Transaction<AuditDatabase>, workflowId: string): Promise<ChainHead> {
  const stray = await trx.selectFrom('audit_events').select('chain_index').where('workflow_id', '=', workflowId).limit(1).executeTakeFirst();
  if (stray) throw new Error(`audit chain head for workflow ${workflowId} is missing but its records exist: the store was tampered with; run verify`);
  return { lastIndex: 0, lastHash: GENESIS_HASH };
}
