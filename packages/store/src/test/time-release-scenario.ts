import { createHash } from 'node:crypto';
import { encodeRle8, runsOfMask } from '@delineate/core';
import { cineClassicInstances, cinePhantom, type CinePhantom } from '@delineate/formats';
import { labelSchemaTemplate } from '@delineate/schema';
import type { Kysely } from 'kysely';
import type { BlobStore } from '../blob/types';
import { recordCineSeries, setLabelConventions } from '../cardiac/cine';
import { designatePhases } from '../cardiac/readings';
import { AnnotationRepository } from '../repositories/annotations';
import { ItemRepository } from '../repositories/items';
import type { DB } from '../sql/tables';
import { VideoTrackStore } from '../video/tracks';
import { recordVideo } from '../video/videos';
import { workflowDb } from '../workflow/tables';
import { seedProjectRow } from './fixtures';

/**
 * A cardiac-and-endoscopy project at the point of a release (issue 21), test fixture only: one
 * classic cine of the phantom (real DICOM instances, gated) read by two readers whose work was
 * reviewed and signed, and one video item with a track per reader, its annotate tasks done.
 * Reader B's cine labels are reader A's with the LV blood pool of one phase's slices grown, so the
 * two disagree by a known amount.
 */
export const VIDEO = { width: 40, height: 32, frames: 24, fps: 12 } as const;

export interface TimeReleaseScenario {
  projectId: string;
  readers: [string, string];
  phantom: CinePhantom;
  cineItemId: string;
  cineAnnotations: [string, string];
  /** Each reader's stored cine labels (M&Ms values). */
  cineLabels: [Uint8Array, Uint8Array];
  videoItemId: string;
  /** Each reader's polyp mask per frame (a disc moving right), by frame index. */
  videoMasks: [Map<number, Uint8Array>, Map<number, Uint8Array>];
}

function disc(cx: number, cy: number, r: number): Uint8Array {
  const mask = new Uint8Array(VIDEO.width * VIDEO.height);
  for (let y = 0; y < VIDEO.height; y++) for (let x = 0; x < VIDEO.width; x++) if (Math.hypot(x - cx, y - cy) <= r) mask[y * VIDEO.width + x] = 1;
  return mask;
}

export async function buildTimeReleaseScenario(db: Kysely<DB>, blobs: BlobStore): Promise<TimeReleaseScenario> {
  const template = labelSchemaTemplate('cardiac-cine-mnms');
  const polyp = { ...template.labels[0]!, key: 'polyp', value: 4, name: 'Polyp', colour: '#33aa33' };
  const { projectId, labelSchemaId, reviewProtocolId } = await seedProjectRow(db, { modality: 'MR', labels: [...template.labels, polyp] });
  await setLabelConventions(db, labelSchemaId, 1, { labelMap: 'mnms', papillaryMuscles: 'included_in_cavity', basalSliceRule: 'half_circumference_myocardium' });
  const users = await db.insertInto('users').values([{ username: `cine-a-${projectId}`, display_name: 'Reader A' }, { username: `cine-b-${projectId}`, display_name: 'Reader B' }, { username: `cine-r-${projectId}`, display_name: 'Reviewer' }]).returning('id').execute();
  const readers: [string, string] = [users[0]!.id, users[1]!.id];
  const reviewer = users[2]!.id;
  const items = new ItemRepository(db);
  const subject = await items.createSubject({ projectId, pseudonym: 'CINE-001', ageBand: '50-59', sex: 'F' });

  // The cine: its de-identified instances stored and gated as ingest would leave them.
  const phantom = cinePhantom({ slices: 4, phases: 4, rows: 40, columns: 40, pixelSpacing: 3, seed: 21 });
  const [columns, rows, slices] = phantom.dims;
  const study = await items.createStudy({ subjectId: subject.id, studyInstanceUid: phantom.uids.study });
  const series = await items.createSeries({ studyId: study.id, seriesInstanceUid: phantom.uids.series, modality: 'MR', manufacturer: 'Delineate', model: 'Cine phantom' });
  const o = phantom.orientation;
  const normal = [o[1] * o[5] - o[2] * o[4], o[2] * o[3] - o[0] * o[5], o[0] * o[4] - o[1] * o[3]];
  await db
    .updateTable('series')
    .set({ rows, columns, slices: slices * phantom.phases, spacing: [...phantom.spacing], origin: [...phantom.origin], direction: [o[0], o[1], o[2], o[3], o[4], o[5], normal[0]!, normal[1]!, normal[2]!] })
    .where('id', '=', series.id)
    .execute();
  const files = cineClassicInstances(phantom);
  for (const [n, f] of files.entries()) {
    const stored = await blobs.put(f.bytes);
    await db.insertInto('deid_records').values({ project_id: projectId, source_hash: stored.hash, output_hash: stored.hash, profile: 'basic', options: '[]', actions: '[]', pixel_regions: '[]', findings: '[]', status: 'passed', created_at: new Date() }).execute();
    await items.addInstances([{ seriesId: series.id, sopInstanceUid: f.sopInstanceUid, instanceNumber: n + 1, blobHash: stored.hash }]);
  }
  await recordCineSeries(db, series.id, { slices, phases: phantom.phases, triggerTimes: [...phantom.triggerTimes] });
  const cineItemId = (await items.createItem({ projectId, subjectId: subject.id, target: { kind: 'cine_volume', seriesId: series.id } })).id;

  const a = Uint8Array.from(phantom.labels);
  const b = Uint8Array.from(phantom.labels);
  // Reader B draws the LV blood pool one pixel wider to the right at end-diastole.
  const plane = columns * rows;
  for (let s = 0; s < slices; s++) {
    const at = (phantom.known.edPhase * slices + s) * plane;
    for (let i = plane - 2; i >= 0; i--) if (a[at + i] === 1 && (i % columns) + 1 < columns) b[at + i + 1] = 1;
  }
  const annotations = new AnnotationRepository(db, { blobs });
  const cineAnnotations = [] as unknown as [string, string];
  for (const [k, labels] of [a, b].entries()) {
    const taskId = await annotateTask(db, projectId, cineItemId, readers[k]!);
    const annotation = await annotations.create({ projectId, itemId: cineItemId, taskId, labelSchema: { id: labelSchemaId, version: 1 }, createdBy: readers[k]! });
    const bytes = encodeRle8(labels);
    await annotations.saveRevision({ annotationId: annotation.id, expectedVersion: 0, author: { kind: 'user', userId: readers[k]! }, source: 'human', maskHash: createHash('sha256').update(bytes).digest('hex'), maskEncoding: 'rle', maskBytes: bytes });
    await db
      .insertInto('reviews')
      .values({ annotation_id: annotation.id, version: 1, reviewer_id: reviewer, protocol_id: reviewProtocolId, protocol_version: 1, answers: '[]', decision: 'accept', corrections: '[]', signed_at: new Date('2026-05-02T09:00:00Z'), created_at: new Date('2026-05-02T09:00:00Z') })
      .execute();
    // Reader B moves end-systole one phase later: an ES frame disagreement of one.
    const es = k === 0 ? phantom.known.esPhase : (phantom.known.esPhase + 1) % phantom.phases;
    await designatePhases(db, annotations, annotation.id, { edPhase: phantom.known.edPhase, esPhase: es }, readers[k]!, new Date('2026-05-01T10:00:00Z'));
    await finish(db, taskId);
    cineAnnotations[k] = annotation.id;
  }

  // The video: a frame table as ingest decodes it, its proxy gated, one track per reader.
  const proxyHash = (await blobs.put(new TextEncoder().encode(`proxy of ${projectId}`))).hash;
  await db.insertInto('deid_records').values({ project_id: projectId, source_hash: proxyHash, output_hash: proxyHash, profile: 'basic', options: '[]', actions: '[]', pixel_regions: '[]', findings: '[]', status: 'passed', created_at: new Date() }).execute();
  const frames = Array.from({ length: VIDEO.frames }, (_, i) => ({ index: i, pts: i * 1024, timeSeconds: i / VIDEO.fps, keyFrame: i % 12 === 0, sha256: createHash('sha256').update(`frame ${i}`).digest('hex') }));
  const videoId = await recordVideo(db, { subjectId: subject.id, width: VIDEO.width, height: VIDEO.height, framesPerSecond: VIDEO.fps, timeBase: [1, 12288], proxyHash, proxyWidth: VIDEO.width, proxyHeight: VIDEO.height, sourceFormat: 'mp4', thumbnails: [], frames }, new Date());
  const videoItemId = (await items.createItem({ projectId, subjectId: subject.id, target: { kind: 'frame_range', videoId, firstFrame: 0, lastFrame: VIDEO.frames - 1 } })).id;
  const tracks = new VideoTrackStore(db, blobs);
  const videoMasks: TimeReleaseScenario['videoMasks'] = [new Map(), new Map()];
  for (const [k, reader] of readers.entries()) {
    const taskId = await annotateTask(db, projectId, videoItemId, reader);
    // Reader A sees the polyp on frames 2-15, reader B on frames 4-17, one pixel lower.
    const first = k === 0 ? 2 : 4;
    const frameStates = Array.from({ length: 14 }, (_, j) => {
      const frame = first + j;
      const mask = disc(8 + frame, 14 + k, 5);
      videoMasks[k]!.set(frame, mask);
      return { frame, status: { state: j === 0 || j === 13 ? ('keyframe' as const) : ('interpolated' as const) }, runs: runsOfMask(mask) };
    });
    await tracks.save(videoItemId, undefined, { labelValue: 4, name: 'Polyp', parentVersion: 0, frames: frameStates }, reader);
    await finish(db, taskId);
  }
  return { projectId, readers, phantom, cineItemId, cineAnnotations, cineLabels: [a, b], videoItemId, videoMasks };
}

/** An annotate task of a reader, in progress, as the workflow opens it. */
async function annotateTask(db: Kysely<DB>, projectId: string, itemId: string, userId: string): Promise<string> {
  const now = new Date('2026-05-01T09:00:00Z');
  const task = await db.insertInto('tasks').values({ project_id: projectId, kind: 'annotate', item_id: itemId, assignee_id: userId, status: 'in_progress', magnification: null, created_at: now, updated_at: now }).returning('id').executeTakeFirstOrThrow();
  await workflowDb(db)
    .insertInto('workflow_tasks')
    .values({ task_id: task.id, project_id: projectId, item_id: itemId, stage: 'annotate', sampled: true, reviews_task_id: null, annotation_id: null, revision_version: null, first_submitted_version: 1, started_at: now, submitted_at: now, returned_items: '[]' })
    .execute();
  return task.id;
}

/** The reader's work submitted and its review signed: the task is done. */
async function finish(db: Kysely<DB>, taskId: string): Promise<void> {
  await db.updateTable('tasks').set({ status: 'done' }).where('id', '=', taskId).execute();
}
