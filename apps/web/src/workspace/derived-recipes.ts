import type { DerivationRecipe, DerivedStructure, Label, MarginMm } from '@delineate/schema';

/** The pure part of the derived-structures panel (issue 23): the recipe a form makes, its defaults, and which labels are locked. */

/**
 * Target kinds by rank (ICRU 50/62/83: GTV ⊂ CTV ⊂ ITV ⊂ PTV). One label per voxel makes a CTV a
 * ring around its GTV, so a target grows from every target of lower rank, not only the one below.
 */
const targetRank: Record<string, number> = { GTV: 0, CTV: 1, ITV: 2, PTV: 3 };

/** Default sources for a target: the schema's targets of lower rank (a CTV grows from the GTVs, a PTV from GTVs, CTVs and ITVs). */
export function defaultSources(target: Label | undefined, labels: readonly Label[]): string[] {
  const rank = targetRank[target?.rtRoiInterpretedType ?? ''];
  if (rank === undefined) return [];
  return labels.filter((l) => l.key !== target?.key && (targetRank[l.rtRoiInterpretedType ?? ''] ?? Infinity) < rank).map((l) => l.key);
}

export interface RecipeForm {
  kind: DerivationRecipe['kind'];
  sources: string[];
  clips: string[];
  /** One margin for every direction, or six. */
  even: boolean;
  marginMm: number;
  margin: MarginMm;
}

export const emptyForm = (marginMm = 5): RecipeForm => ({
  kind: 'margin',
  sources: [],
  clips: [],
  even: true,
  marginMm,
  margin: { minusX: marginMm, plusX: marginMm, minusY: marginMm, plusY: marginMm, minusZ: marginMm, plusZ: marginMm },
});

/** The recipe the form describes, or what is missing in words. */
export function recipeOf(form: RecipeForm): { ok: true; recipe: DerivationRecipe } | { ok: false; reason: string } {
  if (form.kind === 'margin') {
    if (form.sources.length === 0) return { ok: false, reason: 'Choose the structure to grow from.' };
    const m = form.even ? { minusX: form.marginMm, plusX: form.marginMm, minusY: form.marginMm, plusY: form.marginMm, minusZ: form.marginMm, plusZ: form.marginMm } : form.margin;
    if (Object.values(m).some((v) => !Number.isFinite(v) || v < 0 || v > 100)) return { ok: false, reason: 'Each margin is between 0 and 100 mm.' };
    return { ok: true, recipe: { kind: 'margin', sources: form.sources, margin: m, clips: form.clips.filter((c) => !form.sources.includes(c)) } };
  }
  if (form.sources.length < 2) return { ok: false, reason: 'Choose at least two structures.' };
  return { ok: true, recipe: { kind: form.kind, sources: form.sources } };
}

/** Derived structures still computed by the server: the annotator does not paint them (detach first). */
export function lockedLabelValues(structures: readonly DerivedStructure[], labels: readonly Label[]): Set<number> {
  const keys = new Set(structures.filter((s) => s.detachedVersion === null).map((s) => s.target));
  return new Set(labels.filter((l) => keys.has(l.key)).map((l) => l.value));
}
