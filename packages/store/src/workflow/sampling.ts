import { seededRandom } from '@delineate/core';

/**
 * The agreement sample: a seeded generator (mulberry32) shuffles the batch's items
 * (Fisher–Yates) and the first round(fraction · n) of the shuffled order are read by several
 * readers. The seed, batch and each item's position are recorded, so the draw can be replayed.
 */
/** The core's seeded generator (mulberry32) as a function of no arguments. */
export function mulberry32(seed: number): () => number {
  const random = seededRandom(seed);
  return () => random.next();
}

export interface SampleDraw {
  readonly itemId: string;
  readonly sampled: boolean;
  /** Place in the shuffled order (0-based). */
  readonly position: number;
}

/** Draws the sample of one batch; `itemIds` in a stable order (creation time, then id). */
export function drawAgreementSample(itemIds: readonly string[], fraction: number, seed: number, batch: number): SampleDraw[] {
  const order = [...itemIds];
  // Each batch gets its own stream from the same recorded seed.
  const random = mulberry32((seed ^ Math.imul(batch + 1, 0x9e3779b1)) >>> 0);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j] as string, order[i] as string];
  }
  const k = Math.round(fraction * order.length);
  return order.map((itemId, position) => ({ itemId, sampled: position < k, position }));
}
