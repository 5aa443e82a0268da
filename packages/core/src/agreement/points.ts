/**
 * Agreement between readers who mark points (mitotic figures, nucleus centroids): one-to-one
 * matching within a radius, detection precision/recall/F1 per reader pair, consensus points by
 * majority, and the intraclass correlation of counts per field. Coordinates and radius share a
 * unit (callers convert µm to pixels with the slide's pixel size).
 */

export interface MarkedPoint {
  readonly x: number;
  readonly y: number;
}

export interface PointMatching {
  /** Matched index pairs [index in a, index in b], in the order they were matched. */
  readonly pairs: ReadonlyArray<readonly [number, number]>;
  readonly unmatchedA: readonly number[];
  readonly unmatchedB: readonly number[];
}

/**
 * Greedy matching by distance: every pair closer than or at `radius` is a candidate; candidates
 * are taken shortest first, each point used once. Tie rule: equal distances go to the lower index
 * in `a`, then the lower index in `b`, so the result never depends on sort stability. Greedy is
 * what detection challenges (e.g. MIDOG, TUPAC) use for mitoses: with points farther apart than
 * the radius, as figures are, it equals the optimal assignment.
 */
export function matchPoints(a: readonly MarkedPoint[], b: readonly MarkedPoint[], radius: number): PointMatching {
  const r2 = radius * radius;
  const candidates: Array<{ d: number; i: number; j: number }> = [];
  const cell = radius > 0 ? radius : 1;
  const buckets = new Map<string, number[]>();
  b.forEach((p, j) => {
    const key = `${Math.floor(p.x / cell)},${Math.floor(p.y / cell)}`;
    const list = buckets.get(key);
    if (list) list.push(j);
    else buckets.set(key, [j]);
  });
  a.forEach((p, i) => {
    const cx = Math.floor(p.x / cell), cy = Math.floor(p.y / cell);
    for (let gy = cy - 1; gy <= cy + 1; gy++) {
      for (let gx = cx - 1; gx <= cx + 1; gx++) {
        for (const j of buckets.get(`${gx},${gy}`) ?? []) {
          const q = b[j]!;
          const d = (p.x - q.x) ** 2 + (p.y - q.y) ** 2;
          if (d <= r2) candidates.push({ d, i, j });
        }
      }
    }
  });
  candidates.sort((u, v) => u.d - v.d || u.i - v.i || u.j - v.j);
  const usedA = new Uint8Array(a.length), usedB = new Uint8Array(b.length);
  const pairs: Array<readonly [number, number]> = [];
  for (const c of candidates) {
    if (usedA[c.i] || usedB[c.j]) continue;
    usedA[c.i] = 1;
    usedB[c.j] = 1;
    pairs.push([c.i, c.j]);
  }
  return {
    pairs,
    unmatchedA: a.map((_, i) => i).filter((i) => !usedA[i]),
    unmatchedB: b.map((_, j) => j).filter((j) => !usedB[j]),
  };
}

export interface DetectionAgreement {
  readonly matched: number;
  /** Points of reader a (the reference) and reader b. */
  readonly countA: number;
  readonly countB: number;
  /** matched / countB: how many of b's points a confirms. NaN when b marked nothing. */
  readonly precision: number;
  /** matched / countA. NaN when a marked nothing. */
  readonly recall: number;
  /** 2·matched / (countA + countB); symmetric in the readers. NaN when neither marked anything. */
  readonly f1: number;
}

/** Precision, recall and F1 of reader b against reader a as reference. */
export function detectionAgreement(a: readonly MarkedPoint[], b: readonly MarkedPoint[], radius: number): DetectionAgreement {
  const matched = matchPoints(a, b, radius).pairs.length;
  return {
    matched,
    countA: a.length,
    countB: b.length,
    precision: b.length === 0 ? Number.NaN : matched / b.length,
    recall: a.length === 0 ? Number.NaN : matched / a.length,
    f1: a.length + b.length === 0 ? Number.NaN : (2 * matched) / (a.length + b.length),
  };
}

export interface ConsensusPoint extends MarkedPoint {
  /** How many readers marked it (at most one point each). */
  readonly votes: number;
}

/**
 * Consensus points by majority: readers' points are visited reader by reader, in order; each
 * unassigned point seeds a group and takes from every later reader its nearest unassigned point
 * within `radius` of the seed (ties: the lower index). A group marked by more than half of the
 * readers becomes a consensus point at the mean of its members (not rounded).
 */
export function majorityPoints(readers: ReadonlyArray<readonly MarkedPoint[]>, radius: number): ConsensusPoint[] {
  const r2 = radius * radius;
  const used = readers.map((points) => new Uint8Array(points.length));
  const result: ConsensusPoint[] = [];
  readers.forEach((points, r) => {
    points.forEach((seed, i) => {
      if (used[r]![i]) return;
      used[r]![i] = 1;
      const members: MarkedPoint[] = [seed];
      for (let other = r + 1; other < readers.length; other++) {
        let best = -1, bestD = Number.POSITIVE_INFINITY;
        readers[other]!.forEach((q, j) => {
          if (used[other]![j]) return;
          const d = (seed.x - q.x) ** 2 + (seed.y - q.y) ** 2;
          if (d <= r2 && d < bestD) {
            best = j;
            bestD = d;
          }
        });
        if (best >= 0) {
          used[other]![best] = 1;
          members.push(readers[other]![best]!);
        }
      }
      if (members.length * 2 > readers.length) {
        result.push({
          x: members.reduce((s, p) => s + p.x, 0) / members.length,
          y: members.reduce((s, p) => s + p.y, 0) / members.length,
          votes: members.length,
        });
      }
    });
  });
  return result;
}

/**
 * ICC(A,1) of McGraw and Wong (1996), Shrout and Fleiss' ICC(2,1): two-way random effects,
 * absolute agreement, single rater. `counts[field][reader]`. Readers are a sample of readers and
 * a systematic difference between them (one counts more) lowers agreement, which is what a
 * count per field should mean. NaN with fewer than two fields or readers, or no variance at all.
 */
export function iccAbsoluteAgreement(counts: ReadonlyArray<readonly number[]>): number {
  const n = counts.length;
  const k = counts[0]?.length ?? 0;
  if (n < 2 || k < 2 || counts.some((row) => row.length !== k)) return Number.NaN;
  let grand = 0;
  for (const row of counts) for (const v of row) grand += v;
  grand /= n * k;
  const rowMeans = counts.map((row) => row.reduce((s, v) => s + v, 0) / k);
  const colMeans = Array.from({ length: k }, (_, j) => counts.reduce((s, row) => s + row[j]!, 0) / n);
  const ssRows = k * rowMeans.reduce((s, m) => s + (m - grand) ** 2, 0);
  const ssCols = n * colMeans.reduce((s, m) => s + (m - grand) ** 2, 0);
  let ssTotal = 0;
  for (const row of counts) for (const v of row) ssTotal += (v - grand) ** 2;
  const ssError = ssTotal - ssRows - ssCols;
  const msr = ssRows / (n - 1);
  const msc = ssCols / (k - 1);
  const mse = ssError / ((n - 1) * (k - 1));
  const denominator = msr + (k - 1) * mse + (k * (msc - mse)) / n;
  return denominator === 0 ? Number.NaN : (msr - mse) / denominator;
}
