import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { auditKeyFingerprint, BlobKey, LocalBlobStore, parseCheckpointLines, testing, type Database } from '@delineate/store';
import { configFromEnv } from '../config';
import { createServer, type DelineateServer } from '../server';
import { FakeClock } from './test/fixtures';
import { openTestSession } from './testing';

/** The server sends checkpoints to DELINEATE_AUDIT_ANCHOR, by count and, on its timer, by time. */
describe('audit checkpoints of a running server', () => {
  let dir: string;
  let outside: string;
  let database: Database;
  let blobs: LocalBlobStore;
  let server: DelineateServer;
  const clock = new FakeClock();
  const anchorPath = () => join(outside, 'anchor.jsonl');

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dln-anchor-server-'));
    outside = await mkdtemp(join(tmpdir(), 'dln-anchor-outside-'));
    database = await testing.createTestDatabase('pglite');
    blobs = new LocalBlobStore({ dir: join(dir, 'blobs'), key: BlobKey.generate() });
    const config = configFromEnv({ DELINEATE_DATA: dir, DELINEATE_LOG_LEVEL: 'silent' }, { port: 0, webRoot: join(dir, 'no-web') });
    // Three seconds: the timer then looks every 1.5 s of real time.
    vi.stubEnv('DELINEATE_AUDIT_CHECKPOINT_MINUTES', '0.05');
    vi.stubEnv('DELINEATE_AUDIT_ANCHOR', anchorPath());
    try {
      server = await createServer({ config, database, blobs, clock: clock.now });
    } finally {
      vi.unstubAllEnvs();
    }
  });
  afterAll(async () => {
    await server?.app.close();
    await blobs?.close();
    await database?.close();
    await rm(dir, { recursive: true, force: true });
    await rm(outside, { recursive: true, force: true });
  });

  async function anchored() {
    try {
      return parseCheckpointLines(await readFile(anchorPath(), 'utf8')).checkpoints;
    } catch {
      return [];
    }
  }

  it('checkpoints by time on its timer when there were events, and the verify route checks against the anchor', async () => {
    const runtime = server.app.accessRuntime;
    const admin = await runtime.repo.createUser({ username: `root-${crypto.randomUUID().slice(0, 8)}`, displayName: 'Root', platformAdmin: true, now: clock.now() });
    const headers = (await openTestSession(runtime, admin.id)).headers;
    expect((await server.app.inject({ method: 'GET', url: '/api/auth/session', headers })).statusCode).toBe(200);
    await runtime.auditSettled();
    const head = (await runtime.audit.head()).sequence;
    expect(head).toBeGreaterThan(0);
    expect(await anchored()).toEqual([]);

    // No further request: only the timer can write the checkpoint once the interval has passed.
    clock.advance(10_000);
    const deadline = Date.now() + 10_000;
    while ((await anchored()).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    const [checkpoint] = await anchored();
    expect(checkpoint).toMatchObject({ sequence: head, time: clock.now().toISOString() });

    const verified = await server.app.inject({ method: 'GET', url: '/api/audit/verify', headers });
    expect(verified.json()).toMatchObject({
      ok: true,
      anchor: `file ${anchorPath()}`,
      anchorCheckpoints: 1,
      keyFingerprint: auditKeyFingerprint(runtime.auditKey.publicKey),
    });
  }, 60_000);
});
