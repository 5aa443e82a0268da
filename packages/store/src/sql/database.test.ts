import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deidOptions } from '@delineate/deid';
import {
  DelineateError,
  deidOptionNames,
  deidStatuses,
  itemKinds,
  jobStatuses,
  legalBases,
  maskEncodings,
  modalities,
  oversightModels,
  regions,
  reviewDecisions,
  revisionSources,
  roles,
  taskKinds,
  taskStatuses,
} from '@delineate/schema';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { describeStore } from '../test/describe-store';
import { databaseConfigFromEnv, openDatabase } from './database';
import { migrate } from './migrate';
import { migrations } from './migrations';
import type { Migration } from './migration';

describeStore('database and migrations', (getDb) => {
  it('is migrated once and migrate() is idempotent', async () => {
    const { db } = getDb();
    expect(await migrate(db)).toEqual({ applied: [] });
    const rows = await db.selectFrom('schema_migrations').select('id').orderBy('id').execute();
    expect(rows.map((r) => r.id)).toEqual(migrations.map((m) => m.id));
    expect((await db.selectFrom('regions').select('code').execute()).map((r) => r.code).sort()).toEqual([...regions].sort());
  });

  it('applies an appended migration exactly once, even from concurrent migrators', async () => {
    const { db } = getDb();
    const extra: Migration = {
      id: '9999_test_extra',
      async up(tx) {
        await sql`create table test_extra (id integer primary key)`.execute(tx);
      },
    };
    const results = await Promise.all([migrate(db, [...migrations, extra]), migrate(db, [...migrations, extra])]);
    expect(results.flatMap((r) => r.applied)).toEqual(['9999_test_extra']);
    await sql`insert into test_extra (id) values (1)`.execute(db);
  });

  it('rolls back a failing migration completely', async () => {
    const { db } = getDb();
    const broken: Migration = {
      id: '9998_broken',
      async up(tx) {
        await sql`create table test_broken (id integer)`.execute(tx);
        await sql`select * from no_such_table`.execute(tx);
      },
    };
    await expect(migrate(db, [...migrations, broken])).rejects.toThrow();
    const left = await sql<{ n: number }>`select count(*)::integer as n from information_schema.tables where table_name = 'test_broken'`.execute(db);
    expect(left.rows[0]?.n).toBe(0);
    expect(await db.selectFrom('schema_migrations').select('id').where('id', '=', '9998_broken').execute()).toEqual([]);
  });

  it('refuses a database migrated by a newer version, and misordered migration lists', async () => {
    const { db } = getDb();
    await db.insertInto('schema_migrations').values({ id: '9997_from_the_future' }).execute();
    await expect(migrate(db)).rejects.toMatchObject({ code: 'DLN_CONFIG_INVALID' });
    const [first, ...rest] = migrations;
    await expect(migrate(db, [...rest, first!])).rejects.toMatchObject({ code: 'DLN_INTERNAL' });
  });

  it('passes bytea both ways byte for byte, on either driver', async () => {
    const { db } = getDb();
    const every = Uint8Array.from({ length: 256 * 3 }, (_, i) => i & 0xff);
    // A view into a larger buffer: only the viewed bytes go to the database.
    const framed = new Uint8Array(every.length + 10);
    framed.set(every, 5);
    const view = framed.subarray(5, 5 + every.length);
    const row = await sql<{ echoed: Uint8Array; empty: Uint8Array; length: number }>`select ${view}::bytea as echoed, ${new Uint8Array(0)}::bytea as empty, length(${view}::bytea) as length`.execute(db);
    const answer = row.rows[0]!;
    expect(answer.length).toBe(every.length);
    expect(Buffer.from(answer.echoed).equals(Buffer.from(every))).toBe(true);
    expect(answer.empty.length).toBe(0);
    expect(answer.echoed).toBeInstanceOf(Uint8Array);
  });

  it('commits and rolls back transactions, and serialises concurrent ones', async () => {
    const { db } = getDb();
    await sql`create table counter (id integer primary key, n integer not null)`.execute(db);
    await sql`insert into counter values (1, 0)`.execute(db);
    await expect(
      db.transaction().execute(async (tx) => {
        await sql`update counter set n = 100`.execute(tx);
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    // Read-modify-write under row locks: no lost updates on either driver.
    await Promise.all(
      Array.from({ length: 10 }, () =>
        db.transaction().execute(async (tx) => {
          const row = await sql<{ n: number }>`select n from counter where id = 1 for update`.execute(tx);
          await sql`update counter set n = ${(row.rows[0]?.n ?? 0) + 1} where id = 1`.execute(tx);
        }),
      ),
    );
    const final = await sql<{ n: number }>`select n from counter`.execute(db);
    expect(final.rows[0]?.n).toBe(10);
  });

  it('supports savepoints inside a transaction', async () => {
    const { db } = getDb();
    await sql`create table sp (id integer primary key)`.execute(db);
    const trx = await db.startTransaction().execute();
    await sql`insert into sp values (1)`.execute(trx);
    const sp = await trx.savepoint('inner').execute();
    await sql`insert into sp values (2)`.execute(sp);
    await sp.rollbackToSavepoint('inner').execute();
    await trx.commit().execute();
    const rows = await sql<{ id: number }>`select id from sp order by id`.execute(db);
    expect(rows.rows.map((r) => r.id)).toEqual([1]);
  });

  it('returns counts as numbers on both drivers', async () => {
    const { db } = getDb();
    const row = await sql<{ n: number; big: number }>`select count(*) as n, 9007199254740991::bigint as big from regions`.execute(db);
    expect(row.rows[0]).toEqual({ n: regions.length, big: Number.MAX_SAFE_INTEGER });
  });

  it('keeps CHECK vocabularies in step with the schema (a new value needs a new migration)', async () => {
    const { db } = getDb();
    const defs = await sql<{ table: string; def: string }>`
      select t.relname as table, pg_get_constraintdef(c.oid) as def from pg_constraint c
        join pg_class t on t.oid = c.conrelid where c.contype = 'c'`.execute(db);
    const vocabulary = new Map<string, string[]>();
    for (const { table, def } of defs.rows) {
      const m = /^CHECK \(\((\w+) = ANY \(ARRAY\[(.*)\]\)\)\)$/.exec(def);
      if (m) vocabulary.set(`${table}.${m[1]}`, [...m[2]!.matchAll(/'([^']*)'::text/g)].map((v) => v[1]!));
    }
    const expected: Record<string, readonly string[]> = {
      'regions.code': regions,
      'projects.modality': modalities,
      'projects.oversight_model': oversightModels,
      'projects.legal_basis': legalBases,
      'memberships.role': roles,
      'tasks.kind': taskKinds,
      'tasks.status': taskStatuses,
      'revisions.source': revisionSources,
      'revisions.mask_encoding': maskEncodings,
      'reviews.decision': reviewDecisions,
      'deid_records.status': deidStatuses,
      'jobs.status': jobStatuses,
      'items.kind': itemKinds,
    };
    for (const [column, values] of Object.entries(expected)) expect([column, vocabulary.get(column)]).toEqual([column, [...values]]);
  });
});

describe('openDatabase', () => {
  // Every migration from an empty folder on disk: seconds on a quiet machine, far more on a loaded one.
  it('keeps embedded data under <dataDir>/db across reopen', { timeout: 180_000 }, async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'dln-db-'));
    try {
      const first = await openDatabase({ dataDir });
      expect(first.kind).toBe('pglite');
      await migrate(first.db);
      await first.db.insertInto('users').values({ username: 'persisted', display_name: 'P' }).execute();
      await first.close();
      await writeFile(join(dataDir, 'db.lock'), '999999999'); // left by a killed process
      const second = await openDatabase({ dataDir });
      await expect(openDatabase({ dataDir })).rejects.toMatchObject({ code: 'DLN_STORE_UNAVAILABLE' });
      expect(await migrate(second.db)).toEqual({ applied: [] });
      expect((await second.db.selectFrom('users').select('username').execute()).map((u) => u.username)).toEqual(['persisted']);
      await second.close();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('refuses a folder locked by another live process', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'dln-db-'));
    try {
      await writeFile(join(dataDir, 'db.lock'), String(process.ppid));
      await expect(openDatabase({ dataDir })).rejects.toMatchObject({ code: 'DLN_STORE_UNAVAILABLE', details: { pid: process.ppid } });
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('refuses a DATABASE_URL that is not postgres:// and reads the environment', async () => {
    await expect(openDatabase({ url: 'mysql://x', dataDir: '/tmp' })).rejects.toBeInstanceOf(DelineateError);
    expect(databaseConfigFromEnv({ DATABASE_URL: ' ', DELINEATE_DATA: '/data/x' })).toEqual({ url: undefined, dataDir: '/data/x', pgliteThread: true });
    expect(databaseConfigFromEnv({ DELINEATE_PGLITE_THREAD: '0' }).pgliteThread).toBe(false);
    expect(databaseConfigFromEnv({ DATABASE_URL: 'postgres://h/db' }).url).toBe('postgres://h/db');
    expect(databaseConfigFromEnv({}).dataDir.endsWith('.delineate')).toBe(true);
  });

  it('reports an unreachable PostgreSQL as DLN_STORE_UNAVAILABLE', async () => {
    await expect(openDatabase({ url: 'postgres://postgres@127.0.0.1:1/postgres', dataDir: '/tmp' })).rejects.toMatchObject({ code: 'DLN_STORE_UNAVAILABLE' });
  });

  it('uses the de-identification option names of @delineate/deid', () => {
    expect([...deidOptionNames]).toEqual([...deidOptions]);
  });
});
