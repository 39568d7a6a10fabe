import { sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';

export type AuditDialect = 'sqlite' | 'postgres';

/**
 * Names of the kysely bookkeeping tables. Our own names (not kysely's defaults), so Steward's other
 * modules can run their own migrations in the same database without the two sets colliding.
 */
export const AUDIT_MIGRATION_TABLE = 'audit_migration';
export const AUDIT_MIGRATION_LOCK_TABLE = 'audit_migration_lock';

/** Trigger names, exported so operators' runbooks (and the tamper tests) can refer to them. */
export const APPEND_ONLY_TRIGGERS = {
  sqlite: ['audit_events_no_update', 'audit_events_no_delete', 'audit_chain_heads_no_delete', 'audit_chain_heads_forward_only'],
  postgres: ['audit_events_append_only', 'audit_events_no_truncate', 'audit_chain_heads_forward_only', 'audit_chain_heads_no_truncate'],
} as const;

const APPEND_ONLY_HINT = 'audit records are never changed or deleted; append a correcting event instead';

/**
 * Migrations take an untyped database on purpose (kysely's own advice): a migration must keep
 * working after the app's table types change, so it cannot depend on them.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type MigrationDb = Kysely<any>;

/**
 * The audit schema, as code (no migration folder to ship or lose). Migrations only ever add:
 * there is deliberately no `down`, because rolling back would destroy evidence.
 */
export function auditMigrations(dialect: AuditDialect): Record<string, Migration> {
  return {
    '0001_audit_events_and_chain_heads': {
      async up(db: MigrationDb) {
        await createTables(db, dialect);
        if (dialect === 'sqlite') await createSqliteGuards(db);
        else await createPostgresGuards(db);
      },
    },
  };
}

export function auditMigrationProvider(dialect: AuditDialect): MigrationProvider {
  return { getMigrations: async () => auditMigrations(dialect) };
}

async function createTables(db: MigrationDb, dialect: AuditDialect): Promise<void> {
  await db.schema
    .createTable('audit_events')
    .addColumn('seq', dialect === 'sqlite' ? 'integer' : 'bigint', (col) =>
      dialect === 'sqlite' ? col.primaryKey().autoIncrement() : col.primaryKey().generatedAlwaysAsIdentity(),
    )
    .addColumn('event_id', 'text', (col) => col.notNull().unique())
    .addColumn('event', 'text', (col) => col.notNull())
    .addColumn('workflow_id', 'text', (col) => col.notNull())
    .addColumn('workflow_type', 'text', (col) => col.notNull())
    .addColumn('actor', 'text', (col) => col.notNull())
    .addColumn('human_approver', 'text')
    .addColumn('customer_id', 'text')
    // numeric on Postgres keeps the exact decimal the caller sent; SQLite's real is a double,
    // which is what a JavaScript number is anyway.
    .addColumn('amount_usd', dialect === 'sqlite' ? 'real' : 'numeric')
    .addColumn('policy_version', 'text')
    .addColumn('reason', 'text')
    .addColumn('tool_called', 'text')
    .addColumn('external_reference', 'text')
    .addColumn('idempotency_key', 'text')
    .addColumn('step', 'text', (col) => col.notNull())
    .addColumn('details', 'text', (col) => col.notNull())
    // Byte order ("C") on Postgres so range queries on ISO text never depend on the locale.
    .addColumn('timestamp', 'text', (col) => (dialect === 'postgres' ? col.modifyFront(sql`collate "C"`).notNull() : col.notNull()))
    .addColumn('chain_index', 'integer', (col) => col.notNull().check(sql`chain_index >= 1`))
    .addColumn('prev_hash', 'text', (col) => col.notNull())
    .addColumn('hash', 'text', (col) => col.notNull())
    .addColumn('recorded_at', 'text', (col) => col.notNull())
    .addUniqueConstraint('audit_events_workflow_chain_unique', ['workflow_id', 'chain_index'])
    .execute();
  await db.schema.createIndex('audit_events_timestamp_idx').on('audit_events').columns(['timestamp', 'seq']).execute();

  await db.schema
    .createTable('audit_chain_heads')
    .addColumn('workflow_id', 'text', (col) => col.primaryKey())
    .addColumn('last_index', 'integer', (col) => col.notNull())
    .addColumn('last_hash', 'text', (col) => col.notNull())
    .addColumn('updated_at', 'text', (col) => col.notNull())
    .execute();
}

/** SQLite: RAISE(ABORT) rolls the statement back with the message as the error. */
async function createSqliteGuards(db: MigrationDb): Promise<void> {
  const [noUpdate, noDelete, headsNoDelete, headsForward] = APPEND_ONLY_TRIGGERS.sqlite;
  await sql`
    CREATE TRIGGER ${sql.id(noUpdate)} BEFORE UPDATE ON audit_events
    BEGIN SELECT RAISE(ABORT, ${sql.lit(`audit_events is append-only: UPDATE refused (${APPEND_ONLY_HINT})`)}); END
  `.execute(db);
  await sql`
    CREATE TRIGGER ${sql.id(noDelete)} BEFORE DELETE ON audit_events
    BEGIN SELECT RAISE(ABORT, ${sql.lit(`audit_events is append-only: DELETE refused (${APPEND_ONLY_HINT})`)}); END
  `.execute(db);
  await sql`
    CREATE TRIGGER ${sql.id(headsNoDelete)} BEFORE DELETE ON audit_chain_heads
    BEGIN SELECT RAISE(ABORT, 'audit_chain_heads is append-only: DELETE refused'); END
  `.execute(db);
  await sql`
    CREATE TRIGGER ${sql.id(headsForward)} BEFORE UPDATE ON audit_chain_heads
    WHEN NEW.workflow_id <> OLD.workflow_id OR NEW.last_index <= OLD.last_index
    BEGIN SELECT RAISE(ABORT, 'audit_chain_heads only moves forward: UPDATE refused'); END
  `.execute(db);
}

/**
 * Postgres: row triggers for UPDATE/DELETE and a statement trigger for TRUNCATE (which skips row
 * triggers). SQLSTATE 42501 (insufficient_privilege) so callers can tell a refusal from a bug.
 */
async function createPostgresGuards(db: MigrationDb): Promise<void> {
  const [appendOnly, noTruncate, headsForward, headsNoTruncate] = APPEND_ONLY_TRIGGERS.postgres;
  await sql`
    CREATE FUNCTION audit_events_reject_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP
        USING ERRCODE = '42501', HINT = ${sql.lit(APPEND_ONLY_HINT)};
    END $$
  `.execute(db);
  await sql`
    CREATE TRIGGER ${sql.id(appendOnly)} BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_reject_change()
  `.execute(db);
  await sql`
    CREATE TRIGGER ${sql.id(noTruncate)} BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_reject_change()
  `.execute(db);
  await sql`
    CREATE FUNCTION audit_chain_heads_forward_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'UPDATE' AND NEW.workflow_id = OLD.workflow_id AND NEW.last_index > OLD.last_index THEN
        RETURN NEW;
      END IF;
      RAISE EXCEPTION 'audit_chain_heads only moves forward: % refused', TG_OP USING ERRCODE = '42501';
    END $$
  `.execute(db);
  await sql`
    CREATE TRIGGER ${sql.id(headsForward)} BEFORE UPDATE OR DELETE ON audit_chain_heads
    FOR EACH ROW EXECUTE FUNCTION audit_chain_heads_forward_only()
  `.execute(db);
  await sql`
    CREATE TRIGGER ${sql.id(headsNoTruncate)} BEFORE TRUNCATE ON audit_chain_heads
    FOR EACH STATEMENT EXECUTE FUNCTION audit_chain_heads_forward_only()
  `.execute(db);
}
