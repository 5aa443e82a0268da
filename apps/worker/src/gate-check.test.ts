import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOcrPixelStage, type OcrPixelStage } from '@delineate/deid';
import { AccessRepository, BlobKey, LocalBlobStore, QuarantineReviewRepository, testing, type Database } from '@delineate/store';
import { requireTestData } from '@delineate/testkit';
import { checkQuarantinedGate } from './gate-check';
import { ingestDicom } from './ingest';
import { projectDeidSettings } from './project-deid';

// The steward's trial of the gate on the shared ultrasound with its burned-in patient banner:
// the real OCR decides, and nothing but the outcome is written.
describe('a steward trial of the gate', () => {
  let database: Database;
  let blobs: LocalBlobStore;
  let dir: string;
  let projectId: string;
  let stage: OcrPixelStage;
  let recordId: string;
  let stewardId: string;
  const clock = () => new Date();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dln-gate-check-'));
    database = await testing.createTestDatabase('pglite');
    blobs = new LocalBlobStore({ dir, key: BlobKey.generate() });
    projectId = await testing.createDemoProject(database);
    stage = createOcrPixelStage();
    stewardId = (await new AccessRepository(database.db).createUser({ username: 'steward', displayName: 'S', now: new Date() })).id;
    const input = new Uint8Array(readFileSync(requireTestData('dicom/deid-data/GREYSCALE_IMAGE.dcm')));
    const settings = await projectDeidSettings({ database, blobs, clock }, projectId);
    const report = await ingestDicom({ database, blobs, clock }, [input], { projectId, ...settings, pixelStage: stage, validator: null });
    expect(report).toMatchObject({ quarantined: 1, batchId: expect.any(String) });
    recordId = report.records[0]!.recordId;
    const row = await database.db.selectFrom('deid_records').select('ingest_batch_id').where('id', '=', recordId).executeTakeFirstOrThrow();
    expect(row.ingest_batch_id).toBe(report.batchId);
  }, 120_000);
  afterAll(async () => {
    await stage?.close();
    await blobs.close();
    await database.close();
    await rm(dir, { recursive: true, force: true });
  });

  const trial = async (regions: { x: number; y: number; width: number; height: number }[]) => {
    const reviews = new QuarantineReviewRepository(database.db);
    const checkId = await reviews.createCheck({ recordId, regions, requestedBy: stewardId, now: new Date() });
    const result = await checkQuarantinedGate({ database, blobs, clock }, { projectId, recordId, checkId, regions }, stage, null);
    return { result, stored: await reviews.check(checkId) };
  };

  it('fails while part of the banner is left, naming the frame and never the text', { timeout: 120_000 }, async () => {
    const { result, stored } = await trial([{ x: 0, y: 0, width: 60, height: 24 }]);
    expect(result.outcome).toBe('fails');
    expect(result.findings.some((f) => f.kind === 'burned-in-text' && f.where === '7fe00010 PixelData frame 0')).toBe(true);
    expect(stored).toMatchObject({ outcome: 'fails', finishedAt: expect.any(Date) });
    expect(JSON.stringify(stored!.findings)).not.toMatch(/detail|text":/);
  });

  it('passes with the whole banner blanked, and records no instance, item or new record', { timeout: 120_000 }, async () => {
    const before = await database.db.selectFrom('deid_records').select('id').execute();
    const { result, stored } = await trial([{ x: 0, y: 0, width: 1024, height: 24 }]);
    expect(result).toEqual({ outcome: 'passes', findings: [] });
    expect(stored).toMatchObject({ outcome: 'passes' });
    expect(await database.db.selectFrom('deid_records').select('id').execute()).toHaveLength(before.length);
    expect(await database.db.selectFrom('items').select('id').where('project_id', '=', projectId).execute()).toHaveLength(0);
  });
});
