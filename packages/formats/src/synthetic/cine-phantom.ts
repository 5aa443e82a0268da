import { hashSeed, seededRandom } from '@delineate/core';
import { DelineateError } from '@delineate/schema';
import { cineLabelAt, cineLabelValues, cineShapesAt, ellipseContour, type CineSliceShapes } from './cine-anatomy';
import { gaussianTable } from './random';
import { uidFromName } from './uids';

export interface CinePhantomOptions {
  /** Short-axis slices (default 12) and phases of one cardiac cycle (default 20). */
  slices?: number;
  phases?: number;
  rows?: number;
  columns?: number;
  /** In-plane pixel size in mm (default 1.4). */
  pixelSpacing?: number;
  /** Distance between slice centres in mm, the true step of the positions (default 10). */
  sliceSpacing?: number;
  /**
   * The SliceThickness written to the header (default 8: the slab excited, smaller than the
   * spacing when slices have gaps). Ingest must take the spacing from positions, never from this.
   */
  sliceThickness?: number;
  /** R-R interval in ms (default 1000); phases are evenly spread over it. */
  rrInterval?: number;
  noiseSigma?: number;
  seed?: number;
}

/** Volumes in mL, ejection fraction in %. */
export interface CineVentricleValues {
  edv: number;
  esv: number;
  sv: number;
  ef: number;
}

/**
 * What the phantom holds by construction. Every value is a voxel-exact count of the rasterised
 * labels (a voxel belongs to a structure when its centre lies inside the structure's analytic
 * ellipse) times the voxel volume dx·dy·dz, summed over slices (slice summation, as a reader's
 * contours are measured). Mass is the LV myocardium at end-diastole × 1.05 g/mL.
 */
export interface CineKnownValues {
  edPhase: number;
  esPhase: number;
  lv: CineVentricleValues;
  rv: CineVentricleValues;
  lvMyocardialVolumeEd: number;
  lvMassEd: number;
  /** LV blood-pool volume per phase, mL: the volume–time curve. */
  lvCurve: number[];
}

export interface CinePhantomUids {
  study: string;
  series: string;
  frameOfReference: string;
}

export interface CinePhantom {
  /** [columns, rows, slices]; `phases` frames of that stack. */
  dims: readonly [number, number, number];
  phases: number;
  /** mm between columns, rows and slices. */
  spacing: readonly [number, number, number];
  sliceThickness: number;
  /** Position of voxel (0, 0) of slice 0 (the basal slice), mm. */
  origin: readonly [number, number, number];
  orientation: readonly [number, number, number, number, number, number];
  /** Ms after the R wave of each phase. */
  triggerTimes: readonly number[];
  /** M&Ms values (1 LV, 2 myocardium, 3 RV), index ((phase·slices + slice)·rows + row)·columns + column. */
  labels: Uint8Array;
  known: CineKnownValues;
  uids: CinePhantomUids;
  seed: number;
  /** The outlines of a slice in a phase, in mm about the image centre. */
  shapes(slice: number, phase: number): CineSliceShapes;
  /** The same outlines as closed pixel polygons (column, row pairs), absent where the slice misses one. */
  contours(slice: number, phase: number): { lvEndocardium?: number[]; lvEpicardium?: number[]; rvEndocardium?: number[] };
  /** Stored pixel values of one slice in one phase. */
  pixels(slice: number, phase: number): Uint16Array;
  /** Position of voxel (0, 0) of a slice, mm. */
  position(slice: number): [number, number, number];
}

const intensity = { [cineLabelValues.lvBloodPool]: 820, [cineLabelValues.rvBloodPool]: 780, [cineLabelValues.myocardium]: 240, body: 140, air: 12 } as const;

function checkedInteger(value: number, name: string, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) throw new DelineateError('DLN_REQUEST_INVALID', `Cine phantom ${name} must be an integer from ${min} to ${max}`);
  return value;
}

function checkedPositive(value: number, name: string): number {
  if (!Number.isFinite(value) || value <= 0) throw new DelineateError('DLN_REQUEST_INVALID', `Cine phantom ${name} must be a positive number`);
  return value;
}

/**
 * A short-axis cine MR of a beating heart on a regular grid, oblique like a real short-axis
 * plane. The voxel grid, labels, pixels and known answers; the DICOM writers sit beside it.
 */
export function cinePhantom(options: CinePhantomOptions = {}): CinePhantom {
  const slices = checkedInteger(options.slices ?? 12, 'slices', 1, 64);
  const phases = checkedInteger(options.phases ?? 20, 'phases', 3, 100);
  const rows = checkedInteger(options.rows ?? 128, 'rows', 8, 1024);
  const columns = checkedInteger(options.columns ?? 128, 'columns', 8, 1024);
  const d = checkedPositive(options.pixelSpacing ?? 1.4, 'pixel spacing');
  const dz = checkedPositive(options.sliceSpacing ?? 10, 'slice spacing');
  const sliceThickness = checkedPositive(options.sliceThickness ?? 8, 'slice thickness');
  const rr = checkedPositive(options.rrInterval ?? 1000, 'R-R interval');
  const noiseSigma = options.noiseSigma ?? 6;
  const seed = options.seed ?? 1;
  // Short-axis planes tilted from the body axes: row direction in the x–y plane, column direction leaning in z.
  const orientation = [0.866025, 0.5, 0, -0.25, 0.433013, -0.866025] as const;
  const normal = [-0.433013, 0.75, 0.5] as const;
  const origin = [-70, -40, 20] as const;
  const position = (slice: number): [number, number, number] => [0, 1, 2].map((i) => Number((origin[i]! + slice * dz * normal[i]!).toFixed(4))) as [number, number, number];
  // Slice centres sit half a step below the basal plane, one step apart towards the apex.
  const depth = (slice: number) => dz / 2 + slice * dz;
  const shapes = (slice: number, phase: number) => cineShapesAt(depth(slice), phase, phases);

  const perSlice = rows * columns;
  const labels = new Uint8Array(perSlice * slices * phases);
  const x0 = (columns - 1) / 2;
  const y0 = (rows - 1) / 2;
  for (let p = 0; p < phases; p++) {
    for (let k = 0; k < slices; k++) {
      const s = shapes(k, p);
      const offset = (p * slices + k) * perSlice;
      for (let r = 0; r < rows; r++) for (let c = 0; c < columns; c++) labels[offset + r * columns + c] = cineLabelAt(s, (c - x0) * d, (r - y0) * d);
    }
  }

  const noise = gaussianTable(seededRandom(hashSeed(`cine-noise-table/${seed}`)), noiseSigma);
  const pixels = (slice: number, phase: number): Uint16Array => {
    checkedInteger(slice, 'slice index', 0, slices - 1);
    checkedInteger(phase, 'phase index', 0, phases - 1);
    const random = seededRandom(hashSeed(`cine-noise/${seed}/${slice}/${phase}`));
    const out = new Uint16Array(perSlice);
    const offset = (phase * slices + slice) * perSlice;
    for (let i = 0; i < perSlice; i++) {
      const label = labels[offset + i]!;
      const x = ((i % columns) - x0) * d;
      const y = (Math.floor(i / columns) - y0) * d;
      const base = label ? intensity[label as 1 | 2 | 3] : (x / 95) ** 2 + (y / 75) ** 2 <= 1 ? intensity.body : intensity.air;
      out[i] = Math.max(0, Math.min(4095, base + noise[random.nextUint32() & 0xffff]!));
    }
    return out;
  };

  const contours = (slice: number, phase: number) => {
    const s = shapes(slice, phase);
    const grid = { columns, rows, dx: d, dy: d };
    return {
      ...(s.lvEndocardium ? { lvEndocardium: ellipseContour(s.lvEndocardium, grid) } : {}),
      ...(s.lvEpicardium ? { lvEpicardium: ellipseContour(s.lvEpicardium, grid) } : {}),
      ...(s.rvEndocardium ? { rvEndocardium: ellipseContour(s.rvEndocardium, grid) } : {}),
    };
  };

  const uid = (what: string) => uidFromName(`delineate/cine-phantom/${seed}/${what}`);
  return {
    dims: [columns, rows, slices],
    phases,
    spacing: [d, d, dz],
    sliceThickness,
    origin,
    orientation,
    triggerTimes: Array.from({ length: phases }, (_, p) => Math.round((p * rr) / phases)),
    labels,
    known: knownValues(labels, { perSlice, slices, phases, voxelMl: (d * d * dz) / 1000 }),
    uids: { study: uid('study'), series: uid('series'), frameOfReference: uid('frame-of-reference') },
    seed,
    shapes,
    contours,
    pixels,
    position,
  };
}

function knownValues(labels: Uint8Array, g: { perSlice: number; slices: number; phases: number; voxelMl: number }): CineKnownValues {
  const count = (phase: number, label: number) => {
    let n = 0;
    const end = (phase + 1) * g.slices * g.perSlice;
    for (let i = phase * g.slices * g.perSlice; i < end; i++) if (labels[i] === label) n++;
    return n * g.voxelMl;
  };
  const lvCurve = Array.from({ length: g.phases }, (_, p) => count(p, cineLabelValues.lvBloodPool));
  const edPhase = lvCurve.indexOf(Math.max(...lvCurve));
  const esPhase = lvCurve.indexOf(Math.min(...lvCurve));
  const ventricle = (label: number): CineVentricleValues => {
    const edv = count(edPhase, label);
    const esv = count(esPhase, label);
    return { edv, esv, sv: edv - esv, ef: (100 * (edv - esv)) / edv };
  };
  const myocardium = count(edPhase, cineLabelValues.myocardium);
  return { edPhase, esPhase, lv: ventricle(cineLabelValues.lvBloodPool), rv: ventricle(cineLabelValues.rvBloodPool), lvMyocardialVolumeEd: myocardium, lvMassEd: myocardium * 1.05, lvCurve };
}
