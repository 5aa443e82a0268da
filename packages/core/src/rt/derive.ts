import { sameShape } from '../mask/grid';
import type { BinaryMask, LabelMap } from '../mask/mask';
import { type Margin, checkMargin, expandByMargin } from './margin';

/**
 * How a derived structure is made from others, recorded with it so it can be recomputed when
 * its sources change. Structures are named by label value in the item's label map.
 *
 * - `margin`: the union of the sources grown by a margin (CTV from GTV; PTV from CTV and the
 *   GTV inside it, since one voxel carries one label), then with every `clip` structure
 *   removed (bone, air, or organs the target must not enter).
 * - `union`, `intersection`: of all sources. `subtraction`: the first source minus the rest.
 */
export type DerivationRecipe =
  | { readonly kind: 'margin'; readonly sources: readonly number[]; readonly margin: Margin; readonly clips: readonly number[] }
  | { readonly kind: 'union' | 'intersection' | 'subtraction'; readonly sources: readonly number[] };

export const derivationKinds = ['margin', 'union', 'intersection', 'subtraction'] as const;

/** The label values a recipe reads. */
export function recipeSources(recipe: DerivationRecipe): number[] {
  return recipe.kind === 'margin' ? [...recipe.sources, ...recipe.clips] : [...recipe.sources];
}

export type RecipeCheck = { ok: true } | { ok: false; reason: string };

/** A recipe is usable for a target label when it reads at least one other structure and never the target itself. */
export function checkRecipe(recipe: DerivationRecipe, target: number): RecipeCheck {
  const sources = recipeSources(recipe);
  if (recipe.sources.length < (recipe.kind === 'margin' ? 1 : 2)) return { ok: false, reason: `a ${recipe.kind} needs ${recipe.kind === 'margin' ? 'a structure to grow' : 'at least two structures'}` };
  if (sources.includes(target)) return { ok: false, reason: 'a derived structure cannot be made from itself' };
  if (recipe.kind === 'margin') return checkMargin(recipe.margin);
  return { ok: true };
}

export function unionOf(masks: readonly BinaryMask[]): BinaryMask {
  return combine(masks, (a, b) => a | b);
}

export function intersectionOf(masks: readonly BinaryMask[]): BinaryMask {
  return combine(masks, (a, b) => a & b);
}

/** `from` without any voxel of `remove`. */
export function subtractionOf(from: BinaryMask, remove: readonly BinaryMask[]): BinaryMask {
  return combine([from, ...remove], (a, b) => a & (b ^ 1));
}

function combine(masks: readonly BinaryMask[], op: (a: number, b: number) => number): BinaryMask {
  const [first, ...rest] = masks;
  if (!first) throw new RangeError('at least one structure is needed');
  const data = first.data.slice();
  for (const mask of rest) {
    if (!sameShape(first.grid, mask.grid)) throw new RangeError('structures must share one grid');
    for (let i = 0; i < data.length; i++) data[i] = op(data[i] ?? 0, mask.data[i] ?? 0);
  }
  return { grid: first.grid, data };
}

/** One structure of a label map as a binary mask (overlapping structures are not possible in one map). */
function structure(map: LabelMap, value: number): BinaryMask {
  const data = new Uint8Array(map.data.length);
  for (let i = 0; i < data.length; i++) data[i] = map.data[i] === value ? 1 : 0;
  return { grid: map.grid, data };
}

/** The structure the recipe describes, from the current masks of its sources. */
export function deriveStructure(map: LabelMap, recipe: DerivationRecipe): BinaryMask {
  if (recipe.kind === 'margin') {
    const grown = expandByMargin(unionOf(recipe.sources.map((s) => structure(map, s))), recipe.margin);
    return subtractionOf(grown, recipe.clips.map((c) => structure(map, c)));
  }
  const masks = recipe.sources.map((s) => structure(map, s));
  if (recipe.kind === 'union') return unionOf(masks);
  if (recipe.kind === 'intersection') return intersectionOf(masks);
  const [from, ...remove] = masks;
  if (!from) throw new RangeError('a subtraction needs a structure to subtract from');
  return subtractionOf(from, remove);
}

/**
 * Writes a derived structure into a label map as `target`: its old voxels are cleared, then it
 * takes the voxels of `mask` that are background, so the structures it was made from keep
 * theirs (one label per voxel: a CTV around its GTV is a ring on the map, the GTV inside it).
 */
export function writeDerived(map: LabelMap, target: number, mask: BinaryMask): LabelMap {
  if (!sameShape(map.grid, mask.grid)) throw new RangeError('structures must share one grid');
  const data = map.data.slice();
  for (let i = 0; i < data.length; i++) {
    if (data[i] === target) data[i] = 0;
    if (mask.data[i] && data[i] === 0) data[i] = target;
  }
  return { grid: map.grid, data };
}
