import {
  ErrorType,
  type ManifestCine,
  type ManifestReading,
  type ManifestReview,
  type ManifestSlideRegion,
  type ManifestRevision,
  type ManifestVideo,
  type Modality,
  type ReleaseExclusionReason,
  type ReleaseFilter,
  type UnreviewedWork,
} from '@delineate/schema';
import type { Kysely } from 'kysely';
import { cineOfItem } from '../cardiac/cine';
import type { DB } from '../sql/tables';
import { workflowDb } from '../workflow/tables';
import { selectVideoItem } from './video-selection';
import { slideRegionPlacement } from './slide-selection';

/** A project item as a release sees it before its masks are read. */
export interface ReleaseCandidate {
  readonly itemId: string;
  readonly subjectPseudonym: string;
  readonly modality: Modality;
  readonly geometry: { dims: [number, number, number]; spacing: [number, number, number]; origin: [number, number, number]; direction: number[] };
  readonly instances: Array<{ sopInstanceUid: string; deidRecordId: string | null }>;
  readonly readings: ManifestReading[];
  /** A cardiac cine: its 4-D shape (the label map is the schema's, added by the build). */
  readonly cine?: Omit<ManifestCine, 'labelMap'>;
  /** A video: its frame table and tracks, which are its readings. */
  readonly video?: ManifestVideo;
  /** A pathology region's place on its slide (slide region items only). */
  readonly slide?: ManifestSlideRegion;
}

export interface Selection {
  readonly candidates: ReleaseCandidate[];
  readonly excluded: Array<{ itemId: string; reason: ReleaseExclusionReason }>;
  readonly unreviewed: UnreviewedWork[];
}

const openTaskStatuses = ['open', 'assigned', 'in_progress', 'submitted'];
const knownErrorType = (value: unknown): value is ErrorType => ErrorType.safeParse(value).success;

/**
 * Picks a project's items for a release: the filter's own criteria first (modality, agreement
 * sample, task state), then the gate, then the work. Every annotation of a kept item must have an
 * accepted, signed revision (the last signed review accepts or corrects, and no review of it is
 * still open); a free annotation or unsigned work is listed as unreviewed, by ids only.
 */
export async function selectReleaseItems(db: Kysely<DB>, projectId: string, filter: ReleaseFilter): Promise<Selection> {
  const w = workflowDb(db);
  const items = await db
    .selectFrom('items')
    .innerJoin('subjects', 'subjects.id', 'items.subject_id')
    .leftJoin('series', 'series.id', 'items.series_id')
    .select([
      'items.id',
      'items.kind',
      'items.series_id',
      'subjects.pseudonym',
      'series.modality',
      'series.rows',
      'series.columns',
      'series.slices',
      'series.spacing',
      'series.origin',
      'series.direction',
    ])
    .where('items.project_id', '=', projectId)
    .orderBy('items.created_at')
    .orderBy('items.id')
    .execute();
  const projectModality = (await db.selectFrom('projects').select('modality').where('id', '=', projectId).executeTakeFirstOrThrow()).modality as Modality;
  const samples = new Map((await w.selectFrom('workflow_samples').select(['item_id', 'sampled']).where('project_id', '=', projectId).execute()).map((s) => [s.item_id, s.sampled]));
  const annotateTasks = await w
    .selectFrom('workflow_tasks as wt')
    .innerJoin('tasks as t', 't.id', 'wt.task_id')
    .select(['wt.item_id', 't.status'])
    .where('wt.project_id', '=', projectId)
    .where('wt.stage', '=', 'annotate')
    .execute();

  const candidates: ReleaseCandidate[] = [];
  const excluded: Selection['excluded'] = [];
  const unreviewed: UnreviewedWork[] = [];
  for (const item of items) {
    const exclude = (reason: ReleaseExclusionReason) => excluded.push({ itemId: item.id, reason });
    // A slide has no series: its modality is the project's (SM).
    if (filter.modality && (item.modality ?? (item.kind === 'slide_region' ? projectModality : null)) !== filter.modality) { exclude('modality'); continue; }
    if (filter.agreementSample && (samples.get(item.id) === true) !== (filter.agreementSample === 'sampled')) { exclude('agreement_sample'); continue; }
    const statuses = annotateTasks.filter((t) => t.item_id === item.id).map((t) => t.status);
    if (filter.taskStatus && (statuses.length === 0 || statuses.some((s) => s !== filter.taskStatus))) { exclude('task_status'); continue; }
    if (item.kind === 'frame_range') {
      if (filter.modality && filter.modality !== 'ES') { exclude('modality'); continue; }
      const video = await selectVideoItem(db, projectId, item.id, statuses);
      if ('excluded' in video) { exclude(video.excluded); continue; }
      if ('unreviewed' in video) { unreviewed.push(...video.unreviewed); exclude('unreviewed'); continue; }
      const { width, height, decodedFrames } = video.video;
      const geometry = { dims: [width, height, decodedFrames] as [number, number, number], spacing: [1, 1, 1] as [number, number, number], origin: [0, 0, 0] as [number, number, number], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] };
      candidates.push({ itemId: item.id, subjectPseudonym: item.pseudonym, modality: 'ES', geometry, instances: [], readings: [], video: video.video });
      continue;
    }
    // A pathology region is one image of its box (its own formats: OME-Zarr, GeoJSON, COCO, SEG over a
    // DICOM slide); whole slides are not released as images. A fundus photo is one image of its
    // series: released as a one-slice grid like a volume; a cine as the volume of its slices × phases
    // planes, with its 4-D shape beside it.
    const placement = item.kind === 'slide_region' ? await slideRegionPlacement(db, projectId, item.id) : null;
    if (!placement && ((item.kind !== 'series_volume' && item.kind !== 'photo' && item.kind !== 'cine_volume') || !item.series_id)) { exclude('not_a_volume'); continue; }
    if (placement && !placement.slide.deidRecordId) { exclude('not_gated'); continue; }
    if (!placement && (!item.rows || !item.columns || !item.slices)) { exclude('not_gated'); continue; }
    const instances = placement ? [] : await gatedInstances(db, projectId, item.series_id!);
    if (!placement && instances.length === 0) { exclude('not_gated'); continue; }
    const annotations = await db.selectFrom('annotations').selectAll().where('item_id', '=', item.id).where('head_version', '>', 0).orderBy('created_at').orderBy('id').execute();
    if (annotations.length === 0) { exclude('not_annotated'); continue; }
    const readings: ManifestReading[] = [];
    const pending: UnreviewedWork[] = [];
    for (const annotation of annotations) {
      const outcome = await releasedReading(db, annotation);
      if ('reason' in outcome) pending.push({ itemId: item.id, annotationId: annotation.id, version: annotation.head_version, reason: outcome.reason });
      else readings.push(outcome);
    }
    if (pending.length > 0) { unreviewed.push(...pending); exclude('unreviewed'); continue; }
    if (placement) {
      candidates.push({ itemId: item.id, subjectPseudonym: item.pseudonym, modality: projectModality, geometry: placement.geometry, instances, readings, slide: placement.slide });
      continue;
    }
    const spacing = item.spacing ?? [1, 1, 1];
    const origin = item.origin ?? [0, 0, 0];
    const cine = item.kind === 'cine_volume' ? (await cineOfItem(db, item.id)).shape : undefined;
    candidates.push({
      itemId: item.id,
      subjectPseudonym: item.pseudonym,
      modality: item.modality as Modality,
      geometry: {
        dims: [item.columns!, item.rows!, item.slices!],
        spacing: [spacing[0] ?? 1, spacing[1] ?? 1, spacing[2] ?? 1],
        origin: [origin[0] ?? 0, origin[1] ?? 0, origin[2] ?? 0],
        direction: item.direction ?? [1, 0, 0, 0, 1, 0, 0, 0, 1],
      },
      instances,
      readings,
      ...(cine ? { cine: { slices: cine.slices, phases: cine.phases, triggerTimes: cine.triggerTimes } } : {}),
    });
  }
  return { candidates, excluded, unreviewed };
}

/** The series' image instances with the DeidRecord that let each through the gate. */
async function gatedInstances(db: Kysely<DB>, projectId: string, seriesId: string): Promise<ReleaseCandidate['instances']> {
  const rows = await db
    .selectFrom('instances as i')
    .leftJoin('deid_records as d', (j) => j.onRef('d.output_hash', '=', 'i.blob_hash').on('d.project_id', '=', projectId).on('d.status', '=', 'passed'))
    .select(['i.sop_instance_uid', 'i.instance_number', 'd.id as deid_id', 'd.created_at as deid_created'])
    .where('i.series_id', '=', seriesId)
    .orderBy('i.instance_number')
    .orderBy('i.sop_instance_uid')
    .orderBy('d.created_at')
    .execute();
  const seen = new Map<string, string | null>();
  for (const r of rows) if (!seen.has(r.sop_instance_uid)) seen.set(r.sop_instance_uid, r.deid_id);
  return [...seen.entries()].map(([sopInstanceUid, deidRecordId]) => ({ sopInstanceUid, deidRecordId }));
}

type AnnotationRow = { id: string; task_id: string | null; head_version: number };

/** One annotation's released revision with its chain and signed reviews, or why it has none. */
export async function releasedReading(db: Kysely<DB>, annotation: AnnotationRow): Promise<ManifestReading | { reason: UnreviewedWork['reason'] }> {
  if (!annotation.task_id) return { reason: 'free_annotation' };
  const w = workflowDb(db);
  const task = await db.selectFrom('tasks').select(['status', 'assignee_id']).where('id', '=', annotation.task_id).executeTakeFirst();
  const openReviews = await w
    .selectFrom('workflow_tasks as wt')
    .innerJoin('tasks as t', 't.id', 'wt.task_id')
    .select('t.id')
    .where('wt.reviews_task_id', '=', annotation.task_id)
    .where('t.status', 'in', openTaskStatuses)
    .execute();
  const reviews = await w
    .selectFrom('reviews as r')
    .leftJoin('workflow_reviews as wr', 'wr.review_id', 'r.id')
    .select(['r.id', 'r.version', 'r.reviewer_id', 'r.decision', 'r.corrections', 'r.signed_at', 'r.created_at', 'wr.stage', 'wr.corrected_version'])
    .where('r.annotation_id', '=', annotation.id)
    .orderBy('r.created_at')
    .orderBy('r.id')
    .execute();
  const last = reviews.at(-1);
  if (task?.status !== 'done' || openReviews.length > 0 || !last || last.decision === 'reject') return { reason: 'not_signed' };
  const corrections = (last.corrections ?? []) as Array<{ correctedVersion?: number }>;
  const released = last.decision === 'correct' ? (last.corrected_version ?? corrections.find((c) => c.correctedVersion)?.correctedVersion ?? last.version) : last.version;
  return {
    annotationId: annotation.id,
    annotatorId: task.assignee_id,
    released,
    revisions: await revisionChain(db, annotation.id, released),
    reviews: reviews.map(
      (r): ManifestReview => ({
        reviewId: r.id,
        stage: r.stage === 'expert_review' ? 'expert_review' : 'review',
        reviewerId: r.reviewer_id,
        decision: r.decision as ManifestReview['decision'],
        reviewedVersion: r.version,
        correctedVersion: r.corrected_version ?? null,
        errorTypes: [...new Set(((r.corrections ?? []) as Array<{ errorType?: unknown }>).map((c) => c.errorType).filter(knownErrorType))].sort(),
        signedAt: new Date(r.signed_at).toISOString(),
      }),
    ),
  };
}

/** The released revision and its ancestors (parent chain), oldest first, with AI provenance. */
async function revisionChain(db: Kysely<DB>, annotationId: string, released: number): Promise<ManifestRevision[]> {
  const rows = await db.selectFrom('revisions').selectAll().where('annotation_id', '=', annotationId).where('version', '<=', released).execute();
  const byVersion = new Map(rows.map((r) => [r.version, r]));
  const modelIdOf = async (name: string | null, version: string | null) =>
    name && version ? ((await db.selectFrom('models').select('id').where('name', '=', name).where('version', '=', version).executeTakeFirst())?.id ?? null) : null;
  const chain: ManifestRevision[] = [];
  for (let v: number | null = released; v !== null; ) {
    const r = byVersion.get(v);
    if (!r) break;
    chain.unshift({
      version: r.version,
      parentVersion: r.parent_version,
      source: r.source as ManifestRevision['source'],
      author:
        r.author_user_id !== null
          ? { kind: 'user', userId: r.author_user_id }
          : { kind: 'model', modelId: await modelIdOf(r.author_model_name, r.author_model_version), name: r.author_model_name ?? 'unknown', version: r.author_model_version ?? 'unknown', weightsHash: null },
      maskHash: r.mask_hash,
      createdAt: new Date(r.created_at).toISOString(),
    });
    v = r.parent_version;
  }
  return chain;
}
