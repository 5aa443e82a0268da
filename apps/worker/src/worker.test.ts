import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DelineateError } from '@delineate/schema';
import { AuditLog, BlobKey, JobQueue, LocalBlobStore, testing, type Database } from '@delineate/store';
import { createWorker } from './worker';

describe.each(testing.testDatabaseKinds().run)('worker on %s', (kind) => {
  let database: Database;
  let blobs: LocalBlobStore;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dln-worker-'));
    database = await testing.createTestDatabase(kind);
    blobs = new LocalBlobStore({ dir, key: BlobKey.generate() });
  });
  afterAll(async () => {
    await blobs.close();
    await database.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('runs jobs of its own region and kinds, completes them, records failures without their text, and audits each end', async () => {
    const queue = new JobQueue(database.db);
    const audit = new AuditLog(database.db, { now: () => new Date() });
    const before = (await audit.head()).sequence;
    const done: unknown[] = [];
    const ok = await queue.enqueue({ kind: 'test.ok', region: 'eu', payload: { n: 1 } });
    const elsewhere = await queue.enqueue({ kind: 'test.ok', region: 'us', payload: { n: 2 } });
    const bad = await queue.enqueue({ kind: 'test.bad', region: 'eu', payload: {}, maxAttempts: 1 });
    const crash = await queue.enqueue({ kind: 'test.crash', region: 'eu', payload: {}, maxAttempts: 1 });
    const worker = createWorker({
      database,
      blobs,
      clock: () => new Date(),
      region: 'eu',
      audit,
      handlers: {
        'test.ok': async (job) => {
          done.push(job.payload);
          return { objectType: 'item', objectId: 'item-1', projectId: null };
        },
        'test.bad': async () => {
          throw new DelineateError('DLN_DICOM_INVALID', 'A slice lacks geometry');
        },
        'test.crash': async () => {
          throw new TypeError('Cannot read Doe^John');
        },
      },
    });
    while (await worker.runOnce());
    expect(done).toEqual([{ n: 1 }]);
    expect((await queue.get(ok.id)).status).toBe('succeeded');
    expect((await queue.get(elsewhere.id)).status).toBe('queued');
    const failed = await queue.get(bad.id);
    expect(failed.status).toBe('failed');
    expect(failed.lastError).toBe('DLN_DICOM_INVALID: A slice lacks geometry');
    const crashed = await queue.get(crash.id);
    expect(crashed.lastError).toBe('unexpected TypeError');
    // One event per job that ended, the system as actor, no error text.
    const events: { action: string; objectType: string; objectId: string | null; outcome: string; actorId: string | null }[] = [];
    for await (const row of audit.rows()) if (row.sequence > before) events.push(row);
    expect(events.map(({ action, objectType, objectId, outcome, actorId }) => ({ action, objectType, objectId, outcome, actorId }))).toEqual([
      { action: 'job.test.ok.succeeded', objectType: 'item', objectId: 'item-1', outcome: 'success', actorId: null },
      { action: 'job.test.bad.failed', objectType: 'job', objectId: bad.id, outcome: 'error', actorId: null },
      { action: 'job.test.crash.failed', objectType: 'job', objectId: crash.id, outcome: 'error', actorId: null },
    ]);
    expect(JSON.stringify(events)).not.toContain('Doe');
  });

  it('polls until stopped', async () => {
    const queue = new JobQueue(database.db);
    const seen: string[] = [];
    const worker = createWorker({
      database,
      blobs,
      clock: () => new Date(),
      region: 'uk',
      idleMs: 20,
      audit: new AuditLog(database.db, { now: () => new Date() }),
      handlers: { 'test.poll': async (job) => void seen.push(job.id) },
    });
    worker.start();
    const job = await queue.enqueue({ kind: 'test.poll', region: 'uk', payload: {} });
    for (let i = 0; i < 100 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    await worker.stop();
    expect(seen).toEqual([job.id]);
  });

  it('renews the lease of a job that runs longer than it, so a second worker does not take the job again', async () => {
    const leaseMs = 3000;
    const queue = new JobQueue(database.db, { leaseMs });
    const job = await queue.enqueue({ kind: 'test.long', region: 'ca', payload: {} });
    const runs: string[] = [];
    let finish!: () => void;
    const long = new Promise<void>((resolve) => (finish = resolve));
    const audit = new AuditLog(database.db, { now: () => new Date() });
    const first = createWorker({ database, blobs, clock: () => new Date(), region: 'ca', audit, leaseMs, workerId: 'first', handlers: { 'test.long': async () => { runs.push('first'); await long; } } });
    const second = createWorker({ database, blobs, clock: () => new Date(), region: 'ca', audit, leaseMs, workerId: 'second', handlers: { 'test.long': async () => void runs.push('second') } });
    const running = first.runOnce();
    // Two and a half leases: without the heartbeat the job would be stale and claimed again.
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setTimeout(r, 1500));
      expect(await second.runOnce()).toBe(false);
    }
    const held = await queue.get(job.id);
    expect(held.status).toBe('running');
    finish();
    expect(await running).toBe(true);
    expect(runs).toEqual(['first']);
    expect((await queue.get(job.id)).status).toBe('succeeded');
    // Once the job has ended nothing renews it: the heartbeat is gone with the handler.
    expect(await queue.renewLease(job.id, 'first')).toBe(false);
  }, 20_000);
});
