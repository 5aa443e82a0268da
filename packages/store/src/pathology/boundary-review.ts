import {
  DelineateError,
  namedBoundaries,
  parseOrThrow,
  StartBoundaryReviewRequest,
  type BoundaryFieldState,
  type BoundaryReview,
  type SlideRegion,
} from '@delineate/schema';
import type { Kysely, Selectable } from 'kysely';
import type { BlobStore } from '../blob/types';
import type { Clock } from '../repositories/annotations';
import { translated } from '../repositories/db-errors';
import { LabelSchemaRepository } from '../repositories/label-schemas';
import type { DB } from '../sql/tables';
import { withTransaction } from '../sql/transaction';
import { itemGrid } from '../workflow/grid';
import { readLabelVolume } from '../workflow/metrics';
import { readConfig } from '../workflow/repository';
import { boundaryBandFields } from './boundary';
import { pathologyDb, type PathologyBoundaryFieldsTable, type PathologyBoundaryReviewsTable } from './tables';

/**
 * Expert review of a boundary between two tissue classes (issue 17 §4): the band of ±N µm
 * around the boundary in a task's mask is split into fields, the expert marks each seen and
 * accepts or edits it, coverage is kept, and signing is refused until every field was seen.
 */
export class BoundaryReviewRepository {
  readonly #db: Kysely<DB>;
  readonly #blobs: Pick<BlobStore, 'get'>;
  readonly #clock: Clock;

  constructor(db: Kysely<DB>, blobs: Pick<BlobStore, 'get'>, clock: Clock) {
    this.#db = db;
    this.#blobs = blobs;
    this.#clock = clock;
  }

  async start(region: SlideRegion, input: StartBoundaryReviewRequest, userId: string): Promise<BoundaryReview> {
    const request = parseOrThrow(StartBoundaryReviewRequest, input);
    const task = await this.#db
      .selectFrom('tasks as t')
      .leftJoin('annotations as a', 'a.task_id', 't.id')
      .select(['t.item_id', 't.project_id', 'a.id as annotation_id', 'a.head_version'])
      .where('t.id', '=', request.taskId)
      .executeTakeFirst();
    if (!task || task.item_id !== region.itemId) throw new DelineateError('DLN_NOT_FOUND', 'The task is not one of this region');
    if (!task.annotation_id || !task.head_version) throw new DelineateError('DLN_CONFLICT', 'The task has no saved mask to review');
    const version = request.version ?? task.head_version;
    if (version > task.head_version) throw new DelineateError('DLN_NOT_FOUND', 'Revision not found');
    const config = await readConfig(this.#db, task.project_id);
    const schema = await new LabelSchemaRepository(this.#db).get(config.labelSchema.id, config.labelSchema.version);
    // A schema that names its significant boundaries is reviewed along those only.
    const named = namedBoundaries(schema.labels);
    if (named.length > 0 && !named.some(([x, y]) => (x === request.between[0] && y === request.between[1]) || (x === request.between[1] && y === request.between[0]))) {
      throw new DelineateError('DLN_PATHOLOGY_BOUNDARY_NOT_NAMED', `The label schema names the boundaries to review: ${named.map((p) => p.join('–')).join(', ')}`);
    }
    const [a, b] = request.between.map((key) => {
      const label = schema.labels.find((l) => l.key === key);
      if (!label) throw new DelineateError('DLN_PATHOLOGY_REGION_INVALID', "The boundary names a label the project's label schema does not have");
      return label.value;
    }) as [number, number];
    const grid = await itemGrid(this.#db, region.itemId);
    const volume = await readLabelVolume(this.#db, this.#blobs, { annotationId: task.annotation_id, version }, grid);
    const fieldPx = Math.max(1, Math.round(request.fieldSizeUm / region.slideMpp));
    const fields = boundaryBandFields(volume, region.bounds.width, region.bounds.height, a, b, request.bandUm / region.slideMpp, fieldPx);
    if (fields.length === 0) throw new DelineateError('DLN_PATHOLOGY_BOUNDARY_EMPTY', 'The mask has no boundary between these two classes');
    const id = await translated(() =>
      withTransaction(this.#db, async (tx) => {
        const row = await pathologyDb(tx)
          .insertInto('pathology_boundary_reviews')
          .values({
            task_id: request.taskId,
            annotation_id: task.annotation_id!,
            version,
            label_a: request.between[0],
            label_b: request.between[1],
            band_um: request.bandUm,
            field_size_px: fieldPx,
            created_by: userId,
            created_at: this.#clock(),
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        await pathologyDb(tx)
          .insertInto('pathology_boundary_fields')
          .values(
            fields.map((f, index) => ({
              review_id: row.id,
              field_index: index,
              x: f.box.x + region.bounds.x,
              y: f.box.y + region.bounds.y,
              width: f.box.width,
              height: f.box.height,
              band_pixels: f.bandPixels,
              state: 'unseen',
              changed_by: null,
              changed_at: null,
            })),
          )
          .execute();
        return row.id;
      }),
    );
    return this.get(id);
  }

  async get(reviewId: string): Promise<BoundaryReview> {
    const p = pathologyDb(this.#db);
    const row = await p.selectFrom('pathology_boundary_reviews').selectAll().where('id', '=', reviewId).executeTakeFirst();
    if (!row) throw new DelineateError('DLN_NOT_FOUND', 'Boundary review not found');
    const fields = await p.selectFrom('pathology_boundary_fields').selectAll().where('review_id', '=', reviewId).orderBy('field_index').execute();
    return toReview(row, fields);
  }

  /** The reviews started on a task, oldest first (the workspace lists them). */
  async listForTask(taskId: string): Promise<BoundaryReview[]> {
    const rows = await pathologyDb(this.#db).selectFrom('pathology_boundary_reviews').select('id').where('task_id', '=', taskId).orderBy('created_at').orderBy('id').execute();
    return Promise.all(rows.map((r) => this.get(r.id)));
  }

  /** The project a review belongs to (for the access check of routes named by review id). */
  async taskOf(reviewId: string): Promise<string> {
    const row = await pathologyDb(this.#db).selectFrom('pathology_boundary_reviews').select('task_id').where('id', '=', reviewId).executeTakeFirst();
    if (!row) throw new DelineateError('DLN_NOT_FOUND', 'Boundary review not found');
    return row.task_id;
  }

  /** The expert marks a field seen, accepted or edited; a field never goes back to unseen. */
  async setField(reviewId: string, index: number, state: Exclude<BoundaryFieldState, 'unseen'>, userId: string): Promise<BoundaryReview> {
    await translated(() =>
      withTransaction(this.#db, async (tx) => {
        const p = pathologyDb(tx);
        const review = await p.selectFrom('pathology_boundary_reviews').selectAll().where('id', '=', reviewId).forUpdate().executeTakeFirst();
        if (!review) throw new DelineateError('DLN_NOT_FOUND', 'Boundary review not found');
        if (review.created_by !== userId) throw new DelineateError('DLN_AUTH_FORBIDDEN', 'Only the expert who started the review records its fields');
        if (review.signed_at) throw new DelineateError('DLN_CONFLICT', 'The review is signed');
        const field = await p.selectFrom('pathology_boundary_fields').select('state').where('review_id', '=', reviewId).where('field_index', '=', index).executeTakeFirst();
        if (!field) throw new DelineateError('DLN_PATHOLOGY_FIELD_UNKNOWN', `The review has no field ${index}`);
        // Seen is implied by a decision: a decided field is not demoted to merely seen.
        if (state === 'seen' && field.state !== 'unseen') return;
        await p.updateTable('pathology_boundary_fields').set({ state, changed_by: userId, changed_at: this.#clock() }).where('review_id', '=', reviewId).where('field_index', '=', index).execute();
      }),
    );
    return this.get(reviewId);
  }

  /** Refuses (coded) while any field of the band is unseen. */
  async assertSignable(reviewId: string, userId: string): Promise<void> {
    const review = await this.get(reviewId);
    const row = await pathologyDb(this.#db).selectFrom('pathology_boundary_reviews').select('created_by').where('id', '=', reviewId).executeTakeFirstOrThrow();
    if (row.created_by !== userId) throw new DelineateError('DLN_AUTH_FORBIDDEN', 'Only the expert who started the review signs it');
    if (review.signedAt) throw new DelineateError('DLN_CONFLICT', 'The review is already signed');
    const unseen = review.coverage.total - review.coverage.seen;
    if (unseen > 0) {
      throw new DelineateError('DLN_PATHOLOGY_BOUNDARY_NOT_COVERED', `${unseen} of ${review.coverage.total} fields of the boundary band have not been seen yet`, { unseen, total: review.coverage.total });
    }
  }

  async sign(reviewId: string, userId: string, signedAt: Date): Promise<BoundaryReview> {
    await this.assertSignable(reviewId, userId);
    await pathologyDb(this.#db).updateTable('pathology_boundary_reviews').set({ signed_by: userId, signed_at: signedAt }).where('id', '=', reviewId).where('signed_at', 'is', null).execute();
    return this.get(reviewId);
  }
}

function toReview(row: Selectable<PathologyBoundaryReviewsTable>, fields: ReadonlyArray<Selectable<PathologyBoundaryFieldsTable>>): BoundaryReview {
  const seen = fields.filter((f) => f.state !== 'unseen').length;
  return {
    id: row.id,
    taskId: row.task_id,
    annotationId: row.annotation_id,
    version: row.version,
    between: [row.label_a, row.label_b],
    bandUm: row.band_um,
    fieldSizePx: row.field_size_px,
    fields: fields.map((f) => ({
      index: f.field_index,
      box: { x: f.x, y: f.y, width: f.width, height: f.height },
      bandPixels: f.band_pixels,
      state: f.state as BoundaryFieldState,
      changedBy: f.changed_by,
      changedAt: f.changed_at ? new Date(f.changed_at).toISOString() : null,
    })),
    coverage: { seen, total: fields.length, fraction: fields.length === 0 ? 0 : seen / fields.length },
    signedBy: row.signed_by,
    signedAt: row.signed_at ? new Date(row.signed_at).toISOString() : null,
  };
}
