import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type KyselyPlugin, type RootOperationNode } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeStore } from '../test/describe-store';
import type { AuditEntry } from './chain';
import { loadOrCreateAuditKey, readCheckpoints, type AuditSigningKey } from './checkpoints';
import { AuditLog } from './log';

const entry = (i: number, overrides: Partial<AuditEntry> = {}): AuditEntry => ({
  actorId: null,
  role: 'annotator',
  sessionId: 'session-1',
  address: '127.0.0.1',
  action: 'item.read',
  objectType: 'item',
  objectId: `item-${i}`,
  projectId: null,
  subjectPseudonym: null,
  purpose: 'annotation',
  outcome: 'success',
  ...overrides,
});

let dataRoot: string;
let key: AuditSigningKey;
beforeAll(async () => {
  dataRoot = await mkdtemp(join(tmpdir(), 'dln-auditlog-'));
  key = await loadOrCreateAuditKey(dataRoot);
});
afterAll(async () => rm(dataRoot, { recursive: true, force: true }));

describeStore('audit log', (getDb) => {
  let t = Date.parse('2026-03-01T00:00:00Z');
  const now = () => new Date((t += 1000));

  async function filled(n: number, everyEvents = 10) {
    const dataDir = await mkdtemp(join(dataRoot, 'run-'));
    const log = new AuditLog(getDb().db, { now, checkpoints: { dataDir, key, everyEvents, everyMs: 3_600_000 } });
    for (let i = 1; i <= n; i++) await log.append(entry(i));
    return { log, dataDir, db: getDb().db };
  }

  it('chains appends in order and verifies an untouched log', async () => {
    const { log, dataDir } = await filled(25);
    const rows = [];
    for await (const row of log.rows(7)) rows.push(row);
    expect(rows.map((r) => r.sequence)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expect(rows[0]!.previousHash).toBeNull();
    expect(rows[1]!.previousHash).toBe(rows[0]!.hash);
    expect((await readCheckpoints(dataDir)).checkpoints.map((c) => c.sequence)).toEqual([10, 20]);
    expect(await log.verify(dataDir, key)).toEqual({ ok: true, rowsChecked: 25, lastSequence: 25, checkpointsChecked: 2 });
  });

  it('serialises concurrent appends from two writers into one gap-free chain', async () => {
    const dataDir = await mkdtemp(join(dataRoot, 'run-'));
    const a = new AuditLog(getDb().db, { now });
    const b = new AuditLog(getDb().db, { now });
    await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).append(entry(i))));
    await a.appendMany([entry(100), entry(101)]);
    expect(await a.verify(dataDir, key)).toMatchObject({ ok: true, rowsChecked: 42 });
  });

  it('commits concurrent appends together, chained in call order, and verifies', async () => {
    const dataDir = await mkdtemp(join(dataRoot, 'run-'));
    const log = new AuditLog(getDb().db, { now, checkpoints: { dataDir, key, everyEvents: 10, everyMs: 3_600_000 } });
    const rows = await Promise.all(Array.from({ length: 30 }, (_, i) => log.append(entry(i))));
    expect(rows.map((r) => r.objectId)).toEqual(Array.from({ length: 30 }, (_, i) => `item-${i}`));
    expect(rows.map((r) => r.sequence)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    for (let i = 1; i < rows.length; i++) expect(rows[i]!.previousHash).toBe(rows[i - 1]!.hash);
    // One transaction per group: the rows of a group share its time, so fewer times than rows.
    expect(new Set(rows.map((r) => r.time)).size).toBeLessThan(rows.length);
    expect(await log.verify(dataDir, { publicKey: key.publicKey, policy: log.policy })).toMatchObject({ ok: true, rowsChecked: 30 });
  });

  it('chains onto its own last row in one statement, and locks the head when another writer moved it', async () => {
    const dataDir = await mkdtemp(join(dataRoot, 'run-'));
    const kinds: string[] = [];
    const recorder: KyselyPlugin = {
      transformQuery: ({ node }: { node: RootOperationNode }) => (kinds.push(node.kind), node),
      transformResult: async ({ result }) => result,
    };
    const a = new AuditLog(getDb().db.withPlugin(recorder), { now });
    const b = new AuditLog(getDb().db, { now });
    await a.append(entry(1));
    // The first append knows no row of its own: the head is locked and read (select, then the rows and the head).
    expect(kinds).toEqual(['SelectQueryNode', 'UpdateQueryNode']);
    kinds.length = 0;
    await a.append(entry(2));
    expect(kinds).toEqual(['RawNode']);
    kinds.length = 0;
    await b.append(entry(3));
    // The head is b's row now: a's one statement moves nothing and the locked path chains onto b's.
    const fourth = await a.append(entry(4));
    expect(kinds).toEqual(['RawNode', 'SelectQueryNode', 'UpdateQueryNode']);
    expect(fourth).toMatchObject({ sequence: 4, objectId: 'item-4' });
    expect(await a.verify(dataDir, { publicKey: key.publicKey })).toMatchObject({ ok: true, rowsChecked: 4 });
    // The one-statement rows hold what the locked path stores: the hash of each stored row verifies above.
    const stored = await sql<{ sequence: string; count: number }>`select sequence, count from audit_events order by sequence`.execute(getDb().db);
    expect(stored.rows.map((r) => [Number(r.sequence), r.count])).toEqual([[1, 1], [2, 1], [3, 1], [4, 1]]);
  });

  it('fails only the append the database refuses when others were grouped with it', async () => {
    const dataDir = await mkdtemp(join(dataRoot, 'run-'));
    const log = new AuditLog(getDb().db, { now, checkpoints: { dataDir, key } });
    const results = await Promise.allSettled([log.append(entry(1)), log.append(entry(2)), log.append(entry(3, { actorId: 'not-a-user-id' })), log.append(entry(4))]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect(await log.verify(dataDir, { publicKey: key.publicKey })).toMatchObject({ ok: true, rowsChecked: 3 });
  });

  it('names a changed row', async () => {
    const { log, dataDir, db } = await filled(25);
    await sql`update audit_events set outcome = 'denied' where sequence = 7`.execute(db);
    expect(await log.verify(dataDir, key)).toMatchObject({ ok: false, firstBadSequence: 7, problem: 'hash_mismatch' });
  });

  it('names a deleted row', async () => {
    const { log, dataDir, db } = await filled(25);
    await sql`delete from audit_events where sequence = 12`.execute(db);
    expect(await log.verify(dataDir, key)).toMatchObject({ ok: false, firstBadSequence: 12, problem: 'sequence_gap' });
  });

  it('names reordered rows', async () => {
    const { log, dataDir, db } = await filled(25);
    await sql`update audit_events set sequence = -1 where sequence = 5`.execute(db);
    await sql`update audit_events set sequence = 5 where sequence = 6`.execute(db);
    await sql`update audit_events set sequence = 6 where sequence = -1`.execute(db);
    expect(await log.verify(dataDir, key)).toMatchObject({ ok: false, firstBadSequence: 5 });
  });

  it('catches truncation after a checkpoint, even with the chain head rewound', async () => {
    const { log, dataDir, db } = await filled(25);
    await sql`delete from audit_events where sequence > 14`.execute(db);
    const last = await sql<{ hash: string }>`select hash from audit_events where sequence = 14`.execute(db);
    await sql`update audit_chain_head set sequence = 14, hash = ${last.rows[0]!.hash}`.execute(db);
    expect(await log.verify(dataDir, key)).toMatchObject({ ok: false, firstBadSequence: 15, problem: 'truncated' });
  });

  it('returns a time range in order, with counts', async () => {
    const dataDir = await mkdtemp(join(dataRoot, 'run-'));
    const log = new AuditLog(getDb().db, { now, checkpoints: { dataDir, key } });
    const first = await log.append(entry(1, { action: 'image.tile.read', count: 37 }));
    await log.append(entry(2));
    const range = await log.range(new Date(first.time), new Date(Date.parse(first.time) + 1));
    expect(range).toEqual([first]);
    expect(range[0]!.count).toBe(37);
    expect((await log.checkpointNow())?.sequence).toBe(2);
  });
});
