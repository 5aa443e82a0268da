import { cutRle8, encodeRle8, tileGridOf } from '@delineate/core';
import { DelineateError, PreannotationProvenance, type Label, type Model, type PreannotationRun } from '@delineate/schema';
import type { Kysely } from 'kysely';
import type { BlobStore } from '../blob/types';
import { AnnotationRepository, type Clock } from '../repositories/annotations';
import { translated } from '../repositories/db-errors';
import { LabelSchemaRepository } from '../repositories/label-schemas';
import { mapOutputs, ModelRepository, type MappedOutput } from '../repositories/models';
import type { DB } from '../sql/tables';
import { withTransaction } from '../sql/transaction';
import { itemVolumeGeometry, type ItemVolumeGeometry } from '../masks/import-mask';
import { readLabelVolume } from '../workflow/metrics';
import { itemGrid } from '../workflow/grid';
import { modelsDb } from './tables';

/** Where a draft goes: a workflow task's annotation (made for its assignee when missing) or a free annotation. */
export type DraftTarget = { readonly kind: 'task'; readonly taskId: string } | { readonly kind: 'annotation'; readonly annotationId: string };

/** What a run needs to know before it reads the image: the model, what its outputs draw, the item. */
export interface DraftContext {
  readonly model: Model;
  readonly outputs: readonly MappedOutput[];
  readonly projectId: string;
  readonly itemId: string;
  readonly geometry: ItemVolumeGeometry;
}

/** The voxels a run may change: inclusive corners on the item's grid. */
export interface DraftRegion {
  readonly min: readonly [number, number, number];
  readonly max: readonly [number, number, number];
  /** `replace`: the model's labels inside the region become the output's; `add`: output voxels are added. */
  readonly mode: 'replace' | 'add';
}

export interface SaveDraftInput {
  readonly context: DraftContext;
  readonly target: DraftTarget;
  /** Label-schema values on the item's whole grid (x fastest), 0 for nothing. */
  readonly labels: Uint8Array;
  readonly region: DraftRegion;
  readonly provenance: PreannotationProvenance;
}

/**
 * AI drafts (issue 18): a model's output becomes a revision with source `ai`, authored by the
 * model's name and version, merged into the annotation's head inside the prompt's region, with
 * its provenance in `preannotation_runs`, in one transaction: a refusal writes nothing.
 */
export class DraftRepository {
  readonly #db: Kysely<DB>;
  readonly #blobs: BlobStore;
  readonly #clock: Clock;

  constructor(db: Kysely<DB>, options: { blobs: BlobStore; clock?: Clock | undefined }) {
    this.#db = db;
    this.#blobs = options.blobs;
    this.#clock = options.clock ?? (() => new Date());
  }

  /** The item a target names and the model's outputs mapped onto the item's project schema. */
  async context(modelId: string, target: DraftTarget): Promise<DraftContext> {
    const model = await new ModelRepository(this.#db).get(modelId);
    if (!model.manifest || !model.projectId) throw new DelineateError('DLN_MODEL_MANIFEST_INVALID', 'This model was registered without a manifest and cannot run');
    const itemId = await this.#itemOf(target);
    const item = await translated(() => this.#db.selectFrom('items').select(['project_id']).where('id', '=', itemId).executeTakeFirstOrThrow());
    if (item.project_id !== model.projectId) throw new DelineateError('DLN_REQUEST_INVALID', "The model is not registered for this item's project");
    const project = await translated(() => this.#db.selectFrom('projects').select(['label_schema_id', 'label_schema_version']).where('id', '=', item.project_id).executeTakeFirstOrThrow());
    const schema = await new LabelSchemaRepository(this.#db).get(project.label_schema_id, project.label_schema_version);
    return { model, outputs: mapOutputs(model.manifest, schema.labels), projectId: item.project_id, itemId, geometry: await translated(() => itemVolumeGeometry(this.#db, itemId)) };
  }

  /** Writes the draft as the annotation's next revision, or refuses with nothing written. */
  async saveDraft(input: SaveDraftInput): Promise<PreannotationRun> {
    const { context, region } = input;
    const g = context.geometry;
    const voxels = g.columns * g.rows * g.slices;
    if (input.labels.length !== voxels) throw new DelineateError('DLN_MODEL_OUTPUT_OFF_GRID', "The model's output does not cover the item's grid");
    const drawn = new Set(context.outputs.map((o) => o.label.value));
    for (let i = 0; i < input.labels.length; i++) {
      const v = input.labels[i]!;
      if (v !== 0 && !drawn.has(v)) throw new DelineateError('DLN_MODEL_LABEL_UNKNOWN', "The draft holds a label the model's outputs do not map", { labelValue: v });
    }
    const provenance = PreannotationProvenance.parse(input.provenance);
    return translated(() =>
      withTransaction(this.#db, async (tx) => {
        const annotations = new AnnotationRepository(tx, { blobs: this.#blobs, clock: this.#clock });
        const annotation = await this.#annotationFor(tx, annotations, input.target, context);
        const grid = await itemGrid(tx, context.itemId);
        const head = annotation.headVersion === 0 ? undefined : await readLabelVolume(tx, this.#blobs, { annotationId: annotation.id, version: annotation.headVersion }, grid);
        const merged = mergeDraft(head, input.labels, g, region, drawn);
        const saved = await annotations.saveTiledRevision({
          annotationId: annotation.id,
          expectedVersion: annotation.headVersion,
          author: { kind: 'model', name: context.model.name, version: context.model.version },
          source: 'ai',
          grid: tileGridOf(g.columns, g.rows, g.slices),
          tiles: cutOrThrow(g, merged),
          whole: true,
        });
        const row = await modelsDb(tx)
          .insertInto('preannotation_runs')
          .values({
            project_id: context.projectId,
            item_id: context.itemId,
            task_id: input.target.kind === 'task' ? input.target.taskId : null,
            annotation_id: annotation.id,
            version: saved.revision.version,
            model_id: context.model.id,
            provenance: JSON.stringify(provenance),
            created_at: this.#clock(),
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        return toRun(row);
      }),
    );
  }

  /** The runs that drew revisions of an annotation, oldest first. */
  async runs(annotationId: string): Promise<PreannotationRun[]> {
    const rows = await translated(() => modelsDb(this.#db).selectFrom('preannotation_runs').selectAll().where('annotation_id', '=', annotationId).orderBy('version').execute());
    return rows.map(toRun);
  }

  async #itemOf(target: DraftTarget): Promise<string> {
    const row =
      target.kind === 'task'
        ? await translated(() => this.#db.selectFrom('tasks').select('item_id').where('id', '=', target.taskId).executeTakeFirst())
        : await translated(() => this.#db.selectFrom('annotations').select('item_id').where('id', '=', target.annotationId).executeTakeFirst());
    if (!row) throw new DelineateError('DLN_NOT_FOUND', target.kind === 'task' ? 'Task not found' : 'Annotation not found');
    return row.item_id;
  }

  async #annotationFor(tx: Kysely<DB>, annotations: AnnotationRepository, target: DraftTarget, context: DraftContext) {
    if (target.kind === 'annotation') return annotations.get(target.annotationId);
    const task = await tx.selectFrom('tasks').select(['assignee_id', 'status']).where('id', '=', target.taskId).executeTakeFirstOrThrow();
    if (task.status !== 'assigned' && task.status !== 'in_progress') throw new DelineateError('DLN_MODEL_TASK_NOT_OPEN', 'The task is not open: a model draft is not added to it');
    const existing = await tx.selectFrom('annotations').select('id').where('task_id', '=', target.taskId).orderBy('created_at').executeTakeFirst();
    if (existing) return annotations.get(existing.id);
    if (!task.assignee_id) throw new DelineateError('DLN_MODEL_TASK_NOT_OPEN', 'The task has no assignee to start its annotation for');
    const project = await tx.selectFrom('projects').select(['label_schema_id', 'label_schema_version']).where('id', '=', context.projectId).executeTakeFirstOrThrow();
    // Made for the assignee: the task's annotation is theirs, and it starts from the draft.
    return annotations.create({
      projectId: context.projectId,
      itemId: context.itemId,
      taskId: target.taskId,
      labelSchema: { id: project.label_schema_id, version: project.label_schema_version },
      createdBy: task.assignee_id,
    });
  }
}

/**
 * The head with the draft laid in: inside the region, `replace` clears the model's labels and
 * writes the output's; `add` writes the output's voxels only. Outside the region nothing changes.
 */
export function mergeDraft(head: Uint8Array | undefined, output: Uint8Array, g: Pick<ItemVolumeGeometry, 'columns' | 'rows' | 'slices'>, region: DraftRegion, drawn: ReadonlySet<number>): Uint8Array {
  const merged = head ? Uint8Array.from(head) : new Uint8Array(output.length);
  const [x0, y0, z0] = region.min;
  const [x1, y1, z1] = [Math.min(region.max[0], g.columns - 1), Math.min(region.max[1], g.rows - 1), Math.min(region.max[2], g.slices - 1)];
  for (let z = z0; z <= z1; z++) {
    for (let y = y0; y <= y1; y++) {
      const row = (z * g.rows + y) * g.columns;
      for (let x = x0; x <= x1; x++) {
        const i = row + x;
        const v = output[i]!;
        if (v !== 0) merged[i] = v;
        else if (region.mode === 'replace' && drawn.has(merged[i]!)) merged[i] = 0;
      }
    }
  }
  return merged;
}

function cutOrThrow(g: ItemVolumeGeometry, labels: Uint8Array) {
  const cut = cutRle8(tileGridOf(g.columns, g.rows, g.slices), encodeRle8(labels));
  if (!cut.ok) throw new DelineateError('DLN_MODEL_OUTPUT_OFF_GRID', "The model's output does not cover the item's grid");
  return cut.tiles;
}

function toRun(row: { id: string; project_id: string; item_id: string; task_id: string | null; annotation_id: string; version: number; provenance: unknown; created_at: Date }): PreannotationRun {
  return {
    id: row.id,
    projectId: row.project_id,
    itemId: row.item_id,
    taskId: row.task_id,
    annotationId: row.annotation_id,
    version: row.version,
    provenance: PreannotationProvenance.parse(row.provenance),
    createdAt: row.created_at.toISOString(),
  };
}

/** The labels a model draws, by value (for the effort measure). */
export function drawnLabels(outputs: readonly MappedOutput[]): Label[] {
  const byValue = new Map(outputs.map((o) => [o.label.value, o.label]));
  return [...byValue.values()];
}
