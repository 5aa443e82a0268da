import {
  CreateSlideRegionRequest,
  DelineateError,
  parseOrThrow,
  RegionTaskTemplate,
  type FieldProgress,
  type FieldState,
  type SlideRegion,
  type TaskField,
  type WorkflowTask,
} from '@delineate/schema';
import type { Kysely, Selectable } from 'kysely';
import type { Clock } from '../repositories/annotations';
import { ItemRepository } from '../repositories/items';
import { LabelSchemaRepository } from '../repositories/label-schemas';
import { translated } from '../repositories/db-errors';
import type { DB } from '../sql/tables';
import { withTransaction } from '../sql/transaction';
import { WorkflowRepository, type WorkflowRepositoryOptions } from '../workflow/repository';
import { regionFields } from './fields';
import { polygonArea, polygonBounds } from './geometry';
import { fieldSizePx, targetDownsample, ZOOM_BAND_FACTOR, zoomBandOf } from './magnification';
import { pathologyDb, type PathologyRegionsTable, type PathologyTaskFieldsTable } from './tables';

export interface CreatedRegion {
  readonly region: SlideRegion;
  readonly tasks: ReadonlyArray<{ task: WorkflowTask; fields: number }>;
}

const fieldOrder: readonly FieldState[] = ['unseen', 'seen', 'done'];

/**
 * Slide regions and the tasks made from them (issue 17 §1): a region drawn on a slide item
 * becomes an item of its bounding box whose tasks the workflow module creates (oversight,
 * sampling, qualified assignment as for any item), each with the region's fields to work through.
 */
export class SlideRegionRepository {
  readonly #db: Kysely<DB>;
  readonly #workflow: WorkflowRepositoryOptions;
  readonly #clock: Clock;

  constructor(db: Kysely<DB>, workflow: WorkflowRepositoryOptions) {
    this.#db = db;
    this.#workflow = workflow;
    this.#clock = workflow.clock ?? (() => new Date());
  }

  async create(slideItemId: string, input: CreateSlideRegionRequest, userId: string | null): Promise<CreatedRegion> {
    const request = parseOrThrow(CreateSlideRegionRequest, input);
    const slideItem = await this.#db
      .selectFrom('items')
      .innerJoin('slides', 'slides.id', 'items.slide_id')
      .select(['items.id', 'items.project_id', 'items.subject_id', 'items.kind', 'items.region_x', 'items.region_y', 'items.region_width', 'items.region_height', 'slides.id as slide_id', 'slides.mpp'])
      .where('items.id', '=', slideItemId)
      .executeTakeFirst();
    if (!slideItem || slideItem.kind !== 'slide_region') throw new DelineateError('DLN_PATHOLOGY_REGION_INVALID', 'Regions are drawn on a slide item');
    if (!slideItem.mpp) throw new DelineateError('DLN_PATHOLOGY_SLIDE_UNSCALED', 'The slide has no pixel size, so no magnification can be set for its tasks');
    const bounds = polygonBounds(request.polygon);
    const sx = slideItem.region_x ?? 0, sy = slideItem.region_y ?? 0;
    if (bounds.x < sx || bounds.y < sy || bounds.x + bounds.width > sx + (slideItem.region_width ?? 0) || bounds.y + bounds.height > sy + (slideItem.region_height ?? 0)) {
      throw new DelineateError('DLN_PATHOLOGY_REGION_INVALID', 'The region reaches outside the slide');
    }
    if (polygonArea(request.polygon) < 1) throw new DelineateError('DLN_PATHOLOGY_REGION_INVALID', 'The region encloses no area');
    const template = request.template;
    const downsample = targetDownsample(slideItem.mpp, template.magnification);
    if (downsample < 1 / ZOOM_BAND_FACTOR) {
      throw new DelineateError('DLN_PATHOLOGY_REGION_INVALID', `The slide was scanned at about ${Math.round(10 / slideItem.mpp)}×, too coarse for a ${template.magnification}× task`);
    }
    const classKeys = new Set(template.cellClasses.map((c) => c.key));
    if (template.cellClasses.some((c) => c.lookAlikeOf !== undefined && !classKeys.has(c.lookAlikeOf))) {
      throw new DelineateError('DLN_PATHOLOGY_REGION_INVALID', 'A look-alike class names a cell class the template does not have');
    }
    const size = fieldSizePx(template.fieldTiling, slideItem.mpp);
    const fields = regionFields(request.polygon, bounds, size);
    if (fields.length > 10_000) throw new DelineateError('DLN_PATHOLOGY_REGION_INVALID', `The region would have ${fields.length} fields; use larger fields or a smaller region`);
    return translated(() =>
      withTransaction(this.#db, async (tx) => {
        const workflow = new WorkflowRepository(tx, this.#workflow);
        const config = await workflow.config(slideItem.project_id);
        const schema = await new LabelSchemaRepository(tx).get(config.labelSchema.id, config.labelSchema.version);
        const known = new Set(schema.labels.map((l) => l.key));
        if (template.labelKeys.some((k) => !known.has(k))) throw new DelineateError('DLN_PATHOLOGY_REGION_INVALID', "The template names a label the project's label schema does not have");
        const item = await new ItemRepository(tx).createItem({
          projectId: slideItem.project_id,
          subjectId: slideItem.subject_id,
          target: { kind: 'slide_region', slideId: slideItem.slide_id, region: bounds },
        });
        const band = zoomBandOf(template.magnification);
        const row = await pathologyDb(tx)
          .insertInto('pathology_regions')
          .values({
            project_id: slideItem.project_id,
            slide_item_id: slideItemId,
            item_id: item.id,
            polygon: JSON.stringify(request.polygon),
            template: JSON.stringify(template),
            slide_mpp: slideItem.mpp!,
            target_downsample: downsample,
            zoom_min: band.min,
            zoom_max: band.max,
            field_size_px: size,
            created_by: userId,
            created_at: this.#clock(),
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        const { created } = await workflow.generateTasks(slideItem.project_id, { itemIds: [item.id], qualificationKinds: template.qualificationKinds });
        for (const task of created) {
          await pathologyDb(tx)
            .insertInto('pathology_task_fields')
            .values(fields.map((box, index) => ({ task_id: task.id, field_index: index, ...box, state: 'unseen', changed_by: null, changed_at: null })))
            .execute();
        }
        return { region: toRegion(row), tasks: created.map((task) => ({ task, fields: fields.length })) };
      }),
    );
  }

  async get(regionId: string): Promise<SlideRegion> {
    const row = await pathologyDb(this.#db).selectFrom('pathology_regions').selectAll().where('id', '=', regionId).executeTakeFirst();
    if (!row) throw new DelineateError('DLN_NOT_FOUND', 'Region not found');
    return toRegion(row);
  }

  /** The region a task works in; undefined for a task that is not a pathology region's. */
  async ofTask(taskId: string): Promise<SlideRegion | undefined> {
    const row = await pathologyDb(this.#db)
      .selectFrom('pathology_regions as r')
      .innerJoin('tasks as t', 't.item_id', 'r.item_id')
      .selectAll('r')
      .where('t.id', '=', taskId)
      .executeTakeFirst();
    return row ? toRegion(row) : undefined;
  }

  async ofItem(itemId: string): Promise<SlideRegion | undefined> {
    const row = await pathologyDb(this.#db).selectFrom('pathology_regions').selectAll().where('item_id', '=', itemId).executeTakeFirst();
    return row ? toRegion(row) : undefined;
  }

  async listForSlide(slideItemId: string): Promise<SlideRegion[]> {
    const rows = await pathologyDb(this.#db).selectFrom('pathology_regions').selectAll().where('slide_item_id', '=', slideItemId).orderBy('created_at').orderBy('id').execute();
    return rows.map(toRegion);
  }

  async fields(taskId: string): Promise<TaskField[]> {
    const rows = await pathologyDb(this.#db).selectFrom('pathology_task_fields').selectAll().where('task_id', '=', taskId).orderBy('field_index').execute();
    return rows.map(toField);
  }

  /**
   * Records a field's state (only the task's assignee, while the task is open). States move
   * forward: unseen → seen → done; asking for the state a field already has is a no-op.
   */
  async setFieldState(taskId: string, index: number, state: FieldState, userId: string): Promise<TaskField> {
    return translated(() =>
      withTransaction(this.#db, async (tx) => {
        const task = await tx.selectFrom('tasks').select(['assignee_id', 'status']).where('id', '=', taskId).executeTakeFirst();
        if (!task) throw new DelineateError('DLN_NOT_FOUND', 'Task not found');
        if (task.assignee_id !== userId) throw new DelineateError('DLN_AUTH_FORBIDDEN', "Only the task's assignee records its fields");
        if (task.status !== 'assigned' && task.status !== 'in_progress') throw new DelineateError('DLN_CONFLICT', `The task is ${task.status}`);
        const p = pathologyDb(tx);
        const field = await p.selectFrom('pathology_task_fields').selectAll().where('task_id', '=', taskId).where('field_index', '=', index).forUpdate().executeTakeFirst();
        if (!field) throw new DelineateError('DLN_PATHOLOGY_FIELD_UNKNOWN', `The task has no field ${index}`);
        const from = fieldOrder.indexOf(field.state as FieldState), to = fieldOrder.indexOf(state);
        if (to === from) return toField(field);
        if (to < from) throw new DelineateError('DLN_CONFLICT', `Field ${index} is already ${field.state}; it cannot go back to ${state}`);
        const row = await p
          .updateTable('pathology_task_fields')
          .set({ state, changed_by: userId, changed_at: this.#clock() })
          .where('task_id', '=', taskId)
          .where('field_index', '=', index)
          .returningAll()
          .executeTakeFirstOrThrow();
        return toField(row);
      }),
    );
  }

  /** Fields per state for each of the tasks (tasks of no region are left out). */
  async progress(taskIds: readonly string[]): Promise<Map<string, FieldProgress>> {
    if (taskIds.length === 0) return new Map();
    const rows = await pathologyDb(this.#db)
      .selectFrom('pathology_task_fields')
      .select(['task_id', 'state', (eb) => eb.fn.countAll<string>().as('n')])
      .where('task_id', 'in', [...taskIds])
      .groupBy(['task_id', 'state'])
      .execute();
    const out = new Map<string, FieldProgress>();
    for (const r of rows) {
      const p = out.get(r.task_id) ?? { unseen: 0, seen: 0, done: 0, total: 0 };
      const n = Number(r.n);
      out.set(r.task_id, { ...p, [r.state]: n, total: p.total + n });
    }
    return out;
  }
}

export function toRegion(row: Selectable<PathologyRegionsTable>): SlideRegion {
  return {
    id: row.id,
    projectId: row.project_id,
    slideItemId: row.slide_item_id,
    itemId: row.item_id,
    polygon: row.polygon,
    bounds: polygonBounds(row.polygon),
    template: RegionTaskTemplate.parse(row.template),
    slideMpp: row.slide_mpp,
    targetDownsample: row.target_downsample,
    zoomBand: { min: row.zoom_min, max: row.zoom_max },
    fieldSizePx: row.field_size_px,
    createdBy: row.created_by,
    createdAt: new Date(row.created_at).toISOString(),
  };
}

function toField(row: Selectable<PathologyTaskFieldsTable>): TaskField {
  return {
    index: row.field_index,
    box: { x: row.x, y: row.y, width: row.width, height: row.height },
    state: row.state as FieldState,
    changedBy: row.changed_by,
    changedAt: row.changed_at ? new Date(row.changed_at).toISOString() : null,
  };
}
