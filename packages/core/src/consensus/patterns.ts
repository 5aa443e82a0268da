import type { LabelArray } from '../mask/mask';

/**
 * Rater-decision patterns: for every voxel the tuple of the raters' labels, encoded as one
 * integer (base `labelCount`, rater 0 the least significant digit). Consensus EM depends only
 * on how many voxels show each pattern, so one pass over the volume feeds every iteration.
 */
export interface PatternCounts {
  readonly raters: number;
  /** Labels 0‥labelCount−1 are possible; the pattern base. */
  readonly labelCount: number;
  readonly codes: Float64Array;
  readonly counts: Float64Array;
  readonly voxels: number;
}

/** Largest dense table for pattern counting; beyond it a Map is used. */
const DENSE_LIMIT = 1 << 22;

export function patternSpace(raters: number, labelCount: number): number {
  return labelCount ** raters;
}

/** Maps each voxel's labels through `classify` (label → 0‥labelCount−1) and counts the patterns. */
export function countPatterns(
  data: readonly LabelArray[],
  labelCount: number,
  classify: (label: number) => number,
): PatternCounts {
  const raters = data.length;
  const n = data[0]?.length ?? 0;
  const space = patternSpace(raters, labelCount);
  if (!(space <= Number.MAX_SAFE_INTEGER)) throw new RangeError('too many raters or labels for pattern counting');
  const code = new Float64Array(Math.min(n, 1 << 16));
  const dense = space <= DENSE_LIMIT ? new Float64Array(space) : null;
  const sparse = dense ? null : new Map<number, number>();
  for (let start = 0; start < n; start += code.length) {
    const end = Math.min(n, start + code.length);
    encodeBlock(data, labelCount, classify, start, end, code);
    if (dense) for (let i = 0; i < end - start; i++) { const c = code[i] ?? 0; dense[c] = (dense[c] ?? 0) + 1; }
    else if (sparse) for (let i = 0; i < end - start; i++) { const c = code[i] ?? 0; sparse.set(c, (sparse.get(c) ?? 0) + 1); }
  }
  const codes: number[] = [], counts: number[] = [];
  if (dense) dense.forEach((c, i) => { if (c > 0) { codes.push(i); counts.push(c); } });
  else sparse?.forEach((c, k) => { codes.push(k); counts.push(c); });
  return { raters, labelCount, codes: Float64Array.from(codes), counts: Float64Array.from(counts), voxels: n };
}

/** Pattern codes of voxels start‥end−1 into code[0‥]; byte labels go through a lookup table. */
function encodeBlock(
  data: readonly LabelArray[],
  labelCount: number,
  classify: (label: number) => number,
  start: number,
  end: number,
  code: Float64Array,
): void {
  code.fill(0);
  let mul = 1;
  for (const d of data) {
    if (d instanceof Uint8Array) {
      const table = new Float64Array(256);
      for (let v = 0; v < 256; v++) table[v] = mul * classify(v);
      for (let i = start; i < end; i++) code[i - start] = (code[i - start] as number) + (table[d[i] as number] as number);
    } else {
      for (let i = start; i < end; i++) code[i - start] = (code[i - start] as number) + mul * classify(d[i] ?? 0);
    }
    mul *= labelCount;
  }
}

/** The digits of a pattern code: the class each rater gave. */
export function patternDigits(code: number, raters: number, labelCount: number, out: Int32Array): Int32Array {
  let c = code;
  for (let r = 0; r < raters; r++) {
    out[r] = c % labelCount;
    c = Math.floor(c / labelCount);
  }
  return out;
}

/** Writes `valueOf(pattern)` for every voxel, recomputing the pattern from the raters (second pass). */
export function mapPatterns<T extends Float32Array | Uint8Array | Uint16Array | Uint32Array>(
  data: readonly LabelArray[],
  labelCount: number,
  classify: (label: number) => number,
  counts: PatternCounts,
  values: Float64Array,
  out: T,
): T {
  const space = patternSpace(counts.raters, labelCount);
  const dense = space <= DENSE_LIMIT ? new Float64Array(space) : null;
  const sparse = dense ? null : new Map<number, number>();
  counts.codes.forEach((c, i) => (dense ? (dense[c] = values[i] ?? 0) : sparse?.set(c, values[i] ?? 0)));
  const n = out.length;
  const code = new Float64Array(Math.min(n, 1 << 16));
  for (let start = 0; start < n; start += code.length) {
    const end = Math.min(n, start + code.length);
    encodeBlock(data, labelCount, classify, start, end, code);
    for (let i = start; i < end; i++) {
      const c = code[i - start] ?? 0;
      out[i] = dense ? (dense[c] ?? 0) : (sparse?.get(c) ?? 0);
    }
  }
  return out;
}
