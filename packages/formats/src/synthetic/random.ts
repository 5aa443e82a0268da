/**
 * A small seeded pseudo-random generator (mulberry32) so synthetic data replays exactly:
 * the same seed gives the same bytes on every machine. Not for cryptography.
 */
export interface SeededRandom {
  /** Next unsigned 32-bit integer. */
  nextUint32(): number;
  /** Next float in [0, 1). */
  next(): number;
}

export function seededRandom(seed: number): SeededRandom {
  let state = seed >>> 0;
  const nextUint32 = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  return { nextUint32, next: () => nextUint32() / 4294967296 };
}

/** FNV-1a hash of a string, for turning a text seed into a numeric one. */
export function hashSeed(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * 65,536 integer samples of N(0, sigma²) drawn once (Box–Muller). Per-voxel noise then costs
 * one table look-up per 16 random bits instead of a logarithm and a cosine per voxel, which
 * keeps a 512×512×128 phantom within a couple of seconds.
 */
export function gaussianTable(random: SeededRandom, sigma: number): Int16Array {
  const table = new Int16Array(65536);
  for (let i = 0; i < table.length; i += 2) {
    const u1 = 1 - random.next();
    const u2 = random.next();
    const radius = Math.sqrt(-2 * Math.log(u1)) * sigma;
    table[i] = Math.round(radius * Math.cos(2 * Math.PI * u2));
    table[i + 1] = Math.round(radius * Math.sin(2 * Math.PI * u2));
  }
  return table;
}
