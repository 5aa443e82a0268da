import { planeSize, planeWalk, type Dims, type Orientation } from './geometry';

export interface WindowLevel {
  width: number;
  centre: number;
}

export const windowPresets: Readonly<Record<string, WindowLevel>> = {
  lung: { width: 1500, centre: -600 },
  mediastinum: { width: 350, centre: 50 },
  abdomen: { width: 400, centre: 50 },
  liver: { width: 150, centre: 30 },
  bone: { width: 1800, centre: 400 },
  brain: { width: 80, centre: 40 },
};

/** Grey value for every int16 HU (index hu + 32768). */
export function greyLut(wl: WindowLevel): Uint8Array {
  const lut = new Uint8Array(65536);
  const low = wl.centre - wl.width / 2;
  const scale = 255 / Math.max(1, wl.width);
  for (let i = 0; i < 65536; i++) {
    const g = ((i - 32768 - low) * scale) | 0;
    lut[i] = g < 0 ? 0 : g > 255 ? 255 : g;
  }
  return lut;
}

export interface LabelStyle {
  /** RGB per label value. */
  colours: ReadonlyMap<number, readonly [number, number, number]>;
  visible: ReadonlySet<number>;
  /** 0..1 per label value. */
  opacity: ReadonlyMap<number, number>;
}

/** RGBA overlay per label value (alpha 0 for hidden or unknown labels). */
export function labelLut(style: LabelStyle): Uint8Array {
  const lut = new Uint8Array(256 * 4);
  for (const [value, rgb] of style.colours) {
    if (!style.visible.has(value)) continue;
    lut[value * 4] = rgb[0];
    lut[value * 4 + 1] = rgb[1];
    lut[value * 4 + 2] = rgb[2];
    lut[value * 4 + 3] = Math.round(255 * (style.opacity.get(value) ?? 0.5));
  }
  return lut;
}

/**
 * Renders slice `s` of a view into `out` (RGBA, plane width × height): windowed HU with the
 * label overlay blended on top; `compare` (another mask) is drawn as a white outline. With
 * `outline`, a label is drawn only on its border pixels (a 4-neighbour in the plane differs),
 * opaque, so the image under the label stays visible.
 */
export function renderPlane(
  dims: Dims,
  o: Orientation,
  s: number,
  hu: Int16Array,
  labels: Uint8Array,
  grey: Uint8Array,
  overlay: Uint8Array,
  out: Uint8ClampedArray,
  compare?: Uint8Array,
  outline = false,
): void {
  const { width, height } = planeSize(dims, o);
  // Voxel index of (u, v) = base + u * stepU + v * stepV.
  const { base, stepU, stepV } = planeWalk(dims, o, s);
  let k = 0;
  for (let v = 0; v < height; v++) {
    let index = base + v * stepV;
    for (let u = 0; u < width; u++, index += stepU, k += 4) {
      const g = grey[hu[index]! + 32768]!;
      const label = labels[index]!;
      let r = g;
      let gg = g;
      let b = g;
      if (label !== 0 && (!outline || onBorder(labels, index, label, u, v, width, height, stepU, stepV))) {
        const a = outline && overlay[label * 4 + 3]! !== 0 ? 255 : overlay[label * 4 + 3]!;
        if (a !== 0) {
          r = (g * (255 - a) + overlay[label * 4]! * a) >> 8;
          gg = (g * (255 - a) + overlay[label * 4 + 1]! * a) >> 8;
          b = (g * (255 - a) + overlay[label * 4 + 2]! * a) >> 8;
        }
      }
      if (compare && compare[index] !== 0) {
        const left = u > 0 ? compare[index - stepU] : 0;
        const right = u < width - 1 ? compare[index + stepU] : 0;
        const up = v > 0 ? compare[index - stepV] : 0;
        const down = v < height - 1 ? compare[index + stepV] : 0;
        if (!left || !right || !up || !down) {
          r = 255;
          gg = 255;
          b = 255;
        }
      }
      out[k] = r;
      out[k + 1] = gg;
      out[k + 2] = b;
      out[k + 3] = 255;
    }
  }
}

function onBorder(labels: Uint8Array, index: number, label: number, u: number, v: number, width: number, height: number, stepU: number, stepV: number): boolean {
  return (
    u === 0 || v === 0 || u === width - 1 || v === height - 1 || labels[index - stepU] !== label || labels[index + stepU] !== label || labels[index - stepV] !== label || labels[index + stepV] !== label
  );
}

export function hexToRgb(hex: string): [number, number, number] {
  const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})/i.exec(hex);
  if (!m) return [255, 0, 0];
  return [Number.parseInt(m[1]!, 16), Number.parseInt(m[2]!, 16), Number.parseInt(m[3]!, 16)];
}
