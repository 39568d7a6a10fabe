import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import pg from 'pg';
import { canonicalJson, recordHash } from '../audit/canonical.js';
import { APPEND_ONLY_TRIGGERS } from '../audit/migrations.js';
import { isSecretKey, REDACTED } from '../audit/redact.js';
import { openAuditStore } from '../audit/store.js';
import { formatAuditStory, toExportJson } from '../audit/story.js';
import type { AuditEventInput, AuditStore } from '../audit/types.js';

/**
 * The same suite against SQLite (a temp file per test) and PostgreSQL (a fresh random schema per
 * test, dropped at the end). Set AUDIT_TEST_DATABASE_URL=skip to run SQLite only; by default a
 * missing Postgres fails the run rather than hiding it.
 */
const PG_URL = process.env.AUDIT_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const STORE_MODULE = pathToFileURL(fileURLToPath(new URL('../audit/store.ts', import.meta.url))).href;

/** Raw database access, playing a DBA who goes around the store. `?` placeholders on both. */
interface Dba {
  run(sqlText: string, params?: unknown[]): Promise<void>;
  all(sqlText: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  dropAppendOnlyTriggers(): Promise<void>;
  close(): Promise<void>;
}

/** One isolated store location: its own SQLite file or Postgres schema. */
interface Place {
  open(): Promise<AuditStore>;
  dba(): Promise<Dba>;
  /** For the cross-process test: the options a child process passes to openAuditStore. */
  options: { databaseUrl?: string; sqlitePath?: string; pgSchema?: string };
}

interface Backend {
  name: 'sqlite' | 'postgres';
  place(): Place;
  cleanup(): Promise<void>;
}

function sqliteBackend(): Backend {
  const dir = mkdtempSync(join(tmpdir(), 'steward-audit-'));
  return {
    name: 'sqlite',
    place() {
      const sqlitePath = join(dir, `${randomUUID()}`, 'audit.sqlite');
      return {
        options: { sqlitePath },
        open: () => openAuditStore({ sqlitePath }),
        async dba() {
          const db = new Database(sqlitePath);
          return {
            run: async (s, p = []) => void db.prepare(s).run(...p),
            all: async (s, p = []) => db.prepare(s).all(...p) as Record<string, unknown>[],
            dropAppendOnlyTriggers: async () => {
              for (const t of APPEND_ONLY_TRIGGERS.sqlite) db.exec(`DROP TRIGGER ${t}`);
            },
            close: async () => void db.close(),
          };
        },
      };
    },
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

function postgresBackend(): Backend {
  const schemas: string[] = [];
  const withSchema = (schema: string) => async (): Promise<Dba> => {
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    await client.query(`set search_path to "${schema}"`);
    const numbered = (s: string) => {
      let n = 0;
      return s.replace(/\?/g, () => `$${++n}`);
    };
    return {
      run: async (s, p = []) => void (await client.query(numbered(s), p)),
      all: async (s, p = []) => (await client.query(numbered(s), p)).rows,
      dropAppendOnlyTriggers: async () => {
        await client.query('DROP TRIGGER audit_events_append_only ON audit_events');
        await client.query('DROP TRIGGER audit_chain_heads_forward_only ON audit_chain_heads');
      },
      close: () => client.end(),
    };
  };
  return {
    name: 'postgres',
    place() {
      const pgSchema = `audit_test_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
      schemas.push(pgSchema);
      return {
        options: { databaseUrl: PG_URL, pgSchema },
        open: () => openAuditStore({ databaseUrl: PG_URL, pgSchema }),
        dba: withSchema(pgSchema),
      };
    },
    async cleanup() {
      if (schemas.length === 0) return;
      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      for (const s of schemas) await client.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
      await client.end();
    },
  };
}

let eventCounter = 0;
function event(workflowId: string, overrides: Partial<AuditEventInput> = {}): AuditEventInput {
  eventCounter += 1;
  return {
    eventId: `${workflowId}:evt:${eventCounter}`,
    event: 'step_done',
    workflowId,
    workflowType: 'duplicatePaymentRefund',
    actor: 'ai_agent:support_refund_agent',
    humanApprover: null,
    customerId: 'cus_42',
    amountUsd: null,
    policyVersion: 'refund-policy@3',
    reason: null,
    toolCalled: null,
    externalReference: null,
    idempotencyKey: null,
    step: 'policy_evaluation',
    details: {},
    timestamp: new Date(Date.UTC(2025, 0, 5, 10, 0, eventCounter % 60)).toISOString(),
    ...overrides,
  };
}

function events(workflowId: string, n: number): AuditEventInput[] {
  return Array.from({ length: n }, (_, i) => event(workflowId, { step: `step_${i + 1}`, amountUsd: 100 + i }));
}

/** Opens a store, runs fn, always closes it. */
async function withStore<T>(place: Place, fn: (store: AuditStore) => Promise<T>): Promise<T> {
  const store = await place.open();
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

async function withDba<T>(place: Place, fn: (dba: Dba) => Promise<T>): Promise<T> {
  const dba = await place.dba();
  try {
    return await fn(dba);
  } finally {
    await dba.close();
  }
}

const backends: Backend[] = [sqliteBackend(), ...(PG_URL === 'skip' ? [] : [postgresBackend()])];
after(async () => {
  for (const b of backends) await b.cleanup();
});

for (const backend of backends) {
  describe(`audit store on ${backend.name}`, () => {
    it('appends in order, links the chain and reads every field back', async () => {
      const place = backend.place();
      await withStore(place, async (store) => {
        assert.equal(store.kind, backend.name);
        const wf = `wf-${randomUUID()}`;
        const input = [
          event(wf, { event: 'ticket_received', step: 'trigger', actor: 'system:steward', details: { ticketId: 't-1' } }),
          event(wf, { event: 'refund_created', amountUsd: 1250.5, toolCalled: 'stripe.refunds.create', externalReference: 're_1', idempotencyKey: `${wf}:refund:ch_1`, humanApprover: 'human:alice', details: { nested: { list: [1, 'two', null], ok: true } } }),
          event(wf, { event: 'workflow_completed', amountUsd: 0.1, reason: 'refunded' }),
        ];
        assert.deepEqual(await store.append(input), { inserted: 3, skipped: 0 });
        const records = await store.listByWorkflow(wf);
        assert.deepEqual(records.map((r) => r.chainIndex), [1, 2, 3]);
        assert.deepEqual(records.map((r) => r.eventId), input.map((e) => e.eventId));
        assert.ok(records[0]!.seq < records[1]!.seq && records[1]!.seq < records[2]!.seq);
        assert.equal(records[0]!.prevHash, '0'.repeat(64));
        assert.equal(records[1]!.prevHash, records[0]!.hash);
        assert.equal(records[2]!.prevHash, records[1]!.hash);
        for (let i = 0; i < input.length; i++) {
          const { seq, chainIndex, prevHash, hash, recordedAt, ...stored } = records[i]!;
          assert.deepEqual(stored, input[i]);
          assert.equal(hash, recordHash({ ...stored, chainIndex, prevHash, recordedAt }), 'hash is recomputable from the record alone');
          assert.match(recordedAt, /^\d{4}-\d\d-\d\dT/);
          void seq;
        }
        assert.deepEqual(await store.verify(wf), { ok: true, workflowsChecked: 1, recordsChecked: 3, breaks: [] });
      });
    });

    it('skips event ids already stored, so a retried activity never duplicates a record', async () => {
      const place = backend.place();
      await withStore(place, async (store) => {
        const wf = `wf-${randomUUID()}`;
        const first = events(wf, 3);
        assert.deepEqual(await store.append(first), { inserted: 3, skipped: 0 });
        const retry = [...first.map((e) => ({ ...e, timestamp: '2030-01-01T00:00:00.000Z' })), event(wf)];
        assert.deepEqual(await store.append(retry), { inserted: 1, skipped: 3 });
        const fresh = event(wf);
        assert.deepEqual(await store.append([fresh, fresh]), { inserted: 1, skipped: 1 }, 'a repeat within one call is skipped too');
        const records = await store.listByWorkflow(wf);
        assert.deepEqual(records.map((r) => r.chainIndex), [1, 2, 3, 4, 5]);
        assert.equal(records[0]!.timestamp, first[0]!.timestamp, 'the first write wins');
        assert.equal((await store.verify(wf)).ok, true);
        assert.deepEqual(await store.append([]), { inserted: 0, skipped: 0 });
      });
    });

    it('rejects invalid events with the field named, and stores nothing from that call', async () => {
      const place = backend.place();
      await withStore(place, async (store) => {
        const wf = `wf-${randomUUID()}`;
        const { workflowId: _omit, ...noWorkflow } = event(wf);
        await assert.rejects(store.append([event(wf), noWorkflow as AuditEventInput]), (err: Error) => {
          assert.equal(err.name, 'AuditValidationError');
          assert.match(err.message, /audit event #1 .*workflowId: is required/);
          return true;
        });
        await assert.rejects(store.append([event(wf, { timestamp: 'yesterday at noon' })]), /timestamp: must be an ISO-8601 date-time/);
        await assert.rejects(store.append([event(wf, { amountUsd: Number.NaN })]), /amountUsd/);
        assert.deepEqual(await store.listByWorkflow(wf), []);
      });
    });

    it('strips secrets from details before hashing and storing', async () => {
      const place = backend.place();
      const wf = `wf-${randomUUID()}`;
      await withStore(place, async (store) => {
        await store.append([
          event(wf, {
            details: {
              apiKey: 'sk_live_abcdefghijklmnop',
              request: { headers: { Authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.payload', 'content-type': 'json' }, client_secret: 's3cr3t' },
              attempts: [{ password: 'hunter22', user: 'bob' }, { accessToken: 'tok_123' }],
              usage: { inputTokens: 1200, outputTokens: 80 },
              note: 'vendor said: invalid key sk_live_abcdefghijklmnop',
              idempotencyKey: `${wf}:refund:ch_1`,
            },
          }),
        ]);
        const [record] = await store.listByWorkflow(wf);
        assert.deepEqual(record!.details, {
          apiKey: REDACTED,
          request: { headers: { Authorization: REDACTED, 'content-type': 'json' }, client_secret: REDACTED },
          attempts: [{ password: REDACTED, user: 'bob' }, { accessToken: REDACTED }],
          usage: { inputTokens: 1200, outputTokens: 80 },
          note: `vendor said: invalid key ${REDACTED}`,
          idempotencyKey: `${wf}:refund:ch_1`,
        });
        assert.equal((await store.verify(wf)).ok, true, 'the hash covers the redacted details');
      });
      await withDba(place, async (dba) => {
        const raw = JSON.stringify(await dba.all('SELECT * FROM audit_events'));
        for (const secret of ['sk_live_abc', 'eyJhbGci', 's3cr3t', 'hunter22', 'tok_123']) assert.ok(!raw.includes(secret), `${secret} reached the database`);
      });
    });

    it('exports a time range [from, to), oldest first, across workflows', async () => {
      const place = backend.place();
      await withStore(place, async (store) => {
        const a = `wf-a-${randomUUID()}`;
        const b = `wf-b-${randomUUID()}`;
        await store.append([
          event(a, { eventId: 'a1', timestamp: '2025-03-01T09:00:00.000Z' }),
          event(b, { eventId: 'b1', timestamp: '2025-03-01T11:30:00+02:00' }), // 09:30Z
          event(a, { eventId: 'a2', timestamp: '2025-03-01T10:00:00.000Z' }), // == to: excluded
          event(b, { eventId: 'b0', timestamp: '2025-03-01T08:59:59.999Z' }), // before from
          event(a, { eventId: 'a0', timestamp: '2025-03-01T08:00:00Z' }),
        ]);
        const range = await store.listByTimeRange('2025-03-01T09:00:00Z', '2025-03-01T10:00:00.000Z');
        assert.deepEqual(range.map((r) => r.eventId), ['a1', 'b1']);
        assert.equal(range[1]!.timestamp, '2025-03-01T09:30:00.000Z', 'offsets are normalised to UTC');
        const exported = toExportJson(range);
        assert.deepEqual(Object.keys(exported[0]!).sort(), Object.keys(range[0]!).sort());
        assert.equal(typeof exported[0]!.details, 'object');
        assert.deepEqual(JSON.parse(JSON.stringify(exported)), exported, 'export is plain JSON');
        await assert.rejects(store.listByTimeRange('last tuesday', '2025-03-02T00:00:00Z'), /from must be an ISO-8601/);
      });
    });

    it('keeps one gap-free chain when several store instances append to one workflow at once', async () => {
      const place = backend.place();
      const wf = `wf-${randomUUID()}`;
      await (await place.open()).close(); // migrate once, so the writers below only race on appends
      const stores = await Promise.all(Array.from({ length: 4 }, () => place.open()));
      try {
        const shared = events(wf, 3);
        const results = await Promise.all(
          stores.map(async (store, s) => {
            const own = Array.from({ length: 10 }, (_, i) => event(wf, { eventId: `${wf}:writer${s}:${i}` }));
            const counts = [];
            for (let i = 0; i < own.length; i += 2) counts.push(await store.append([...own.slice(i, i + 2), ...(i === 4 ? shared : [])]));
            return counts;
          }),
        );
        const inserted = results.flat().reduce((n, r) => n + r.inserted, 0);
        const skipped = results.flat().reduce((n, r) => n + r.skipped, 0);
        assert.equal(inserted, 43);
        assert.equal(skipped, 9, 'each shared event is stored once and skipped by the three other writers');
        const records = await stores[0]!.listByWorkflow(wf);
        assert.deepEqual(records.map((r) => r.chainIndex), Array.from({ length: 43 }, (_, i) => i + 1));
        assert.equal(new Set(records.map((r) => r.eventId)).size, 43);
        assert.deepEqual(await stores[1]!.verify(), { ok: true, workflowsChecked: 1, recordsChecked: 43, breaks: [] });
      } finally {
        await Promise.all(stores.map((s) => s.close()));
      }
    });

    it('keeps one gap-free chain when several processes append to one workflow at once', async () => {
      const place = backend.place();
      const wf = `wf-${randomUUID()}`;
      await (await place.open()).close();
      // Each child opens the store, says "ready", and appends only once every child is ready, so the
      // appends really overlap instead of being spread out by process start-up time.
      const child = `
        import { openAuditStore } from ${JSON.stringify(STORE_MODULE)};
        import { once } from 'node:events';
        const store = await openAuditStore(${JSON.stringify(place.options)});
        const [wf, writer] = process.argv.slice(-2);
        console.log('ready');
        await once(process.stdin, 'data');
        const appends = [];
        for (let i = 0; i < 30; i++) {
          appends.push(store.append([{ eventId: wf + ':p' + writer + ':' + i, event: 'tick', workflowId: wf, workflowType: 't',
            actor: 'system:steward', step: 's', details: { writer, i }, timestamp: new Date().toISOString() }]));
        }
        const inserted = (await Promise.all(appends)).reduce((n, r) => n + r.inserted, 0);
        await store.close();
        console.log('inserted ' + inserted);
        process.exit(0);
      `;
      const children = [0, 1, 2].map((w) => spawnChild(['--import', 'tsx', '--input-type=module', '-e', child, '--', wf, String(w)]));
      await Promise.all(children.map((c) => c.ready));
      for (const c of children) c.go();
      assert.deepEqual(await Promise.all(children.map((c) => c.done)), ['inserted 30', 'inserted 30', 'inserted 30']);
      await withStore(place, async (store) => {
        const records = await store.listByWorkflow(wf);
        assert.deepEqual(records.map((r) => r.chainIndex), Array.from({ length: 90 }, (_, i) => i + 1));
        assert.equal((await store.verify(wf)).ok, true);
      });
    });

    it('refuses UPDATE and DELETE at the database level', async () => {
      const place = backend.place();
      const wf = `wf-${randomUUID()}`;
      await withStore(place, (store) => store.append(events(wf, 2)));
      await withDba(place, async (dba) => {
        await assert.rejects(dba.run('UPDATE audit_events SET amount_usd = 1 WHERE workflow_id = ?', [wf]), /audit_events is append-only: UPDATE refused/);
        await assert.rejects(dba.run('DELETE FROM audit_events WHERE workflow_id = ?', [wf]), /audit_events is append-only: DELETE refused/);
        await assert.rejects(dba.run('DELETE FROM audit_chain_heads WHERE workflow_id = ?', [wf]), /audit_chain_heads/);
        await assert.rejects(dba.run('UPDATE audit_chain_heads SET last_index = 1 WHERE workflow_id = ?', [wf]), /audit_chain_heads only moves forward/);
        if (backend.name === 'postgres') await assert.rejects(dba.run('TRUNCATE audit_events'), /append-only: TRUNCATE refused/);
        assert.equal((await dba.all('SELECT * FROM audit_events WHERE workflow_id = ?', [wf])).length, 2);
      });
      await withStore(place, async (store) => assert.equal((await store.verify()).ok, true));
    });

    describe('tampering by a DBA who drops the triggers first', () => {
      /** Six records in `wf`, triggers dropped, then `tamper` runs with raw access. */
      async function tampered(tamper: (dba: Dba, wf: string) => Promise<void>) {
        const place = backend.place();
        const wf = `wf-${randomUUID()}`;
        const stored = await withStore(place, async (store) => {
          await store.append(events(wf, 6));
          return store.listByWorkflow(wf);
        });
        await withDba(place, async (dba) => {
          await dba.dropAppendOnlyTriggers();
          await tamper(dba, wf);
        });
        return { place, wf, stored };
      }

      it('a modified field of a middle record', async () => {
        const { place, wf, stored } = await tampered((dba, wf) => dba.run('UPDATE audit_events SET amount_usd = 9999 WHERE workflow_id = ? AND chain_index = 3', [wf]));
        await withStore(place, async (store) => {
          assert.deepEqual(await store.verify(wf), {
            ok: false,
            workflowsChecked: 1,
            recordsChecked: 6,
            breaks: [{ workflowId: wf, chainIndex: 3, eventId: stored[2]!.eventId, problem: 'record 3 was modified (hash mismatch)' }],
          });
        });
      });

      it('modified details JSON, valid or not', async () => {
        const { place, wf, stored } = await tampered(async (dba, wf) => {
          await dba.run(`UPDATE audit_events SET details = '{"decision":"approved"}' WHERE workflow_id = ? AND chain_index = 2`, [wf]);
          await dba.run(`UPDATE audit_events SET details = 'not json' WHERE workflow_id = ? AND chain_index = 4`, [wf]);
        });
        await withStore(place, async (store) => {
          const result = await store.verify(wf);
          assert.deepEqual(result.breaks, [
            { workflowId: wf, chainIndex: 2, eventId: stored[1]!.eventId, problem: 'record 2 was modified (hash mismatch)' },
            { workflowId: wf, chainIndex: 4, eventId: stored[3]!.eventId, problem: 'record 4 was modified (details are not valid JSON)' },
          ]);
        });
      });

      it('a middle record deleted', async () => {
        const { place, wf } = await tampered((dba, wf) => dba.run('DELETE FROM audit_events WHERE workflow_id = ? AND chain_index = 4', [wf]));
        await withStore(place, async (store) => {
          const result = await store.verify(wf);
          assert.equal(result.recordsChecked, 5);
          assert.deepEqual(result.breaks, [{ workflowId: wf, chainIndex: 4, eventId: null, problem: 'record 4 is missing (chain jumps from 3 to 5)' }]);
        });
      });

      it('the last records deleted, and the store keeps appending after the head', async () => {
        const { place, wf } = await tampered((dba, wf) => dba.run('DELETE FROM audit_events WHERE workflow_id = ? AND chain_index >= 5', [wf]));
        await withStore(place, async (store) => {
          assert.deepEqual((await store.verify(wf)).breaks, [
            { workflowId: wf, chainIndex: 5, eventId: null, problem: 'chain head says 6 records but the chain ends at record 4 (records 5-6 were deleted from the end)' },
          ]);
          await store.append([event(wf)]);
          assert.deepEqual((await store.verify(wf)).breaks, [
            { workflowId: wf, chainIndex: 5, eventId: null, problem: 'records 5-6 are missing (chain jumps from 4 to 7)' },
          ]);
        });
      });

      it('a record replaced together with a recomputed hash', async () => {
        const { place, wf, stored } = await tampered(async (dba, wf) => {
          const { seq: _seq, hash: _hash, ...original } = stored2(await dba.all('SELECT * FROM audit_events WHERE workflow_id = ? AND chain_index = 2', [wf]));
          const forged = { ...original, amountUsd: 5000 };
          await dba.run('UPDATE audit_events SET amount_usd = ?, hash = ? WHERE workflow_id = ? AND chain_index = 2', [5000, recordHash(forged), wf]);
        });
        await withStore(place, async (store) => {
          assert.deepEqual((await store.verify(wf)).breaks, [
            { workflowId: wf, chainIndex: 3, eventId: stored[2]!.eventId, problem: 'prev_hash of record 3 does not match record 2 (record 2 was replaced, or this link was edited)' },
          ]);
        });
      });

      it('the whole store: every broken workflow named, intact ones not', async () => {
        const place = backend.place();
        const [modified, holed, truncated, intact, erased] = ['a-modified', 'b-holed', 'c-truncated', 'd-intact', 'e-erased'].map((n) => `${n}-${randomUUID()}`) as [string, string, string, string, string];
        await withStore(place, (store) => store.append([modified, holed, truncated, intact, erased].flatMap((wf) => events(wf, 4))));
        await withDba(place, async (dba) => {
          await dba.dropAppendOnlyTriggers();
          await dba.run(`UPDATE audit_events SET reason = 'looked fine to me' WHERE workflow_id = ? AND chain_index = 2`, [modified]);
          await dba.run('DELETE FROM audit_events WHERE workflow_id = ? AND chain_index = 3', [holed]);
          await dba.run('DELETE FROM audit_events WHERE workflow_id = ? AND chain_index = 4', [truncated]);
          await dba.run('DELETE FROM audit_events WHERE workflow_id = ?', [erased]);
        });
        await withStore(place, async (store) => {
          const result = await store.verify();
          assert.equal(result.ok, false);
          assert.equal(result.workflowsChecked, 5);
          assert.equal(result.recordsChecked, 5 * 4 - 6);
          assert.deepEqual(
            result.breaks.map(({ workflowId, chainIndex, problem }) => ({ workflowId, chainIndex, problem })),
            [
              { workflowId: modified, chainIndex: 2, problem: 'record 2 was modified (hash mismatch)' },
              { workflowId: holed, chainIndex: 3, problem: 'record 3 is missing (chain jumps from 2 to 4)' },
              { workflowId: truncated, chainIndex: 4, problem: 'chain head says 4 records but the chain ends at record 3 (record 4 was deleted from the end)' },
              { workflowId: erased, chainIndex: 1, problem: 'chain head says 4 records but none found (records 1-4 were deleted from the end)' },
            ],
          );
          assert.deepEqual(await store.verify(intact), { ok: true, workflowsChecked: 1, recordsChecked: 4, breaks: [] });
        });
      });
    });

    it('tells the story of a refund with the key facts', async () => {
      const place = backend.place();
      const wf = `refund-${randomUUID()}`;
      await withStore(place, async (store) => {
        await store.append([
          event(wf, { event: 'ticket_classified', step: 'intent_classification', timestamp: '2025-01-05T10:00:00.000Z', reason: 'duplicate_charge', details: { model: 'claude-haiku-4-5', promptHash: 'sha256:abc123', confidence: 0.93 } }),
          event(wf, { event: 'policy_evaluated', step: 'policy_evaluation', timestamp: '2025-01-05T10:00:01.000Z', amountUsd: 1250, details: { decision: 'needs_approval', rulesFired: ['duplicate_within_7_days', { name: 'amount_over_auto_limit' }], riskScore: 42 } }),
          event(wf, { event: 'approval_granted', step: 'human_approval', timestamp: '2025-01-05T11:15:00.000Z', actor: 'human:alice', humanApprover: 'human:alice', amountUsd: 1250, reason: 'verified\nduplicate' }),
          event(wf, { event: 'refund_created', step: 'tool_execution', timestamp: '2025-01-05T11:15:02.000Z', amountUsd: 1250, toolCalled: 'stripe.refunds.create', externalReference: 're_3Q', details: { apiKey: 'sk_live_shouldneverappear' } }),
          event(wf, { event: 'workflow_completed', step: 'close_ticket', timestamp: '2025-01-05T11:15:03.000Z', amountUsd: 1250, reason: 'refunded', details: { outcome: 'refunded' } }),
        ]);
        const story = formatAuditStory(await store.listByWorkflow(wf));
        const lines = story.split('\n');
        assert.equal(lines.length, 1 + 5 + 1, story);
        assert.match(lines[0]!, new RegExp(`^Workflow ${wf} \\(duplicatePaymentRefund\\), customer cus_42, policy refund-policy@3, 5 events`));
        assert.match(lines[1]!, /^2025-01-05T10:00:00.000Z {2}#1 intent_classification: ticket_classified \| by ai_agent:support_refund_agent \| reason: duplicate_charge \| model claude-haiku-4-5 \(prompt sha256:abc123\)$/);
        assert.match(lines[2]!, /\$1,250\.00 \| decision: needs_approval \| rules: duplicate_within_7_days, amount_over_auto_limit \| risk: 42/);
        assert.match(lines[3]!, /approval_granted \| by human:alice \| approver human:alice \| \$1,250\.00 \| reason: verified duplicate$/);
        assert.match(lines[4]!, /tool stripe\.refunds\.create -> re_3Q/);
        assert.equal(lines[6], 'Outcome: workflow_completed (refunded) $1,250.00 - refunded at 2025-01-05T11:15:03.000Z');
        assert.ok(!story.includes('sk_live'));
      });
    });
  });
}

/** A child Node process that prints "ready", waits for a line on stdin, and ends with a result. */
function spawnChild(args: string[]) {
  const proc = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'], timeout: 15_000 });
  let stdout = '';
  let stderr = '';
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const ready = new Promise<void>((resolve, reject) => {
    proc.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (stdout.includes('ready')) resolve();
    });
    proc.on('exit', (code) => reject(new Error(`child exited (${code}) before ready: ${stderr}`)));
  });
  const done = new Promise<string>((resolve, reject) =>
    proc.on('exit', (code) => (code === 0 ? resolve(stdout.replace('ready', '').trim()) : reject(new Error(`child exited with ${code}: ${stderr}`)))),
  );
  return { ready, done, go: () => proc.stdin.end('go\n') };
}

/** A raw row (snake_case, driver types) as the fields recordHash takes. */
function stored2(rows: Record<string, unknown>[]) {
  const r = rows[0]!;
  return {
    seq: Number(r.seq),
    eventId: String(r.event_id),
    event: String(r.event),
    workflowId: String(r.workflow_id),
    workflowType: String(r.workflow_type),
    actor: String(r.actor),
    humanApprover: r.human_approver as string | null,
    customerId: r.customer_id as string | null,
    amountUsd: r.amount_usd === null ? null : Number(r.amount_usd),
    policyVersion: r.policy_version as string | null,
    reason: r.reason as string | null,
    toolCalled: r.tool_called as string | null,
    externalReference: r.external_reference as string | null,
    idempotencyKey: r.idempotency_key as string | null,
    step: String(r.step),
    details: JSON.parse(String(r.details)) as Record<string, unknown>,
    timestamp: String(r.timestamp),
    chainIndex: Number(r.chain_index),
    prevHash: String(r.prev_hash),
    hash: String(r.hash),
    recordedAt: String(r.recorded_at),
  };
}

describe('audit building blocks', () => {
  it('canonical JSON does not depend on key order', () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [2, { y: 1, x: 0 }], c: null } }), '{"a":{"c":null,"d":[2,{"x":0,"y":1}]},"b":1}');
    assert.equal(canonicalJson({ a: 1, b: 2 }), canonicalJson({ b: 2, a: 1 }));
    assert.throws(() => canonicalJson({ a: Number.POSITIVE_INFINITY }), /not a JSON number/);
  });

  it('recognises secret-named keys without catching token counts or idempotency keys', () => {
    for (const key of ['apiKey', 'api_key', 'X-API-Key', 'token', 'accessToken', 'refresh_token', 'clientSecret', 'password', 'Authorization', 'privateKey', 'credentials'])
      assert.ok(isSecretKey(key), key);
    for (const key of ['inputTokens', 'tokenCount', 'idempotencyKey', 'promptHash', 'customerId', 'author']) assert.ok(!isSecretKey(key), key);
  });

  it('refuses a database URL that is not Postgres instead of silently using SQLite', async () => {
    await assert.rejects(openAuditStore({ databaseUrl: 'mysql://db/audit' }), /postgres:\/\//);
  });
});
