import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DelineateError } from '@delineate/schema';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isUniqueViolation } from '../repositories/db-errors';
import { openDatabase, pgliteThreadFromEnv, type Database } from './database';
import { openPGliteThread } from './pglite-thread';

const exitFixture = fileURLToPath(new URL('./pglite-thread-exit.fixture.ts', import.meta.url));

describe('the embedded database in its own thread', () => {
  let dir: string;
  let database: Database;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dln-pglite-thread-'));
    database = await openDatabase({ dataDir: dir, pgliteThread: true });
    await sql`create table things (id integer primary key, name text not null unique, body bytea, at timestamptz, big int8, tags text[])`.execute(database.db);
  }, 120_000);
  afterAll(async () => {
    await database?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers rows as the embedded driver does: bytes, dates, int8, arrays and affected counts', async () => {
    const body = new Uint8Array(70_000).map((_, i) => (i * 31) % 256);
    const at = new Date('2026-03-04T05:06:07.123Z');
    const inserted = await database.db
      .insertInto('things' as never)
      .values({ id: 1, name: 'one', body, at, big: 9_007_199_254_740_993n, tags: ['a', 'b'] } as never)
      .executeTakeFirst();
    expect(inserted.numInsertedOrUpdatedRows).toBe(1n);
    const { rows } = await sql<{ body: Uint8Array; at: Date; big: bigint; small: number; tags: string[] }>`select body, at, big, 5::int8 as small, tags from things where id = 1`.execute(database.db);
    expect(rows[0]!.body).toBeInstanceOf(Uint8Array);
    expect(Buffer.compare(Buffer.from(rows[0]!.body), Buffer.from(body))).toBe(0);
    expect(rows[0]!.at.toISOString()).toBe(at.toISOString());
    expect(rows[0]!.big).toBe(9_007_199_254_740_993n);
    expect(rows[0]!.small).toBe(5);
    expect(rows[0]!.tags).toEqual(['a', 'b']);
    const updated = await sql`update things set name = 'uno' where id = 1`.execute(database.db);
    expect(updated.numAffectedRows).toBe(1n);
  });

  it('gives a statement error its SQLSTATE and constraint, and rolls a failed transaction back', async () => {
    await sql`insert into things (id, name) values (2, 'two')`.execute(database.db);
    const refused = await sql`insert into things (id, name) values (3, 'two')`.execute(database.db).catch((e: unknown) => e);
    expect(isUniqueViolation(refused)).toBe(true);
    expect((refused as { constraint?: string }).constraint).toBe('things_name_key');
    await expect(
      database.db.transaction().execute(async (tx) => {
        await sql`insert into things (id, name) values (4, 'four')`.execute(tx);
        await sql`select * from no_such_table`.execute(tx);
      }),
    ).rejects.toMatchObject({ code: '42P01' });
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from things where id = 4`.execute(database.db);
    expect(rows[0]!.n).toBe(0);
  });

  it('keeps the calling thread free while a long statement runs', async () => {
    // The yardstick is the statement's own time: in this thread the loop would stand still for all of it.
    let longestGap = 0;
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      longestGap = Math.max(longestGap, now - last);
      last = now;
    }, 2);
    const started = performance.now();
    await sql`select count(distinct md5(g::text)) from generate_series(1, 400000) g`.execute(database.db);
    const took = performance.now() - started;
    clearInterval(timer);
    expect(took).toBeGreaterThan(100);
    expect(longestGap).toBeLessThan(took / 2);
  });

  it('refuses statements once closed, at once and in words', async () => {
    const other = await mkdtemp(join(tmpdir(), 'dln-pglite-thread-'));
    try {
      const closing = await openDatabase({ dataDir: other, pgliteThread: true });
      await closing.close();
      const refused = await sql`select 1`.execute(closing.db).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(Error);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  }, 120_000);

  it('says why it cannot open a data folder, without hanging', async () => {
    const other = await mkdtemp(join(tmpdir(), 'dln-pglite-thread-'));
    try {
      const file = join(other, 'not-a-folder');
      await writeFile(file, 'x');
      const refused = await openPGliteThread({ dataDir: file, prepared: true }).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(DelineateError);
      expect((refused as DelineateError).code).toBe('DLN_STORE_UNAVAILABLE');
      expect((refused as DelineateError).message).toMatch(/^Cannot open the embedded database: /);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  it('lets a process that leaves it open end', async () => {
    const other = await mkdtemp(join(tmpdir(), 'dln-pglite-thread-'));
    try {
      const child = spawn(process.execPath, ['--import', 'tsx', exitFixture, other], { stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      expect(output).toContain('answer 42');
      expect(code).toBe(0);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  }, 120_000);

  it('is on unless DELINEATE_PGLITE_THREAD=0', () => {
    expect(pgliteThreadFromEnv({})).toBe(true);
    expect(pgliteThreadFromEnv({ DELINEATE_PGLITE_THREAD: '1' })).toBe(true);
    expect(pgliteThreadFromEnv({ DELINEATE_PGLITE_THREAD: '0' })).toBe(false);
    expect(() => pgliteThreadFromEnv({ DELINEATE_PGLITE_THREAD: 'yes' })).toThrow(/DELINEATE_PGLITE_THREAD must be 1/);
  });
});
