import type { EyeLaterality, PhotoPixels } from './write';

export interface SyntheticFundusOptions {
  readonly width?: number;
  readonly height?: number;
  readonly laterality?: EyeLaterality;
}

export interface Ellipse {
  readonly centre: readonly [number, number];
  /** Horizontal and vertical semi-axes, pixels. */
  readonly radii: readonly [number, number];
}

export interface SyntheticFundus {
  readonly pixels: Extract<PhotoPixels, { kind: 'rgb8' }>;
  readonly laterality: EyeLaterality;
  /** Where the generator drew the optic disc, the (paler) cup and the fovea. */
  readonly disc: Ellipse;
  readonly cup: Ellipse;
  readonly fovea: readonly [number, number];
}

const inside = (e: Ellipse, x: number, y: number) => ((x - e.centre[0]) / e.radii[0]) ** 2 + ((y - e.centre[1]) / e.radii[1]) ** 2;
const clamp = (v: number) => Math.max(0, Math.min(255, Math.round(v)));

/**
 * A colour fundus photograph drawn from geometry, for the demo and tests (no real photograph may
 * be shipped): a circular field of view on black, orange-red retina darkening toward the rim,
 * a darker macula with the fovea at its centre, a yellow optic disc with a paler vertical-oval
 * cup, and vessels leaving the disc. The disc lies nasal to the fovea (image right for a right
 * eye), as on a real photograph. Deterministic.
 */
export function generateSyntheticFundus(options: SyntheticFundusOptions = {}): SyntheticFundus {
  const width = options.width ?? 768;
  const height = options.height ?? 640;
  const laterality = options.laterality ?? 'OD';
  const side = laterality === 'OD' ? 1 : -1;
  const cx = width / 2;
  const cy = height / 2;
  const field = Math.min(width, height) * 0.48;
  const discRadius = Math.min(width, height) * 0.075;
  const disc: Ellipse = { centre: [Math.round(cx + side * field * 0.45), Math.round(cy - discRadius * 0.2)], radii: [Math.round(discRadius * 0.92), Math.round(discRadius)] };
  const cup: Ellipse = { centre: [disc.centre[0] - side * Math.round(discRadius * 0.08), disc.centre[1]], radii: [Math.round(discRadius * 0.4), Math.round(discRadius * 0.5)] };
  const fovea: [number, number] = [Math.round(cx - side * field * 0.1), Math.round(cy + discRadius * 0.2)];
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const r = Math.hypot(x - cx, y - cy) / field;
      const i = 3 * (x + width * y);
      if (r > 1) continue;
      const shade = 1 - 0.45 * r * r;
      let red = 205 * shade;
      let green = 85 * shade;
      let blue = 35 * shade;
      const macula = Math.exp(-(((x - fovea[0]) ** 2 + (y - fovea[1]) ** 2) / (2 * (discRadius * 1.2) ** 2)));
      red -= 70 * macula;
      green -= 40 * macula;
      const d = inside(disc, x, y);
      if (d <= 1) {
        const c = inside(cup, x, y);
        red = 245;
        green = c <= 1 ? 235 : 190 - 30 * d;
        blue = c <= 1 ? 200 : 110;
      } else {
        // Four vessel arcades leaving the disc, darker and redder than the retina around them.
        const dx = x - disc.centre[0];
        const dy = y - disc.centre[1];
        const angle = Math.atan2(dy, dx);
        for (const arc of [0.6, -0.6, 2.4, -2.4]) {
          const bend = arc + 0.15 * Math.sin(Math.hypot(dx, dy) / 25);
          const off = Math.abs(Math.sin(angle - bend)) * Math.hypot(dx, dy);
          if (off < 3 && Math.cos(angle - bend) > 0) {
            red *= 0.6;
            green *= 0.35;
            blue *= 0.5;
          }
        }
      }
      data[i] = clamp(red);
      data[i + 1] = clamp(green);
      data[i + 2] = clamp(blue);
    }
  }
  return { pixels: { kind: 'rgb8', width, height, data }, laterality, disc, cup, fovea };
}
