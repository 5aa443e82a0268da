/**
 * Dice per tissue class between two readers' masks at the task's magnification: both masks
 * sampled every `step` pixels (nearest, top-left sample of each step × step block; `step` is the
 * target downsample rounded, at least 1), so a 10× task on a 40× scan compares what the readers
 * saw at 10×, not pixels they could not see. NaN for a class neither reader painted.
 */
export function tissueDiceAtMagnification(a: Uint8Array, b: Uint8Array, width: number, height: number, downsample: number, values: readonly number[]): Map<number, number> {
  const step = Math.max(1, Math.round(downsample));
  const both = new Map<number, number>(), inA = new Map<number, number>(), inB = new Map<number, number>();
  for (const v of values) {
    both.set(v, 0);
    inA.set(v, 0);
    inB.set(v, 0);
  }
  for (let y = 0; y < height; y += step) {
    for (let x = 0; x < width; x += step) {
      const i = y * width + x;
      const va = a[i]!, vb = b[i]!;
      if (inA.has(va)) inA.set(va, inA.get(va)! + 1);
      if (inB.has(vb)) inB.set(vb, inB.get(vb)! + 1);
      if (va === vb && both.has(va)) both.set(va, both.get(va)! + 1);
    }
  }
  return new Map(values.map((v) => [v, inA.get(v)! + inB.get(v)! === 0 ? Number.NaN : (2 * both.get(v)!) / (inA.get(v)! + inB.get(v)!)]));
}
