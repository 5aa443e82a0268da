/**
 * Overlap, volumes, votes and consensus inputs of tiled masks, summed tile by tile. For one label
 * every one of these depends only on how many voxels show each pattern of masks carrying the label
 * (bit m set: mask m has the label there), so one walk over the masks' runs gives them all, and a
 * 100,000² slide costs its runs, never its voxels. The results equal those of the whole-volume
 * functions ({@link overlapCounts}, {@link labelAgreement} over the image, {@link staple}).
 */
import { forEachAlignedStretch, type AlignedTile } from '../encoding/tile-iterator';
import type { TileGrid } from '../encoding/tiles';
import type { PatternCounts } from '../consensus/patterns';
import type { OverlapCounts } from './overlap';

/** Per label, voxels per pattern of masks (bit m = mask m carries the label), over the whole grid. */
export interface TiledLabelPatterns {
  readonly masks: number;
  readonly voxels: number;
  readonly patterns: ReadonlyMap<number, ReadonlyMap<number, number>>;
  /** The non-zero labels each mask holds (whether asked for or not). */
  readonly present: readonly ReadonlySet<number>[];
}

/** One pass over aligned tiles of `masks` masks, counting the patterns of each of `labels`. */
export async function countTiledLabelPatterns(
  grid: TileGrid,
  masks: number,
  tiles: AsyncIterable<AlignedTile>,
  labels: readonly number[],
): Promise<TiledLabelPatterns> {
  if (masks < 1 || masks > 30) throw new RangeError('pattern counting supports 1 to 30 masks');
  const patterns = new Map<number, Map<number, number>>(labels.map((l) => [l, new Map<number, number>()]));
  const present = Array.from({ length: masks }, () => new Set<number>());
  const wanted = [...patterns.entries()];
  await forEachAlignedStretch(grid, masks, tiles, (values, length) => {
    for (let m = 0; m < masks; m++) if (values[m] !== 0) present[m]!.add(values[m]!);
    for (const [label, counts] of wanted) {
      let code = 0;
      for (let m = 0; m < masks; m++) if (values[m] === label) code |= 1 << m;
      counts.set(code, (counts.get(code) ?? 0) + length);
    }
  });
  return { masks, voxels: grid.columns * grid.rows * grid.slices, patterns, present };
}

function patternsOf(counts: TiledLabelPatterns, label: number): ReadonlyMap<number, number> {
  const p = counts.patterns.get(label);
  if (!p) throw new RangeError(`label ${label} was not counted`);
  return p;
}

/** Overlap counts of `label` between mask `reference` and mask `test`, as {@link overlapCounts} gives them. */
export function tiledOverlapCounts(counts: TiledLabelPatterns, label: number, reference: number, test: number): OverlapCounts {
  let truePositive = 0, falsePositive = 0, falseNegative = 0, trueNegative = 0;
  for (const [code, n] of patternsOf(counts, label)) {
    const r = (code >> reference) & 1, t = (code >> test) & 1;
    if (r && t) truePositive += n;
    else if (t) falsePositive += n;
    else if (r) falseNegative += n;
    else trueNegative += n;
  }
  return { truePositive, falsePositive, falseNegative, trueNegative };
}

/** Voxels of `label` in mask `mask`. */
export function tiledLabelVolume(counts: TiledLabelPatterns, label: number, mask: number): number {
  let n = 0;
  for (const [code, c] of patternsOf(counts, label)) if ((code >> mask) & 1) n += c;
  return n;
}

/** Voxels by how many masks give them `label` (index = votes): the soft label's histogram, and kappa's input. */
export function tiledVoteHistogram(counts: TiledLabelPatterns, label: number): Float64Array {
  const hist = new Float64Array(counts.masks + 1);
  for (const [code, n] of patternsOf(counts, label)) {
    let votes = 0;
    for (let c = code; c !== 0; c &= c - 1) votes++;
    hist[votes] = hist[votes]! + n;
  }
  return hist;
}

/** The binary pattern counts STAPLE's EM runs on (rater m = bit m, the least significant first). */
export function tiledStaplePatterns(counts: TiledLabelPatterns, label: number): PatternCounts {
  const entries = [...patternsOf(counts, label).entries()].filter(([, n]) => n > 0).sort((a, b) => a[0] - b[0]);
  return {
    raters: counts.masks,
    labelCount: 2,
    codes: Float64Array.from(entries.map(([code]) => code)),
    counts: Float64Array.from(entries.map(([, n]) => n)),
    voxels: counts.voxels,
  };
}
