import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import {
  CompiledQuery,
  Kysely,
  PostgresDialect,
  SqliteAdapter,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type DialectAdapter,
  type Driver,
  type SqliteDialectConfig,
  type TransactionSettings,
} from 'kysely';
import pg from 'pg';
import type { AuditDatabase } from './schema.js';

/** How long a writer waits for another process's write transaction before giving up. */
export const SQLITE_LOCK_WAIT_MS = 10_000;

/**
 * Opens the SQLite file for several worker processes at once: WAL (readers never block the
 * writer, nor the writer them) and a busy timeout for the rare statement that must wait.
 * `synchronous` stays at its default (FULL): a record written after a refund must survive a power
 * cut.
 */
export function openSqliteKysely(path: string): Kysely<AuditDatabase> {
  const file = resolve(path);
  mkdirSync(dirname(file), { recursive: true });
  const database = new Database(file);
  database.pragma('journal_mode = WAL');
  database.pragma(`busy_timeout = ${SQLITE_LOCK_WAIT_MS}`);
  return new Kysely<AuditDatabase>({ dialect: new ImmediateSqliteDialect({ database }, database) });
}

/**
 * The stock SQLite dialect with two changes that make it safe across processes:
 *
 * 1. Write transactions start with `BEGIN IMMEDIATE`, taking the database's write lock before the
 *    first read. With a plain (deferred) `BEGIN`, two processes could both read the same chain
 *    head and then race to extend it. Read-only transactions (`setAccessMode('read only')`) stay
 *    deferred so they see one snapshot without blocking writers.
 * 2. Migrations run in such a transaction (SQLite has transactional DDL; kysely's adapter just
 *    does not claim it), so two processes starting together do not both run them.
 *
 * better-sqlite3 is synchronous: waiting on SQLite's busy timeout would freeze the event loop, and
 * if the lock holder is another store in the same process, it could never finish. So the lock is
 * tried without waiting and retried asynchronously with a jittered back-off instead.
 */
class ImmediateSqliteDialect extends SqliteDialect {
  constructor(
    private readonly config: SqliteDialectConfig,
    private readonly database: Database.Database,
  ) {
    super(config);
  }
  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.config, this.database);
  }
  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}

class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

class ImmediateSqliteDriver extends SqliteDriver {
  constructor(
    config: SqliteDialectConfig,
    private readonly database: Database.Database,
  ) {
    super(config);
  }

  override async beginTransaction(connection: DatabaseConnection, settings?: TransactionSettings): Promise<void> {
    if (settings?.accessMode === 'read only') {
      await connection.executeQuery(CompiledQuery.raw('begin'));
      return;
    }
    const deadline = Date.now() + SQLITE_LOCK_WAIT_MS;
    for (let attempt = 0; ; attempt++) {
      this.database.pragma('busy_timeout = 0');
      try {
        await connection.executeQuery(CompiledQuery.raw('begin immediate'));
        return;
      } catch (err) {
        if ((err as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() >= deadline) throw err;
      } finally {
        this.database.pragma(`busy_timeout = ${SQLITE_LOCK_WAIT_MS}`);
      }
      await sleep(Math.min(2 + attempt * 2, 25) * (0.5 + Math.random()));
    }
  }
}

/**
 * A pooled Postgres connection whose `search_path` is the audit schema, so every query and the
 * migrations (triggers, functions) land there without qualifying names.
 */
export function openPostgresKysely(
  connectionString: string,
  schema: string,
  onPoolError: (err: Error) => void,
): Kysely<AuditDatabase> {
  const pool = new pg.Pool({ connectionString, max: 5 });
  // An idle client can lose its connection (server restart); pg drops it from the pool and the next
  // query reconnects. Without a listener the 'error' event would crash the worker.
  pool.on('error', onPoolError);
  const dialect = new PostgresDialect({
    pool,
    onCreateConnection: async (connection) => {
      await connection.executeQuery(CompiledQuery.raw(`set search_path to "${schema}"`));
    },
  });
  return new Kysely<AuditDatabase>({ dialect });
}
