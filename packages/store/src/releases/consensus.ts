import { encodeRle8, majorityVote, multiLabelStaple, staple, voteCounts } from '@delineate/core';
import type { ConsensusMethod, ManifestConsensus, RevisionRef } from '@delineate/schema';
import type { BlobStore } from '../blob/types';

export interface ReleaseLabel {
  readonly key: string;
  readonly value: number;
}

/**
 * The released mask of a multi-reader item: the project's consensus of the readers' released
 * revisions, and per label the soft labels (votes per voxel, and the binary STAPLE probability
 * stored as round(255 p) so it exports as uint8 with scl_slope 1/255). Voxels a vote or
 * multi-label STAPLE leaves undecided are background: a release holds only schema labels.
 */
export async function releaseConsensus(
  blobs: Pick<BlobStore, 'put'>,
  method: ConsensusMethod,
  inputs: readonly RevisionRef[],
  volumes: readonly Uint8Array[],
  labels: readonly ReleaseLabel[],
): Promise<{ mask: Uint8Array; consensus: ManifestConsensus }> {
  const n = volumes[0]?.length ?? 0;
  const present = labels.filter((l) => volumes.some((v) => v.includes(l.value)));
  const perLabel: ManifestConsensus['labels'] = [];
  const probabilities: Array<{ value: number; probability: Float32Array }> = [];
  for (const label of present) {
    const st = staple(volumes, { foregroundValue: label.value });
    const scaled = new Uint8Array(n);
    for (let i = 0; i < n; i++) scaled[i] = Math.round(255 * (st.probability[i] ?? 0));
    const votes = voteCounts(volumes, label.value);
    perLabel.push({
      labelKey: label.key,
      labelValue: label.value,
      sensitivity: [...st.sensitivity],
      specificity: [...st.specificity],
      votesHash: (await blobs.put(encodeRle8(Uint8Array.from(votes)))).hash,
      stapleHash: (await blobs.put(encodeRle8(scaled))).hash,
    });
    probabilities.push({ value: label.value, probability: st.probability });
  }
  return { mask: combine(method, volumes, probabilities, n), consensus: { method, inputs: [...inputs], labels: perLabel } };
}

function combine(method: ConsensusMethod, volumes: readonly Uint8Array[], probabilities: ReadonlyArray<{ value: number; probability: Float32Array }>, n: number): Uint8Array {
  const mask = new Uint8Array(n);
  if (method === 'staple') {
    // Per voxel the label with the highest posterior, when that posterior reaches 0.5.
    for (let i = 0; i < n; i++) {
      let best = 0, p = 0.5;
      for (const l of probabilities) {
        const q = l.probability[i] ?? 0;
        if (q >= p && (best === 0 || q > p)) { best = l.value; p = q; }
      }
      mask[i] = best;
    }
    return mask;
  }
  const result = method === 'majority_vote' ? majorityVote(volumes) : multiLabelStaple(volumes);
  const undecided = result.undecidedLabel;
  for (let i = 0; i < n; i++) {
    const v = result.labels[i] ?? 0;
    mask[i] = v === undecided ? 0 : v;
  }
  return mask;
}
