/**
 * The anatomy of the synthetic liver CT phantom, in patient coordinates (DICOM LPS, mm):
 * x towards the patient's left, y towards posterior, z towards the head. The phantom is
 * centred on the origin and its organs scale with the field of view, so a 64×64×8 test
 * phantom shows the same anatomy as the 512×512×128 demo series (lesion sizes stay in mm).
 *
 * Slices are painted row by row as horizontal spans of simple shapes (ellipses, ellipsoids,
 * circles), in a fixed order where later shapes win: body, fat, soft tissue, visceral fat and
 * bowel, spleen, liver, vessels, lesions, bone. Painting spans instead of testing each voxel against each shape keeps the
 * full demo series within a couple of seconds.
 *
 * The ground truth follows the demo label schema (Liver CT v1): the inferior vena cava and the
 * portal vein run through the liver outline and are background, lesions are label 2 only.
 */

/** Hounsfield units of each tissue (before noise). */
export const phantomHu = {
  air: -1000,
  /** Subcutaneous fat layer. */
  fat: -100,
  /** Muscle and other soft tissue. */
  softTissue: 40,
  /** Liver parenchyma. */
  liver: 60,
  /** Spleen (not labelled; a neighbour the liver must not leak into). */
  spleen: 50,
  /** Hypodense liver lesions (metastasis-like): 40 HU below the parenchyma, so visible through the noise. */
  lesion: 20,
  /** Contrast-filled vessels: aorta, inferior vena cava, portal vein. */
  vessel: 150,
  /** Cerebrospinal fluid in the spinal canal. */
  csf: 10,
  /** Bowel wall. */
  bowelWall: 35,
  /** Vertebra and ribs. */
  bone: 700,
} as const;

/** Values of the ground-truth label volume (LiTS convention: lesion voxels are not also liver). */
export const phantomLabelValues = { background: 0, liver: 1, lesion: 2 } as const;

export type PhantomTissue = keyof typeof phantomHu;

export interface PhantomLesion {
  /** Centre in patient coordinates (mm). */
  centre: readonly [number, number, number];
  diameterMm: number;
}

/**
 * Where a lesion sits, as fractions of the field of view's half extents from its centre (so a
 * placement means the same place in the liver at any phantom size), and its diameter in mm.
 */
export interface PhantomLesionPlacement {
  at: readonly [number, number, number];
  diameterMm: number;
}

/** The two lesions of the standard phantom: a 30 mm one high in the right lobe, a 12 mm one lower and anterior. */
export const standardLesions: readonly PhantomLesionPlacement[] = [
  { at: [-0.45, 0, 0.35], diameterMm: 30 },
  { at: [-0.22, -0.25, 0.05], diameterMm: 12 },
];

/** Half extents of the field of view (mm) along x, y, z. */
export interface FieldOfView {
  halfX: number;
  halfY: number;
  halfZ: number;
}

interface Ellipsoid {
  cx: number;
  cy: number;
  cz: number;
  ax: number;
  ay: number;
  az: number;
}

interface Cylinder {
  cx: number;
  cy: number;
  radius: number;
  zMin: number;
  zMax: number;
}

interface Paint {
  hu: number;
  label: number;
}

export interface PhantomAnatomy {
  fov: FieldOfView;
  lesions: readonly PhantomLesion[];
  /** Paints one axial slice at height `z` (mm) into `hu` and `labels` (row-major, rows × columns). */
  paintSlice(z: number, grid: SliceGrid, hu: Int16Array, labels: Uint8Array): void;
}

/** Pixel-centre coordinates of a slice: x of column c is x0 + c·dx, y of row r is y0 + r·dy. */
export interface SliceGrid {
  columns: number;
  rows: number;
  x0: number;
  y0: number;
  dx: number;
  dy: number;
}

const ribAnglesDeg = [0, 25, 50, 130, 155, 180, 205, 230, 310, 335] as const;
const ribPeriodMm = 28;
const ribThicknessMm = 11;

export function phantomAnatomy(fov: FieldOfView, placements: readonly PhantomLesionPlacement[] = standardLesions): PhantomAnatomy {
  const { halfX: hx, halfY: hy, halfZ: hz } = fov;
  const s = Math.min(hx, hy);
  const body = { ax: 0.8 * hx, ay: 0.58 * hy };
  const fatThickness = 0.07 * s;
  const inner = { ax: body.ax - fatThickness, ay: body.ay - fatThickness };

  const liverCz = 0.15 * hz;
  const liverLobes: Ellipsoid[] = [
    { cx: -0.33 * hx, cy: -0.02 * hy, cz: liverCz, ax: 0.34 * hx, ay: 0.36 * hy, az: 0.5 * hz },
    { cx: 0.05 * hx, cy: -0.2 * hy, cz: liverCz + 0.15 * hz, ax: 0.2 * hx, ay: 0.12 * hy, az: 0.25 * hz },
  ];
  const vessels: Cylinder[] = [
    { cx: 0.09 * hx, cy: 0.14 * hy, radius: 0.055 * s, zMin: -Infinity, zMax: Infinity }, // aorta
    { cx: -0.06 * hx, cy: 0.16 * hy, radius: 0.045 * s, zMin: -Infinity, zMax: Infinity }, // inferior vena cava
    { cx: -0.12 * hx, cy: 0.05 * hy, radius: 0.03 * s, zMin: liverCz - 0.15 * hz, zMax: liverCz + 0.2 * hz }, // portal vein
  ];
  const lesions: PhantomLesion[] = placements.map((p) => ({ centre: [p.at[0] * hx, p.at[1] * hy, p.at[2] * hz], diameterMm: p.diameterMm }));
  const spleen: Ellipsoid = { cx: 0.45 * hx, cy: 0.22 * hy, cz: liverCz + 0.1 * hz, ax: 0.14 * hx, ay: 0.16 * hy, az: 0.3 * hz };
  const visceralFat = { cx: 0.3 * hx, cy: -0.05 * hy, ax: 0.35 * hx, ay: 0.3 * hy };
  const bowelLoops = [
    { cx: 0.35 * hx, cy: -0.2 * hy, radius: 0.05 * s },
    { cx: 0.15 * hx, cy: 0, radius: 0.05 * s },
    { cx: 0.45 * hx, cy: -0.02 * hy, radius: 0.05 * s },
  ];
  const vertebralBody = { cx: 0, cy: 0.28 * hy, radius: 0.085 * s };
  const neuralArch = { cx: 0, cy: 0.41 * hy, radius: 0.065 * s };
  const spinalCanal = { cx: 0, cy: 0.41 * hy, radius: 0.04 * s };
  const ribRing = { ax: inner.ax - 0.03 * s, ay: inner.ay - 0.03 * s, radius: 0.025 * s, zMin: -0.3 * hz };

  const air: Paint = { hu: phantomHu.air, label: phantomLabelValues.background };
  const fat: Paint = { hu: phantomHu.fat, label: phantomLabelValues.background };
  const soft: Paint = { hu: phantomHu.softTissue, label: phantomLabelValues.background };
  const liver: Paint = { hu: phantomHu.liver, label: phantomLabelValues.liver };
  const vessel: Paint = { hu: phantomHu.vessel, label: phantomLabelValues.background };
  const lesion: Paint = { hu: phantomHu.lesion, label: phantomLabelValues.lesion };
  const bone: Paint = { hu: phantomHu.bone, label: phantomLabelValues.background };
  const csf: Paint = { hu: phantomHu.csf, label: phantomLabelValues.background };
  const spleenPaint: Paint = { hu: phantomHu.spleen, label: phantomLabelValues.background };
  const bowelWall: Paint = { hu: phantomHu.bowelWall, label: phantomLabelValues.background };

  function paintSlice(z: number, grid: SliceGrid, hu: Int16Array, labels: Uint8Array): void {
    // Cross-sections of the 3-D shapes at this height: circles and ellipses in the plane.
    const liverSections = liverLobes.flatMap((e) => {
      const k = 1 - ((z - e.cz) / e.az) ** 2;
      return k > 0 ? [{ cx: e.cx, cy: e.cy, ax: e.ax * Math.sqrt(k), ay: e.ay * Math.sqrt(k) }] : [];
    });
    const spleenK = 1 - ((z - spleen.cz) / spleen.az) ** 2;
    const vesselSections = vessels.filter((v) => z >= v.zMin && z <= v.zMax);
    const lesionSections = lesions.flatMap((l) => {
      const r = l.diameterMm / 2;
      const k = r * r - (z - l.centre[2]) ** 2;
      return k > 0 ? [{ cx: l.centre[0], cy: l.centre[1], radius: Math.sqrt(k) }] : [];
    });
    const ribs =
      z < ribRing.zMin
        ? []
        : ribAnglesDeg.flatMap((deg, i) => {
            const band = (((z + i * 7) % ribPeriodMm) + ribPeriodMm) % ribPeriodMm;
            if (band >= ribThicknessMm) return [];
            const t = (deg * Math.PI) / 180;
            return [{ cx: ribRing.ax * Math.cos(t), cy: ribRing.ay * Math.sin(t), radius: ribRing.radius }];
          });

    for (let r = 0; r < grid.rows; r++) {
      const y = grid.y0 + r * grid.dy;
      const rowHu = hu.subarray(r * grid.columns, (r + 1) * grid.columns);
      const rowLabels = labels.subarray(r * grid.columns, (r + 1) * grid.columns);
      const paint = (x0: number, x1: number, p: Paint): void => paintSpan(grid, rowHu, rowLabels, x0, x1, p);
      const ellipse = (cx: number, cy: number, ax: number, ay: number, p: Paint): void => {
        const t = (y - cy) / ay;
        if (t * t >= 1) return;
        const half = ax * Math.sqrt(1 - t * t);
        paint(cx - half, cx + half, p);
      };
      const circle = (c: { cx: number; cy: number; radius: number }, p: Paint): void =>
        ellipse(c.cx, c.cy, c.radius, c.radius, p);

      rowHu.fill(air.hu);
      rowLabels.fill(air.label);
      ellipse(0, 0, body.ax, body.ay, fat);
      ellipse(0, 0, inner.ax, inner.ay, soft);
      ellipse(visceralFat.cx, visceralFat.cy, visceralFat.ax, visceralFat.ay, fat);
      for (const loop of bowelLoops) {
        circle(loop, bowelWall);
        circle({ cx: loop.cx, cy: loop.cy, radius: loop.radius / 2 }, air); // gas in the lumen
      }
      if (spleenK > 0) ellipse(spleen.cx, spleen.cy, spleen.ax * Math.sqrt(spleenK), spleen.ay * Math.sqrt(spleenK), spleenPaint);
      for (const e of liverSections) ellipse(e.cx, e.cy, e.ax, e.ay, liver);
      for (const v of vesselSections) circle(v, vessel);
      for (const l of lesionSections) circle(l, lesion);
      circle(vertebralBody, bone);
      circle(neuralArch, bone);
      circle(spinalCanal, csf);
      for (const rib of ribs) circle(rib, bone);
    }
  }

  return { fov, lesions, paintSlice };
}

/** Paints the pixels whose centres lie in [x0, x1] (mm). */
function paintSpan(grid: SliceGrid, hu: Int16Array, labels: Uint8Array, x0: number, x1: number, p: Paint): void {
  const first = Math.max(0, Math.ceil((x0 - grid.x0) / grid.dx));
  const last = Math.min(grid.columns - 1, Math.floor((x1 - grid.x0) / grid.dx));
  if (last < first) return;
  hu.fill(p.hu, first, last + 1);
  labels.fill(p.label, first, last + 1);
}
