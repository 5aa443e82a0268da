import type { CardiacReadingView } from './cine-api';

const policyWords: Readonly<Record<string, string>> = {
  included_in_cavity: 'papillary muscles counted in the cavity',
  excluded_from_cavity: 'papillary muscles counted as myocardium',
  all_contoured_slices: 'basal slice: every contoured slice counts',
  half_circumference_myocardium: 'basal slice: counted when myocardium covers at least half its circumference',
  lv_volume_curve: 'chosen from the LV volume curve',
  reader: 'set by a reader',
};

/** A convention key in words (an unknown one with its underscores as spaces, never raw). */
export const conventionWords = (value: string): string => policyWords[value] ?? value.replace(/_/g, ' ');

/** The conventions every measure of this reading assumed, as sentences. */
export function measureConventions(reading: CardiacReadingView): string[] {
  const c = reading.measures?.conventions ?? {};
  const lines = [`Volumes by summation of slices, ${Number(c.sliceSpacing ?? 0).toFixed(1)} mm apart (from the slice positions, not the slice thickness).`];
  lines.push(`LV mass = myocardial volume at end-diastole × ${Number(c.myocardialDensityGPerMl ?? 1.05).toFixed(2)} g/mL.`);
  if (typeof c.papillaryMuscles === 'string') lines.push(`${conventionWords(c.papillaryMuscles)[0]!.toUpperCase()}${conventionWords(c.papillaryMuscles).slice(1)}.`);
  if (typeof c.basalSliceRule === 'string') lines.push(`${conventionWords(c.basalSliceRule)[0]!.toUpperCase()}${conventionWords(c.basalSliceRule).slice(1)}.`);
  return lines;
}

export const ml = (v: number) => `${v.toFixed(1)} mL`;
export const percent = (v: number) => (Number.isFinite(v) ? `${v.toFixed(1)} %` : 'not defined (no end-diastolic volume)');
