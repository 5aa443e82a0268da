/**
 * The beating heart of the cine phantom, as geometry: a left ventricle made of two truncated
 * half-ellipsoids (endocardium inside epicardium, a shell of myocardium between them) and a right
 * ventricle beside it, all sized per cardiac phase by one contraction curve. Pure arithmetic:
 * the generator paints pixels from it, and tests rasterise its contours.
 *
 * Labels follow the M&Ms map (1 LV blood pool, 2 LV myocardium, 3 RV blood pool), named here
 * so that nothing downstream has to guess.
 */

export const cineLabelValues = { lvBloodPool: 1, myocardium: 2, rvBloodPool: 3 } as const;

/** A structure's outline in one slice: an ellipse in mm about the image centre. */
export interface CineEllipse {
  centreX: number;
  centreY: number;
  radiusX: number;
  radiusY: number;
}

/** The three outlines cardiologists draw, per slice and phase; undefined where the slice misses it. */
export interface CineSliceShapes {
  lvEndocardium: CineEllipse | undefined;
  lvEpicardium: CineEllipse | undefined;
  rvEndocardium: CineEllipse | undefined;
}

/** The phase of end-systole (maximal contraction) out of `phases`; end-diastole is phase 0. */
export function endSystolicPhase(phases: number): number {
  return Math.round(phases * 0.35);
}

/**
 * How far the ventricles are relaxed at a phase: 1 at end-diastole (phase 0), 0 at end-systole,
 * a half cosine down during systole and a slower one back up during diastole.
 */
export function relaxation(phase: number, phases: number): number {
  const es = endSystolicPhase(phases);
  if (phase <= es) return 0.5 * (1 + Math.cos((Math.PI * phase) / es));
  return 0.5 * (1 - Math.cos((Math.PI * (phase - es)) / (phases - es)));
}

/** Sizes in mm at end-diastole and end-systole; in between they follow {@link relaxation}. */
const heart = {
  lvCentre: [20, 0] as const,
  lvRadius: { ed: 27, es: 18 },
  /** Flattening of the short-axis ellipses (y radius ÷ x radius). */
  lvAspect: 0.9,
  lvLength: { ed: 88, es: 76 },
  wall: { ed: 8, es: 12 },
  rvCentre: [-39, 4] as const,
  rvRadiusX: { ed: 20, es: 12 },
  rvRadiusY: { ed: 32, es: 24 },
  rvLength: { ed: 70, es: 58 },
};

const between = (range: { ed: number; es: number }, f: number) => range.es + (range.ed - range.es) * f;

/** The cross-section of a half-ellipsoid (equator at the base, depth 0) at `depth` mm below the base. */
function section(centre: readonly [number, number], radiusX: number, radiusY: number, length: number, depth: number): CineEllipse | undefined {
  if (depth < 0 || depth >= length) return undefined;
  const scale = Math.sqrt(1 - (depth / length) ** 2);
  return { centreX: centre[0], centreY: centre[1], radiusX: radiusX * scale, radiusY: radiusY * scale };
}

/** The outlines at `depth` mm below the basal plane in a phase. */
export function cineShapesAt(depth: number, phase: number, phases: number): CineSliceShapes {
  const f = relaxation(phase, phases);
  const endo = between(heart.lvRadius, f);
  const length = between(heart.lvLength, f);
  const wall = between(heart.wall, 1 - f);
  const rvLength = between(heart.rvLength, f);
  const rvX = between(heart.rvRadiusX, f);
  const rvY = between(heart.rvRadiusY, f);
  return {
    lvEndocardium: section(heart.lvCentre, endo, endo * heart.lvAspect, length, depth),
    lvEpicardium: section(heart.lvCentre, endo + wall, (endo + wall) * heart.lvAspect, length + wall, depth),
    rvEndocardium: section(heart.rvCentre, rvX, rvY, rvLength, depth),
  };
}

export function insideEllipse(e: CineEllipse | undefined, x: number, y: number): boolean {
  if (!e) return false;
  return ((x - e.centreX) / e.radiusX) ** 2 + ((y - e.centreY) / e.radiusY) ** 2 <= 1;
}

/** The label of a point (mm about the image centre) of a slice: blood pools win over the myocardium. */
export function cineLabelAt(shapes: CineSliceShapes, x: number, y: number): number {
  if (insideEllipse(shapes.lvEndocardium, x, y)) return cineLabelValues.lvBloodPool;
  if (insideEllipse(shapes.rvEndocardium, x, y)) return cineLabelValues.rvBloodPool;
  if (insideEllipse(shapes.lvEpicardium, x, y)) return cineLabelValues.myocardium;
  return 0;
}

/**
 * A closed polygon on an ellipse in pixel coordinates (column, row; pixel centres at integers),
 * `vertices` points: the contour an annotator would draw, as the shared contour filler takes it.
 */
export function ellipseContour(e: CineEllipse, grid: { columns: number; rows: number; dx: number; dy: number }, vertices = 128): number[] {
  const out: number[] = [];
  const c0 = (grid.columns - 1) / 2;
  const r0 = (grid.rows - 1) / 2;
  for (let i = 0; i < vertices; i++) {
    const a = (2 * Math.PI * i) / vertices;
    out.push(c0 + (e.centreX + e.radiusX * Math.cos(a)) / grid.dx, r0 + (e.centreY + e.radiusY * Math.sin(a)) / grid.dy);
  }
  return out;
}
