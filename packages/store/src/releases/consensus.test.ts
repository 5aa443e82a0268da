import { describe, expect, it } from 'vitest';
import { decodeRle8 } from '@delineate/core';
import { blobAddress } from '../blob/address';
import { releaseConsensus } from './consensus';

/** A put that keeps blobs in memory, addressed as the real stores address them. */
function memoryBlobs() {
  const stored = new Map<string, Uint8Array>();
  return {
    stored,
    put: async (bytes: Uint8Array) => {
      const hash = blobAddress(bytes);
      stored.set(hash, bytes);
      return { hash, size: bytes.length, created: true };
    },
  };
}

const labels = [{ key: 'liver', value: 1 }, { key: 'liver_lesion', value: 2 }];
const refs = [1, 2, 3].map((v) => ({ annotationId: '00000000-0000-4000-8000-00000000000' + v, version: 1 }));
// Ten voxels, three readers: voxels 0-3 all say liver, 4-5 two of three, 6 one of three, 7 a 1-1-2 split, 8-9 background.
const readers = [Uint8Array.of(1, 1, 1, 1, 1, 1, 1, 1, 0, 0), Uint8Array.of(1, 1, 1, 1, 1, 1, 0, 1, 0, 0), Uint8Array.of(1, 1, 1, 1, 0, 0, 0, 2, 0, 0)];

describe('releaseConsensus', () => {
  it('combines by majority vote, undecided voxels as background, and stores vote counts per label', async () => {
    const blobs = memoryBlobs();
    const { mask, consensus } = await releaseConsensus(blobs, 'majority_vote', refs, readers, labels);
    expect(Array.from(mask)).toEqual([1, 1, 1, 1, 1, 1, 0, 1, 0, 0]);
    expect(consensus.method).toBe('majority_vote');
    expect(consensus.inputs).toEqual(refs);
    expect(consensus.labels.map((l) => l.labelKey)).toEqual(['liver', 'liver_lesion']);
    const votes = decodeRle8(blobs.stored.get(consensus.labels[0]!.votesHash)!, 10);
    expect(votes.ok && Array.from(votes.voxels)).toEqual([3, 3, 3, 3, 2, 2, 1, 2, 0, 0]);
  });

  it('keeps STAPLE probabilities as round(255 p) with the readers’ sensitivity and specificity', async () => {
    const blobs = memoryBlobs();
    const { mask, consensus } = await releaseConsensus(blobs, 'staple', refs, readers, labels);
    const liver = consensus.labels[0]!;
    expect(liver.sensitivity).toHaveLength(3);
    expect(liver.specificity).toHaveLength(3);
    const p = decodeRle8(blobs.stored.get(liver.stapleHash)!, 10);
    if (!p.ok) throw new Error('does not decode');
    // Unanimous voxels are certain, background voxels nearly impossible; the mask follows p ≥ 0.5.
    expect(p.voxels[0]).toBe(255);
    expect(p.voxels[9]).toBeLessThan(128);
    for (let i = 0; i < 10; i++) if (mask[i] === 1) expect(p.voxels[i]!).toBeGreaterThanOrEqual(128);
  });

  it('uses multi-label STAPLE when configured', async () => {
    const { mask, consensus } = await releaseConsensus(memoryBlobs(), 'multi_label_staple', refs, readers, labels);
    expect(consensus.method).toBe('multi_label_staple');
    expect(Array.from(mask.slice(0, 4))).toEqual([1, 1, 1, 1]);
    expect(Array.from(mask.slice(8))).toEqual([0, 0]);
  });
});
