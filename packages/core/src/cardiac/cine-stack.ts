import { fillContours } from '../mask/contour-fill';
import type { CardiacLabelValues, CardiacStructure } from './label-maps';

/**
 * The labels of a cine on one grid: `phases` frames of `slices` short-axis slices, x fastest,
 * index ((phase·slices + slice)·rows + row)·columns + column. A phase is a frame of the stack,
 * so the stack is stored on the tiled mask path as a volume of slices × phases planes.
 */
export interface CineLabelStack {
  readonly columns: number;
  readonly rows: number;
  readonly slices: number;
  readonly phases: number;
  /** mm between columns, rows and slice centres (slice spacing from positions). */
  readonly spacing: readonly [number, number, number];
  readonly data: Uint8Array;
}

/** One slice's contours in one phase, in pixel coordinates (x0, y0, x1, y1, …; pixel centres at integers). */
export interface CardiacSliceContours {
  readonly lv_endocardium?: readonly number[];
  readonly lv_epicardium?: readonly number[];
  readonly rv_endocardium?: readonly number[];
}

export const cardiacContourKinds = ['lv_endocardium', 'lv_epicardium', 'rv_endocardium'] as const;
export type CardiacContourKind = (typeof cardiacContourKinds)[number];

/** The structure a contour closes: the myocardium is what lies between epicardium and endocardium. */
export const contourStructure: Readonly<Record<CardiacContourKind, CardiacStructure>> = {
  lv_endocardium: 'lv_blood_pool',
  lv_epicardium: 'lv_myocardium',
  rv_endocardium: 'rv_blood_pool',
};

/**
 * Rasterises one slice's contours into `out` (columns × rows at `offset`): inside the LV
 * endocardium is LV blood pool; inside the RV endocardium RV blood pool; inside the epicardium
 * and outside both cavities myocardium. Pixels are inside when their centre is (even-odd rule).
 */
export function rasteriseCardiacSlice(contours: CardiacSliceContours, labels: CardiacLabelValues, out: Uint8Array, offset: number, columns: number, rows: number): void {
  const plane = columns * rows;
  const inside = (contour: readonly number[] | undefined): Uint8Array => {
    const mask = new Uint8Array(plane);
    if (contour && contour.length >= 6) fillContours([contour], mask, 0, columns, rows);
    return mask;
  };
  const endo = inside(contours.lv_endocardium);
  const epi = inside(contours.lv_epicardium);
  const rv = inside(contours.rv_endocardium);
  for (let i = 0; i < plane; i++) {
    out[offset + i] = endo[i] ? labels.lv_blood_pool : rv[i] ? labels.rv_blood_pool : epi[i] ? labels.lv_myocardium : 0;
  }
}

/** An empty stack of the given shape. */
export function emptyCineStack(shape: Omit<CineLabelStack, 'data'>): CineLabelStack {
  return { ...shape, data: new Uint8Array(shape.columns * shape.rows * shape.slices * shape.phases) };
}

/** Offset of a slice of a phase in the stack's data. */
export function planeOffset(stack: Omit<CineLabelStack, 'data'>, slice: number, phase: number): number {
  return (phase * stack.slices + slice) * stack.columns * stack.rows;
}
