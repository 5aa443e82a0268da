import type { LabelArray } from '../mask/mask';
import { countPatterns, mapPatterns, patternDigits } from './patterns';

export interface VoteResult {
  readonly labels: Uint8Array | Uint16Array | Uint32Array;
  /** The label written where the vote is tied: the largest input label + 1 (ITK LabelVoting). */
  readonly undecidedLabel: number;
  readonly undecidedVoxels: number;
}

/** Largest label over all raters (negative labels are not allowed). */
export function maximumLabel(raters: readonly LabelArray[]): number {
  let max = 0;
  for (const d of raters) for (let i = 0; i < d.length; i++) { const v = d[i] ?? 0; if (v > max) max = v; }
  return max;
}

/**
 * ITK LabelVotingImageFilter's decision for one voxel's votes (index = label): start at label 0;
 * a later label with more votes wins; one with as many votes as the current maximum makes the
 * voxel undecided (until a label with more votes appears).
 */
export function votingDecision(votes: ArrayLike<number>, undecided: number): number {
  let out = 0;
  let maxVotes = votes[0] ?? 0;
  for (let l = 1; l < votes.length; l++) {
    const v = votes[l] ?? 0;
    if (v > maxVotes) { maxVotes = v; out = l; }
    else if (v === maxVotes) out = undecided;
  }
  return out;
}

/** Majority vote with ITK LabelVoting semantics; undecided voxels get max label + 1. */
export function majorityVote(raters: readonly LabelArray[]): VoteResult {
  const L = maximumLabel(raters) + 1;
  const R = raters.length;
  const pc = countPatterns(raters, L, (v) => v);
  const decisions = new Float64Array(pc.codes.length);
  const digits = new Int32Array(R);
  const votes = new Int32Array(L);
  let undecidedVoxels = 0;
  pc.codes.forEach((code, k) => {
    votes.fill(0);
    for (const j of patternDigits(code, R, L, digits)) votes[j] = (votes[j] ?? 0) + 1;
    decisions[k] = votingDecision(votes, L);
    if (decisions[k] === L) undecidedVoxels += pc.counts[k] ?? 0;
  });
  const n = pc.voxels;
  const labels = L <= 255 ? new Uint8Array(n) : L <= 65535 ? new Uint16Array(n) : new Uint32Array(n);
  mapPatterns(raters, L, (v) => v, pc, decisions, labels);
  return { labels, undecidedLabel: L, undecidedVoxels };
}
