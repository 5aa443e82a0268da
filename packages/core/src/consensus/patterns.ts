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

/** Uint32 views of byte raters when all allow it (aligned, whole words), else null. */
function byteWords(data: readonly LabelArray[]): Uint32Array[] | null {
  const n = data[0]?.length ?? 0;
  if (data.length > 8 || n % 4 !== 0) return null;
  const out: Uint32Array[] = [];
  for (const d of data) {
    if (!(d instanceof Uint8Array) || d.byteOffset % 4 !== 0 || d.length !== n) return null;
    out.push(new Uint32Array(d.buffer, d.byteOffset, n / 4));
  }
  return out;
}

/**
 * Binary patterns (rater r says "inside" ⇔ label === 1) of up to 8 byte raters, four voxels per
 * step: with 0/1 bytes, Σ_r word_r << r packs each voxel's pattern into its own byte. Words
 * holding any other value go through `classify` voxel by voxel. Null when the fast path does not apply.
 */
export function countBinaryPatterns(
  data: readonly LabelArray[],
  classify: (label: number) => number,
  patterns?: Uint32Array,
): PatternCounts | null {
  const words = byteWords(data);
  if (!words || classify(1) !== 1 || classify(0) !== 0) return null;
  const R = data.length;
  const counts = new Float64Array(1 << R);
  const nw = words[0]?.length ?? 0;
  let zero = 0;
  for (let i = 0; i < nw; i++) {
    let p = 0, odd = 0;
    for (let r = 0; r < R; r++) {
      const w = (words[r] as Uint32Array)[i] as number;
      odd |= w;
      p |= w << r;
    }
    if (odd === 0) { zero += 4; continue; }
    if ((odd & 0xfefefefe) === 0) {
      for (let k = 0; k < 4; k++) { const c = (p >>> (8 * k)) & 0xff; counts[c] = (counts[c] as number) + 1; }
    } else {
      p = 0;
      for (let k = 0; k < 4; k++) {
        let c = 0;
        for (let r = 0; r < R; r++) c |= classify(((data[r] as LabelArray)[4 * i + k] as number)) << r;
        counts[c] = (counts[c] as number) + 1;
        p |= c << (8 * k);
      }
    }
    if (patterns) patterns[i] = p;
  }
  counts[0] = (counts[0] as number) + zero;
  const codes: number[] = [], cs: number[] = [];
  counts.forEach((c, k) => { if (c > 0) { codes.push(k); cs.push(c); } });
  return { raters: R, labelCount: 2, codes: Float64Array.from(codes), counts: Float64Array.from(cs), voxels: nw * 4 };
}

/**
 * Second pass from the patterns the first pass kept (one byte per voxel, packed four to a word):
 * reads 1 byte per voxel instead of one per rater.
 */
export function mapStoredPatterns(patterns: Uint32Array, pc: PatternCounts, values: Float64Array, out: Float32Array): Float32Array {
  const table = new Float32Array(256);
  pc.codes.forEach((c, i) => { table[c] = values[i] ?? 0; });
  const zeroValue = table[0] as number;
  for (let i = 0; i < patterns.length; i++) {
    const p = patterns[i] as number;
    const o = 4 * i;
    if (p === 0) {
      out[o] = zeroValue; out[o + 1] = zeroValue; out[o + 2] = zeroValue; out[o + 3] = zeroValue;
    } else {
      out[o] = table[p & 0xff] as number;
      out[o + 1] = table[(p >>> 8) & 0xff] as number;
      out[o + 2] = table[(p >>> 16) & 0xff] as number;
      out[o + 3] = table[p >>> 24] as number;
    }
  }
  return out;
}
