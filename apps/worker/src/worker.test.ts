import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DelineateError } from '@delineate/schema';
import { BlobKey, JobQueue, LocalBlobStore, testing, type Database } from '@delineate/store';
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

  it('runs jobs of its own region and kinds, completes them, and records failures without their text', async () => {
    const queue = new JobQueue(database.db);
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
      handlers: {
        'test.ok': async (job) => {
          done.push(job.payload);
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
      handlers: { 'test.poll': async (job) => void seen.push(job.id) },
    });
    worker.start();
    const job = await queue.enqueue({ kind: 'test.poll', region: 'uk', payload: {} });
    for (let i = 0; i < 100 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    await worker.stop();
    expect(seen).toEqual([job.id]);
  });
});
