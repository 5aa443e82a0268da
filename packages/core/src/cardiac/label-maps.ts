/**
 * The structures of a short-axis cine and the public label maps that number them. ACDC and M&Ms
 * disagree (LV is 3 in one and 1 in the other), so every import and export names its map and
 * nothing is ever guessed from the values.
 */

export const cardiacStructures = ['lv_blood_pool', 'lv_myocardium', 'rv_blood_pool'] as const;
export type CardiacStructure = (typeof cardiacStructures)[number];

export const cardiacLabelMapNames = ['acdc', 'mnms'] as const;
export type CardiacLabelMapName = (typeof cardiacLabelMapNames)[number];

/** Label value of each structure; 0 is background. */
export type CardiacLabelValues = Readonly<Record<CardiacStructure, number>>;

export const cardiacLabelMaps: Readonly<Record<CardiacLabelMapName, CardiacLabelValues & { title: string }>> = {
  /** Bernard et al., IEEE TMI 2018 (ACDC challenge): 1 RV, 2 myocardium, 3 LV. */
  acdc: { title: 'ACDC (1 RV, 2 myocardium, 3 LV)', rv_blood_pool: 1, lv_myocardium: 2, lv_blood_pool: 3 },
  /** Campello et al., IEEE TMI 2021 (M&Ms challenge): 1 LV, 2 myocardium, 3 RV. */
  mnms: { title: 'M&Ms (1 LV, 2 myocardium, 3 RV)', lv_blood_pool: 1, lv_myocardium: 2, rv_blood_pool: 3 },
};

/** The one normaliser of map names: accepts the forms people write, returns undefined otherwise. */
export function cardiacLabelMapName(text: string): CardiacLabelMapName | undefined {
  const key = text.trim().toLowerCase().replace(/[^a-z]/g, '');
  return key === 'acdc' ? 'acdc' : key === 'mnms' || key === 'mms' ? 'mnms' : undefined;
}

export type RelabelResult = { ok: true; data: Uint8Array } | { ok: false; reason: string; value: number };

/**
 * Renumbers a label array from one set of structure values to another. A value that names no
 * structure of the source map is an error (reported with the value, which is not PHI), never
 * silently kept.
 */
export function relabelCardiac(data: ArrayLike<number>, from: CardiacLabelValues, to: CardiacLabelValues): RelabelResult {
  const table = new Int16Array(256).fill(-1);
  table[0] = 0;
  for (const structure of cardiacStructures) table[from[structure]] = to[structure];
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    const mapped = v >= 0 && v < 256 ? table[v]! : -1;
    if (mapped < 0) return { ok: false, reason: 'a voxel carries a value the named label map does not define', value: v };
    out[i] = mapped;
  }
  return { ok: true, data: out };
}
