import { randomUUID } from 'node:crypto';
import { enqueueEffortIfDrafted } from '../models/effort';
import { enqueueDraftsForNewTasks } from '../models/settings';
import { decodeRle8, mapAlignedTiles, voxelCount } from '@delineate/core';
import {
  DelineateError,
  parseOrThrow,
  Region,
  WorkflowConfig,
  type FailedItem,
  type ChecklistItem,
  type CorrectionSize,
  type Label,
  type Review,
  type ReviewAnswerInput,
  type ReviewDecision,
  type RevisionRef,
  type Role,
  type SignificantRegionMark,
  type TaskStatus,
  type VoxelBox,
  type WorkflowStage,
  type WorkflowTask,
} from '@delineate/schema';
import { sql, type Kysely, type Selectable } from 'kysely';
import type { BlobStore } from '../blob/types';
import { JobQueue } from '../jobs/job-queue';
import { AnnotationRepository, type Clock } from '../repositories/annotations';
import { LabelSchemaRepository } from '../repositories/label-schemas';
import { ReviewProtocolRepository } from '../repositories/review-protocols';
import { ReviewRepository } from '../repositories/reviews';
import { TaskRepository } from '../repositories/tasks';
import type { DB, TasksTable } from '../sql/tables';
import { translated } from '../repositories/db-errors';
import { withTransaction } from '../sql/transaction';
import { itemGrid } from './grid';
import { correctionSizesFromTiles, labelPairMetrics, valuesPresent, workflowTileReader } from './metrics';
import { enqueueCorrectionMetrics } from './correction-metrics';
import { drawAgreementSample } from './sampling';
import { workflowDb, type WorkflowDb, type WorkflowTasksTable } from './tables';
import { assertTaskVisibleTo, maskReadableBy, tasksVisibleTo } from './access';

export { annotationWritableBy, annotationWriteRefusal, assertAnnotationWritable, blindedItemsOf, maskReadableBy, readsBlindedIn, tasksVisibleTo } from './access';

/** The job that computes agreement once every reader of a sampled item has submitted. */
export const AGREEMENT_JOB_KIND = 'workflow.agreement';

/** What a role's qualification must be (the access policy table's roleQualifications). */
export interface QualificationRequirement {
  readonly kinds: readonly string[];
  /** The qualification's modality must be the project's (or unset). */
  readonly matchModality: boolean;
}
export type WorkflowRequirements = Readonly<Partial<Record<Role, QualificationRequirement>>>;

/** Which items `generateTasks` covers and who may take them (pathology regions narrow both). */
export interface TaskGenerationScope {
  /** Only these items (each still past the gate and without tasks); all such items when absent. */
  readonly itemIds?: readonly string[];
  /** Annotators must also hold a valid qualification of one of these kinds. */
  readonly qualificationKinds?: readonly string[];
}

export interface WorkflowRepositoryOptions {
  readonly blobs: Pick<BlobStore, 'get'>;
  readonly requirements: WorkflowRequirements;
  readonly clock?: Clock;
}

export interface SampleRecord {
  readonly itemId: string;
  readonly sampled: boolean;
  readonly readers: number;
  readonly seed: number;
  readonly batch: number;
  readonly drawPosition: number;
}

export interface SubmitAnnotationInput {
  readonly taskId: string;
  readonly userId: string;
  readonly annotationId: string;
  readonly significantRegions?: readonly SignificantRegionMark[];
}

export interface RecordWorkflowReviewInput {
  readonly taskId: string;
  readonly reviewerId: string;
  readonly stage: Exclude<WorkflowStage, 'annotate'>;
  readonly decision: ReviewDecision;
  readonly answers: readonly ReviewAnswerInput[];
  readonly correctedVersion?: number;
  readonly significantRegions?: readonly SignificantRegionMark[];
  /** When the reviewer re-authenticated to sign. */
  readonly signedAt: Date;
}

export interface WorkflowReviewResult {
  readonly review: Review;
  readonly failedItems: FailedItem[];
  readonly correctionSizes: CorrectionSize[];
  /** Tasks this review created (an expert review). */
  readonly created: WorkflowTask[];
}

export interface ReviewContext {
  readonly task: WorkflowTask;
  readonly labels: Array<{ key: string; value: number; name: string; requiresExpertReview: boolean; present: boolean }>;
  /** The checklist items every review of this work must answer (those of the labels present). */
  readonly checklist: ChecklistItem[];
  readonly significantRegions: Array<{ labelKey: string; box: VoxelBox | null; note: string | null; markedBy: string; version: number }>;
  readonly history: Array<{
    reviewId: string;
    stage: Exclude<WorkflowStage, 'annotate'>;
    decision: ReviewDecision;
    reviewerId: string;
    reviewedVersion: number;
    correctedVersion: number | null;
    failedItems: FailedItem[];
    correctionSizes: CorrectionSize[];
    signedAt: string;
  }>;
}

const openStatuses: readonly TaskStatus[] = ['assigned', 'in_progress'];

type JoinedTask = Selectable<WorkflowTasksTable> & Pick<Selectable<TasksTable>, 'kind' | 'assignee_id' | 'status' | 'blinded'>;

/**
 * The clinical workflow over the platform's tables (issue 7): project workflow settings,
 * task generation after the de-identification gate with a recorded agreement sample,
 * qualified and balanced assignment, submission, structured review with correction sizes,
 * expert review and the blinding rule of sampled items.
 */
export class WorkflowRepository {
  readonly #db: Kysely<DB>;
  readonly #options: WorkflowRepositoryOptions;
  readonly #clock: Clock;

  constructor(db: Kysely<DB>, options: WorkflowRepositoryOptions) {
    this.#db = db;
    this.#options = options;
    this.#clock = options.clock ?? (() => new Date());
  }

  get #w(): WorkflowDb {
    return workflowDb(this.#db);
  }

  // ---- configuration --------------------------------------------------------------------

  async config(projectId: string): Promise<WorkflowConfig> {
    return readConfig(this.#db, projectId);
  }

  /** Validates and stores the workflow configuration; pinned documents and oversight freeze once tasks exist. */
  async updateConfig(projectId: string, input: WorkflowConfig, userId: string | null): Promise<WorkflowConfig> {
    const config = parseOrThrow(WorkflowConfig, input);
    const schema = await new LabelSchemaRepository(this.#db).get(config.labelSchema.id, config.labelSchema.version).catch(() => {
      throw new DelineateError('DLN_REQUEST_INVALID', 'The label-schema version does not exist');
    });
    const protocol = await new ReviewProtocolRepository(this.#db).get(config.reviewProtocol.id, config.reviewProtocol.version).catch(() => {
      throw new DelineateError('DLN_REQUEST_INVALID', 'The review-protocol version does not exist');
    });
    const keys = new Set(schema.labels.map((l) => l.key));
    if (protocol.checklist.some((item) => !keys.has(item.labelKey))) {
      throw new DelineateError('DLN_REQUEST_INVALID', 'The review protocol has checklist items for labels the label schema does not have');
    }
    const unchecked = schema.labels.filter((l) => !protocol.checklist.some((item) => item.labelKey === l.key));
    if (unchecked.length > 0) throw new DelineateError('DLN_REQUEST_INVALID', 'Every label of the schema needs at least one checklist item');
    if (config.expertReview.labelKeys.some((k) => !keys.has(k))) {
      throw new DelineateError('DLN_REQUEST_INVALID', 'Expert review names a label the label schema does not have');
    }
    if (config.agreementSampling.fraction > 0 && config.agreementSampling.readersPerItem < 2) {
      throw new DelineateError('DLN_REQUEST_INVALID', 'Agreement sampling needs at least two readers per sampled item');
    }
    const now = this.#clock();
    return translated(() => withTransaction(this.#db, async (tx) => {
      const current = await readConfig(tx, projectId);
      const started = await workflowDb(tx).selectFrom('workflow_tasks').select('task_id').where('project_id', '=', projectId).limit(1).executeTakeFirst();
      const frozenChanged =
        current.oversightModel !== config.oversightModel ||
        current.labelSchema.id !== config.labelSchema.id ||
        current.labelSchema.version !== config.labelSchema.version ||
        current.reviewProtocol.id !== config.reviewProtocol.id ||
        current.reviewProtocol.version !== config.reviewProtocol.version;
      if (started && frozenChanged) {
        throw new DelineateError('DLN_CONFLICT', 'The oversight model and pinned versions cannot change once workflow tasks exist');
      }
      await tx
        .updateTable('projects')
        .set({
          oversight_model: config.oversightModel,
          label_schema_id: config.labelSchema.id,
          label_schema_version: config.labelSchema.version,
          review_protocol_id: config.reviewProtocol.id,
          review_protocol_version: config.reviewProtocol.version,
          agreement_fraction: config.agreementSampling.fraction,
          agreement_readers: config.agreementSampling.readersPerItem,
          agreement_blinded: config.agreementSampling.blinded,
        })
        .where('id', '=', projectId)
        .execute();
      const settings = {
        expert_label_keys: JSON.stringify(config.expertReview.labelKeys),
        expert_significant_regions: config.expertReview.significantRegions,
        dice_threshold: config.agreementThresholds.dice,
        kappa_threshold: config.agreementThresholds.fleissKappa,
        sampling_seed: config.samplingSeed,
        updated_at: now,
        updated_by: userId,
      };
      await workflowDb(tx)
        .insertInto('workflow_settings')
        .values({ project_id: projectId, ...settings })
        .onConflict((oc) => oc.column('project_id').doUpdateSet(settings))
        .execute();
      return readConfig(tx, projectId);
    }));
  }

  // ---- tasks ------------------------------------------------------------------------------

  /**
   * Creates annotate tasks for every item that passed the de-identification gate and has none
   * yet: one reader per item, or the configured number for the items the seeded sample draws.
   */
  async generateTasks(projectId: string, scope: TaskGenerationScope = {}): Promise<{ sample: SampleRecord[]; created: WorkflowTask[] }> {
    const config = await this.config(projectId);
    const project = await this.#project(projectId);
    return translated(() => withTransaction(this.#db, async (tx) => {
      const w = workflowDb(tx);
      const items = await sql<{ id: string }>`
        select i.id from items i
         where i.project_id = ${projectId}
           and not exists (select 1 from workflow_samples s where s.item_id = i.id)
           and (
             (i.kind in ('series_volume', 'photo', 'cine_volume') and exists (select 1 from instances x where x.series_id = i.series_id))
             or (i.kind = 'slide_region' and exists (
                  select 1 from slides sl join deid_records d on d.output_hash = sl.pyramid_hash
                   where sl.id = i.slide_id and d.status = 'passed' and d.project_id = i.project_id))
             or (i.kind = 'frame_range' and exists (
                  select 1 from videos v join deid_records d on d.output_hash = v.blob_hash
                   where v.id = i.video_id and d.status = 'passed' and d.project_id = i.project_id))
           )
           ${scope.itemIds ? sql`and i.id in (${sql.join(scope.itemIds)})` : sql``}
         order by i.created_at, i.id`.execute(tx);
      if (items.rows.length === 0) return { sample: [], created: [] };
      const last = await w.selectFrom('workflow_samples').select((eb) => eb.fn.max('batch').as('batch')).where('project_id', '=', projectId).executeTakeFirst();
      const batch = last?.batch === null || last?.batch === undefined ? 0 : Number(last.batch) + 1;
      const seed = config.samplingSeed;
      const draws = drawAgreementSample(
        items.rows.map((r) => r.id),
        config.agreementSampling.fraction,
        seed,
        batch,
      );
      const role: Role = config.oversightModel === 'direct_clinical' ? 'clinician_annotator' : 'annotator';
      const eligible = await this.#eligible(tx, projectId, role, project.modality, scope.qualificationKinds);
      const load = await this.#workload(tx, projectId, eligible);
      const now = this.#clock();
      const sample: SampleRecord[] = [];
      const created: WorkflowTask[] = [];
      const byItem = new Map(draws.map((d) => [d.itemId, d]));
      for (const { id: itemId } of items.rows) {
        const draw = byItem.get(itemId);
        if (!draw) continue;
        const readers = draw.sampled ? config.agreementSampling.readersPerItem : 1;
        const chosen = pickLeastLoaded(eligible, load, readers, new Set());
        if (chosen.length < readers) {
          throw new DelineateError('DLN_CONFLICT', `Not enough qualified ${role.replace('_', ' ')}s in the project for ${readers} reader(s) per item`);
        }
        await w
          .insertInto('workflow_samples')
          .values({ item_id: itemId, project_id: projectId, sampled: draw.sampled, readers, seed, batch, draw_position: draw.position, created_at: now })
          .execute();
        sample.push({ itemId, sampled: draw.sampled, readers, seed, batch, drawPosition: draw.position });
        for (const userId of chosen) {
          created.push(
            await this.#createTask(tx, {
              projectId,
              itemId,
              stage: 'annotate',
              assigneeId: userId,
              sampled: draw.sampled,
              blinded: draw.sampled && config.agreementSampling.blinded,
            }),
          );
        }
      }
      await enqueueDraftsForNewTasks(tx, projectId, created, this.#clock);
      return { sample, created };
    }));
  }

  /**
   * One task. With `viewerId`, a blinded reader is refused (403) another reader's task or a
   * review of it until every reader of the item has submitted.
   */
  async getTask(taskId: string, viewerId?: string): Promise<WorkflowTask> {
    const task = toWorkflowTask(await this.#joined(this.#db, taskId));
    if (viewerId !== undefined) await assertTaskVisibleTo(this.#db, viewerId, task);
    return task;
  }

  /** The project's tasks; with `viewerId`, without those blinding hides from that user. */
  async listTasks(projectId: string, filter: { assigneeId?: string; stage?: WorkflowStage } = {}, viewerId?: string): Promise<WorkflowTask[]> {
    let query = this.#joinedQuery(this.#db).where('w.project_id', '=', projectId);
    if (filter.assigneeId) query = query.where('t.assignee_id', '=', filter.assigneeId);
    if (filter.stage) query = query.where('w.stage', '=', filter.stage);
    const rows = await query.orderBy('t.created_at').orderBy('t.id').execute();
    const tasks = rows.map(toWorkflowTask);
    return viewerId === undefined ? tasks : tasksVisibleTo(this.#db, viewerId, tasks);
  }

  async sample(projectId: string): Promise<SampleRecord[]> {
    const rows = await this.#w.selectFrom('workflow_samples').selectAll().where('project_id', '=', projectId).orderBy('batch').orderBy('draw_position').execute();
    return rows.map((r) => ({ itemId: r.item_id, sampled: r.sampled, readers: r.readers, seed: Number(r.seed), batch: r.batch, drawPosition: r.draw_position }));
  }

  /** The annotator submits the head revision of their annotation of the task. */
  async submitAnnotation(input: SubmitAnnotationInput): Promise<{ task: WorkflowTask; created: WorkflowTask[]; agreementJobId: string | null }> {
    return translated(() => withTransaction(this.#db, async (tx) => {
      const w = workflowDb(tx);
      const row = await this.#joined(tx, input.taskId);
      if (row.stage !== 'annotate') throw new DelineateError('DLN_CONFLICT', 'This is not an annotation task');
      if (row.assignee_id !== input.userId) throw new DelineateError('DLN_AUTH_FORBIDDEN', 'Only the assignee submits a task');
      const annotation = await tx.selectFrom('annotations').selectAll().where('id', '=', input.annotationId).executeTakeFirst();
      if (!annotation || annotation.task_id !== input.taskId) throw new DelineateError('DLN_REQUEST_INVALID', 'The annotation does not belong to this task');
      if (annotation.head_version === 0) throw new DelineateError('DLN_CONFLICT', 'Save a revision before submitting');
      const pinned = await readConfig(tx, row.project_id);
      if (annotation.label_schema_id !== pinned.labelSchema.id || annotation.label_schema_version !== pinned.labelSchema.version) {
        throw new DelineateError('DLN_REQUEST_INVALID', "The annotation is not drawn under the project's pinned label-schema version");
      }
      const tasks = new TaskRepository(tx, { clock: this.#clock });
      if (row.status === 'assigned') await tasks.transition(row.task_id, 'assigned', 'in_progress');
      else if (row.status !== 'in_progress') throw new DelineateError('DLN_CONFLICT', `The task is ${row.status}`, { status: row.status });
      await tasks.transition(row.task_id, 'in_progress', 'submitted');
      const now = this.#clock();
      const version = annotation.head_version;
      await w
        .updateTable('workflow_tasks')
        .set({
          annotation_id: annotation.id,
          revision_version: version,
          first_submitted_version: row.first_submitted_version ?? version,
          submitted_at: now,
          returned_items: '[]',
        })
        .where('task_id', '=', row.task_id)
        .execute();
      await this.#mark(tx, annotation.id, version, input.userId, await this.#marksToRecord(tx, row.task_id, input.userId, input.significantRegions));
      const config = pinned;
      const project = await this.#project(row.project_id, tx);
      const created: WorkflowTask[] = [];
      if (config.oversightModel === 'supervised_technologist') {
        const reviewer = await this.#pickReviewer(tx, row.project_id, 'reviewer', project.modality, await this.#notReviewers(tx, row.item_id, input.userId));
        created.push(
          await this.#createTask(tx, {
            projectId: row.project_id,
            itemId: row.item_id,
            stage: 'review',
            assigneeId: reviewer,
            sampled: row.sampled,
            blinded: false,
            reviewsTaskId: row.task_id,
            annotationId: annotation.id,
            revisionVersion: version,
          }),
        );
      } else {
        const expert = await this.#expertTaskIfNeeded(tx, row, annotation.id, version, project.modality, config, await this.#notReviewers(tx, row.item_id, input.userId));
        if (expert) created.push(expert);
        else await tasks.transition(row.task_id, 'submitted', 'done');
      }
      const agreementJobId = row.sampled ? await this.#agreementIfComplete(tx, row.item_id, project.region) : null;
      await enqueueEffortIfDrafted(tx, { taskId: row.task_id, annotationId: annotation.id, projectId: row.project_id, region: project.region }, this.#clock);
      return { task: toWorkflowTask(await this.#joined(tx, row.task_id)), created, agreementJobId };
    }));
  }

  /**
   * Records a structured review (standard or expert): every checklist item of every label
   * present must be answered; `correct` measures the reviewer's correction revision against
   * the reviewed one; `reject` returns the work with the failed items.
   */
  async recordReview(input: RecordWorkflowReviewInput): Promise<WorkflowReviewResult> {
    return translated(() => withTransaction(this.#db, async (tx) => {
      const w = workflowDb(tx);
      const { row, annotateTaskId, annotationId, reviewed, annotateTask, config, schema, present, required, failedItems, correctionSizes, finalVersion, finalLabels } =
        await this.#prepareReview(tx, input);
      const review = await new ReviewRepository(tx, { clock: this.#clock }).record({
        revision: { annotationId, version: reviewed },
        reviewerId: input.reviewerId,
        protocol: config.reviewProtocol,
        answers: input.answers.map((a) => ({ itemKey: a.itemKey, passed: a.passed, ...(a.note ? { note: a.note } : {}) })),
        decision: input.decision,
        corrections: failedItems.map((f) => ({
          labelKey: f.labelKey,
          errorType: f.errorType,
          ...(f.note ? { note: f.note } : {}),
          ...(input.decision === 'correct' ? { correctedVersion: finalVersion } : {}),
        })),
        signedAt: input.signedAt,
      });
      const now = this.#clock();
      const labelAnswers = present.map((l) => {
        const items = required.filter((item) => item.labelKey === l.key);
        return { labelKey: l.key, answered: items.length, failed: failedItems.filter((f) => f.labelKey === l.key).length };
      });
      await w
        .insertInto('workflow_reviews')
        .values({
          review_id: review.id,
          task_id: row.task_id,
          project_id: row.project_id,
          stage: input.stage,
          annotate_task_id: annotateTaskId,
          annotator_id: annotateTask.assignee_id,
          failed_items: JSON.stringify(failedItems),
          label_answers: JSON.stringify(labelAnswers),
          corrected_version: input.decision === 'correct' ? finalVersion : null,
          correction_sizes: JSON.stringify(correctionSizes),
          created_at: now,
        })
        .execute();
      await this.#mark(tx, annotationId, finalVersion, input.reviewerId, await this.#marksToRecord(tx, row.task_id, input.reviewerId, input.significantRegions));
      if (correctionSizes.some((size) => size.hd95Computing)) {
        const { region } = await this.#project(row.project_id, tx);
        await enqueueCorrectionMetrics(tx, { projectId: row.project_id, reviewId: review.id, region }, this.#clock);
      }

      const tasks = new TaskRepository(tx, { clock: this.#clock });
      if (row.status === 'assigned') await tasks.transition(row.task_id, 'assigned', 'in_progress');
      await tasks.transition(row.task_id, 'in_progress', 'submitted');
      await tasks.transition(row.task_id, 'submitted', 'done');
      await w.updateTable('workflow_tasks').set({ submitted_at: now }).where('task_id', '=', row.task_id).execute();

      const created: WorkflowTask[] = [];
      if (input.stage === 'review') {
        if (input.decision === 'reject') {
          await tasks.transition(annotateTaskId, 'submitted', 'in_progress');
          await w
            .updateTable('workflow_tasks')
            .set((eb) => ({ rework_count: eb('rework_count', '+', 1), returned_items: JSON.stringify(failedItems) }))
            .where('task_id', '=', annotateTaskId)
            .execute();
        } else {
          await tasks.transition(annotateTaskId, 'submitted', 'done');
          const project = await this.#project(row.project_id, tx);
          const annotateRow = await this.#joined(tx, annotateTaskId);
          const excluded = new Set([input.reviewerId, ...(await this.#notReviewers(tx, row.item_id, annotateTask.assignee_id))]);
          const expert = await this.#expertTaskIfNeeded(tx, annotateRow, annotationId, finalVersion, project.modality, config, excluded, finalLabels, schema.labels);
          if (expert) created.push(expert);
        }
      } else if (annotateTask.status === 'submitted') {
        // direct_clinical: the expert's decision completes the annotation.
        await tasks.transition(annotateTaskId, 'submitted', 'done');
      }
      return { review, failedItems, correctionSizes, created };
    }));
  }

  /** Validates a review without recording it (the route checks before it asks for the signature). */
  async checkReview(input: Omit<RecordWorkflowReviewInput, 'signedAt'>): Promise<void> {
    await translated(() => this.#prepareReview(this.#db, input, false));
  }

  /** Validates a review and, when `measure`, sizes its correction (the HD95 is left to a job). */
  async #prepareReview(db: Kysely<DB>, input: Omit<RecordWorkflowReviewInput, 'signedAt'>, measure = true) {
    const row = await this.#joined(db, input.taskId);
    if (row.stage !== input.stage) throw new DelineateError('DLN_CONFLICT', `This is not a${input.stage === 'review' ? ' review' : 'n expert-review'} task`);
    if (row.assignee_id !== input.reviewerId) throw new DelineateError('DLN_AUTH_FORBIDDEN', 'Only the assignee reviews this task');
    if (!openStatuses.includes(row.status as TaskStatus)) throw new DelineateError('DLN_CONFLICT', `The task is ${row.status}`, { status: row.status });
    if (input.stage === 'expert_review' && input.decision === 'reject') {
      throw new DelineateError('DLN_REQUEST_INVALID', 'An expert review accepts or corrects');
    }
    const annotateTaskId = row.reviews_task_id;
    const annotationId = row.annotation_id;
    const reviewed = row.revision_version;
    if (!annotateTaskId || !annotationId || !reviewed) throw new DelineateError('DLN_INTERNAL', 'A review task without the work it reviews');
    const annotateTask = await db.selectFrom('tasks').selectAll().where('id', '=', annotateTaskId).executeTakeFirstOrThrow();
    if (annotateTask.assignee_id === input.reviewerId) throw new DelineateError('DLN_AUTH_FORBIDDEN', 'Nobody reviews their own work');

    const config = await readConfig(db, row.project_id);
    const schema = await new LabelSchemaRepository(db).get(config.labelSchema.id, config.labelSchema.version);
    const protocol = await new ReviewProtocolRepository(db).get(config.reviewProtocol.id, config.reviewProtocol.version);
    const grid = await itemGrid(db, row.item_id);
    const annotations = new AnnotationRepository(db);
    const original = { annotationId, version: reviewed };
    // A correction being recorded reads both revisions' tiles once, for its sizes and the labels present.
    const correction = measure && input.decision === 'correct' ? await this.#correctionOf(db, input, annotationId, reviewed) : undefined;
    const measured = correction && (await correctionSizesFromTiles(db, this.#options.blobs, schema.labels, grid, original, correction, 'by job'));
    const originalLabels = measured?.originalLabels ?? (await workflowTileReader(db, this.#options.blobs).labelsPresent(original));
    const present = labelsIn(schema.labels, originalLabels);
    const checklist = new Map(protocol.checklist.map((item) => [item.key, item]));

    const seen = new Set<string>();
    for (const answer of input.answers) {
      if (!checklist.has(answer.itemKey)) throw new DelineateError('DLN_REQUEST_INVALID', 'An answer names a checklist item the protocol version does not have');
      if (seen.has(answer.itemKey)) throw new DelineateError('DLN_REQUEST_INVALID', 'A checklist item is answered twice');
      seen.add(answer.itemKey);
    }
    const required = protocol.checklist.filter((item) => present.some((l) => l.key === item.labelKey));
    const missing = required.filter((item) => !seen.has(item.key));
    if (missing.length > 0) {
      throw new DelineateError('DLN_REQUEST_INVALID', `${missing.length} checklist item(s) of the labels present are not answered`, {
        missing: missing.map((m) => m.key).join(','),
      });
    }
    const failedItems: FailedItem[] = input.answers
      .filter((a) => !a.passed)
      .map((a) => {
        const item = checklist.get(a.itemKey)!;
        return { itemKey: a.itemKey, labelKey: item.labelKey, errorType: a.errorType ?? item.errorType, ...(a.note ? { note: a.note } : {}) };
      });
    if (input.decision === 'accept' && failedItems.length > 0) throw new DelineateError('DLN_REQUEST_INVALID', 'Work with failed checklist items cannot be accepted');
    if (input.decision !== 'accept' && failedItems.length === 0) {
      throw new DelineateError('DLN_REQUEST_INVALID', `A ${input.decision} decision needs at least one failed checklist item`);
    }

    let correctionSizes: CorrectionSize[] = [];
    let finalVersion = reviewed;
    let finalLabels = originalLabels;
    if (input.decision === 'correct') {
      if (input.correctedVersion === undefined) throw new DelineateError('DLN_REQUEST_INVALID', 'A correction names the correction revision you saved');
      const corrected = await annotations.getRevision(annotationId, input.correctedVersion);
      if (corrected.version <= reviewed || corrected.source !== 'correction' || corrected.author.kind !== 'user' || corrected.author.userId !== input.reviewerId) {
        throw new DelineateError('DLN_REQUEST_INVALID', 'The correction must be a later correction revision you saved on this annotation');
      }
      finalVersion = corrected.version;
      if (measured) {
        correctionSizes = measured.sizes;
        finalLabels = measured.correctedLabels;
      }
    } else if (input.correctedVersion !== undefined) {
      throw new DelineateError('DLN_REQUEST_INVALID', 'Only a correct decision names a correction revision');
    }
    return { row, annotateTaskId, annotationId, reviewed, annotateTask, config, schema, present, required, failedItems, correctionSizes, finalVersion, finalLabels };
  }

  /** The correction revision a review names, when it is one the reviewer saved after the reviewed version (checked again where errors are raised). */
  async #correctionOf(db: Kysely<DB>, input: Omit<RecordWorkflowReviewInput, 'signedAt'>, annotationId: string, reviewed: number): Promise<RevisionRef | undefined> {
    if (input.correctedVersion === undefined) return undefined;
    const corrected = await new AnnotationRepository(db).getRevision(annotationId, input.correctedVersion).catch(() => undefined);
    const valid = corrected && corrected.version > reviewed && corrected.source === 'correction' && corrected.author.kind === 'user' && corrected.author.userId === input.reviewerId;
    return valid ? { annotationId, version: corrected.version } : undefined;
  }

  /** A project admin moves an open task to another qualified person (never onto their own work). */
  async reassign(taskId: string, assigneeId: string): Promise<{ task: WorkflowTask; previousAssigneeId: string | null }> {
    return translated(() => withTransaction(this.#db, async (tx) => {
      const row = await this.#joined(tx, taskId);
      if (!['open', 'assigned', 'in_progress'].includes(row.status)) throw new DelineateError('DLN_CONFLICT', `The task is ${row.status}`, { status: row.status });
      const config = await readConfig(tx, row.project_id);
      const project = await this.#project(row.project_id, tx);
      const role: Role =
        row.stage === 'annotate' ? (config.oversightModel === 'direct_clinical' ? 'clinician_annotator' : 'annotator') : row.stage === 'review' ? 'reviewer' : 'expert_reviewer';
      if (row.reviews_task_id) {
        const reviewed = await tx.selectFrom('tasks').select('assignee_id').where('id', '=', row.reviews_task_id).executeTakeFirstOrThrow();
        if (reviewed.assignee_id === assigneeId) throw new DelineateError('DLN_REQUEST_INVALID', 'Nobody reviews their own work');
        if ((await this.#notReviewers(tx, row.item_id, reviewed.assignee_id)).has(assigneeId)) {
          throw new DelineateError('DLN_REQUEST_INVALID', 'A blinded reader of the item does not review another reader of it');
        }
      } else {
        const other = await workflowDb(tx)
          .selectFrom('workflow_tasks as w')
          .innerJoin('tasks as t', 't.id', 'w.task_id')
          .select('w.task_id')
          .where('w.item_id', '=', row.item_id)
          .where('w.stage', '=', 'annotate')
          .where('t.assignee_id', '=', assigneeId)
          .where('w.task_id', '<>', taskId)
          .executeTakeFirst();
        if (other) throw new DelineateError('DLN_REQUEST_INVALID', 'The person already reads this item');
      }
      const eligible = await this.#eligible(tx, row.project_id, role, project.modality);
      if (!eligible.includes(assigneeId)) throw new DelineateError('DLN_REQUEST_INVALID', `The person is not a qualified ${role.replace('_', ' ')} of this project`);
      const now = this.#clock();
      await tx.updateTable('tasks').set({ assignee_id: assigneeId, status: 'assigned', updated_at: now }).where('id', '=', taskId).execute();
      await workflowDb(tx).updateTable('workflow_tasks').set({ started_at: now }).where('task_id', '=', taskId).execute();
      return { task: toWorkflowTask(await this.#joined(tx, taskId)), previousAssigneeId: row.assignee_id };
    }));
  }

  /**
   * What a reviewer needs beside the viewer: the labels of the pinned schema (present or not in
   * the revision under review), the checklist items that must be answered, the significant-region
   * marks on the annotation and the earlier reviews of the same work.
   */
  async reviewContext(taskId: string, viewerId?: string): Promise<ReviewContext> {
    const task = await this.getTask(taskId, viewerId);
    const config = await readConfig(this.#db, task.projectId);
    const schema = await new LabelSchemaRepository(this.#db).get(config.labelSchema.id, config.labelSchema.version);
    const protocol = await new ReviewProtocolRepository(this.#db).get(config.reviewProtocol.id, config.reviewProtocol.version);
    let present = new Set<number>();
    if (task.annotationId && task.revisionVersion) {
      const revision = await new AnnotationRepository(this.#db).getRevision(task.annotationId, task.revisionVersion);
      present = await workflowTileReader(this.#db, this.#options.blobs).labelsPresent(revision);
    }
    const labels = schema.labels.map((l) => ({ key: l.key, value: l.value, name: l.name, requiresExpertReview: config.expertReview.labelKeys.includes(l.key), present: present.has(l.value) }));
    const presentKeys = new Set(labels.filter((l) => l.present).map((l) => l.key));
    const marks = task.annotationId
      ? await this.#w.selectFrom('workflow_significant_regions').selectAll().where('annotation_id', '=', task.annotationId).orderBy('created_at').orderBy('id').execute()
      : [];
    const workTaskId = task.reviewsTaskId ?? task.id;
    const history = await this.#w
      .selectFrom('workflow_reviews as wr')
      .innerJoin('reviews as r', 'r.id', 'wr.review_id')
      .select(['wr.review_id', 'wr.stage', 'wr.failed_items', 'wr.correction_sizes', 'wr.corrected_version', 'r.decision', 'r.reviewer_id', 'r.signed_at', 'r.version'])
      .where('wr.annotate_task_id', '=', workTaskId)
      .orderBy('wr.created_at')
      .orderBy('wr.review_id')
      .execute();
    return {
      task,
      labels,
      checklist: protocol.checklist.filter((item) => presentKeys.has(item.labelKey)),
      significantRegions: marks.map((m) => ({ labelKey: m.label_key, box: (m.box as VoxelBox | null) ?? null, note: m.note, markedBy: m.marked_by, version: m.version })),
      history: history.map((h) => ({
        reviewId: h.review_id,
        stage: h.stage as Exclude<WorkflowStage, 'annotate'>,
        decision: h.decision as ReviewDecision,
        reviewerId: h.reviewer_id,
        reviewedVersion: h.version,
        correctedVersion: h.corrected_version,
        failedItems: h.failed_items as FailedItem[],
        correctionSizes: h.correction_sizes as CorrectionSize[],
        signedAt: new Date(h.signed_at).toISOString(),
      })),
    };
  }

  /**
   * The correction a review task recorded, as one label volume for an overlay: 1 where the
   * correction added a voxel, 2 where it removed one, 3 where it changed the label.
   */
  async correctionOverlay(taskId: string, viewerId?: string): Promise<Uint8Array> {
    const task = await this.getTask(taskId, viewerId);
    const decoded = decodeRle8(await this.correctionOverlayRle(taskId, viewerId), voxelCount(await itemGrid(this.#db, task.itemId)));
    if (!decoded.ok) throw new DelineateError('DLN_INTERNAL', 'The correction overlay does not cover its grid');
    return decoded.voxels;
  }

  /** {@link correctionOverlay} as its `rle` stream, made tile by tile from the two revisions' runs. */
  async correctionOverlayRle(taskId: string, viewerId?: string): Promise<Uint8Array> {
    const task = await this.getTask(taskId, viewerId);
    const row = await this.#w.selectFrom('workflow_reviews').select('corrected_version').where('task_id', '=', taskId).executeTakeFirst();
    if (!row?.corrected_version || !task.annotationId || !task.revisionVersion) throw new DelineateError('DLN_NOT_FOUND', 'This task recorded no correction');
    const aligned = await workflowTileReader(this.#db, this.#options.blobs).aligned([
      { annotationId: task.annotationId, version: task.revisionVersion },
      { annotationId: task.annotationId, version: row.corrected_version },
    ]);
    return mapAlignedTiles(aligned.grid, 2, aligned.tiles(), (v) => {
      const a = v[0]!, b = v[1]!;
      return a === b ? 0 : a === 0 ? 1 : b === 0 ? 2 : 3;
    });
  }

  async maskReadableBy(userId: string, annotationId: string): Promise<boolean> {
    return maskReadableBy(this.#db, userId, annotationId);
  }

  // ---- significant-region marks not yet submitted -----------------------------------------

  /** The marks the task's assignee has made and not yet submitted (empty when none). */
  async regionDraft(taskId: string, userId: string): Promise<SignificantRegionMark[]> {
    const row = await this.#joined(this.#db, taskId);
    if (row.assignee_id !== userId) throw new DelineateError('DLN_AUTH_FORBIDDEN', "Only the task's assignee has marks on it");
    const draft = await this.#w.selectFrom('workflow_region_drafts').select('marks').where('task_id', '=', taskId).where('user_id', '=', userId).executeTakeFirst();
    return (draft?.marks ?? []) as SignificantRegionMark[];
  }

  /**
   * Keeps the assignee's marks on an open task (replacing the earlier list) so that a reload
   * does not lose them; submitting or signing the review records them on the revision.
   */
  async saveRegionDraft(taskId: string, userId: string, marks: readonly SignificantRegionMark[]): Promise<SignificantRegionMark[]> {
    return translated(() => withTransaction(this.#db, async (tx) => {
      const row = await this.#joined(tx, taskId);
      if (row.assignee_id !== userId) throw new DelineateError('DLN_AUTH_FORBIDDEN', "Only the task's assignee marks significant regions on it");
      if (!openStatuses.includes(row.status as TaskStatus)) throw new DelineateError('DLN_CONFLICT', `The task is ${row.status}`, { status: row.status });
      await this.#checkMarks(tx, row.project_id, row.item_id, marks);
      const now = this.#clock();
      const value = JSON.stringify(marks);
      await workflowDb(tx)
        .insertInto('workflow_region_drafts')
        .values({ task_id: taskId, user_id: userId, marks: value, updated_at: now })
        .onConflict((oc) => oc.columns(['task_id', 'user_id']).doUpdateSet({ marks: value, updated_at: now }))
        .execute();
      return [...marks];
    }));
  }

  /**
   * The marks a submission records: those it names (the list on screen), else the ones kept
   * for the task. Either way the kept list is used up.
   */
  async #marksToRecord(db: Kysely<DB>, taskId: string, userId: string, given: readonly SignificantRegionMark[] | undefined): Promise<readonly SignificantRegionMark[]> {
    const w = workflowDb(db);
    const draft = await w.selectFrom('workflow_region_drafts').select('marks').where('task_id', '=', taskId).where('user_id', '=', userId).executeTakeFirst();
    await w.deleteFrom('workflow_region_drafts').where('task_id', '=', taskId).execute();
    return given ?? ((draft?.marks ?? []) as SignificantRegionMark[]);
  }

  // ---- internals ------------------------------------------------------------------------

  async #project(projectId: string, db: Kysely<DB> = this.#db): Promise<{ modality: string; region: string }> {
    const row = await db.selectFrom('projects').select(['modality', 'region']).where('id', '=', projectId).executeTakeFirst();
    if (!row) throw new DelineateError('DLN_NOT_FOUND', 'Project not found');
    return row;
  }

  /** Users holding `role` in the project with a valid qualification the role asks for. */
  async #eligible(db: Kysely<DB>, projectId: string, role: Role, modality: string, kinds: readonly string[] = []): Promise<string[]> {
    const need = this.#options.requirements[role];
    let query = db
      .selectFrom('memberships as m')
      .innerJoin('users as u', 'u.id', 'm.user_id')
      .select('m.user_id')
      .distinct()
      .where('m.project_id', '=', projectId)
      .where('m.role', '=', role)
      .where('u.disabled', '=', false);
    if (need) {
      const now = this.#clock();
      query = query.where((eb) =>
        eb.exists(
          eb
            .selectFrom('qualifications as q')
            .select('q.id')
            .whereRef('q.user_id', '=', 'm.user_id')
            .where('q.kind', 'in', [...need.kinds])
            .where((e) => e.or([e('q.valid_until', 'is', null), e('q.valid_until', '>', now)]))
            .where((e) => (need.matchModality ? e.or([e('q.modality', 'is', null), e('q.modality', '=', modality)]) : e.lit(true))),
        ),
      );
    }
    if (kinds.length > 0) {
      const now = this.#clock();
      query = query.where((eb) =>
        eb.exists(
          eb
            .selectFrom('qualifications as k')
            .select('k.id')
            .whereRef('k.user_id', '=', 'm.user_id')
            .where('k.kind', 'in', [...kinds])
            .where((e) => e.or([e('k.valid_until', 'is', null), e('k.valid_until', '>', now)])),
        ),
      );
    }
    const rows = await query.orderBy('m.user_id').execute();
    return rows.map((r) => r.user_id);
  }

  /** Open tasks (assigned or in progress) per user in the project. */
  async #workload(db: Kysely<DB>, projectId: string, userIds: readonly string[]): Promise<Map<string, number>> {
    const load = new Map(userIds.map((id) => [id, 0]));
    if (userIds.length === 0) return load;
    const rows = await db
      .selectFrom('tasks')
      .select(['assignee_id', (eb) => eb.fn.countAll<string>().as('n')])
      .where('project_id', '=', projectId)
      .where('status', 'in', [...openStatuses])
      .where('assignee_id', 'in', [...userIds])
      .groupBy('assignee_id')
      .execute();
    for (const r of rows) if (r.assignee_id) load.set(r.assignee_id, Number(r.n));
    return load;
  }

  /**
   * Who must not review the work of `author` on the item: the author, and on a blinded item every
   * other reader of it (reviewing would show them another reader's work: issue 11 §5).
   */
  async #notReviewers(db: Kysely<DB>, itemId: string, author: string | null): Promise<Set<string>> {
    const readers = await workflowDb(db)
      .selectFrom('workflow_tasks as w')
      .innerJoin('tasks as t', 't.id', 'w.task_id')
      .select('t.assignee_id')
      .where('w.item_id', '=', itemId)
      .where('w.stage', '=', 'annotate')
      .where('t.blinded', '=', true)
      .execute();
    return new Set([...(author ? [author] : []), ...readers.flatMap((r) => (r.assignee_id ? [r.assignee_id] : []))]);
  }

  /** The least-loaded qualified reviewer, or null: the task then stays open until an admin assigns it. */
  async #pickReviewer(db: Kysely<DB>, projectId: string, role: Role, modality: string, excluded: ReadonlySet<string>): Promise<string | null> {
    const eligible = await this.#eligible(db, projectId, role, modality);
    const load = await this.#workload(db, projectId, eligible);
    const [chosen] = pickLeastLoaded(eligible, load, 1, excluded);
    return chosen ?? null;
  }

  async #expertTaskIfNeeded(
    db: Kysely<DB>,
    annotateRow: JoinedTask,
    annotationId: string,
    version: number,
    modality: string,
    config: WorkflowConfig,
    excluded: ReadonlySet<string>,
    presentValues?: ReadonlySet<number>,
    labels?: readonly Label[],
  ): Promise<WorkflowTask | undefined> {
    const existing = await workflowDb(db)
      .selectFrom('workflow_tasks')
      .select('task_id')
      .where('reviews_task_id', '=', annotateRow.task_id)
      .where('stage', '=', 'expert_review')
      .executeTakeFirst();
    if (existing) return undefined;
    let needed = false;
    if (config.expertReview.significantRegions) {
      const marked = await workflowDb(db).selectFrom('workflow_significant_regions').select('id').where('annotation_id', '=', annotationId).executeTakeFirst();
      needed = marked !== undefined;
    }
    if (!needed && config.expertReview.labelKeys.length > 0) {
      const schemaLabels = labels ?? (await new LabelSchemaRepository(db).get(config.labelSchema.id, config.labelSchema.version)).labels;
      const present = labelsIn(schemaLabels, presentValues ?? (await workflowTileReader(db, this.#options.blobs).labelsPresent({ annotationId, version })));
      needed = present.some((l) => config.expertReview.labelKeys.includes(l.key));
    }
    if (!needed) return undefined;
    const expert = await this.#pickReviewer(db, annotateRow.project_id, 'expert_reviewer', modality, excluded);
    return this.#createTask(db, {
      projectId: annotateRow.project_id,
      itemId: annotateRow.item_id,
      stage: 'expert_review',
      assigneeId: expert,
      sampled: annotateRow.sampled,
      blinded: false,
      reviewsTaskId: annotateRow.task_id,
      annotationId,
      revisionVersion: version,
    });
  }

  /** Enqueues the agreement job once, when every reader of a sampled item has submitted. */
  async #agreementIfComplete(db: Kysely<DB>, itemId: string, region: string): Promise<string | null> {
    const w = workflowDb(db);
    const sample = await w.selectFrom('workflow_samples').selectAll().where('item_id', '=', itemId).executeTakeFirst();
    if (!sample?.sampled || sample.agreement_job_id) return null;
    const readers = await w.selectFrom('workflow_tasks').select('first_submitted_version').where('item_id', '=', itemId).where('stage', '=', 'annotate').execute();
    if (readers.length < sample.readers || readers.some((r) => r.first_submitted_version === null)) return null;
    const job = await new JobQueue(db, { clock: this.#clock }).enqueue({
      kind: AGREEMENT_JOB_KIND,
      region: parseOrThrow(Region, region),
      payload: { projectId: sample.project_id, itemId },
    });
    await w.updateTable('workflow_samples').set({ agreement_job_id: job.id }).where('item_id', '=', itemId).execute();
    return job.id;
  }

  /** Marks name labels of the pinned schema and lie inside the item's grid. */
  async #checkMarks(db: Kysely<DB>, projectId: string, itemId: string, marks: readonly SignificantRegionMark[]): Promise<void> {
    if (marks.length === 0) return;
    const config = await readConfig(db, projectId);
    const keys = new Set((await new LabelSchemaRepository(db).get(config.labelSchema.id, config.labelSchema.version)).labels.map((l) => l.key));
    if (marks.some((m) => !keys.has(m.labelKey))) throw new DelineateError('DLN_REQUEST_INVALID', 'A significant region names a label the label schema does not have');
    const boxed = marks.filter((m) => m.box);
    if (boxed.length > 0) {
      const dims = (await itemGrid(db, itemId)).dims;
      if (boxed.some((m) => m.box?.max.some((v, i) => v >= (dims[i] ?? 0)))) throw new DelineateError('DLN_REQUEST_INVALID', "A significant region lies outside the item's grid");
    }
  }

  async #mark(db: Kysely<DB>, annotationId: string, version: number, userId: string, marks: readonly SignificantRegionMark[]): Promise<void> {
    if (marks.length === 0) return;
    const annotation = await db.selectFrom('annotations').select(['project_id', 'item_id']).where('id', '=', annotationId).executeTakeFirstOrThrow();
    await this.#checkMarks(db, annotation.project_id, annotation.item_id, marks);
    const now = this.#clock();
    await workflowDb(db)
      .insertInto('workflow_significant_regions')
      .values(marks.map((m) => ({ id: randomUUID(), annotation_id: annotationId, version, label_key: m.labelKey, box: m.box ? JSON.stringify(m.box) : null, marked_by: userId, note: m.note ?? null, created_at: now })))
      .execute();
  }

  async #createTask(
    db: Kysely<DB>,
    input: {
      projectId: string;
      itemId: string;
      stage: WorkflowStage;
      assigneeId: string | null;
      sampled: boolean;
      blinded: boolean;
      reviewsTaskId?: string;
      annotationId?: string;
      revisionVersion?: number;
    },
  ): Promise<WorkflowTask> {
    const task = await new TaskRepository(db, { clock: this.#clock }).create({
      projectId: input.projectId,
      kind: input.stage,
      itemId: input.itemId,
      assigneeId: input.assigneeId,
      blinded: input.blinded,
    });
    await workflowDb(db)
      .insertInto('workflow_tasks')
      .values({
        task_id: task.id,
        project_id: input.projectId,
        item_id: input.itemId,
        stage: input.stage,
        sampled: input.sampled,
        reviews_task_id: input.reviewsTaskId ?? null,
        annotation_id: input.annotationId ?? null,
        revision_version: input.revisionVersion ?? null,
        started_at: this.#clock(),
        returned_items: '[]',
      })
      .execute();
    return toWorkflowTask(await this.#joined(db, task.id));
  }

  #joinedQuery(db: Kysely<DB>) {
    return workflowDb(db)
      .selectFrom('workflow_tasks as w')
      .innerJoin('tasks as t', 't.id', 'w.task_id')
      .selectAll('w')
      .select(['t.kind', 't.assignee_id', 't.status', 't.blinded']);
  }

  async #joined(db: Kysely<DB>, taskId: string): Promise<JoinedTask> {
    const row = await this.#joinedQuery(db).where('w.task_id', '=', taskId).executeTakeFirst();
    if (!row) throw new DelineateError('DLN_NOT_FOUND', 'Workflow task not found');
    return row as JoinedTask;
  }
}

/** The `count` least-loaded users not in `excluded` (ties by id); raises their load. */
function pickLeastLoaded(users: readonly string[], load: Map<string, number>, count: number, excluded: ReadonlySet<string>): string[] {
  const ranked = users.filter((u) => !excluded.has(u)).sort((a, b) => (load.get(a) ?? 0) - (load.get(b) ?? 0) || (a < b ? -1 : a > b ? 1 : 0));
  const chosen = ranked.slice(0, count);
  for (const u of chosen) load.set(u, (load.get(u) ?? 0) + 1);
  return chosen;
}

function labelsIn(labels: readonly Label[], values: ReadonlySet<number>): Label[] {
  return labels.filter((l) => values.has(l.value));
}

/** Voxels added and removed, Dice and HD95 per label the correction changed. */
export function correctionSizesOf(labels: readonly Label[], grid: Parameters<typeof labelPairMetrics>[0], original: Uint8Array, corrected: Uint8Array): CorrectionSize[] {
  const present = new Set([...valuesPresent(original), ...valuesPresent(corrected)]);
  const sizes: CorrectionSize[] = [];
  for (const label of labels) {
    if (!present.has(label.value)) continue;
    const m = labelPairMetrics(grid, original, corrected, label.value);
    if (m.added === 0 && m.removed === 0) continue;
    sizes.push({ labelKey: label.key, voxelsAdded: m.added, voxelsRemoved: m.removed, dice: m.dice, hd95Mm: m.hd95Mm });
  }
  return sizes;
}

/** The project's workflow configuration (defaults where no settings row exists yet). */
export async function readConfig(db: Kysely<DB>, projectId: string): Promise<WorkflowConfig> {
  const p = await db.selectFrom('projects').selectAll().where('id', '=', projectId).executeTakeFirst();
  if (!p) throw new DelineateError('DLN_NOT_FOUND', 'Project not found');
  const s = await workflowDb(db).selectFrom('workflow_settings').selectAll().where('project_id', '=', projectId).executeTakeFirst();
  const expertLabels = s
    ? s.expert_label_keys
    : (await new LabelSchemaRepository(db).get(p.label_schema_id, p.label_schema_version)).labels.filter((l) => l.requiresExpertReview).map((l) => l.key);
  return {
    oversightModel: p.oversight_model as WorkflowConfig['oversightModel'],
    labelSchema: { id: p.label_schema_id, version: p.label_schema_version },
    reviewProtocol: { id: p.review_protocol_id, version: p.review_protocol_version },
    agreementSampling: { fraction: p.agreement_fraction, readersPerItem: p.agreement_readers, blinded: p.agreement_blinded },
    expertReview: { labelKeys: expertLabels, significantRegions: s?.expert_significant_regions ?? true },
    agreementThresholds: { dice: s?.dice_threshold ?? 0.8, fleissKappa: s?.kappa_threshold ?? 0.6 },
    samplingSeed: Number(s?.sampling_seed ?? 1),
  };
}

export function toWorkflowTask(row: JoinedTask): WorkflowTask {
  return {
    id: row.task_id,
    projectId: row.project_id,
    itemId: row.item_id,
    kind: row.kind as WorkflowTask['kind'],
    stage: row.stage as WorkflowStage,
    status: row.status as TaskStatus,
    assigneeId: row.assignee_id,
    blinded: row.blinded,
    sampled: row.sampled,
    reviewsTaskId: row.reviews_task_id,
    annotationId: row.annotation_id,
    revisionVersion: row.revision_version,
    startedAt: new Date(row.started_at).toISOString(),
    submittedAt: row.submitted_at ? new Date(row.submitted_at).toISOString() : null,
    reworkCount: row.rework_count,
    returnedItems: row.returned_items as FailedItem[],
  };
}
