// Two API servers with their workers (two `delineate start` processes, each its own data folder)
// on one PostgreSQL database and one S3 bucket (s3rver on loopback), behind a round-robin load
// balancer: the scale-out of docs/production.md, checked end to end. PostgreSQL only: PGlite
// is one process's database. Without DELINEATE_TEST_DATABASE_URL it is skipped, and fails under CI=true.
import { randomBytes, randomUUID } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeRle8, encodeTileSet } from '@delineate/core';
import { configFromEnv, openPlatform, PasswordHasher } from '@delineate/server';
import { AnnotationRepository, AuditLog, JobQueue, loadAuditPublicKey, loadOrCreateAuditKey, testing, type BlobStore, type Database } from '@delineate/store';
import { seedDemo } from './demo';
import { killHard, startBalancer, startServerProcess, stopGently, type Balancer, type ServerProcess } from './test/cluster';

const kinds = testing.testDatabaseKinds();
const runs = kinds.run.includes('postgres');
const SIZE = 24;
const SLICES = 6;

// Fails under CI when PostgreSQL is wanted but not configured; a run that chose PGlite alone
// (DELINEATE_TEST_DATABASES=pglite, as CI's Node 24 pass) does not want it.
describe.skipIf(!(kinds.required && kinds.missing.includes('postgres')))('several servers without PostgreSQL', () => {
  it('needs DELINEATE_TEST_DATABASE_URL under CI', () => {
    throw new Error('The several-servers test runs on PostgreSQL only: set DELINEATE_TEST_DATABASE_URL (scripts/pg-test-server.sh)');
  });
});

describe.skipIf(!runs)('two servers and two workers on one PostgreSQL and one S3 store', () => {
  let work: string;
  let dropDatabase: (() => Promise<void>) | undefined;
  let s3: Awaited<ReturnType<typeof testing.startTestS3Server>> | undefined;
  let database: Database;
  let blobs: BlobStore;
  let balancer: Balancer;
  const servers: ServerProcess[] = [];
  const dataDirs: string[] = [];
  let itemId: string;
  let labelSchema: { id: string; version: number };
  let annotator: { username: string; password: string };

  const envFor = (dataDir: string, databaseUrl: string, blobUrl: string, keys: { blob: string; credential: string }): NodeJS.ProcessEnv => ({
    ...process.env,
    DELINEATE_DATA: dataDir,
    DATABASE_URL: databaseUrl,
    DELINEATE_BLOB_URL: blobUrl,
    // The keys every server of one installation shares (docs/production.md: from the secret manager).
    DELINEATE_KEY: keys.blob,
    DELINEATE_CREDENTIAL_KEY: keys.credential,
    // Checkpoints often, so both servers sign checkpoints of the one chain during the test.
    DELINEATE_AUDIT_CHECKPOINT_EVENTS: '40',
    DELINEATE_DEMO_RELAX_MFA: '1',
    // Warnings carry each failed job's id: which worker ran which job.
    DELINEATE_LOG_LEVEL: 'warn',
  });

  const login = async (base: string): Promise<string> => {
    const res = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(annotator) });
    expect(res.status).toBe(200);
    return ((await res.json()) as { token: string }).token;
  };
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'dln-several-'));
    const empty = await testing.createEmptyPostgresDatabase();
    dropDatabase = empty.drop;
    s3 = await testing.startTestS3Server({ directory: join(work, 's3rver'), buckets: ['delineate'] });
    const keys = { blob: randomBytes(32).toString('base64'), credential: randomBytes(32).toString('base64') };
    for (const name of ['server-a', 'server-b']) dataDirs.push(join(work, name));
    // One audit signing key for the installation, in each server's data folder.
    await loadOrCreateAuditKey(dataDirs[0]!);
    await mkdir(join(dataDirs[1]!, 'keys'), { recursive: true, mode: 0o700 });
    for (const file of ['audit-ed25519.pem', 'audit-ed25519.pub.pem']) await copyFile(join(dataDirs[0]!, 'keys', file), join(dataDirs[1]!, 'keys', file));
    const envs = dataDirs.map((dir) => envFor(dir, empty.url, s3!.blobUrl('delineate'), keys));

    ({ database, blobs } = await openPlatform(configFromEnv(envs[0]!), envs[0]!));
    const demo = await seedDemo({ database, blobs, clock: () => new Date(), hasher: new PasswordHasher() }, { minimal: true, slices: SLICES, size: SIZE });
    if (!demo.created) throw new Error('expected a fresh database');
    itemId = demo.items[0]!.itemId;
    labelSchema = demo.labelSchema;
    annotator = demo.credentials.find((c) => c.role === 'clinician_annotator')!;

    servers.push(...(await Promise.all(envs.map((env) => startServerProcess(env)))));
    balancer = await startBalancer(servers.map((s) => s.base));
  }, 300_000);

  afterAll(async () => {
    await balancer?.close();
    await Promise.all(servers.map((s) => killHard(s.child)));
    await blobs?.close();
    await database?.close();
    await s3?.close();
    await dropDatabase?.();
    if (work) await rm(work, { recursive: true, force: true });
  }, 60_000);

  it('a session opened through one server is valid on the other, and its end is seen by both at once', async () => {
    const token = await login(servers[0]!.base);
    for (const server of servers) {
      const res = await fetch(`${server.base}/api/auth/session`, { headers: bearer(token) });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { username: string }).username).toBe(annotator.username);
    }
    // Through the balancer, requests alternate between the servers.
    const before = [...balancer.answered.values()];
    for (let i = 0; i < 4; i++) expect((await fetch(`${balancer.url}/api/items/${itemId}`, { headers: bearer(token) })).status).toBe(200);
    [...balancer.answered.values()].forEach((n, i) => expect(n - before[i]!).toBe(2));

    // Sessions are read from the database on every request (no per-process cache): signing out
    // on one server ends the session on the other with the next request.
    expect((await fetch(`${servers[1]!.base}/api/auth/logout`, { method: 'POST', headers: bearer(token) })).status).toBe(204);
    for (const server of servers) expect((await fetch(`${server.base}/api/auth/session`, { headers: bearer(token) })).status).toBe(401);
  });

  it('each of many jobs is claimed by one worker once, and both workers take part', async () => {
    const queue = new JobQueue(database.db);
    // Jobs naming an item outside the agreement sample: each fails at once, on its one attempt.
    const jobs = await Promise.all(
      Array.from({ length: 120 }, () => queue.enqueue({ kind: 'workflow.agreement', region: 'local', payload: { itemId: randomUUID() }, maxAttempts: 1 })),
    );
    const ids = new Set(jobs.map((j) => j.id));
    const deadline = Date.now() + 90_000;
    for (;;) {
      const ended = await Promise.all(jobs.map((j) => queue.get(j.id)));
      if (ended.every((j) => j.status === 'failed')) {
        for (const j of ended) expect(j.attempts).toBe(1);
        break;
      }
      if (Date.now() > deadline) throw new Error('the workers did not end every job in time');
      await new Promise((r) => setTimeout(r, 250));
    }
    // Each worker logs the jobs it ran: together every job exactly once.
    const ranBy = servers.map((s) => [...s.output().matchAll(/"jobId":"([0-9a-f-]{36})"/g)].map((m) => m[1]!).filter((id) => ids.has(id)));
    expect(ranBy.flat().sort()).toEqual([...ids].sort());
    for (const ran of ranBy) expect(ran.length).toBeGreaterThan(0);
    // …and each job's end is one audit event.
    const ends = new Map<string, number>();
    for await (const row of new AuditLog(database.db, { now: () => new Date() }).rows()) {
      if (row.objectType === 'job' && row.objectId && ids.has(row.objectId)) ends.set(row.objectId, (ends.get(row.objectId) ?? 0) + 1);
    }
    expect(ends.size).toBe(ids.size);
    expect([...ends.values()].every((n) => n === 1)).toBe(true);
  }, 120_000);

  it('both servers append to one audit chain concurrently, and it verifies against either server’s signed checkpoints', async () => {
    const token = await login(balancer.url);
    const before = await new AuditLog(database.db, { now: () => new Date() }).head();
    // 200 audited reads at once, half on each server.
    const reads = await Promise.all(Array.from({ length: 200 }, (_, i) => fetch(`${servers[i % 2]!.base}/api/items/${itemId}`, { headers: bearer(token) }).then((r) => r.status)));
    expect(reads.every((s) => s === 200)).toBe(true);
    const log = new AuditLog(database.db, { now: () => new Date() });
    const head = await log.head();
    expect(head.sequence - before.sequence).toBeGreaterThanOrEqual(200);
    // One chain: sequences without gaps, each row chained onto the one before.
    let expected = 1;
    let previous: string | null = null;
    for await (const row of log.rows()) {
      expect(row.sequence).toBe(expected++);
      expect(row.previousHash).toBe(previous);
      previous = row.hash;
    }
    expect(previous).toBe(head.hash);
    for (const dataDir of dataDirs) {
      const result = await log.verify(dataDir, { publicKey: await loadAuditPublicKey(dataDir) });
      expect(result, JSON.stringify(result)).toMatchObject({ ok: true });
    }
  }, 120_000);

  it('a server killed mid-save loses no acknowledged revision, and the other keeps serving', async () => {
    const token = await login(balancer.url);
    const auth = bearer(token);
    const WRITERS = 4;
    const annotationIds: string[] = [];
    for (let w = 0; w < WRITERS; w++) {
      const res = await fetch(`${balancer.url}/api/items/${itemId}/annotations`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ labelSchema }) });
      expect(res.status).toBe(201);
      annotationIds.push(((await res.json()) as { id: string }).id);
    }
    const acks: Array<{ annotationId: string; version: number; maskHash: string; afterKill: boolean }> = [];
    let killed = false;
    let stop = false;
    let refused = 0;
    const writer = async (w: number) => {
      const annotationId = annotationIds[w]!;
      let head = 0;
      for (let n = 0; !stop; n++) {
        const tiled = w % 2 === 1;
        const v = new Uint8Array(tiled ? SIZE * SIZE : SIZE * SIZE * SLICES);
        v.fill(1 + (n % 2), n % 50, 50 + ((n * 37) % (v.length - 50)));
        const body = tiled ? encodeTileSet([{ position: { slice: n % SLICES, tileRow: 0, tileColumn: 0 }, runs: encodeRle8(v) }]) : encodeRle8(v);
        const key = `w${w}-${n}`;
        // A save the balancer could not deliver (502: the server died with it) is retried with its key.
        for (let attempt = 0; ; attempt++) {
          const res = await fetch(`${balancer.url}/api/annotations/${annotationId}/${tiled ? 'tiles' : 'revisions'}`, {
            method: tiled ? 'PUT' : 'POST',
            headers: { ...auth, 'content-type': tiled ? 'application/vnd.delineate.tiles' : 'application/octet-stream', 'if-match': `"${head}"`, 'idempotency-key': key },
            body,
          });
          if (res.status === 502 && attempt < 10) continue;
          if (res.status !== 200 && res.status !== 201) {
            refused++;
            throw new Error(`save refused: ${res.status} ${await res.text()}`);
          }
          const { revision } = (await res.json()) as { revision: { version: number; maskHash: string } };
          acks.push({ annotationId, version: revision.version, maskHash: revision.maskHash, afterKill: killed });
          head = revision.version;
          break;
        }
      }
    };
    const writing = Promise.all(annotationIds.map((_, w) => writer(w)));
    await new Promise((r) => setTimeout(r, 2_000));
    const beforeKill = acks.length;
    await killHard(servers[0]!.child);
    killed = true;
    await new Promise((r) => setTimeout(r, 2_000));
    stop = true;
    await writing;
    expect(refused).toBe(0);
    expect(beforeKill).toBeGreaterThan(0);
    expect(acks.filter((a) => a.afterKill).length).toBeGreaterThan(0);

    // Every acknowledged revision is there, with its mask hash, read through the survivor.
    const annotations = new AnnotationRepository(database.db, { blobs });
    for (const annotationId of annotationIds) {
      const history = await annotations.history(annotationId);
      expect(history.map((r) => r.version)).toEqual(history.map((_, i) => i + 1));
      const mine = acks.filter((a) => a.annotationId === annotationId);
      expect(history.length).toBe(mine.length);
      for (const ack of mine) expect(history[ack.version - 1]!.maskHash).toBe(ack.maskHash);
      for (const r of history) expect(await annotations.recomputeMaskHash(annotationId, r.version)).toBe(r.maskHash);
    }
    const survivor = await fetch(`${balancer.url}/api/annotations/${annotationIds[0]!}/revisions`, { headers: auth });
    expect(survivor.status).toBe(200);

    // The killed server's last group commit is whole or absent: the chain still verifies.
    await stopGently(servers[1]!.child);
    const result = await new AuditLog(database.db, { now: () => new Date() }).verify(dataDirs[1]!, { publicKey: await loadAuditPublicKey(dataDirs[1]!) });
    expect(result, JSON.stringify(result)).toMatchObject({ ok: true });
  }, 180_000);
});
