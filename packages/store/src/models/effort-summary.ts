import { LabelCorrectionEffort, type EditingActivity } from '@delineate/schema';
import type { Kysely } from 'kysely';
import type { DB } from '../sql/tables';
import { modelsDb } from './tables';

/** Mean of the values that exist (null when none do); n counts them. */
export interface MeanOf {
  readonly n: number;
  readonly mean: number | null;
}

export interface LabelEffortSummary {
  readonly labelKey: string;
  readonly tasks: number;
  readonly acceptedAsIs: number;
  readonly dice: MeanOf;
  readonly hd95Mm: MeanOf;
  readonly surfaceDice: MeanOf;
  readonly addedPathLengthMm: MeanOf;
  readonly falseNegativePathLengthMm: MeanOf;
  readonly voxelsAdded: number;
  readonly voxelsRemoved: number;
}

export interface ModelEffortSummary {
  readonly modelId: string;
  readonly name: string;
  readonly version: string;
  readonly tasks: number;
  readonly labels: readonly LabelEffortSummary[];
  readonly editing: { readonly tasks: number; readonly activeEditingMs: MeanOf; readonly strokes: MeanOf; readonly clicks: MeanOf; readonly undos: MeanOf };
}

function meanOf(values: ReadonlyArray<number | null>): MeanOf {
  const present = values.filter((v): v is number => v !== null && Number.isFinite(v));
  return { n: present.length, mean: present.length === 0 ? null : present.reduce((s, v) => s + v, 0) / present.length };
}

const StoredLabels = LabelCorrectionEffort.array();

/**
 * Correction effort per model version (the QA dashboard and the release QA document): per label
 * the mean of each figure over the tasks measured, how many were accepted as is, and the voxels
 * added and removed in all; the workspace's editing figures per task. `annotationIds` limits it
 * to those annotations (a release's).
 */
export async function effortByModel(db: Kysely<DB>, projectId: string, annotationIds?: readonly string[]): Promise<ModelEffortSummary[]> {
  if (annotationIds && annotationIds.length === 0) return [];
  let query = modelsDb(db)
    .selectFrom('correction_efforts as e')
    .innerJoin('models', 'models.id', 'e.model_id')
    .select(['e.model_id', 'models.name', 'models.version', 'e.labels', 'e.editing'])
    .where('e.project_id', '=', projectId);
  if (annotationIds) query = query.where('e.annotation_id', 'in', [...annotationIds]);
  const rows = await query.orderBy('models.name').orderBy('models.version').orderBy('e.task_id').execute();
  const byModel = new Map<string, { name: string; version: string; labels: LabelCorrectionEffort[]; editing: EditingActivity[]; tasks: number }>();
  for (const row of rows) {
    const entry = byModel.get(row.model_id) ?? { name: row.name, version: row.version, labels: [], editing: [], tasks: 0 };
    entry.tasks++;
    entry.labels.push(...StoredLabels.parse(row.labels));
    if (row.editing) entry.editing.push(row.editing as EditingActivity);
    byModel.set(row.model_id, entry);
  }
  return [...byModel.entries()].map(([modelId, e]) => {
    const keys = [...new Set(e.labels.map((l) => l.labelKey))].sort();
    return {
      modelId,
      name: e.name,
      version: e.version,
      tasks: e.tasks,
      labels: keys.map((key) => {
        const of = e.labels.filter((l) => l.labelKey === key);
        return {
          labelKey: key,
          tasks: of.length,
          acceptedAsIs: of.filter((l) => l.acceptedAsIs).length,
          dice: meanOf(of.map((l) => l.dice)),
          hd95Mm: meanOf(of.map((l) => l.hd95Mm)),
          surfaceDice: meanOf(of.map((l) => l.surfaceDice)),
          addedPathLengthMm: meanOf(of.map((l) => l.addedPathLengthMm)),
          falseNegativePathLengthMm: meanOf(of.map((l) => l.falseNegativePathLengthMm)),
          voxelsAdded: of.reduce((s, l) => s + l.voxelsAdded, 0),
          voxelsRemoved: of.reduce((s, l) => s + l.voxelsRemoved, 0),
        };
      }),
      editing: {
        tasks: e.editing.length,
        activeEditingMs: meanOf(e.editing.map((x) => x.activeEditingMs)),
        strokes: meanOf(e.editing.map((x) => x.strokes)),
        clicks: meanOf(e.editing.map((x) => x.clicks)),
        undos: meanOf(e.editing.map((x) => x.undos)),
      },
    };
  });
}
