import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOcrPixelStage, type OcrPixelStage } from '@delineate/deid';
import { generateCtPhantom } from '@delineate/formats';
import { BlobKey, ItemRepository, LocalBlobStore, readSubjectIdentities, testing, type Database } from '@delineate/store';
import { requireTestData } from '@delineate/testkit';
import { ingestDicom } from './ingest';
import { projectDeidSettings } from './project-deid';
import { redactJobHandler, redactQuarantined } from './redact';
import { createDciodvfyValidator } from '@delineate/deid';
import { dciodvfyAvailable } from '@delineate/testkit';

describe.each(testing.testDatabaseKinds().run)('ingest gate on %s', (kind) => {
  let database: Database;
  let blobs: LocalBlobStore;
  let dir: string;
  let projectId: string;
  let stage: OcrPixelStage;
  const clock = () => new Date();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dln-ingest-'));
    database = await testing.createTestDatabase(kind);
    blobs = new LocalBlobStore({ dir, key: BlobKey.generate() });
    projectId = await testing.createDemoProject(database);
    stage = createOcrPixelStage();
  });
  afterAll(async () => {
    await stage?.close();
    await blobs.close();
    await database.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('records a CT series as one volume item in grid order, every file with a passed record', async () => {
    const phantom = generateCtPhantom({ slices: 6, rows: 32, columns: 32, seed: 3 });
    // Shuffled input: the grid order comes from the geometry, not the file order.
    const files = [3, 0, 5, 1, 4, 2].map((i) => phantom.slices[i]!.bytes);
    const settings = await projectDeidSettings({ database, blobs, clock }, projectId);
    const report = await ingestDicom({ database, blobs, clock }, files, { projectId, ...settings, validator: null });
    expect(report).toMatchObject({ passed: 6, quarantined: 0 });
    expect(report.items).toHaveLength(1);
    const series = await database.db.selectFrom('series').selectAll().where('id', '=', report.items[0]!.seriesId).executeTakeFirstOrThrow();
    expect([series.rows, series.columns, series.slices]).toEqual([32, 32, 6]);
    expect(series.spacing![2]).toBeCloseTo(phantom.spacing[2], 6);
    expect(series.origin![2]).toBeCloseTo(phantom.origin[2], 6);
    const instances = await new ItemRepository(database.db).listInstances(series.id);
    expect(instances.map((i) => i.instanceNumber)).toEqual([1, 2, 3, 4, 5, 6]);
    // Each instance's bytes are exactly those of a passed record: the de-identified output.
    for (const instance of instances) {
      const record = await database.db.selectFrom('deid_records').select('status').where('output_hash', '=', instance.blobHash).executeTakeFirstOrThrow();
      expect(record.status).toBe('passed');
      const text = Buffer.from(await blobs.get(instance.blobHash)).toString('latin1');
      expect(text).not.toContain('Phantom^Liver');
      expect(text).not.toContain('PHANTOM-0001');
    }
    expect(report.items[0]!.subjectPseudonym).toMatch(/^P-/);
    // The re-identification key is kept, encrypted, for the data steward.
    const identities = await readSubjectIdentities({ database, blobs }, projectId);
    expect(identities).toEqual([{ pseudonym: report.items[0]!.subjectPseudonym, patientId: 'PHANTOM-0001', issuerOfPatientId: null, patientName: 'Phantom^Liver' }]);
    const row = await database.db.selectFrom('subject_identities').selectAll().executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain('PHANTOM');
  });

  it('refuses, in the store itself, an instance whose bytes have no passed de-identification record', async () => {
    const series = await database.db.selectFrom('series').select('id').executeTakeFirstOrThrow();
    const { hash } = await blobs.put(new TextEncoder().encode('not de-identified'));
    await expect(new ItemRepository(database.db).addInstances([{ seriesId: series.id, sopInstanceUid: '2.25.1', instanceNumber: 99, blobHash: hash }])).rejects.toThrow();
    const count = await database.db.selectFrom('instances').select((eb) => eb.fn.countAll<number>().as('n')).where('series_id', '=', series.id).executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(6);
  });

  it('quarantines the ultrasound with a burned-in banner, then records it once a steward has redacted the banner', { timeout: 120_000 }, async () => {
    const input = new Uint8Array(readFileSync(requireTestData('dicom/deid-data/GREYSCALE_IMAGE.dcm')));
    const settings = await projectDeidSettings({ database, blobs, clock }, projectId);
    const first = await ingestDicom({ database, blobs, clock }, [input], { projectId, ...settings, pixelStage: stage, validator: null });
    expect(first).toMatchObject({ passed: 0, quarantined: 1, items: [] });
    const recordId = first.records[0]!.recordId;
    const findings = await database.db.selectFrom('deid_records').select('findings').where('id', '=', recordId).executeTakeFirstOrThrow();
    expect(JSON.stringify(findings.findings)).toContain('burned-in-text');

    const redacted = await redactQuarantined({ database, blobs, clock }, { projectId, recordId, regions: [{ x: 0, y: 0, width: 1024, height: 24 }] }, stage, null);
    expect(redacted).toMatchObject({ passed: 1, quarantined: 0 });
    expect(redacted.items).toHaveLength(1);
    const series = await database.db.selectFrom('series').selectAll().where('id', '=', redacted.items[0]!.seriesId).executeTakeFirstOrThrow();
    expect([series.rows, series.columns, series.slices]).toEqual([768, 1024, 1]);
    await expect(redactQuarantined({ database, blobs, clock }, { projectId, recordId: redacted.records[0]!.recordId, regions: [{ x: 0, y: 0, width: 1, height: 1 }] }, stage, null)).rejects.toMatchObject({
      code: 'DLN_CONFLICT',
    });
  });

  it.skipIf(!dciodvfyAvailable())('fails a redaction job whose redacted file the gate rejects, with the file\'s code', { timeout: 180_000 }, async () => {
    const project = await testing.createDemoProject(database);
    const input = new Uint8Array(readFileSync(requireTestData('dicom/deid-data/GREYSCALE_IMAGE.dcm')));
    const settings = await projectDeidSettings({ database, blobs, clock }, project);
    const quarantined = await ingestDicom({ database, blobs, clock }, [input], { projectId: project, ...settings, pixelStage: stage, validator: null });
    expect(quarantined.files[0]!.status).toBe('quarantined');
    // The same image, redacted at ingest, is recorded under the SOP Instance UID the redaction will produce.
    const banner = { x: 0, y: 0, width: 1024, height: 24, source: 'steward' };
    const recorded = await ingestDicom({ database, blobs, clock }, [input], { projectId: project, ...settings, pixelStage: stage, validator: null, stewardRegions: [banner] });
    expect(recorded.files[0]!.status).toBe('passed');
    // Other rectangles give other bytes under that UID: a conflict, so the job fails, with the code.
    const validator = createDciodvfyValidator({ shells: 1 });
    try {
      const handler = redactJobHandler(() => stage, () => validator);
      const now = new Date().toISOString();
      const job = {
        id: crypto.randomUUID(),
        kind: 'deid.redact',
        region: 'local',
        payload: { projectId: project, recordId: quarantined.records[0]!.recordId, regions: [{ x: 0, y: 0, width: 1024, height: 30 }] },
        status: 'running',
        attempts: 1,
        maxAttempts: 3,
        runAt: now,
        lockedBy: 'test',
        lockedAt: now,
        lastError: null,
        createdAt: now,
        finishedAt: null,
      } as const;
      await expect(handler(job as unknown as Parameters<typeof handler>[0], { database, blobs, clock })).rejects.toMatchObject({ code: 'DLN_INGEST_CONFLICT' });
    } finally {
      validator.close();
    }
  });
});
