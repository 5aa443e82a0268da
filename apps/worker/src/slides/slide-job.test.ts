import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SLIDE_INGEST_JOB_KIND } from '@delineate/schema';
import { AuditLog, BlobKey, JobQueue, LocalBlobStore, testing, type Database } from '@delineate/store';
import { requireTestData } from '@delineate/testkit';
import { createWorker } from '../worker';
import { slideIngestJobHandler } from './slide-job';

describe('the slide ingest job', { timeout: 120_000 }, () => {
  let database: Database;
  let blobs: LocalBlobStore;
  let dir: string;
  let projectId: string;
  const clock = () => new Date();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dln-slide-job-'));
    database = await testing.createTestDatabase('pglite');
    blobs = new LocalBlobStore({ dir, key: BlobKey.generate() });
    projectId = await testing.createDemoProject(database);
  });
  afterAll(async () => {
    await blobs?.close();
    await database?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('converts a queued slide, records its progress to 100 % and names the item in its audit event; a bad one fails with its code', async () => {
    const queue = new JobQueue(database.db, { clock });
    const audit = new AuditLog(database.db, { now: clock });
    const good = await queue.enqueue({ kind: SLIDE_INGEST_JOB_KIND, region: 'eu', payload: { projectId, source: { kind: 'file', path: requireTestData('wsi/boxes.tiff')! } } });
    const bad = await queue.enqueue({ kind: SLIDE_INGEST_JOB_KIND, region: 'eu', payload: { projectId, source: { kind: 'file', path: join(dir, 'missing.svs') } }, maxAttempts: 1 });
    const worker = createWorker({ database, blobs, clock, region: 'eu', audit, handlers: { [SLIDE_INGEST_JOB_KIND]: slideIngestJobHandler() } });
    expect(await worker.runOnce()).toBe(true);
    expect(await worker.runOnce()).toBe(true);
    expect((await queue.get(good.id)).status).toBe('succeeded');
    expect(await queue.progressOf(good.id)).toEqual({ stage: 'store', percent: 100 });
    const failed = await queue.get(bad.id);
    expect([failed.status, failed.lastError?.split(':')[0]]).toEqual(['failed', 'DLN_SLIDE_UNREADABLE']);
    const item = await database.db.selectFrom('items').select(['id', 'kind']).where('project_id', '=', projectId).where('kind', '=', 'slide_region').executeTakeFirstOrThrow();
    const events = await audit.range(new Date(0), new Date(Date.now() + 60_000));
    expect(events.filter((event) => event.objectType === 'item' && event.objectId === item.id)).toHaveLength(1);
  });
});
