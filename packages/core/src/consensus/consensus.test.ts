import { describe, expect, it } from 'vitest';
import { seededRandom } from '../test/volumes';
import { multiLabelStaple } from './multi-staple';
import { staple } from './staple';
import { majorityVote } from './vote';

/** ITK STAPLEImageFilter::GenerateData transcribed voxel by voxel: the reference the pattern-count EM must equal. */
function itkStapleVoxelwise(raters: Uint8Array[]): { p: number[]; q: number[]; W: Float64Array; iter: number } {
  const R = raters.length, n = raters[0]?.length ?? 0;
  const W = new Float64Array(n);
  for (const d of raters) for (let i = 0; i < n; i++) W[i] = (W[i] ?? 0) + (d[i] === 1 ? 1 : 0);
  let g = 0;
  for (let i = 0; i < n; i++) { W[i] = (W[i] ?? 0) / R; g += W[i] ?? 0; }
  g /= n;
  const p = new Array<number>(R).fill(0), q = new Array<number>(R).fill(0);
  const lp = new Array<number>(R).fill(-10), lq = new Array<number>(R).fill(-10);
  let iter = 0;
  for (; iter < 10000; iter++) {
    raters.forEach((d, r) => {
      let pn = 0, pd = 0, qn = 0, qd = 0;
      for (let i = 0; i < n; i++) {
        const w = W[i] ?? 0;
        if (d[i] === 1) pn += w; else qn += 1 - w;
        pd += w; qd += 1 - w;
      }
      p[r] = pn / pd; q[r] = qn / qd;
    });
    for (let i = 0; i < n; i++) {
      let a = 1, b = 1;
      raters.forEach((d, r) => {
        if (d[i] === 1) { a *= p[r] ?? 0; b *= 1 - (q[r] ?? 0); } else { a *= 1 - (p[r] ?? 0); b *= q[r] ?? 0; }
      });
      W[i] = (g * a) / (g * a + (1 - g) * b);
    }
    let flag = false;
    if (iter !== 0) {
      flag = true;
      for (let r = 0; r < R; r++) if (((p[r] ?? 0) - (lp[r] ?? 0)) ** 2 > 1e-14 || ((q[r] ?? 0) - (lq[r] ?? 0)) ** 2 > 1e-14) { flag = false; break; }
    }
    for (let r = 0; r < R; r++) { lp[r] = p[r] ?? 0; lq[r] = q[r] ?? 0; }
    if (flag) break;
  }
  return { p, q, W, iter };
}

function noisyRaters(seed: number, R: number, n: number, labels = 2): Uint8Array[] {
  const rnd = seededRandom(seed);
  const truth = Uint8Array.from({ length: n }, (_, i) => (Math.floor(i / 7) % labels));
  return Array.from({ length: R }, (_, r) =>
    truth.map((t) => (rnd() < 0.08 + 0.04 * r ? Math.floor(rnd() * labels) : t)),
  );
}

describe('binary STAPLE (ITK STAPLEImageFilter semantics)', () => {
  it('equals a voxel-by-voxel transcription of ITK GenerateData', () => {
    const raters = noisyRaters(11, 5, 3000);
    const ref = itkStapleVoxelwise(raters);
    const got = staple(raters);
    expect(got.iterations - 1).toBe(ref.iter); // ITK's GetElapsedIterations()
    got.sensitivity.forEach((v, r) => expect(v).toBeCloseTo(ref.p[r] ?? NaN, 10));
    got.specificity.forEach((v, r) => expect(v).toBeCloseTo(ref.q[r] ?? NaN, 10));
    for (let i = 0; i < 3000; i++) expect(got.probability[i]).toBeCloseTo(ref.W[i] ?? NaN, 6);
    expect(got.fieldOfView).toEqual({ kind: 'image', voxels: 3000 });
    expect(got.converged).toBe(true);
  });

  it('gives perfect raters sensitivity and specificity 1 and a 0/1 map', () => {
    const a = Uint8Array.from([0, 1, 1, 0, 1, 0, 0, 0]);
    const got = staple([a, a.slice(), a.slice()]);
    expect(got.sensitivity).toEqual([1, 1, 1]);
    expect(got.specificity).toEqual([1, 1, 1]);
    expect([...got.probability]).toEqual([...a]);
    expect(got.prior).toBeCloseTo(3 / 8, 15);
  });

  it('uses the foreground value, not any non-zero label', () => {
    const a = Uint8Array.from([2, 2, 0, 1]), b = Uint8Array.from([2, 0, 0, 1]);
    const got = staple([a, b], { foregroundValue: 2 });
    expect(got.prior).toBeCloseTo(3 / 8, 15);
  });
});

/** ITK MultiLabelSTAPLEImageFilter transcribed voxel by voxel, with LabelVoting for the start. */
function itkMultiStapleVoxelwise(raters: Uint8Array[]): { labels: number[]; M: Float64Array[]; iter: number } {
  const n = raters[0]?.length ?? 0;
  let max = 0;
  for (const d of raters) for (const v of d) max = Math.max(max, v);
  const L = max + 1, rows = L + 1, cols = L;
  const M = raters.map(() => new Float64Array(rows * cols));
  for (let i = 0; i < n; i++) {
    const votes = new Array<number>(L).fill(0);
    for (const d of raters) votes[d[i] ?? 0]! += 1;
    let out = 0, mv = votes[0] ?? 0;
    for (let l = 1; l < L; l++) { if ((votes[l] ?? 0) > mv) { mv = votes[l] ?? 0; out = l; } else if (votes[l] === mv) out = L; }
    raters.forEach((d, r) => { const m = M[r]; if (m) m[(d[i] ?? 0) * cols + out]! += 1; });
  }
  for (const m of M) for (let j = 0; j < rows; j++) {
    let s = 0; for (let c = 0; c < cols; c++) s += m[j * cols + c] ?? 0;
    if (s > 0) for (let c = 0; c < cols; c++) m[j * cols + c]! /= s;
  }
  const prior = new Float64Array(L);
  for (const d of raters) for (const v of d) prior[v]! += 1;
  const tot = prior.reduce((a, b) => a + b, 0);
  for (let l = 0; l < L; l++) prior[l]! /= tot;
  const W = new Float64Array(L);
  const e = (i: number): void => { W.set(prior); raters.forEach((d, r) => { for (let c = 0; c < cols; c++) W[c]! *= M[r]![(d[i] ?? 0) * cols + c]!; }); };
  let iter = 0;
  for (;; iter++) {
    const U = raters.map(() => new Float64Array(rows * cols));
    for (let i = 0; i < n; i++) {
      e(i);
      const s = W.reduce((a, b) => a + b, 0);
      if (s) for (let c = 0; c < cols; c++) W[c]! /= s;
      raters.forEach((d, r) => { for (let c = 0; c < cols; c++) U[r]![(d[i] ?? 0) * cols + c]! += W[c]!; });
    }
    let mu = 0;
    U.forEach((u, r) => {
      for (let c = 0; c < cols; c++) { let s = 0; for (let j = 0; j < rows; j++) s += u[j * cols + c]!; if (s) for (let j = 0; j < rows; j++) u[j * cols + c]! /= s; }
      for (let k = 0; k < rows * cols; k++) { mu = Math.max(mu, Math.abs(u[k]! - M[r]![k]!)); M[r]![k] = u[k]!; }
    });
    if (mu < 1e-5) break;
  }
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    e(i);
    let win = L, ww = 0;
    for (let c = 0; c < cols; c++) { if (W[c]! > ww) { ww = W[c]!; win = c; } else if (!(W[c]! < ww)) win = L; }
    labels.push(win);
  }
  return { labels, M, iter };
}

describe('multi-label STAPLE (ITK MultiLabelSTAPLEImageFilter semantics)', () => {
  it('equals a voxel-by-voxel transcription of ITK GenerateData', () => {
    const raters = noisyRaters(5, 4, 2000, 3);
    const ref = itkMultiStapleVoxelwise(raters);
    const got = multiLabelStaple(raters);
    expect(got.iterations - 1).toBe(ref.iter);
    expect([...got.labels]).toEqual(ref.labels);
    got.confusionMatrices.forEach((m, r) =>
      m.flat().forEach((v, k) => expect(v).toBeCloseTo(ref.M[r]?.[k] ?? NaN, 10)),
    );
    expect(got.undecidedLabel).toBe(3);
  });
});

describe('majority vote (ITK LabelVotingImageFilter semantics)', () => {
  it('marks ties undecided = max label + 1', () => {
    const r1 = Uint8Array.from([0, 1, 2, 1, 0, 2]);
    const r2 = Uint8Array.from([0, 1, 1, 2, 2, 2]);
    const r3 = Uint8Array.from([1, 0, 1, 0, 1, 0]);
    const got = majorityVote([r1, r2, r3]);
    // votes: [2,1,0]→0, [1,2,0]→1, [0,2,1]→1, [1,1,1]→3, [1,1,1]→3, [1,0,2]→2
    expect([...got.labels]).toEqual([0, 1, 1, 3, 3, 2]);
    expect(got.undecidedLabel).toBe(3);
    expect(got.undecidedVoxels).toBe(2);
  });

  it('two raters disagreeing on 0 vs 1 are undecided', () => {
    const got = majorityVote([Uint8Array.from([1, 0]), Uint8Array.from([0, 0])]);
    expect([...got.labels]).toEqual([2, 0]);
  });
});

describe('binary pattern fast path', () => {
  it('counts the same patterns as the generic path, including words with other labels', async () => {
    const { countBinaryPatterns, countPatterns } = await import('./patterns');
    const raters = noisyRaters(3, 5, 4000, 3); // labels 0, 1, 2: the 2s force the per-voxel branch
    const classify = (v: number): number => (v === 1 ? 1 : 0);
    const fast = countBinaryPatterns(raters, classify);
    const slow = countPatterns(raters, 2, classify);
    expect(fast).not.toBeNull();
    expect(fast?.codes).toEqual(slow.codes);
    expect(fast?.counts).toEqual(slow.counts);
    const a = staple(raters);
    const sparse = raters.map((r) => Uint8Array.from(r));
    expect(staple(sparse.map((r) => r.subarray(1))).fieldOfView.voxels).toBe(3999); // unaligned: generic path
    expect(a.fieldOfView.voxels).toBe(4000);
  });
});
