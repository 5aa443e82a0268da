import type { DocumentRelease } from './input';

/**
 * What a document looks like, independent of the format: the HTML and PDF renderers draw the
 * same blocks, so both carry exactly the strings (and numbers) the layout took from the JSON.
 */
export type Block =
  | { readonly kind: 'paragraph'; readonly text: string }
  | { readonly kind: 'facts'; readonly rows: ReadonlyArray<readonly [string, string]> }
  | { readonly kind: 'table'; readonly caption: string; readonly columns: readonly string[]; readonly rows: ReadonlyArray<readonly string[]> }
  | { readonly kind: 'plot'; readonly plot: StripPlot };

export interface Section {
  readonly heading: string;
  readonly blocks: readonly Block[];
}

export interface DocumentLayout {
  readonly title: string;
  readonly release: DocumentRelease;
  readonly sections: readonly Section[];
}

/** One row of a strip plot: every value as a dot on its own axis, with the mean and its 95 % CI. */
export interface StripRow {
  readonly label: string;
  readonly axisMin: number;
  readonly axisMax: number;
  readonly unit: string;
  readonly values: readonly number[];
  readonly mean: number | null;
  readonly ci: readonly [number, number] | null;
}

export interface StripPlot {
  readonly title: string;
  readonly rows: readonly StripRow[];
}

/** A number with fixed decimals; a dash where there is no value (undefined or infinite). */
export function num(value: number | null | undefined, digits = 3): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '—' : value.toFixed(digits);
}

export function percent(value: number | null | undefined, digits = 1): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '—' : `${(value * 100).toFixed(digits)} %`;
}

/** A mean with its 95 % confidence interval, e.g. `0.912 (0.880–0.944)`. */
export function withCi(mean: number | null, ci: readonly [number, number] | null, digits = 3): string {
  if (mean === null) return '—';
  return ci ? `${num(mean, digits)} (${num(ci[0], digits)}–${num(ci[1], digits)})` : num(mean, digits);
}

export function yesNo(value: boolean): string {
  return value ? 'yes' : 'no';
}

/** Words for the closed vocabularies a document shows (never the internal keys). */
const words: Record<string, string> = {
  direct_clinical: 'Direct clinical annotation (clinicians annotate; expert review where required)',
  supervised_technologist: 'Supervised technologist annotation (every annotation reviewed by a clinician)',
  annotator: 'Annotator',
  clinician_annotator: 'Clinician annotator',
  reviewer: 'Reviewer',
  expert_reviewer: 'Expert reviewer',
  project_admin: 'Project administrator',
  data_steward: 'Data steward',
  auditor: 'Auditor',
  radiologist: 'Radiologist',
  pathologist: 'Pathologist',
  clinician: 'Clinician',
  radiographer: 'Radiographer',
  technologist: 'Technologist',
  trained_annotator: 'Trained annotator',
  over_segmentation: 'Over-segmentation',
  under_segmentation: 'Under-segmentation',
  missed_finding: 'Missed finding',
  false_finding: 'False finding',
  wrong_label: 'Wrong label',
  wrong_side: 'Wrong side',
  other: 'Other',
  staple: 'STAPLE (binary, per label)',
  multi_label_staple: 'Multi-label STAPLE',
  majority_vote: 'Majority vote',
  train: 'Train',
  validation: 'Validation',
  test: 'Test',
  review: 'Review',
  expert_review: 'Expert review',
  annotate: 'Annotation',
  accept: 'Accepted',
  correct: 'Corrected',
  reject: 'Rejected',
  high: 'High',
  low: 'Low',
  basic: 'PS3.15 Annex E Basic Application Confidentiality Profile',
};

export function word(key: string): string {
  return words[key] ?? key.replace(/[_-]+/g, ' ').replace(/^./, (c) => c.toUpperCase());
}

/** The release a document describes, shown at its top in every format. */
export function releaseFacts(release: DocumentRelease): Array<readonly [string, string]> {
  return [
    ['Release', release.name],
    ['Frozen at', release.frozenAt.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC')],
    ['Manifest SHA-256', release.manifestHash],
    ['Label schema version', String(release.labelSchema.version)],
    ['Review protocol version', String(release.reviewProtocol.version)],
  ];
}
