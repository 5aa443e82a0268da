// A job thread that ends badly (a crash, a stuck computation, memory past its limit, statements
// left in flight) fails its job with a coded reason and gives back every connection it was lent:
// the serving thread's database (PGlite's one connection, PostgreSQL's pool) keeps answering.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog, BlobKey, JobQueue, LocalBlobStore, testing, type Database } from '@delineate/store';
import { createWorker } from '@delineate/worker';
import { threadedJobHandlers, type JobThreadOptions } from './job-threads';

const handlersModule = new URL('../test/thread-failure.fixture.ts', import.meta.url).href;

/** `promise`, or a failure naming `what` once `ms` have passed: a hang fails the test instead of stalling it. */
function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not end within ${ms} ms`)), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

describe.each(testing.testDatabaseKinds().run)('job threads that end badly, on %s', (kind) => {
  let database: Database;
  let blobs: LocalBlobStore;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dln-job-thread-failures-'));
    database = await testing.createTestDatabase(kind);
    blobs = new LocalBlobStore({ dir, key: BlobKey.generate() });
  });
  afterAll(async () => {
    await blobs.close();
    await database.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Runs one job of `kind` through its thread; returns the job as the queue then has it. */
  async function runThreaded(jobKind: string, options: Partial<JobThreadOptions> = {}) {
    const queue = new JobQueue(database.db);
    const job = await queue.enqueue({ kind: jobKind, region: 'eu', payload: {}, maxAttempts: 1 });
    const audit = new AuditLog(database.db, { now: () => new Date() });
    const handlers = threadedJobHandlers([jobKind], { database, blobs, clock: () => new Date(), handlersModule, ...options });
    const worker = createWorker({ database, blobs, clock: () => new Date(), region: 'eu', audit, handlers });
    expect(await within(60_000, `the ${jobKind} job`, worker.runOnce())).toBe(true);
    return queue.get(job.id);
  }

  /** The serving thread can still read and write in a transaction (no connection is held by a thread). */
  async function databaseAnswers(): Promise<void> {
    const count = within(10_000, 'a transaction of the serving thread', database.db.transaction().execute((trx) => trx.selectFrom('jobs').select('id').execute()));
    await expect(count).resolves.toBeInstanceOf(Array);
  }

  it('gives back a connection asked for by a thread that ended before it was given', { timeout: 120_000 }, async () => {
    // Six such threads would leave PostgreSQL's pool of ten without a connection, PGlite at the first.
    for (let i = 0; i < 6; i++) expect((await runThreaded('test.abandoned')).status).toBe('succeeded');
    await databaseAnswers();
  });

  it('fails the job of a thread that ended mid-transaction with DLN_JOB_THREAD_FAILED, and rolls its transaction back', { timeout: 120_000 }, async () => {
    const job = await runThreaded('test.crash');
    expect(job.status).toBe('failed');
    expect(job.lastError).toBe('DLN_JOB_THREAD_FAILED: The test.crash job’s thread ended before its result');
    expect(await new JobQueue(database.db).progressOf(job.id)).toBeNull();
    await databaseAnswers();
  });

  it('ends a stuck thread after its time limit with DLN_JOB_THREAD_TIMEOUT, rolling its transaction back', { timeout: 120_000 }, async () => {
    const job = await runThreaded('test.stuck', { timeoutMs: 4000 });
    expect(job.status).toBe('failed');
    expect(job.lastError).toBe('DLN_JOB_THREAD_TIMEOUT: The test.stuck job ran past its time limit in its thread');
    expect(await new JobQueue(database.db).progressOf(job.id)).toBeNull();
    await databaseAnswers();
  });

  it('fails the job of a thread past its heap limit with DLN_JOB_THREAD_FAILED', { timeout: 120_000 }, async () => {
    const job = await runThreaded('test.greedy', { maxHeapMb: 96 });
    expect(job.status).toBe('failed');
    expect(job.lastError).toBe('DLN_JOB_THREAD_FAILED: The test.greedy job ran out of memory in its thread');
    await databaseAnswers();
  });
});
