import type { SeededRandom } from '@delineate/core';

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
