import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDciodvfyValidator, createOcrPixelStage } from '@delineate/deid';
import { encodeRgbPng, generateSyntheticFundus, getString, readDicomFile, writeOphthalmicPhoto } from '@delineate/formats';
import { BlobKey, FundusPhotoRepository, ItemRepository, LocalBlobStore, testing, type Database } from '@delineate/store';
import { dciodvfyAvailable, requireTestData, runDciodvfy } from '@delineate/testkit';
import { ingestPhotographs } from './fundus-upload';
import { ingestDicom } from './ingest';
import { projectDeidSettings } from './project-deid';
import { redactQuarantined } from './redact';

describe.each(testing.testDatabaseKinds().run)('fundus photograph ingest on %s', (kind) => {
  let database: Database;
  let blobs: LocalBlobStore;
  let dir: string;
  let projectId: string;
  const clock = () => new Date(Date.UTC(2025, 5, 1, 10, 0, 0));
  const deps = () => ({ database, blobs, clock });
  const options = async () => ({ projectId, ...(await projectDeidSettings(deps(), projectId)), acceptedModalities: ['OP', 'OT'] as const, validator: null });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dln-fundus-ingest-'));
    database = await testing.createTestDatabase(kind);
    blobs = new LocalBlobStore({ dir, key: BlobKey.generate() });
    projectId = await testing.createDemoProject(database);
  });
  afterAll(async () => {
    await blobs.close();
    await database.close();
    await rm(dir, { recursive: true, force: true });
  });

  it.skipIf(!dciodvfyAvailable())('wraps a PNG into an OP 8 Bit instance at ingest: a photo item with the form’s laterality whose stored instance passes dciodvfy', async () => {
    const fundus = generateSyntheticFundus({ width: 300, height: 250, laterality: 'OS' });
    const validator = createDciodvfyValidator();
    try {
      const report = await ingestPhotographs(deps(), [{ bytes: encodeRgbPng(fundus.pixels), laterality: 'OS', subjectId: 'EYE-STUDY-001' }], { ...(await options()), validator });
      expect(report).toMatchObject({ passed: 1, rejected: 0, quarantined: 0 });
      const itemId = report.items[0]!.itemId;
      const item = await new ItemRepository(database.db).getItem(itemId);
      expect(item.target.kind).toBe('photo');
      expect(await new FundusPhotoRepository(database.db).get(itemId)).toMatchObject({ laterality: 'OS', pixelSpacingMm: null, width: 300, height: 250 });
      const instance = (await new ItemRepository(database.db).listInstances(report.items[0]!.seriesId))[0]!;
      const stored = await blobs.get(instance.blobHash);
      const { dataset } = readDicomFile(stored);
      expect(getString(dataset, 0x00080060)).toBe('OP');
      expect(getString(dataset, 0x00200062)).toBe('L');
      // The subject identifier the uploader gave is pseudonymised by the gate.
      expect(Buffer.from(stored).toString('latin1')).not.toContain('EYE-STUDY-001');
      const path = join(dir, 'stored-op.dcm');
      await writeFile(path, stored);
      const check = runDciodvfy(path);
      expect(check.iod).toBe('OphthalmicPhotography8BitImage');
      expect(check.errors).toEqual([]);
    } finally {
      await validator.close();
    }
  });

  it('refuses a photograph without the eye, and a file that is no photograph, leaving nothing', async () => {
    const before = await database.db.selectFrom('items').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    const fundus = generateSyntheticFundus({ width: 40, height: 30 });
    const report = await ingestPhotographs(
      deps(),
      [
        { bytes: encodeRgbPng(fundus.pixels), laterality: undefined, subjectId: 'S' },
        { bytes: new TextEncoder().encode('not an image'), laterality: 'OD', subjectId: 'S' },
      ],
      await options(),
    );
    expect(report.files.map((f) => [f.status, f.code])).toEqual([
      ['rejected', 'DLN_PHOTO_LATERALITY_REQUIRED'],
      ['rejected', 'DLN_PHOTO_UNSUPPORTED'],
    ]);
    const after = await database.db.selectFrom('items').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);
  });

  it('takes a DICOM OP 16 Bit image with its own laterality (R → OD) and pixel spacing', async () => {
    const pixels = { kind: 'grey16' as const, width: 64, height: 48, data: new Uint16Array(64 * 48).map((_, i) => (i * 37) % 65535) };
    const bytes = writeOphthalmicPhoto({ pixels, laterality: 'OD', acquiredAt: clock(), subjectId: 'EYE-2', uidSeed: 'op16-ingest', pixelSpacingMm: [0.012, 0.01] });
    const report = await ingestDicom(deps(), [bytes], await options());
    expect(report.passed).toBe(1);
    const photo = await new FundusPhotoRepository(database.db).get(report.items[0]!.itemId);
    // Pixel Spacing is row then column: 0.012 mm between rows, 0.01 between columns.
    expect(photo).toMatchObject({ laterality: 'OD', pixelSpacingMm: [0.01, 0.012] });
  });

  it('holds the real Secondary Capture fundus (JPEG 2000) for a steward, then makes it a photo item once reviewed, eye not stated', async () => {
    const bytes = new Uint8Array(readFileSync(requireTestData('dicom/wg04/VL4_fundus_j2k.dcm')));
    // The project accepts OP (and OT, which the Secondary Capture names as its modality).
    await database.db.updateTable('projects').set({ accepted_modalities: JSON.stringify(['OP', 'OT']) }).where('id', '=', projectId).execute();
    // A Secondary Capture may carry burned-in text, and a colour retina is a recognisable feature:
    // the gate's OCR pixel stage reads it and holds it for a data steward.
    const stage = createOcrPixelStage();
    try {
      const held = await ingestDicom(deps(), [bytes], { ...(await options()), pixelStage: stage });
      expect(held.files.map((f) => f.status)).toEqual(['quarantined']);
      expect(held.items).toEqual([]);
      const record = await database.db.selectFrom('deid_records').select(['id', 'findings']).where('id', '=', held.files[0]!.recordId!).executeTakeFirstOrThrow();
      const found = (record.findings as Array<{ region?: { x: number; y: number; width: number; height: number } }>).flatMap((f) => (f.region ? [f.region] : []));
      // The steward blanks what OCR found (or marks a corner when it found nothing) and sends it through again.
      const boxes = found.map(({ x, y, width, height }) => ({ x, y, width, height }));
      const regions = boxes.length === 0 ? [{ x: 0, y: 0, width: 8, height: 8 }] : boxes.slice(0, 64);
      const reviewed = await redactQuarantined(deps(), { projectId, recordId: record.id, regions }, stage, null);
      expect(reviewed.files.map((f) => [f.status, f.reason ?? ''])).toEqual([['passed', '']]);
      const itemId = reviewed.items[0]!.itemId;
      expect((await new ItemRepository(database.db).getItem(itemId)).target.kind).toBe('photo');
      expect(await new FundusPhotoRepository(database.db).get(itemId)).toMatchObject({ laterality: null, width: 2226, height: 1868 });
    } finally {
      await stage.close();
    }
  }, 600_000);

  it('keeps a colour image a volume item in a project that does not accept OP', async () => {
    const fundus = generateSyntheticFundus({ width: 32, height: 24 });
    const bytes = writeOphthalmicPhoto({ pixels: fundus.pixels, laterality: 'OD', acquiredAt: clock(), subjectId: 'S', uidSeed: 'sc-like' });
    // An OP instance is a photograph wherever it is accepted; the acceptance rule only widens it to other colour stills.
    const report = await ingestDicom(deps(), [bytes], { ...(await options()), acceptedModalities: ['OP'] });
    expect((await new ItemRepository(database.db).getItem(report.items[0]!.itemId)).target.kind).toBe('photo');
  });
});
