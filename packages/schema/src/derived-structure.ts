import { z } from 'zod';
import { Slug, Timestamp, VersionNumber } from './common';

/** Margin in mm per direction of the grid's axes; 0 to 100 mm each (larger is no clinical margin). */
export const MarginMm = z.object({
  minusX: z.number().min(0).max(100),
  plusX: z.number().min(0).max(100),
  minusY: z.number().min(0).max(100),
  plusY: z.number().min(0).max(100),
  minusZ: z.number().min(0).max(100),
  plusZ: z.number().min(0).max(100),
});
export type MarginMm = z.infer<typeof MarginMm>;

/**
 * How a derived structure is made, with structures named by label key (issue 23): a margin
 * around the union of `sources` with `clips` removed (CTV from GTV, PTV from CTV), or the union,
 * intersection or subtraction (first minus the rest) of `sources`.
 */
export const DerivationRecipe = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('margin'), sources: z.array(Slug).min(1).max(20), margin: MarginMm, clips: z.array(Slug).max(20) }),
  z.object({ kind: z.enum(['union', 'intersection', 'subtraction']), sources: z.array(Slug).min(2).max(20) }),
]);
export type DerivationRecipe = z.infer<typeof DerivationRecipe>;

export const DeriveStructureRequest = z.object({ target: Slug, recipe: DerivationRecipe });
export type DeriveStructureRequest = z.infer<typeof DeriveStructureRequest>;

/** A derived structure of an annotation: its recipe, the revision that last computed it, and whether the annotator edited it since. */
export const DerivedStructure = z.object({
  target: Slug,
  recipe: DerivationRecipe,
  /** 1 for the first recipe; one more each time the structure is derived again with another recipe. */
  recipeVersion: VersionNumber,
  computedVersion: VersionNumber,
  /** The revision in which the annotator's own edit of the structure was found: it is no longer recomputed. */
  editedVersion: VersionNumber.nullable(),
  /** An edited structure whose sources changed after the edit: flagged, never overwritten (the revision where it was found). */
  staleVersion: VersionNumber.nullable(),
  /** The revision at which the annotator detached it: an ordinary structure from then on, drawn by hand. */
  detachedVersion: VersionNumber.nullable(),
  updatedAt: Timestamp,
});
export type DerivedStructure = z.infer<typeof DerivedStructure>;

/** What a refresh did with one derived structure: recomputed, already current, left as the annotator drew it, or left and flagged because its sources changed after the edit. */
export const DerivedRefreshState = z.enum(['recomputed', 'current', 'edited', 'stale']);
export type DerivedRefreshState = z.infer<typeof DerivedRefreshState>;
