/** A seeded generator (xorshift32), so every synthetic slide is the same byte for byte. */
export function seededRandom(seed: number): () => number {
  let x = seed >>> 0 || 0x9e3779b9;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x100000000;
  };
}

/** Glass without tissue: the off-white of an empty slide area. */
export const BACKGROUND: readonly [number, number, number] = [243, 242, 240];

interface Nucleus {
  readonly x: number;
  readonly y: number;
  readonly rx: number;
  readonly ry: number;
  readonly angle: number;
  readonly shade: number;
}

/**
 * One 256² field of H&E-like tissue as RGBA: eosin-pink stroma with wavy fibres and
 * haematoxylin-purple nuclei (dark ellipses with a darker rim). `density` is nuclei per tile:
 * dense fields read as tumour, sparse ones as stroma.
 */
export function renderTissueTile(size: number, variant: number, density: number): Uint8Array {
  const random = seededRandom(0x5eed + variant * 7919);
  const out = new Uint8Array(size * size * 4);
  const angle = random() * Math.PI;
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const phase = random() * 100;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const fibre = Math.sin((x * cos + y * sin) / 5 + 3 * Math.sin((y * cos - x * sin) / 41 + phase));
      const grain = (random() - 0.5) * 14;
      const i = (y * size + x) * 4;
      out[i] = clamp(228 + 10 * fibre + grain);
      out[i + 1] = clamp(150 + 22 * fibre + grain);
      out[i + 2] = clamp(192 + 12 * fibre + grain);
      out[i + 3] = 255;
    }
  }
  const nuclei: Nucleus[] = [];
  for (let n = 0; n < density; n++) {
    const r = 3 + random() * 5;
    nuclei.push({ x: random() * size, y: random() * size, rx: r, ry: r * (0.6 + random() * 0.4), angle: random() * Math.PI, shade: random() * 30 });
  }
  for (const nucleus of nuclei) paintNucleus(out, size, nucleus);
  return out;
}

function paintNucleus(out: Uint8Array, size: number, n: Nucleus): void {
  const reach = Math.ceil(Math.max(n.rx, n.ry)) + 1;
  const cos = Math.cos(n.angle);
  const sin = Math.sin(n.angle);
  for (let y = Math.max(0, Math.floor(n.y - reach)); y < Math.min(size, Math.ceil(n.y + reach)); y++) {
    for (let x = Math.max(0, Math.floor(n.x - reach)); x < Math.min(size, Math.ceil(n.x + reach)); x++) {
      const dx = x - n.x;
      const dy = y - n.y;
      const u = (dx * cos + dy * sin) / n.rx;
      const v = (dy * cos - dx * sin) / n.ry;
      const d = u * u + v * v;
      if (d > 1) continue;
      // Chromatin is darker at the membrane than inside.
      const rim = d > 0.6 ? 25 : 0;
      const i = (y * size + x) * 4;
      out[i] = clamp(88 - n.shade - rim);
      out[i + 1] = clamp(52 - n.shade - rim);
      out[i + 2] = clamp(140 - n.shade / 2 - rim);
    }
  }
}

function clamp(value: number): number {
  return value < 0 ? 0 : value > 255 ? 255 : Math.round(value);
}

/** A tissue section outline: a few lobes with wavy borders, in slide fractions (0–1). */
export interface TissueShape {
  /** Positive inside the tissue, negative outside (roughly the distance in radii). */
  depth(u: number, v: number): number;
}

export function tissueShape(seed: number): TissueShape {
  const random = seededRandom(seed);
  const lobes = [0, 1, 2].map(() => ({
    cx: 0.3 + random() * 0.4,
    cy: 0.3 + random() * 0.4,
    r: 0.22 + random() * 0.12,
    p1: random() * 6.28,
    p2: random() * 6.28,
  }));
  return {
    depth(u, v) {
      let best = -Infinity;
      for (const lobe of lobes) {
        const dx = u - lobe.cx;
        const dy = v - lobe.cy;
        const theta = Math.atan2(dy, dx);
        const radius = lobe.r * (1 + 0.12 * Math.sin(5 * theta + lobe.p1) + 0.05 * Math.sin(13 * theta + lobe.p2));
        best = Math.max(best, 1 - Math.hypot(dx, dy) / radius);
      }
      return best;
    },
  };
}
