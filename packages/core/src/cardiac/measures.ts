import { cardiacStructures, type CardiacLabelValues, type CardiacStructure } from './label-maps';
import type { CineLabelStack } from './cine-stack';

/** Myocardial density used for LV mass, g/mL (the SCMR post-processing convention). */
export const myocardialDensity = 1.05;

export const papillaryMusclePolicies = ['included_in_cavity', 'excluded_from_cavity'] as const;
export type PapillaryMusclePolicy = (typeof papillaryMusclePolicies)[number];

export const basalSliceRules = ['half_circumference_myocardium', 'all_contoured_slices'] as const;
export type BasalSliceRule = (typeof basalSliceRules)[number];

/** Volume of each structure in each phase, mL, by slice summation (count × dx·dy·slice spacing). */
export type VolumeCurves = Readonly<Record<CardiacStructure, readonly number[]>>;

export function volumeCurves(stack: CineLabelStack, labels: CardiacLabelValues): VolumeCurves {
  const voxelMl = (stack.spacing[0] * stack.spacing[1] * stack.spacing[2]) / 1000;
  const perPhase = stack.columns * stack.rows * stack.slices;
  const byValue = new Map<number, CardiacStructure>(cardiacStructures.map((s) => [labels[s], s]));
  const curves = Object.fromEntries(cardiacStructures.map((s) => [s, new Array<number>(stack.phases).fill(0)])) as Record<CardiacStructure, number[]>;
  for (let p = 0; p < stack.phases; p++) {
    const counts = new Map<number, number>();
    const end = (p + 1) * perPhase;
    for (let i = p * perPhase; i < end; i++) {
      const v = stack.data[i]!;
      if (v) counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    for (const [value, n] of counts) {
      const structure = byValue.get(value);
      if (structure) curves[structure][p] = n * voxelMl;
    }
  }
  return curves;
}

/**
 * End-diastole and end-systole from the LV volume curve: the phases of largest and smallest
 * LV blood pool, the first on a tie. Phases with no LV contour are left out (an unfinished
 * reading is not end-systole); undefined when fewer than two phases are contoured.
 */
export function designateEdEs(lvCurve: readonly number[]): { edPhase: number; esPhase: number } | undefined {
  let ed = -1;
  let es = -1;
  lvCurve.forEach((v, p) => {
    if (v <= 0) return;
    if (ed < 0 || v > lvCurve[ed]!) ed = p;
    if (es < 0 || v < lvCurve[es]!) es = p;
  });
  return ed < 0 || ed === es ? undefined : { edPhase: ed, esPhase: es };
}

export interface VentricleMeasures {
  /** mL */
  edv: number;
  esv: number;
  sv: number;
  /** % */
  ef: number;
}

/** What a measure assumed: every result carries it, so two results are only compared like for like. */
export interface CardiacConventions {
  volumeMethod: 'slice_summation';
  /** mm, from the positions of the slices (never SliceThickness). */
  sliceSpacing: number;
  myocardialDensityGPerMl: number;
  edPhase: number;
  esPhase: number;
  /** ED and ES from the LV volume curve (automatic), or set by a reader. */
  phaseSource: 'lv_volume_curve' | 'reader';
  papillaryMuscles: PapillaryMusclePolicy;
  basalSliceRule: BasalSliceRule;
}

export interface CardiacMeasures {
  lv: VentricleMeasures;
  rv: VentricleMeasures;
  lvMyocardialVolumeEd: number;
  /** g: myocardial volume at ED × density. */
  lvMassEd: number;
  conventions: CardiacConventions;
}

function ventricle(curve: readonly number[], ed: number, es: number): VentricleMeasures {
  const edv = curve[ed] ?? 0;
  const esv = curve[es] ?? 0;
  return { edv, esv, sv: edv - esv, ef: edv > 0 ? (100 * (edv - esv)) / edv : Number.NaN };
}

/** EDV, ESV, SV and EF of both ventricles and LV mass at ED from the curves and the chosen phases. */
export function cardiacMeasures(
  curves: VolumeCurves,
  phases: { edPhase: number; esPhase: number; source: CardiacConventions['phaseSource'] },
  conventions: { sliceSpacing: number; papillaryMuscles: PapillaryMusclePolicy; basalSliceRule: BasalSliceRule },
): CardiacMeasures {
  const { edPhase, esPhase } = phases;
  const myocardium = curves.lv_myocardium[edPhase] ?? 0;
  return {
    lv: ventricle(curves.lv_blood_pool, edPhase, esPhase),
    rv: ventricle(curves.rv_blood_pool, edPhase, esPhase),
    lvMyocardialVolumeEd: myocardium,
    lvMassEd: myocardium * myocardialDensity,
    conventions: {
      volumeMethod: 'slice_summation',
      sliceSpacing: conventions.sliceSpacing,
      myocardialDensityGPerMl: myocardialDensity,
      edPhase,
      esPhase,
      phaseSource: phases.source,
      papillaryMuscles: conventions.papillaryMuscles,
      basalSliceRule: conventions.basalSliceRule,
    },
  };
}
