import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ZipFileStore from '@zarrita/storage/zip';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as zarr from 'zarrita';
import { encodeRle8 } from '@delineate/core';
import { UidMapper, createDciodvfyValidator } from '@delineate/deid';
import { readDicomFile, slideSegSourceOf, type SlideSegSource } from '@delineate/formats';
import { requireTestData } from '@delineate/testkit';
import { pathologyLabelSchema, pathologyReviewProtocol, type Cell, type WorkflowConfig } from '@delineate/schema';
import { AccessRepository } from '../../access/repository';
import { BlobKey } from '../../blob/key';
import { LocalBlobStore } from '../../blob/local';
import { CellStore } from '../../pathology/cells';
import { cellsOf } from '../../pathology/cell-set';
import { decompressCocoCounts } from '../../pathology/coco-rle';
import { SlideRegionRepository } from '../../pathology/regions';
import { AnnotationRepository } from '../../repositories/annotations';
import { DeidRecordRepository } from '../../repositories/deid-records';
import { ItemRepository } from '../../repositories/items';
import { LabelSchemaRepository } from '../../repositories/label-schemas';
import { ProjectRepository } from '../../repositories/projects';
import { ReleaseRepository } from '../../repositories/releases';
import { ReviewProtocolRepository } from '../../repositories/review-protocols';
import { recordSlideDicomSource } from '../../slides/dicom-source';
import type { Database } from '../../sql/database';
import { createTestDatabase } from '../../test/databases';
import { WorkflowRepository, type WorkflowRequirements } from '../../workflow/repository';
import { ReleaseBuilder } from '../build';
import { enqueueReleaseExport, runReleaseExport } from './exports';
import { readTarArchive } from './tar';

/**
 * Issue 17 §5 through the release path: a pathology project's region, read by two pathologists
 * (tissue mask and cells), reviewed, released and exported as OME-Zarr, QuPath GeoJSON and COCO
 * per field; each file is read back against the stored records.
 */
const requirements: WorkflowRequirements = {
  clinician_annotator: { kinds: ['pathologist'], matchModality: false },
  reviewer: { kinds: ['pathologist'], matchModality: false },
  expert_reviewer: { kinds: ['pathologist'], matchModality: false },
};
// A 700 × 600 px box at (1000, 2000) on a 0.25 µm/px slide: two 512² chunk columns and rows, and a pyramid.
const POLYGON: Array<[number, number]> = [[1000, 2000], [1700, 2000], [1700, 2600], [1000, 2600]];
const W = 700, H = 600, MPP = 0.25;
// On the DICOM slide: a 37 × 31 px box at (6, 9), across its 10 × 10 px tiles.
const DICOM_POLYGON: Array<[number, number]> = [[6, 9], [43, 9], [43, 40], [6, 40]];
const DW = 37, DH = 31;
const dicomMask = Uint8Array.from({ length: DW * DH }, (_, i) => ((i % DW) < 15 ? 1 : (i % DW) < 30 && Math.floor(i / DW) > 4 ? 2 : 0));

/** Tumour on the left, stroma in a band on the right: a mask that crosses chunk edges. */
function tissue(shift: number): Uint8Array {
  const m = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) m[y * W + x] = x < 300 + shift ? 1 : x < 600 ? 2 : 0;
  return m;
}

describe('slide region exports in a release', () => {
  let dir: string;
  let database: Database;
  let blobs: LocalBlobStore;
  let releaseId: string;
  let masks: Uint8Array[];
  let cellsByTask: Map<string, Cell[]>;
  let itemId: string;
  let dicomRegionItemId: string;
  let dicomSource: SlideSegSource;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dln-slide-release-'));
    database = await createTestDatabase('pglite');
    blobs = new LocalBlobStore({ dir: join(dir, 'blobs'), key: BlobKey.generate() });
    const db = database.db;
    const clock = () => new Date('2026-06-01T10:00:00Z');
    const schema = await new LabelSchemaRepository(db).create(pathologyLabelSchema);
    const protocol = await new ReviewProtocolRepository(db).create(pathologyReviewProtocol);
    const project = await new ProjectRepository(db).create({
      name: 'pathology-release', modality: 'SM', oversightModel: 'direct_clinical', region: 'local', purpose: 'Slide exports test.', legalBasis: 'legitimate_interest',
      labelSchema: { id: schema.id, version: schema.version }, reviewProtocol: { id: protocol.id, version: protocol.version },
      agreementSampling: { fraction: 1, readersPerItem: 2, blinded: true }, deid: { profile: 'basic', options: [] },
    });
    const access = new AccessRepository(db);
    const now = new Date('2026-05-01T08:00:00Z');
    const person = async (name: string, role: string) => {
      const user = await access.createUser({ username: `${name}-${randomUUID().slice(0, 8)}`, displayName: name, now });
      await access.addMembership({ userId: user.id, projectId: project.id, role, grantedBy: null, now });
      await access.addQualification({ userId: user.id, kind: 'pathologist', modality: null, verifiedBy: null, validUntil: null, now } as Parameters<AccessRepository['addQualification']>[0]);
      return user.id;
    };
    await person('path1', 'clinician_annotator');
    await person('path2', 'clinician_annotator');
    const expert = await person('expert', 'expert_reviewer');
    const config: WorkflowConfig = {
      oversightModel: 'direct_clinical', labelSchema: { id: schema.id, version: schema.version }, reviewProtocol: { id: protocol.id, version: protocol.version },
      agreementSampling: { fraction: 1, readersPerItem: 2, blinded: true }, expertReview: { labelKeys: ['tumour'], significantRegions: false },
      agreementThresholds: { dice: 0.8, fleissKappa: 0.6 }, samplingSeed: 3,
    };
    const workflow = new WorkflowRepository(db, { blobs, requirements, clock });
    await workflow.updateConfig(project.id, config, null);

    const items = new ItemRepository(db);
    const subject = await items.createSubject({ projectId: project.id, pseudonym: 'SLIDE-A', ageBand: 'unknown', sex: 'unknown' });
    const pyramid = (await blobs.put(new TextEncoder().encode('slide pyramid'))).hash;
    await new DeidRecordRepository(db).record({ projectId: project.id, sourceHash: pyramid.replace(/^./, 'a'), outputHash: pyramid, profile: 'basic', options: [], actions: [], pixelRegionsRedacted: [], findings: [], status: 'passed' });
    const slide = await db.insertInto('slides').values({ subject_id: subject.id, stain: 'HE', scanner: null, width: 8000, height: 8000, mpp: MPP, pyramid_hash: pyramid, levels: '[]', source_format: 'aperio' }).returning('id').executeTakeFirstOrThrow();
    const slideItemId = (await items.createItem({ projectId: project.id, subjectId: subject.id, target: { kind: 'slide_region', slideId: slide.id, region: { x: 0, y: 0, width: 8000, height: 8000 } } })).id;
    const template = {
      magnification: 40, fieldTiling: { kind: 'fixed' as const, sizeUm: 100 }, labelKeys: ['tumour', 'stroma'], qualificationKinds: ['pathologist' as const],
      cellClasses: [
        { key: 'nucleus', name: 'Tumour nucleus', colour: '#1f77b4', shape: 'polygon' as const },
        { key: 'mitotic_figure', name: 'Mitotic figure', colour: '#d62728', shape: 'point' as const, matchRadiusUm: 4 },
      ],
    };
    const created = await new SlideRegionRepository(db, { blobs, requirements, clock }).create(slideItemId, { polygon: POLYGON, template }, null);
    itemId = created.region.itemId;
    expect(created.tasks).toHaveLength(2);

    const annotations = new AnnotationRepository(db, { blobs });
    const cellStore = new CellStore(db, blobs, clock);
    masks = [];
    cellsByTask = new Map();
    /** Both readers paint `paint(n)` and mark cells; the expert accepts each. */
    const read = async (region: typeof created, paint: (n: number) => Uint8Array, cells: boolean) => {
      for (const [n, { task }] of region.tasks.entries()) {
        const annotation = await annotations.create({ projectId: project.id, itemId: region.region.itemId, taskId: task.id, labelSchema: config.labelSchema, createdBy: task.assigneeId! });
        const bytes = encodeRle8(paint(n));
        await annotations.saveRevision({ annotationId: annotation.id, expectedVersion: 0, author: { kind: 'user', userId: task.assigneeId! }, source: 'human', maskHash: createHash('sha256').update(bytes).digest('hex'), maskEncoding: 'rle', maskBytes: bytes });
        if (cells) {
          await cellStore.edit(task.id, region.region, 0, {
            edits: [
              { op: 'add', cell: { classKey: 'mitotic_figure', x: 1100 + n, y: 2100 } },
              { op: 'add', cell: { classKey: 'nucleus', x: 1300, y: 2300 + n, polygon: [[-5, -4], [6, -3], [4, 5], [-3, 6]] } },
              { op: 'add', cell: { classKey: 'mitotic_figure', x: 1650, y: 2550, source: { kind: 'model', model: 'mitosis-net', version: '2.1' } } },
            ],
          }, task.assigneeId!);
          cellsByTask.set(task.id, cellsOf((await cellStore.read(task.id, region.region)).columns));
        }
        const { created: reviews } = await workflow.submitAnnotation({ taskId: task.id, userId: task.assigneeId!, annotationId: annotation.id });
        for (const review of reviews) {
          const context = await workflow.reviewContext(review.id, review.assigneeId!);
          await workflow.recordReview({ taskId: review.id, reviewerId: review.assigneeId!, stage: review.stage as 'review' | 'expert_review', decision: 'accept', answers: context.checklist.map((c) => ({ itemKey: c.key, passed: true })), signedAt: clock() });
        }
      }
    };
    await read(created, (n) => {
      const m = tissue(n * 10);
      masks.push(m);
      return m;
    }, true);

    // A DICOM whole-slide image (the shared 50 × 50 px one) with its SEG source facts as slide ingest keeps them.
    const dicomPyramid = (await blobs.put(new TextEncoder().encode('dicom slide pyramid'))).hash;
    await new DeidRecordRepository(db).record({ projectId: project.id, sourceHash: dicomPyramid.replace(/^./, 'a'), outputHash: dicomPyramid, profile: 'basic', options: [], actions: [], pixelRegionsRedacted: [], findings: [], status: 'passed' });
    const dicomSlide = await db.insertInto('slides').values({ subject_id: subject.id, stain: 'HE', scanner: null, width: 50, height: 50, mpp: 0.499, pyramid_hash: dicomPyramid, levels: '[]', source_format: 'dicom' }).returning('id').executeTakeFirstOrThrow();
    const uids = new UidMapper(new TextEncoder().encode('slide release test'));
    dicomSource = slideSegSourceOf(readDicomFile(readFileSync(requireTestData('dicom/highdicom/sm_image.dcm')!)).dataset, { uid: (u) => uids.map(u), identifier: () => 'SLIDE-A', patientStudy: { patientName: 'SLIDE-A', patientId: 'SLIDE-A' } });
    await recordSlideDicomSource(db, dicomSlide.id, dicomSource);
    const dicomItemId = (await items.createItem({ projectId: project.id, subjectId: subject.id, target: { kind: 'slide_region', slideId: dicomSlide.id, region: { x: 0, y: 0, width: 50, height: 50 } } })).id;
    const dicomRegion = await new SlideRegionRepository(db, { blobs, requirements, clock }).create(dicomItemId, { polygon: DICOM_POLYGON, template: { ...template, magnification: 20, fieldTiling: { kind: 'fixed' as const, sizeUm: 10 } } }, null);
    dicomRegionItemId = dicomRegion.region.itemId;
    await read(dicomRegion, () => dicomMask, false);
    expect(expert).toBeTruthy();
    const release = await new ReleaseBuilder(db, blobs, { clock }).build(project.id, { name: 'slides', filter: {}, splits: [], defaultSplit: 'train' });
    releaseId = (await new ReleaseRepository(db, { clock }).freeze(release.id)).id;
  }, 120_000);

  afterAll(async () => {
    await blobs?.close();
    await database?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function exported(format: string) {
    const queued = await enqueueReleaseExport(database.db, { releaseId, format, userId: null });
    const done = await runReleaseExport(database.db, blobs, queued.id);
    expect(done.status).toBe('succeeded');
    return readTarArchive(await blobs.get(done.archiveHash!));
  }

  it('releases the region with its place on the slide and the slide whole left out', async () => {
    const release = await new ReleaseRepository(database.db).get(releaseId);
    const manifest = release.manifest as { items: Array<{ itemId: string; slide?: unknown; geometry: { dims: number[] } }>; excluded: Array<{ reason: string }> };
    expect(manifest.items.map((i) => i.itemId)).toEqual([itemId, dicomRegionItemId]);
    expect(manifest.items[0]).toMatchObject({ slide: { bounds: { x: 1000, y: 2000, width: W, height: H }, mppX: MPP, mppY: MPP, sourceFormat: 'aperio' }, geometry: { dims: [W, H, 1] } });
    expect(manifest.excluded.map((e) => e.reason)).toEqual(['not_a_volume', 'not_a_volume']);
  });

  it('exports the released tissue mask as multiscale OME-Zarr labels equal to the stored mask, in µm', async () => {
    const files = await exported('ome-zarr');
    const zip = files.find((f) => f.path === `train/${itemId}/tissue.ome.zarr.zip`)!;
    const store = ZipFileStore.fromBlob(new Blob([zip.bytes]));
    const root = await zarr.open(store, { kind: 'group' });
    const ome = (root.attrs as { ome: { multiscales: Array<{ datasets: Array<{ path: string; coordinateTransformations: Array<{ scale: number[] }> }>; axes: Array<{ unit?: string }> }> } }).ome;
    const [multiscale] = ome.multiscales;
    expect(multiscale!.datasets.length).toBeGreaterThanOrEqual(2);
    expect(multiscale!.datasets[0]!.coordinateTransformations[0]!.scale).toEqual([MPP, MPP]);
    expect(multiscale!.datasets[1]!.coordinateTransformations[0]!.scale).toEqual([2 * MPP, 2 * MPP]);
    expect(multiscale!.axes.map((a) => a.unit)).toEqual(['micrometer', 'micrometer']);
    const level0 = await zarr.open(root.resolve(multiscale!.datasets[0]!.path), { kind: 'array' });
    const read = await zarr.get(level0);
    // Readers differ (staple consensus of two); the released mask is what the build stored.
    const release = await new ReleaseRepository(database.db).get(releaseId);
    const { decodeRle8 } = await import('@delineate/core');
    const released = decodeRle8(await blobs.get((release.manifest as { items: Array<{ maskHash: string }> }).items[0]!.maskHash), W * H);
    expect(released.ok).toBe(true);
    expect(read.shape).toEqual([H, W]);
    expect(Buffer.from(read.data as Uint8Array).equals(Buffer.from(released.ok ? released.voxels : []))).toBe(true);
  });

  it('exports each task’s cells as QuPath GeoJSON equal to the stored cells, in full-resolution pixels', async () => {
    const files = await exported('qupath-geojson');
    const geojson = files.filter((f) => f.path.endsWith('.geojson')).map((f) => JSON.parse(new TextDecoder().decode(f.bytes)));
    expect(geojson).toHaveLength(4);
    for (const doc of geojson) {
      if (!cellsByTask.has(doc.delineateTaskId)) {
        // The DICOM slide's region: its own pixel size, the region alone (no cells were marked there).
        expect(doc.properties).toMatchObject({ pixelWidthMicrons: 0.499, pixelHeightMicrons: 0.499 });
        expect(doc.features).toHaveLength(1);
        continue;
      }
      expect(doc.properties).toMatchObject({ pixelWidthMicrons: MPP, pixelHeightMicrons: MPP });
      const stored = cellsByTask.get(doc.delineateTaskId)!;
      const features = doc.features.slice(1);
      expect(doc.features[0].geometry.coordinates[0].slice(0, 4)).toEqual(POLYGON);
      expect(features.map((f: { properties: { delineateCellId: number } }) => f.properties.delineateCellId)).toEqual(stored.map((c) => c.id));
      for (const [i, cell] of stored.entries()) {
        const f = features[i];
        if (cell.polygon) expect(f.geometry.coordinates[0].slice(0, -1)).toEqual(cell.polygon.map(([x, y]) => [x, y]));
        else expect(f.geometry.coordinates).toEqual([cell.x, cell.y]);
        expect(f.properties.classKey).toBe(cell.classKey);
        expect(f.properties.source).toBe(cell.source.kind === 'person' ? 'person' : `${cell.source.model} ${cell.source.version}`);
      }
    }
  });

  it('exports COCO RLE per field whose runs decode to the released mask in each field', async () => {
    const files = await exported('coco-fields');
    const coco = JSON.parse(new TextDecoder().decode(files.find((f) => f.path === `train/${itemId}/fields.coco.json`)!.bytes));
    const release = await new ReleaseRepository(database.db).get(releaseId);
    const { decodeRle8 } = await import('@delineate/core');
    const decoded = decodeRle8(await blobs.get((release.manifest as { items: Array<{ maskHash: string }> }).items[0]!.maskHash), W * H);
    const mask = decoded.ok ? decoded.voxels : new Uint8Array();
    expect(coco.images.length).toBeGreaterThan(1);
    for (const a of coco.annotations) {
      const image = coco.images.find((i: { id: number }) => i.id === a.image_id);
      const { x, y } = image.delineate_field;
      const counts = decompressCocoCounts(a.segmentation.counts);
      let p = 0, inside = false, wrong = 0;
      for (const run of counts) {
        for (let k = 0; k < run; k++, p++) {
          const col = Math.floor(p / image.height), row = p % image.height;
          if ((mask[(y - 2000 + row) * W + (x - 1000 + col)] === a.category_id) !== inside) wrong++;
        }
        inside = !inside;
      }
      expect([p, wrong]).toEqual([image.width * image.height, 0]);
    }
  });

  it('lists why a volume format writes nothing for a slide region, in words', async () => {
    const files = await exported('seg-binary');
    const dataset = JSON.parse(new TextDecoder().decode(files.find((f) => f.path === 'dataset.json')!.bytes));
    expect(dataset.files[0].skipped).toBe('A slide region has no image instances; slide regions are exported as ome-zarr, qupath-geojson, coco-fields and seg-slide');
    expect(files.some((f) => f.path.endsWith('.dcm'))).toBe(false);
  });

  it('writes DICOM SEG over the DICOM slide only: dciodvfy finds no error and its frames decode to the released mask', async () => {
    const files = await exported('seg-slide');
    const dataset = JSON.parse(new TextDecoder().decode(files.find((f) => f.path === 'dataset.json')!.bytes));
    const entry = (id: string) => dataset.files.find((f: { itemId: string }) => f.itemId === id);
    expect(entry(itemId).skipped).toBe('The slide came as an Aperio SVS file, not as a DICOM whole-slide image: a DICOM SEG is written only over a DICOM source, which it references');
    expect(entry(dicomRegionItemId).skipped).toBeUndefined();
    const seg = files.find((f) => f.path === `train/${dicomRegionItemId}/seg-slide.dcm`)!;
    const validator = createDciodvfyValidator({ shells: 1 });
    try {
      expect(await validator(seg.bytes)).toEqual([]);
    } finally {
      validator.close();
    }
    // Each frame is a 10 × 10 source tile placed by its position in the Total Pixel Matrix.
    const { dataset: ds } = readDicomFile(seg.bytes);
    const frames = ds.get(0x52009230)!.items!;
    const pixels = ds.get(0x7fe00010)!.value!;
    const decoded = new Uint8Array(DW * DH);
    frames.forEach((frame, f) => {
      const position = frame.get(0x0048021a)!.items![0]!;
      const binary = (el: { value?: Uint8Array } | undefined) => new DataView(el!.value!.buffer, el!.value!.byteOffset, el!.value!.length);
      // Column and Row Position in the Total Pixel Matrix are SL, 1-based; Referenced Segment Number is US.
      const column = binary(position.get(0x0048021e)).getInt32(0, true) - 1;
      const row = binary(position.get(0x0048021f)).getInt32(0, true) - 1;
      const segment = binary(frame.get(0x0062000a)!.items![0]!.get(0x0062000b)).getUint16(0, true);
      for (let p = 0; p < 100; p++) {
        const bit = f * 100 + p;
        if (!((pixels[bit >> 3]! >> (bit & 7)) & 1)) continue;
        const x = column + (p % 10) - 6, y = row + Math.floor(p / 10) - 9;
        expect(x >= 0 && x < DW && y >= 0 && y < DH).toBe(true);
        decoded[y * DW + x] = segment;
      }
    });
    // Segments are numbered in schema order over the labels present: tumour 1, stroma 2 (the label values here).
    expect(Buffer.from(decoded).equals(Buffer.from(dicomMask))).toBe(true);
  });
});
