import { PGlite } from '@electric-sql/pglite';
import { Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PGliteDialect } from './pglite-dialect';
import { PreparedStatements } from './pglite-statements';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Db = Kysely<any>;

describe('PGlite statements prepared once', () => {
  let pglite: PGlite;
  let prepared: Db;
  let plain: Db;

  beforeAll(async () => {
    pglite = await PGlite.create();
    prepared = new Kysely({ dialect: new PGliteDialect(pglite) });
    plain = new Kysely({ dialect: new PGliteDialect(pglite, { prepared: false }) });
    await sql`create table things (id serial primary key, name text unique not null, data bytea, meta jsonb, tags text[], at timestamptz, n bigint, ok boolean)`.execute(prepared);
  });
  afterAll(async () => {
    await prepared.destroy();
  });

  it('gives the same rows and counts as PGlite.query for every column type, bytes in binary both ways', async () => {
    const bytes = Uint8Array.from({ length: 70_000 }, (_, i) => (i * 7) & 0xff);
    const at = new Date('2026-12-05T10:00:00.123Z');
    const values = [
      { name: 'a', data: bytes, meta: { nested: [1, 'two', null] }, tags: ['x', 'y, z', ''], at, n: 9_007_199_254_740_991n, ok: true },
      { name: 'b', data: new Uint8Array(0), meta: null, tags: [], at: null, n: null, ok: false },
      { name: 'c', data: null, meta: [], tags: null, at, n: -3n, ok: null },
    ];
    const inserted = await prepared.insertInto('things').values(values).returning(['id', 'name']).execute();
    expect(inserted.map((r) => r.name)).toEqual(['a', 'b', 'c']);
    const query = (db: Db) => db.selectFrom('things').selectAll().where('name', 'in', ['a', 'b', 'c']).orderBy('name').execute();
    const [viaPrepared, viaQuery] = [await query(prepared), await query(plain)];
    expect(viaPrepared).toEqual(viaQuery);
    expect(viaPrepared[0]!.data).toEqual(bytes);
    expect(viaPrepared[1]!.data).toEqual(new Uint8Array(0));
    expect(viaPrepared[0]!.meta).toEqual({ nested: [1, 'two', null] });
    expect(viaPrepared[0]!.tags).toEqual(['x', 'y, z', '']);
    expect(viaPrepared[0]!.at).toEqual(at);
    const updated = await prepared.updateTable('things').set({ ok: true }).where('name', 'in', ['b', 'c']).executeTakeFirst();
    expect(updated.numUpdatedRows).toBe(2n);
    const deleted = await prepared.deleteFrom('things').where('name', '=', 'nobody').executeTakeFirst();
    expect(deleted.numDeletedRows).toBe(0n);
  });

  it('keeps the SQLSTATE of a refusal, and a transaction that failed rolls back whole', async () => {
    await expect(prepared.insertInto('things').values({ name: 'a' }).execute()).rejects.toMatchObject({ code: '23505' });
    await expect(
      prepared.transaction().execute(async (tx) => {
        await tx.insertInto('things').values({ name: 'in-tx' }).execute();
        await tx.insertInto('things').values({ name: 'a' }).execute();
      }),
    ).rejects.toMatchObject({ code: '23505' });
    expect(await prepared.selectFrom('things').select('name').where('name', '=', 'in-tx').execute()).toEqual([]);
    // The connection is usable afterwards, with the statements it prepared.
    expect((await prepared.selectFrom('things').select('name').where('name', '=', 'a').execute()).map((r) => r.name)).toEqual(['a']);
  });

  it('sees a table changed under a prepared `select *`', async () => {
    const all = () => prepared.selectFrom('things').selectAll().where('name', '=', 'a').execute();
    expect(Object.keys((await all())[0]!)).not.toContain('added');
    await sql`alter table things add column added int default 5`.execute(prepared);
    expect((await all())[0]!.added).toBe(5);
    // Changed by another path (PGlite directly), the statement is prepared again once.
    await pglite.exec('alter table things drop column added');
    expect(Object.keys((await all())[0]!)).not.toContain('added');
  });

  it('closes the least recently used statement past its bound and still answers every statement', async () => {
    const count = async () => (await pglite.query<{ n: number }>("select count(*)::int as n from pg_prepared_statements where name like 'dln_%'")).rows[0]!.n;
    const before = await count();
    const statements = new PreparedStatements(pglite, { parsers: {}, serializers: {} }, { maxStatements: 3 });
    for (let k = 0; k < 10; k++) {
      const result = await statements.run(`select $1::int + ${k} as v`, [k]);
      expect(result.rows).toEqual([{ v: String(2 * k) }]);
      expect(statements.size).toBeLessThanOrEqual(3);
    }
    expect(await count()).toBe(before + 3);
    const again = await statements.run('select $1::int + 9 as v', [1]);
    expect(again.rows).toEqual([{ v: '10' }]);
  });
});
