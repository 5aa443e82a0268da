import type { Labelmap, Stroke } from '../viewer/labelmap';

/**
 * The model's draft beside the annotator's work. A pre-annotation run saves an `ai` revision on
 * top of the version before it; the voxels that revision changed to a label are the draft, drawn
 * as an outline (the comparison layer) so it stays distinguishable from what a person painted.
 */
export interface DraftLayer {
  /** The label the model drew at each voxel it changed (0 elsewhere). */
  readonly drawn: Uint8Array;
  /** The labels before the run (to put back what a cleared label covered). */
  readonly before: Uint8Array;
}

export function draftLayer(before: Uint8Array, ai: Uint8Array): DraftLayer {
  if (before.length !== ai.length) throw new RangeError('the two revisions do not share a grid');
  const drawn = new Uint8Array(ai.length);
  for (let i = 0; i < ai.length; i++) if (ai[i] !== 0 && ai[i] !== before[i]) drawn[i] = ai[i]!;
  return { drawn, before };
}

/** Voxels of each label in the draft. */
export function draftCounts(layer: DraftLayer): Map<number, number> {
  const counts = new Map<number, number>();
  for (const v of layer.drawn) if (v !== 0) counts.set(v, (counts.get(v) ?? 0) + 1);
  return counts;
}

/** The draft without one label (accepted or cleared: no longer outlined). */
export function withoutLabel(layer: DraftLayer, value: number): DraftLayer {
  const drawn = layer.drawn.slice();
  for (let i = 0; i < drawn.length; i++) if (drawn[i] === value) drawn[i] = 0;
  return { drawn, before: layer.before };
}

/**
 * Clears one label of the draft from the annotator's volume, as one undoable edit: each voxel the
 * model drew with that label and that still holds it goes back to what it held before the run.
 * Voxels the annotator has relabelled since are theirs and stay.
 */
export function clearDraftLabel(map: Labelmap, layer: DraftLayer, value: number): Stroke | null {
  map.begin('clear the model draft');
  for (let i = 0; i < layer.drawn.length; i++) if (layer.drawn[i] === value && map.data[i] === value) map.set(i, layer.before[i]!);
  return map.end();
}
