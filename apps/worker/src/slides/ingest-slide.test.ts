import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesSource, entryNumbers, readTiff, TIFF_TAG, writeTiff } from '@delineate/formats';
import { BlobKey, LocalBlobStore, slideDicomSource, slideInfoForItem, testing, type Database } from '@delineate/store';
import { requireTestData, sparseDicomSlide, synthesizeNdpiSlide, synthesizeSlide } from '@delineate/testkit';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { writeSyntheticHeSlide } from '@delineate/wsi';
import { projectDeidSettings } from '../project-deid';
import { ingestSlide, type SlideIngestStage, type SlideSource } from './ingest-slide';

describe.each(testing.testDatabaseKinds().run)('slide ingest on %s', { timeout: 300_000 }, (kind) => {
  let database: Database;
  let blobs: LocalBlobStore;
  let dir: string;
  let projectId: string;
  const clock = () => new Date();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dln-slide-ingest-'));
    database = await testing.createTestDatabase(kind);
    blobs = new LocalBlobStore({ dir: join(dir, 'blobs'), key: BlobKey.generate() });
    projectId = await testing.createDemoProject(database);
  });
  afterAll(async () => {
    await blobs?.close();
    await database?.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function ingest(source: SlideSource, stages?: Set<SlideIngestStage>) {
    const settings = await projectDeidSettings({ database, blobs, clock }, projectId);
    return ingestSlide({ database, blobs, clock }, source, { projectId, ...settings, onProgress: (stage) => stages?.add(stage) });
  }

  /** The stored pyramid: a tiled JPEG BigTIFF of 256² tiles whose base has the slide's size. */
  async function storedPyramid(slideId: string) {
    const slide = await database.db.selectFrom('slides').selectAll().where('id', '=', slideId).executeTakeFirstOrThrow();
    const bytes = await blobs.get(slide.pyramid_hash);
    const tiff = readTiff(bytesSource(bytes));
    expect(tiff.bigTiff).toBe(true);
    const base = tiff.images[0]!;
    expect(entryNumbers(base, TIFF_TAG.Compression)).toEqual([7]);
    expect(entryNumbers(base, TIFF_TAG.TileWidth)).toEqual([256]);
    expect(entryNumbers(base, TIFF_TAG.ImageWidth)).toEqual([slide.width]);
    const record = await database.db.selectFrom('deid_records').select(['status', 'actions']).where('output_hash', '=', slide.pyramid_hash).executeTakeFirstOrThrow();
    expect(record.status).toBe('passed');
    return { slide, bytes, record };
  }

  it.each([
    ['wsi/small.svs', 16, 16, 0.499, 20],
    ['wsi/boxes.tiff', 300, 250, null, null],
  ])('converts the shared %s and passes it through the gate', async (file, width, height, mpp, magnification) => {
    const stages = new Set<SlideIngestStage>();
    const report = await ingest({ kind: 'file', path: requireTestData(file)! }, stages);
    expect(report.files[0]).toMatchObject({ status: 'passed', kept: 'slide' });
    expect([...stages]).toEqual(['read', 'convert', 'gate', 'store']);
    const { slide } = await storedPyramid(report.slides![0]!.slideId);
    expect([slide.width, slide.height, slide.mpp, slide.magnification]).toEqual([width, height, mpp, magnification]);
    const item = await database.db.selectFrom('items').selectAll().where('id', '=', report.slides![0]!.itemId).executeTakeFirstOrThrow();
    expect([item.kind, item.region_width, item.region_height]).toEqual(['slide_region', width, height]);
    const info = await slideInfoForItem(database.db, item.id);
    expect(info).toMatchObject({ width, height, tileWidth: 256, tileHeight: 256, mppX: mpp, magnification, pyramidHash: slide.pyramid_hash });
    expect(info.levels[0]).toMatchObject({ width, height, downsample: 1 });
    await expect(slideInfoForItem(database.db, '00000000-0000-4000-8000-000000000000')).rejects.toMatchObject({ code: 'DLN_NOT_FOUND' });
  });

  it('converts the shared DICOM whole-slide image (TILED_FULL) and keeps none of its text', async () => {
    const report = await ingest({ kind: 'dicom', paths: [requireTestData('dicom/highdicom/sm_image.dcm')!] });
    expect(report.files[0]).toMatchObject({ status: 'passed', kept: 'slide' });
    const { slide, bytes } = await storedPyramid(report.slides![0]!.slideId);
    expect([slide.width, slide.height, slide.source_format]).toEqual([50, 50, 'dicom']);
    const text = Buffer.from(bytes).toString('latin1');
    for (const value of ['Test^Patient', 'S19-1_A_1_1']) expect(text).not.toContain(value);
    // The SEG source facts are kept for DICOM SEG exports, with none of the source's identity.
    const kept = (await slideDicomSource(database.db, slide.id))!;
    expect(kept).toMatchObject({ totalPixelMatrixColumns: 50, totalPixelMatrixRows: 50, tileRows: 10, tileColumns: 10, tiledFull: true, pixelSpacing: [0.000499, 0.000499] });
    const keptText = JSON.stringify(kept);
    for (const value of ['Test^Patient', 'AA01', 'S19-1', '1.2.826.0.1.3680043.9.7433', '2.25.281821656492584880365678271074145532563']) expect(keptText).not.toContain(value);
    expect(kept.containerIdentifier).toBe(report.slides![0]!.subjectPseudonym);
  });

  it('removes label and macro images of a synthetic SVS and a generic TIFF; no planted value is left in any byte', async () => {
    for (const style of ['aperio', 'generic'] as const) {
      const synthetic = synthesizeSlide({ style, width: 512, height: 384 });
      const path = join(dir, `planted-${style}.${style === 'aperio' ? 'svs' : 'tiff'}`);
      writeFileSync(path, synthetic.bytes);
      const report = await ingest({ kind: 'file', path });
      expect(report.files[0]).toMatchObject({ status: 'passed' });
      const { bytes, record } = await storedPyramid(report.slides![0]!.slideId);
      const actions = JSON.parse(JSON.stringify(record.actions)) as { action: string }[];
      expect(actions.map((a) => a.action)).toEqual(expect.arrayContaining(['X-label', 'X-macro']));
      const haystack = Buffer.from(bytes);
      for (const value of Object.values(synthetic.phi)) expect(haystack.indexOf(Buffer.from(value, 'latin1'))).toBe(-1);
      expect(haystack.indexOf(Buffer.from(synthetic.labelPixels.subarray(0, 48)))).toBe(-1);
    }
  });

  it('ingests the synthetic H&E slide: label and macro gone, its identifying text absent from every byte, pixel size and objective kept', async () => {
    const path = join(dir, 'he.svs');
    const written = writeSyntheticHeSlide(path, { width: 2048, height: 1536 });
    const report = await ingest({ kind: 'file', path });
    expect(report.files[0]).toMatchObject({ status: 'passed' });
    const { slide, bytes, record } = await storedPyramid(report.slides![0]!.slideId);
    expect([slide.width, slide.height, slide.mpp, slide.magnification, slide.source_format]).toEqual([2048, 1536, 0.25, 40, 'aperio']);
    expect((slide.levels as unknown[]).length).toBeGreaterThanOrEqual(4);
    const actions = JSON.parse(JSON.stringify(record.actions)) as { action: string }[];
    expect(actions.map((a) => a.action)).toEqual(expect.arrayContaining(['X-label', 'X-macro']));
    const haystack = Buffer.from(bytes);
    for (const value of Object.values(written.phi)) expect(haystack.indexOf(Buffer.from(value, 'latin1'))).toBe(-1);
  });

  it('converts an NDPI-shaped slide: its macro is left out and its reference string, in every IFD, is in no byte of the pyramid', async () => {
    const ndpi = synthesizeNdpiSlide();
    const path = join(dir, 'slide.ndpi');
    writeFileSync(path, ndpi.bytes);
    const report = await ingest({ kind: 'file', path });
    expect(report.files[0]).toMatchObject({ status: 'passed' });
    const { slide, bytes, record } = await storedPyramid(report.slides![0]!.slideId);
    expect([slide.width, slide.height, slide.mpp, slide.magnification, slide.source_format]).toEqual([ndpi.width, ndpi.height, 0.5, 20, 'hamamatsu']);
    expect((JSON.parse(JSON.stringify(record.actions)) as { action: string }[]).map((a) => a.action)).toContain('X-macro');
    for (const value of Object.values(ndpi.phi)) expect(Buffer.from(bytes).indexOf(Buffer.from(value, 'latin1'))).toBe(-1);
  });

  it('places TILED_SPARSE frames by position (the same pyramid as the TILED_FULL original) and leaves the label instance out', async () => {
    const full = readFileSync(requireTestData('dicom/highdicom/sm_image.dcm')!);
    const fixture = sparseDicomSlide(new Uint8Array(full));
    const fullPath = join(dir, 'full.dcm');
    const sparsePath = join(dir, 'sparse.dcm');
    const labelPath = join(dir, 'label.dcm');
    writeFileSync(fullPath, full);
    writeFileSync(sparsePath, fixture.sparse);
    writeFileSync(labelPath, fixture.label);
    const fromFull = await ingest({ kind: 'dicom', paths: [fullPath] });
    const fromSparse = await ingest({ kind: 'dicom', paths: [labelPath, sparsePath] });
    expect(fromSparse.files[0]).toMatchObject({ status: 'passed' });
    const sparse = await storedPyramid(fromSparse.slides![0]!.slideId);
    const original = await storedPyramid(fromFull.slides![0]!.slideId);
    expect(sparse.slide.pyramid_hash).toBe(original.slide.pyramid_hash);
    // Both slides have the same pyramid: the sparse one's own record is read by its id.
    const record = await database.db.selectFrom('deid_records').select('actions').where('id', '=', fromSparse.files[0]!.recordId!).executeTakeFirstOrThrow();
    expect(JSON.parse(JSON.stringify(record.actions)) as { path: string; action: string }[]).toContainEqual({ path: 'instance[0]', action: 'X-label-or-overview' });
    for (const value of Object.values(fixture.phi)) expect(Buffer.from(sparse.bytes).toString('latin1')).not.toContain(value);
  });

  it('quarantines a slide when a removed value is found again in the pyramid, keeping its source encrypted and making no item', async () => {
    // The JPEG Huffman tables vips writes hold this run of letters: a source value equal to it is
    // "found again" in every converted pyramid, which is what the output check must catch.
    const artist = 'STUVWXYZcdefghij';
    const tiff = writeTiff([
      {
        entries: [
          { tag: 256, type: 3, value: [256] },
          { tag: 257, type: 3, value: [256] },
          { tag: 258, type: 3, value: [8, 8, 8] },
          { tag: 259, type: 3, value: [1] },
          { tag: 262, type: 3, value: [2] },
          { tag: 277, type: 3, value: [3] },
          { tag: 315, type: 2, value: artist },
          { tag: 322, type: 3, value: [256] },
          { tag: 323, type: 3, value: [256] },
        ],
        blocks: [new Uint8Array(256 * 256 * 3).fill(180)],
        tiled: true,
      },
    ]);
    const path = join(dir, 'echo.tiff');
    writeFileSync(path, tiff);
    const slidesBefore = await database.db.selectFrom('slides').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    const report = await ingest({ kind: 'file', path });
    expect(report.files[0]).toMatchObject({ status: 'quarantined', code: 'DLN_DEID_QUARANTINED' });
    expect(report.slides).toBeUndefined();
    const record = await database.db.selectFrom('deid_records').selectAll().where('id', '=', report.files[0]!.recordId!).executeTakeFirstOrThrow();
    expect(record.status).toBe('quarantined');
    expect(Buffer.from(await blobs.get(record.source_hash)).equals(Buffer.from(tiff))).toBe(true);
    expect(JSON.stringify(record.findings)).not.toContain(artist);
    const slidesAfter = await database.db.selectFrom('slides').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    expect(slidesAfter.n).toEqual(slidesBefore.n);
  });

  it('converts an Aperio SVS with JPEG 2000 tiles (compression 33005) to the same pixels', async () => {
    // A 256² noise tile as a JPEG 2000 codestream, made by Debian vips (the jp2c box of its JP2).
    const tile = join(dir, 'tile.v');
    const run = (args: string[]) => expect(spawnSync('vips', args, { encoding: 'utf8' }).status).toBe(0);
    run(['gaussnoise', join(dir, 'noise.v'), '256', '256', '--mean', '160', '--sigma', '30']);
    run(['bandjoin', `${join(dir, 'noise.v')} ${join(dir, 'noise.v')} ${join(dir, 'noise.v')}`, join(dir, 'rgb.v')]);
    run(['cast', join(dir, 'rgb.v'), tile, 'uchar']);
    run(['jp2ksave', tile, join(dir, 'tile.jp2'), '--lossless']);
    const jp2 = readFileSync(join(dir, 'tile.jp2'));
    const codestream = new Uint8Array(jp2.subarray(jp2.indexOf('jp2c') + 4));
    expect([codestream[0], codestream[1]]).toEqual([0xff, 0x4f]);
    const svs = writeTiff([
      {
        entries: [
          { tag: 256, type: 3, value: [512] },
          { tag: 257, type: 3, value: [512] },
          { tag: 258, type: 3, value: [8, 8, 8] },
          { tag: 259, type: 3, value: [33005] },
          { tag: 262, type: 3, value: [2] },
          { tag: 270, type: 2, value: 'Aperio Image Library v12.0.15\n512x512 [0,0 512x512] (256x256) J2K/KDU Q=70|AppMag = 40|MPP = 0.2520|Filename = J2K-PLANTED-NAME' },
          { tag: 277, type: 3, value: [3] },
          { tag: 322, type: 3, value: [256] },
          { tag: 323, type: 3, value: [256] },
        ],
        blocks: [codestream, codestream, codestream, codestream],
        tiled: true,
      },
    ]);
    const path = join(dir, 'j2k.svs');
    writeFileSync(path, svs);
    const report = await ingest({ kind: 'file', path });
    expect(report.files[0]).toMatchObject({ status: 'passed' });
    const { slide, bytes } = await storedPyramid(report.slides![0]!.slideId);
    expect([slide.width, slide.height, slide.mpp, slide.magnification]).toEqual([512, 512, 0.252, 40]);
    expect(Buffer.from(bytes).includes('J2K-PLANTED-NAME')).toBe(false);
    writeFileSync(join(dir, 'j2k-pyramid.tif'), bytes);
    const mean = (file: string) => Number(spawnSync('vips', ['avg', file], { encoding: 'utf8' }).stdout.trim());
    expect(Math.abs(mean(join(dir, 'j2k-pyramid.tif')) - mean(tile))).toBeLessThan(2);
  });

  it('rejects what is not a slide with a code and leaves no record and no temporary file', async () => {
    const path = join(dir, 'not-a-slide.svs');
    writeFileSync(path, 'just text, not a slide');
    const before = await database.db.selectFrom('deid_records').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    // A temporary folder of this test's own: other test files ingest slides at the same time.
    const ownTmp = join(dir, 'tmp');
    mkdirSync(ownTmp);
    const previousTmp = process.env.TMPDIR;
    process.env.TMPDIR = ownTmp;
    let report: Awaited<ReturnType<typeof ingest>>;
    try {
      expect(tmpdir()).toBe(ownTmp);
      report = await ingest({ kind: 'file', path });
    } finally {
      if (previousTmp === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = previousTmp;
    }
    expect(readdirSync(ownTmp)).toEqual([]);
    expect(report.files[0]).toMatchObject({ status: 'rejected', code: 'DLN_SLIDE_UNREADABLE' });
    const after = await database.db.selectFrom('deid_records').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    expect(after.n).toEqual(before.n);
  });
});
