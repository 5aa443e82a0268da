import {
  checkRecipe,
  cutRle8,
  decodeRle8,
  deriveStructure,
  encodeRle8,
  gridOf,
  labelMap,
  writeDerived,
  type DerivationRecipe as CoreRecipe,
  type LabelMap,
} from '@delineate/core';
import { DelineateError, DerivationRecipe, isDelineateError, type DerivedRefreshState, type DerivedStructure, type Label, type Revision } from '@delineate/schema';
import type { Kysely } from 'kysely';
import type { AnnotationRepository, SaveRevisionResult } from '../repositories/annotations';
import { LabelSchemaRepository } from '../repositories/label-schemas';
import type { DB } from '../sql/tables';
import { itemVolumeGeometry } from './import-mask';

type Author = { readonly kind: 'user'; readonly userId: string };
/** A reviewer's save is a correction: what its refresh recomputes is one too. */
type Source = 'human' | 'correction';

/** The recipe with label keys turned into the values of the annotation's schema; unknown keys are refused. */
function resolved(recipe: DerivationRecipe, target: string, labels: readonly Label[]): { target: number; recipe: CoreRecipe } {
  const valueOf = (key: string): number => {
    const label = labels.find((l) => l.key === key);
    if (!label) throw new DelineateError('DLN_RT_RECIPE_INVALID', 'The recipe names a label the annotation’s label schema does not define', { label: key });
    return label.value;
  };
  const core: CoreRecipe =
    recipe.kind === 'margin'
      ? { kind: 'margin', sources: recipe.sources.map(valueOf), margin: recipe.margin, clips: recipe.clips.map(valueOf) }
      : { kind: recipe.kind, sources: recipe.sources.map(valueOf) };
  const value = valueOf(target);
  const check = checkRecipe(core, value);
  if (!check.ok) throw new DelineateError('DLN_RT_RECIPE_INVALID', `The recipe cannot make this structure: ${check.reason}`);
  return { target: value, recipe: core };
}

interface Context {
  readonly annotationId: string;
  readonly labels: readonly Label[];
  readonly voxels: number;
  readonly grid: ReturnType<typeof gridOf>;
}

async function contextOf(db: Kysely<DB>, annotations: AnnotationRepository, annotationId: string): Promise<Context> {
  const annotation = await annotations.get(annotationId);
  const geometry = await itemVolumeGeometry(db, annotation.itemId);
  const schema = await new LabelSchemaRepository(db).get(annotation.labelSchema.id, annotation.labelSchema.version);
  return { annotationId, labels: schema.labels, voxels: geometry.columns * geometry.rows * geometry.slices, grid: gridOf([geometry.columns, geometry.rows, geometry.slices], geometry.spacing) };
}

async function mapAt(annotations: AnnotationRepository, ctx: Context, version: number): Promise<LabelMap> {
  if (version === 0) return labelMap(ctx.grid, new Uint8Array(ctx.voxels));
  const decoded = decodeRle8(await annotations.readMask(ctx.annotationId, version), ctx.voxels);
  if (!decoded.ok) throw new DelineateError('DLN_INTERNAL', 'A stored mask did not decode');
  return labelMap(ctx.grid, decoded.voxels);
}

async function save(annotations: AnnotationRepository, ctx: Context, data: Uint8Array, expectedVersion: number, author: Author, idempotencyKey?: string, source: Source = 'human'): Promise<SaveRevisionResult> {
  const tileGrid = await annotations.tileGrid(ctx.annotationId);
  const cut = cutRle8(tileGrid, encodeRle8(data));
  if (!cut.ok) throw new DelineateError('DLN_INTERNAL', 'A derived mask did not fit its own grid');
  return annotations.saveTiledRevision({ annotationId: ctx.annotationId, expectedVersion, idempotencyKey, author, source, grid: tileGrid, tiles: cut.tiles, whole: true });
}

export interface DeriveStructureInput {
  readonly annotationId: string;
  /** Label key of the structure to make. */
  readonly target: string;
  readonly recipe: DerivationRecipe;
  readonly expectedVersion: number;
  readonly idempotencyKey?: string | undefined;
  readonly author: Author;
}

/**
 * Computes a derived structure from the annotation's revision `expectedVersion`, saves it as the
 * next revision (the person who asked for it is its author) and records the recipe, so later
 * changes of its sources recompute it ({@link refreshDerivedStructures}).
 */
export async function deriveStructureRevision(db: Kysely<DB>, annotations: AnnotationRepository, input: DeriveStructureInput): Promise<SaveRevisionResult & { structure: DerivedStructure }> {
  const recipe = DerivationRecipe.parse(input.recipe);
  const ctx = await contextOf(db, annotations, input.annotationId);
  const { target, recipe: core } = resolved(recipe, input.target, ctx.labels);
  const map = await mapAt(annotations, ctx, input.expectedVersion);
  const next = writeDerived(map, target, deriveStructure(map, core));
  const saved = await save(annotations, ctx, next.data as Uint8Array, input.expectedVersion, input.author, input.idempotencyKey);
  const before = await db.selectFrom('derived_structures').select(['recipe', 'recipe_version']).where('annotation_id', '=', input.annotationId).where('target', '=', input.target).executeTakeFirst();
  // Deriving again with the same recipe (after an edit, a detach) keeps its version; another recipe is the next one.
  const recipeVersion = !before ? 1 : sameRecipe(DerivationRecipe.parse(before.recipe), recipe) ? before.recipe_version : before.recipe_version + 1;
  const fresh = { recipe: JSON.stringify(recipe), recipe_version: recipeVersion, computed_version: saved.revision.version, edited_version: null, stale_version: null, detached_version: null, updated_at: new Date() };
  await db
    .insertInto('derived_structures')
    .values({ annotation_id: input.annotationId, target: input.target, ...fresh })
    .onConflict((oc) => oc.columns(['annotation_id', 'target']).doUpdateSet(fresh))
    .execute();
  return { ...saved, structure: (await listDerivedStructures(db, input.annotationId)).find((s) => s.target === input.target)! };
}

export async function listDerivedStructures(db: Kysely<DB>, annotationId: string): Promise<DerivedStructure[]> {
  const rows = await db.selectFrom('derived_structures').selectAll().where('annotation_id', '=', annotationId).orderBy('created_at').orderBy('target').execute();
  return rows.map((r) => ({
    target: r.target,
    recipe: DerivationRecipe.parse(r.recipe),
    recipeVersion: r.recipe_version,
    computedVersion: r.computed_version,
    editedVersion: r.edited_version,
    staleVersion: r.stale_version,
    detachedVersion: r.detached_version,
    updatedAt: r.updated_at.toISOString(),
  }));
}

function sameRecipe(a: DerivationRecipe, b: DerivationRecipe): boolean {
  return JSON.stringify(DerivationRecipe.parse(a)) === JSON.stringify(DerivationRecipe.parse(b));
}

export type DerivedState = DerivedRefreshState;

/** The labels a recipe reads: its sources and, for a margin, its clips. */
function inputsOf(recipe: CoreRecipe): ReadonlySet<number> {
  return new Set(recipe.kind === 'margin' ? [...recipe.sources, ...recipe.clips] : recipe.sources);
}

/** Whether any voxel of the recipe's inputs differs between two masks. */
function inputsChanged(before: LabelMap, after: LabelMap, inputs: ReadonlySet<number>): boolean {
  for (let i = 0; i < after.data.length; i++) {
    const was = before.data[i]!;
    const is = after.data[i]!;
    if (was !== is && (inputs.has(was) || inputs.has(is))) return true;
  }
  return false;
}

/**
 * The annotator edited a derived structure when, since it was computed, it gained voxels or lost
 * voxels to background; voxels painted over by another label (a source grown into it) are not an
 * edit of this structure.
 */
function editedSince(computed: LabelMap, head: LabelMap, target: number): boolean {
  for (let i = 0; i < head.data.length; i++) {
    const was = computed.data[i] === target;
    const is = head.data[i] === target;
    if ((is && !was) || (was && head.data[i] === 0)) return true;
  }
  return false;
}

/**
 * Recomputes the annotation's derived structures from its head (`expectedVersion`) in the order
 * they were first made (a PTV after the CTV it grows from). One the annotator edited since it
 * was computed is left as drawn and marked edited (recorded with the version where the edit was
 * found), and flagged stale once its inputs change after the edit; the others are recomputed,
 * and when any changed the result is saved as one revision. Detached structures are left alone.
 */
export async function refreshDerivedStructures(
  db: Kysely<DB>,
  annotations: AnnotationRepository,
  input: { readonly annotationId: string; readonly expectedVersion: number; readonly author: Author; readonly source?: Source },
): Promise<{ revision: Revision | null; structures: { target: string; state: DerivedState }[] }> {
  const rows = (await listDerivedStructures(db, input.annotationId)).filter((s) => s.detachedVersion === null);
  if (rows.length === 0) return { revision: null, structures: [] };
  // Judged on an older version, a structure recomputed since would look edited.
  const { headVersion } = await annotations.get(input.annotationId);
  if (headVersion !== input.expectedVersion) throw new DelineateError('DLN_REVISION_STALE', 'The annotation has changed since the version given', { currentVersion: headVersion });
  const ctx = await contextOf(db, annotations, input.annotationId);
  const head = await mapAt(annotations, ctx, input.expectedVersion);
  const plans: { row: DerivedStructure; target: number; recipe: CoreRecipe; edited: boolean }[] = [];
  for (const row of rows) {
    const { target, recipe } = resolved(row.recipe, row.target, ctx.labels);
    const edited = row.editedVersion !== null || editedSince(await mapAt(annotations, ctx, row.computedVersion), head, target);
    plans.push({ row, target, recipe, edited });
  }
  // Recomputed structures start from nothing, so one grows into voxels another derived structure held (a CTV into the old PTV ring).
  const recomputed = new Set(plans.filter((p) => !p.edited).map((p) => p.target));
  let working = labelMap(head.grid, Uint8Array.from(head.data, (v) => (recomputed.has(v) ? 0 : v)));
  for (const plan of plans) if (!plan.edited) working = writeDerived(working, plan.target, deriveStructure(working, plan.recipe));
  const states: { target: string; state: DerivedState }[] = [];
  for (const { row, target, recipe, edited } of plans) {
    if (edited) {
      // Stale: its inputs (as recomputed here) differ from what they were when the edit was found
      // (an edit found now was made seeing the inputs of this head).
      const seen = row.editedVersion === null ? head : await mapAt(annotations, ctx, row.editedVersion);
      const stale = row.staleVersion !== null || inputsChanged(seen, working, inputsOf(recipe));
      states.push({ target: row.target, state: stale ? 'stale' : 'edited' });
    } else {
      const changed = working.data.some((v, i) => (v === target) !== (head.data[i] === target));
      states.push({ target: row.target, state: changed ? 'recomputed' : 'current' });
    }
  }
  let revision: Revision | null = null;
  if (states.some((s) => s.state === 'recomputed')) revision = (await save(annotations, ctx, working.data as Uint8Array, input.expectedVersion, input.author, undefined, input.source)).revision;
  const now = new Date();
  const newly = (state: DerivedState, already: (row: DerivedStructure) => boolean) =>
    states.filter((s, i) => s.state === state && !already(plans[i]!.row)).map((s) => s.target);
  const whereTargets = (targets: string[]) => db.updateTable('derived_structures').where('annotation_id', '=', input.annotationId).where('target', 'in', targets);
  const editedNow = [...newly('edited', (r) => r.editedVersion !== null), ...newly('stale', (r) => r.editedVersion !== null)];
  if (editedNow.length > 0) await whereTargets(editedNow).set({ edited_version: input.expectedVersion, updated_at: now }).execute();
  const staleNow = newly('stale', (r) => r.staleVersion !== null);
  if (staleNow.length > 0) await whereTargets(staleNow).set({ stale_version: input.expectedVersion, updated_at: now }).execute();
  const kept = states.filter((s) => s.state === 'recomputed' || s.state === 'current').map((s) => s.target);
  if (revision && kept.length > 0) await whereTargets(kept).set({ computed_version: revision.version, updated_at: now }).execute();
  return { revision, structures: states };
}

/**
 * The automatic refresh after a save (the save route calls it once the save committed): nothing
 * when the annotation has no derived structure; else a refresh on the saved version. Someone
 * saving in between makes it stale, which is not the save's failure: their save refreshes.
 */
export async function refreshAfterSave(
  db: Kysely<DB>,
  annotations: AnnotationRepository,
  input: {
    readonly annotationId: string;
    readonly savedVersion: number;
    readonly author: Author;
    readonly source: Source;
    /** What the save's commit read (`SaveRevisionResult.derivedStructuresActive`); asked here when absent. */
    readonly active?: boolean | undefined;
  },
): Promise<{ revision: Revision | null; structures: { target: string; state: DerivedState }[] } | null> {
  const active =
    input.active ??
    (await db.selectFrom('derived_structures').select('target').where('annotation_id', '=', input.annotationId).where('detached_version', 'is', null).executeTakeFirst()) !== undefined;
  if (!active) return null;
  try {
    return await refreshDerivedStructures(db, annotations, { annotationId: input.annotationId, expectedVersion: input.savedVersion, author: input.author, source: input.source });
  } catch (e) {
    if (isDelineateError(e) && e.code === 'DLN_REVISION_STALE') return null;
    throw e;
  }
}

/**
 * Detaches a derived structure: from the annotation's head on it is an ordinary structure the
 * annotator draws by hand, never recomputed (recorded with the head version).
 */
export async function detachDerivedStructure(db: Kysely<DB>, annotations: AnnotationRepository, input: { readonly annotationId: string; readonly target: string }): Promise<DerivedStructure> {
  const head = (await annotations.get(input.annotationId)).headVersion;
  await db
    .updateTable('derived_structures')
    .set({ detached_version: Math.max(head, 1), updated_at: new Date() })
    .where('annotation_id', '=', input.annotationId)
    .where('target', '=', input.target)
    .where('detached_version', 'is', null)
    .execute();
  const structure = (await listDerivedStructures(db, input.annotationId)).find((s) => s.target === input.target);
  if (!structure) throw new DelineateError('DLN_RT_DERIVED_NOT_FOUND', 'This annotation has no derived structure with that label', { label: input.target });
  return structure;
}
