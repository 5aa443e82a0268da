import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cardiacLabelMaps,
  cardiacMeasures,
  frameDisagreement,
  indexAgreement,
  lesionDetectionF1,
  presenceIntervalIou,
  sampledFrameDice,
  structureAgreement,
  temporalConsistency,
  volumeCurves,
  type CineLabelStack,
} from '@delineate/core';
import { decodeCineNifti, readSegmentation } from '@delineate/formats';
import { isManifestV2, type ReleaseManifestV2 } from '@delineate/schema';
import { BlobKey } from '../blob/key';
import { LocalBlobStore } from '../blob/local';
import { decompressCocoCounts } from '../pathology/coco-rle';
import type { Database } from '../sql/database';
import { createTestDatabase } from '../test/databases';
import { buildTimeReleaseScenario, VIDEO, type TimeReleaseScenario } from '../test/time-release-scenario';
import { ReleaseBuilder } from './build';
import { enqueueReleaseExport, releaseExportArchive, runReleaseExport } from './export/exports';
import { readTarArchive } from './export/tar';
import { projectTimeAgreement } from './documents/time-agreement';
import type { InterObserverVariabilityJson } from './documents/variability';
import { freezeRelease, releaseDocumentFile } from './freeze';
import { verifyRelease } from './verify';

/** A COCO RLE (column-major counts, starting with background) as a row-major 0/1 mask. */
function cocoMask(counts: string, width: number, height: number): Uint8Array {
  const mask = new Uint8Array(width * height);
  let at = 0;
  for (const [k, run] of decompressCocoCounts(counts).entries()) {
    if (k % 2 === 1) for (let j = at; j < at + run; j++) mask[(j % height) * width + Math.floor(j / height)] = 1;
    at += run;
  }
  return mask;
}

// One release built once and read by every test (building it is the slow part), on PGlite.
describe('releases of cine and video items', () => {
  let database: Database;
  const getDb = () => database;
  let dir: string;
  let blobs: LocalBlobStore;
  let scenario: TimeReleaseScenario;
  let releaseId: string;
  let manifest: ReleaseManifestV2;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dln-time-release-'));
    blobs = new LocalBlobStore({ dir, key: BlobKey.generate() });
    database = await createTestDatabase('pglite');
    const { db } = getDb();
    scenario = await buildTimeReleaseScenario(db, blobs);
    const draft = await new ReleaseBuilder(db, blobs).build(scenario.projectId, { name: 'Cine and video v1', defaultSplit: 'train' });
    const frozen = await freezeRelease(db, blobs, draft.id, () => new Date('2026-06-30T12:00:00Z'));
    releaseId = frozen.id;
    if (!isManifestV2(frozen.manifest)) throw new Error('expected a format-2 manifest');
    manifest = frozen.manifest;
  }, 120_000);
  afterAll(async () => {
    await blobs?.close();
    await database?.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function exported(format: string): Promise<Map<string, Uint8Array>> {
    const { db } = getDb();
    const queued = await enqueueReleaseExport(db, { releaseId, format, userId: null });
    await runReleaseExport(db, blobs, queued.id);
    const { bytes } = await releaseExportArchive(db, blobs, releaseId, queued.id);
    return new Map(readTarArchive(bytes).map((f) => [f.path, f.bytes]));
  }

  it('selects the cine with its slices × phases and the map, and the video with its decoded frame table and released tracks', () => {
    const { phantom } = scenario;
    const cine = manifest.items.find((i) => i.itemId === scenario.cineItemId)!;
    expect(cine.cine).toEqual({ slices: 4, phases: 4, triggerTimes: [...phantom.triggerTimes], labelMap: 'mnms' });
    expect(cine.geometry.dims).toEqual([40, 40, 16]);
    expect(cine.readings.map((r) => r.annotationId).sort()).toEqual([...scenario.cineAnnotations].sort());
    expect(cine.instances).toHaveLength(16);
    expect(cine.consensus?.inputs).toHaveLength(2);
    const video = manifest.items.find((i) => i.itemId === scenario.videoItemId)!;
    expect(video.modality).toBe('ES');
    expect(video.video).toMatchObject({ width: VIDEO.width, height: VIDEO.height, decodedFrames: VIDEO.frames, framesPerSecond: VIDEO.fps });
    expect(video.video!.frameTableHash).toMatch(/^[0-9a-f]{64}$/);
    expect(video.video!.tracks.map((t) => [t.authorId, t.version, t.labelValue])).toEqual(scenario.readers.map((r) => [r, 1, 4]));
    expect(video.labelKeys).toEqual(['polyp']);
  });

  it('verifies, and finds a video frame table changed after the freeze', async () => {
    const { db } = getDb();
    expect(await verifyRelease(db, blobs, releaseId)).toMatchObject({ ok: true, problems: [] });
    const video = manifest.items.find((i) => i.itemId === scenario.videoItemId)!.video!;
    await db.updateTable('video_frames' as never).set({ key_frame: true } as never).where('video_id' as never, '=', video.videoId as never).where('frame_index' as never, '=', 5 as never).execute();
    const report = await verifyRelease(db, blobs, releaseId);
    expect(report.problems).toEqual([{ what: `item ${scenario.videoItemId} frame table`, hash: video.frameTableHash, problem: 'differs' }]);
    await db.updateTable('video_frames' as never).set({ key_frame: false } as never).where('video_id' as never, '=', video.videoId as never).where('frame_index' as never, '=', 5 as never).execute();
  });

  it('exports the cine as 4-D NIfTI in the named map, equal to the released consensus of the stored revisions', async () => {
    const files = await exported('cine-nifti');
    const bytes = files.get(`train/${scenario.cineItemId}/cine-mnms.nii.gz`)!;
    expect(bytes).toBeDefined();
    const decoded = decodeCineNifti(bytes, 'mnms', 'mnms');
    expect(decoded.fileMap).toBe('mnms');
    expect([decoded.stack.slices, decoded.stack.phases]).toEqual([4, 4]);
    // Two readers who agree everywhere but reader B's wider LV at ED: STAPLE keeps what both drew
    // outside that rim; inside it, the decoded labels are one of the two readers'.
    const [a, b] = scenario.cineLabels;
    let differ = 0;
    for (let i = 0; i < a.length; i++) {
      if (a[i] === b[i]) expect(decoded.stack.data[i]).toBe(a[i]);
      else differ++;
    }
    expect(differ).toBeGreaterThan(0);
    // Nothing of the video goes into a cine format: its folder holds its provenance only.
    expect([...files.keys()].filter((p) => p.includes(scenario.videoItemId))).toEqual([`train/${scenario.videoItemId}/provenance.json`]);
  });

  it('exports the cine as one DICOM SEG whose frames reference the image of their slice and phase', async () => {
    const files = await exported('cine-seg');
    const read = readSegmentation(files.get(`train/${scenario.cineItemId}/cine-seg-mnms.dcm`)!);
    expect(read.segments.map((s) => [s.number, s.label])).toEqual([[1, 'LV blood pool'], [2, 'LV myocardium'], [3, 'RV blood pool']]);
    const { phantom } = scenario;
    const [columns, rows, slices] = phantom.dims;
    const a = scenario.cineLabels[0];
    // A plane both readers agree on (end-systole) compared pixel for pixel.
    const es = phantom.known.esPhase;
    const byUid = new Map<string, number>();
    const { cineClassicInstances } = await import('@delineate/formats');
    for (const f of cineClassicInstances(phantom)) byUid.set(f.sopInstanceUid, f.phase * slices + f.slice);
    let compared = 0;
    for (let f = 0; f < read.frames.length; f++) {
      const frame = read.frames[f]!;
      const plane = byUid.get(frame.referencedSopInstanceUids[0]!)!;
      if (Math.floor(plane / slices) !== es) continue;
      const pixels = read.framePixels(f);
      for (let i = 0; i < columns * rows; i++) expect(pixels[i] ? 1 : 0).toBe(a[plane * columns * rows + i] === frame.segmentNumber ? 1 : 0);
      compared++;
    }
    expect(compared).toBeGreaterThan(0);
  });

  it('exports the video as COCO RLE with each frame’s timestamp and as tracks JSON, equal to the released tracks', async () => {
    const coco = JSON.parse(new TextDecoder().decode((await exported('video-coco')).get(`train/${scenario.videoItemId}/coco.json`)!));
    expect(coco.images).toHaveLength(VIDEO.frames);
    expect(coco.images[6]).toMatchObject({ frame_index: 6, timestamp: 6 / VIDEO.fps });
    const trackIds = manifest.items.find((i) => i.itemId === scenario.videoItemId)!.video!.tracks.map((t) => t.trackId);
    for (const [k, masks] of scenario.videoMasks.entries()) {
      const own = coco.annotations.filter((x: { track_id: string }) => x.track_id === trackIds[k]);
      expect(own.map((x: { image_id: number }) => x.image_id - 1)).toEqual([...masks.keys()]);
      for (const x of own) {
        expect(x.timestamp).toBe((x.image_id - 1) / VIDEO.fps);
        expect(cocoMask(x.segmentation.counts, VIDEO.width, VIDEO.height)).toEqual(masks.get(x.image_id - 1));
      }
    }
    const tracks = JSON.parse(new TextDecoder().decode((await exported('video-tracks')).get(`train/${scenario.videoItemId}/tracks.json`)!));
    expect(tracks.frameCount).toBe(VIDEO.frames);
    expect(tracks.tracks.map((t: { id: string; label: string; version: number }) => [t.id, t.label, t.version])).toEqual(trackIds.map((id) => [id, 'Polyp', 1]));
    expect(tracks.tracks[0].frames[0]).toMatchObject({ frame: 2, timestamp: 2 / VIDEO.fps, state: 'keyframe' });
  });

  /** The figures the core computes from the scenario's own labels and masks, without the store. */
  function coreFigures() {
    const { phantom } = scenario;
    const [columns, rows, slices] = phantom.dims;
    const stack = (data: Uint8Array): CineLabelStack => ({ columns, rows, slices, phases: phantom.phases, spacing: phantom.spacing, data });
    const [a, b] = scenario.cineLabels.map(stack) as [CineLabelStack, CineLabelStack];
    const { edPhase, esPhase } = phantom.known;
    const esB = (esPhase + 1) % phantom.phases;
    const structures = structureAgreement(a, b, cardiacLabelMaps.mnms, 'surfel', [...new Set([edPhase, esPhase, esB])].sort((x, y) => x - y));
    const conventions = { sliceSpacing: phantom.spacing[2], papillaryMuscles: 'included_in_cavity', basalSliceRule: 'half_circumference_myocardium' } as const;
    const ma = cardiacMeasures(volumeCurves(a, cardiacLabelMaps.mnms), { edPhase, esPhase, source: 'reader' }, conventions);
    const mb = cardiacMeasures(volumeCurves(b, cardiacLabelMaps.mnms), { edPhase, esPhase: esB, source: 'reader' }, conventions);
    const tracks = scenario.videoMasks.map((frames) => ({ frames }));
    const sampled = Array.from({ length: Math.ceil(VIDEO.frames / VIDEO.fps) }, (_, k) => k * VIDEO.fps);
    return {
      structures,
      esFrames: frameDisagreement(esPhase, esB, phantom.phases),
      lvEdv: indexAgreement([[ma.lv.edv, mb.lv.edv]]),
      lvEf: indexAgreement([[ma.lv.ef, mb.lv.ef]]),
      dice: sampledFrameDice(tracks[0]!, tracks[1]!, sampled, VIDEO.width * VIDEO.height).mean,
      presenceIou: presenceIntervalIou(tracks[0]!, tracks[1]!),
      temporal: temporalConsistency(tracks[0]!),
      detection: lesionDetectionF1([tracks[0]!], [tracks[1]!]),
    };
  }

  it('the variability document carries the cardiac and video agreement the core computes from the two readers', async () => {
    const { db } = getDb();
    const doc = JSON.parse(new TextDecoder().decode((await releaseDocumentFile(db, blobs, releaseId, 'inter_observer_variability', 'json')).bytes)) as InterObserverVariabilityJson;
    const want = coreFigures();
    const cardiac = doc.cardiac!;
    expect(cardiac.items).toHaveLength(1);
    expect(cardiac.items[0]!.readers).toEqual(['Reader A', 'Reader B']);
    expect(cardiac.items[0]!.edFrames).toBe(0);
    expect(cardiac.items[0]!.esFrames).toBe(want.esFrames);
    expect(cardiac.items[0]!.structures).toHaveLength(want.structures.length);
    for (const [k, s] of want.structures.entries()) {
      const got = cardiac.items[0]!.structures[k]!;
      expect([got.phase, got.structure]).toEqual([s.phase, s.structure]);
      expect(got.dice).toBeCloseTo(s.dice, 12);
      expect(got.hd95Mm).toBeCloseTo(s.hd95, 12);
    }
    // Reader B's wider LV at ED: a Dice below 1 there, 1 where they agree.
    expect(want.structures.find((s) => s.phase === scenario.phantom.known.edPhase && s.structure === 'lv_blood_pool')!.dice).toBeLessThan(1);
    const lvEdv = cardiac.indices.find((i) => i.index === 'lv_edv')!;
    expect(lvEdv.n).toBe(1);
    expect(lvEdv.bias).toBeCloseTo(want.lvEdv.bias, 9);
    expect(lvEdv.bias).toBeGreaterThan(0);
    expect(cardiac.indices.find((i) => i.index === 'lv_ef')!.bias).toBeCloseTo(want.lvEf.bias, 9);
    const video = doc.video!;
    expect(video.items).toHaveLength(1);
    const v = video.items[0]!;
    expect(v.readers).toEqual(['Reader A', 'Reader B']);
    expect(v.tracks[0]!.dice).toBeCloseTo(want.dice, 12);
    expect(v.tracks[0]!.presenceIou).toBeCloseTo(want.presenceIou, 12);
    expect(v.temporal[0]!.meanIou).toBeCloseTo(want.temporal.meanIou, 12);
    expect(v.detection).toMatchObject({ f1: want.detection.f1, truePositives: want.detection.truePositives });
    const html = new TextDecoder().decode((await releaseDocumentFile(db, blobs, releaseId, 'inter_observer_variability', 'html')).bytes);
    expect(html).toContain('Cardiac cine: contours, phases and clinical indices');
    expect(html).toContain('LV ejection fraction (%)');
    expect(html).toContain('Endoscopy video: tracks across frames');
  });

  it('the QA dashboard’s figures over the project’s current work are the same', async () => {
    const { db } = getDb();
    const want = coreFigures();
    const qa = await projectTimeAgreement(db, blobs, scenario.projectId);
    expect(qa.cardiac!.items[0]!.esFrames).toBe(want.esFrames);
    expect(qa.cardiac!.items[0]!.structures.map((s) => s.dice)).toEqual(want.structures.map((s) => s.dice));
    expect(qa.cardiac!.indices.find((i) => i.index === 'lv_edv')!.bias).toBeCloseTo(want.lvEdv.bias, 9);
    expect(qa.video!.items[0]!.tracks[0]!.dice).toBeCloseTo(want.dice, 12);
    expect(qa.video!.items[0]!.readers).toEqual(['Reader A', 'Reader B']);
  });
});
