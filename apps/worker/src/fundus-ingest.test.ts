import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDciodvfyValidator } from '@delineate/deid';
import { encodeRgbPng, generateSyntheticFundus, getString, readDicomFile, writeOphthalmicPhoto } from '@delineate/formats';
import { BlobKey, FundusPhotoRepository, ItemRepository, LocalBlobStore, testing, type Database } from '@delineate/store';
import { dciodvfyAvailable, requireTestData, runDciodvfy } from '@delineate/testkit';
import { ingestPhotographs } from './fundus-upload';
import { ingestDicom } from './ingest';
import { photoFacts } from './fundus-ingest';
import { imageGeometry } from './image-geometry';
import { projectDeidSettings } from './project-deid';

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

  it('reads the real Secondary Capture fundus (JPEG 2000) as a photograph in a project accepting OP, eye not stated', () => {
    // Through the gate this file is held for a data steward (a colour retina is a recognisable
    // feature and a Secondary Capture has no pixel rule); once passed, this decides its item.
    const { dataset } = readDicomFile(new Uint8Array(readFileSync(requireTestData('dicom/wg04/VL4_fundus_j2k.dcm'))));
    const image = imageGeometry(dataset);
    expect([image.columns, image.rows, image.frames]).toEqual([2226, 1868, 1]);
    expect(photoFacts(dataset, image, true, undefined)).toEqual({ laterality: null, pixelSpacingMm: null });
    expect(photoFacts(dataset, image, true, 'OS')).toEqual({ laterality: 'OS', pixelSpacingMm: null });
    // A project that does not take OP keeps it a one-slice image volume.
    expect(photoFacts(dataset, image, false, undefined)).toBeUndefined();
  });

  it('keeps a colour image a volume item in a project that does not accept OP', async () => {
    const fundus = generateSyntheticFundus({ width: 32, height: 24 });
    const bytes = writeOphthalmicPhoto({ pixels: fundus.pixels, laterality: 'OD', acquiredAt: clock(), subjectId: 'S', uidSeed: 'sc-like' });
    // An OP instance is a photograph wherever it is accepted; the acceptance rule only widens it to other colour stills.
    const report = await ingestDicom(deps(), [bytes], { ...(await options()), acceptedModalities: ['OP'] });
    expect((await new ItemRepository(database.db).getItem(report.items[0]!.itemId)).target.kind).toBe('photo');
  });
});
