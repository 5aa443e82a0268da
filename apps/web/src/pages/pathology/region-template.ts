/**
 * The region task template form (issue 17 §1) as plain data: what the pathologist picks, turned
 * into the API's template; checked here first so the form says what is missing in words before
 * anything is sent (the server checks again).
 */
import type { CellClass, QualificationKind, RegionTaskTemplateInput } from '@delineate/schema';

export const targetMagnifications = [2, 10, 40] as const;

export interface TemplateForm {
  magnification: (typeof targetMagnifications)[number];
  tiling: 'hpf' | 'fixed';
  /** HPF: area in mm²; fixed: side in µm. */
  fieldSize: number;
  labelKeys: string[];
  qualificationKinds: QualificationKind[];
  /** Record nuclei (outlines) and mitotic figures with their look-alikes (points). */
  cells: boolean;
}

export const defaultTemplateForm: TemplateForm = { magnification: 40, tiling: 'hpf', fieldSize: 0.237, labelKeys: [], qualificationKinds: ['pathologist'], cells: true };

/** The cell classes a region's tasks record when cells are asked for; the look-alike is kept apart from the real thing. */
export const standardCellClasses: CellClass[] = [
  { key: 'nucleus', name: 'Nucleus', colour: '#1f77b4', shape: 'polygon', matchRadiusUm: 4 },
  { key: 'mitotic_figure', name: 'Mitotic figure', colour: '#d62728', shape: 'point', matchRadiusUm: 4 },
  { key: 'mitotic_lookalike', name: 'Mitotic look-alike', colour: '#ff7f0e', shape: 'point', lookAlikeOf: 'mitotic_figure', matchRadiusUm: 4 },
];

/** What the tiling means, in words, for the form. */
export function tilingWords(form: Pick<TemplateForm, 'tiling' | 'fieldSize'>): string {
  return form.tiling === 'hpf' ? `high-power fields of ${form.fieldSize} mm²` : `square fields of ${form.fieldSize} µm`;
}

/** The template, or the first problem in words. */
export function templateOf(form: TemplateForm): { ok: true; template: RegionTaskTemplateInput } | { ok: false; problem: string } {
  if (!(form.fieldSize > 0)) return { ok: false, problem: 'Give the field size.' };
  if (form.tiling === 'hpf' && (form.fieldSize < 0.01 || form.fieldSize > 5)) return { ok: false, problem: 'A high-power field is between 0.01 and 5 mm².' };
  if (form.tiling === 'fixed' && (form.fieldSize < 10 || form.fieldSize > 10_000)) return { ok: false, problem: 'A fixed field is between 10 and 10,000 µm wide.' };
  if (form.labelKeys.length === 0 && !form.cells) return { ok: false, problem: 'Choose the tissue classes to paint, or record cells.' };
  return {
    ok: true,
    template: {
      magnification: form.magnification,
      fieldTiling: form.tiling === 'hpf' ? { kind: 'hpf', areaMm2: form.fieldSize } : { kind: 'fixed', sizeUm: form.fieldSize },
      labelKeys: form.labelKeys,
      cellClasses: form.cells ? standardCellClasses : [],
      qualificationKinds: form.qualificationKinds,
    },
  };
}
