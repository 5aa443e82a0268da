/**
 * The seeded pseudo-random generator of the platform (mulberry32): synthetic data, agreement
 * samples and property tests replay exactly from their seed on every machine. Not for
 * cryptography; the core never uses an unseeded source.
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
