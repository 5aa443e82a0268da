import type { DerivationRecipe, DerivedRefreshState, DerivedStructure, Label, MarginMm } from '@delineate/schema';

/** Radiotherapy structures and recipes in words (issue 23): what the pages say instead of keys. */

export const rtTypeWords: Record<string, string> = {
  GTV: 'gross tumour volume',
  CTV: 'clinical target volume',
  ITV: 'internal target volume',
  PTV: 'planning target volume',
  ORGAN: 'organ at risk',
  EXTERNAL: 'body outline',
  AVOIDANCE: 'avoidance structure',
  CAVITY: 'cavity',
  SUPPORT: 'support structure',
  MARKER: 'marker',
  CONTROL: 'control structure',
  TREATED_VOLUME: 'treated volume',
  IRRAD_VOLUME: 'irradiated volume',
};

export const codingSchemeWords: Record<string, string> = {
  SCT: 'SNOMED CT',
  DCM: 'DICOM',
  FMA: 'FMA',
  LOCAL: 'local code',
};

/** "SNOMED CT 15425007 (Parotid gland)". */
export function conceptWords(concept: Label['concept']): string {
  return `${codingSchemeWords[concept.scheme] ?? concept.scheme} ${concept.value} (${concept.meaning})`;
}

/** "FMA 7088 (Heart)", or null when the structure has no FMA identifier. */
export function fmaWords(label: Pick<Label, 'fma'>): string | null {
  return label.fma ? `FMA ${label.fma.id.slice('FMA:'.length)} (${label.fma.name})` : null;
}

const mm = (n: number) => `${Number.isInteger(n) ? n : n.toFixed(1)} mm`;

/** A margin in words: one figure when all six directions agree, else each direction named (patient axes of the grid). */
export function marginWords(m: MarginMm): string {
  const all = [m.minusX, m.plusX, m.minusY, m.plusY, m.minusZ, m.plusZ];
  if (all.every((v) => v === all[0])) return `${mm(m.minusX)} in every direction`;
  const pair = (a: number, b: number, both: string, minus: string, plus: string) => (a === b ? `${mm(a)} ${both}` : `${mm(a)} ${minus}, ${mm(b)} ${plus}`);
  return [
    pair(m.minusX, m.plusX, 'left and right', 'to the right', 'to the left'),
    pair(m.minusY, m.plusY, 'front and back', 'to the front', 'to the back'),
    pair(m.minusZ, m.plusZ, 'up and down', 'downwards', 'upwards'),
  ].join(', ');
}

function list(names: readonly string[]): string {
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/** A recipe as a sentence, with structures by name: "GTV primary grown by 5 mm in every direction, less Mandible". */
export function recipeWords(recipe: DerivationRecipe, nameOf: (key: string) => string): string {
  const names = recipe.sources.map(nameOf);
  switch (recipe.kind) {
    case 'margin': {
      const clips = recipe.clips.length ? `, not into ${list(recipe.clips.map(nameOf))}` : '';
      return `${list(names)} grown by ${marginWords(recipe.margin)}${clips}`;
    }
    case 'union':
      return `${list(names)} together`;
    case 'intersection':
      return `where ${list(names)} overlap`;
    case 'subtraction':
      return `${names[0]} without ${list(names.slice(1))}`;
  }
}

/** Where a derived structure stands, in words, with the versions the server recorded. */
export function derivedStateWords(s: DerivedStructure): { title: string; detail: string } {
  if (s.detachedVersion !== null) return { title: 'Detached', detail: `Drawn by hand since version ${s.detachedVersion}; it is no longer recomputed.` };
  if (s.staleVersion !== null)
    return {
      title: 'Out of date',
      detail: `You edited it in version ${s.editedVersion ?? s.staleVersion}, and its sources changed in version ${s.staleVersion}. It was left as you drew it: check it, derive it again or detach it.`,
    };
  if (s.editedVersion !== null) return { title: 'Edited by hand', detail: `You edited it in version ${s.editedVersion}, so it is left as you drew it and not recomputed.` };
  return { title: 'Derived', detail: `Computed in version ${s.computedVersion}; recomputed whenever its sources are saved.` };
}

export const refreshStateWords: Record<DerivedRefreshState, string> = {
  recomputed: 'recomputed',
  current: 'already up to date',
  edited: 'left as you drew it',
  stale: 'left as you drew it, but its sources changed: check it',
};

/** A measure for the agreement tables: fixed digits, or "not defined" (both readers drew nothing). */
export function agreementNumber(value: number | null, digits: number): string {
  return value === null ? 'not defined' : value.toFixed(digits);
}
