import { describe, expect, it } from 'vitest';
import type { VideoFrame } from '@delineate/schema';
import { edgeOf, frameAtTime, legend, maskOfFrame, paintDisc, seekTimeOf, timelineOf, timeWords, withKeyframe } from './video-model';

const frames: VideoFrame[] = Array.from({ length: 5 }, (_, i) => ({ index: i, pts: i * 512, timeSeconds: i * 0.04, keyFrame: i === 0, sha256: 'a'.repeat(64) }));

describe('video workspace model', () => {
  it('seeks into the middle of a frame and maps a time back to that frame', () => {
    for (let i = 0; i < frames.length; i++) expect(frameAtTime(frames, seekTimeOf(frames, i))).toBe(i);
    expect(seekTimeOf(frames, 2)).toBeCloseTo(0.1);
    expect(frameAtTime(frames, 10)).toBe(4);
    expect(timeWords(61.5)).toBe('01:01.500');
  });

  it('gives each frame its state along a track, outside where the track says nothing, with legend words', () => {
    const cells = timelineOf({ frames: [{ frame: 1, status: { state: 'keyframe' } }, { frame: 2, status: { state: 'interpolated' } }] }, 4);
    expect(cells).toEqual(['outside', 'keyframe', 'interpolated', 'outside']);
    expect(legend.map((l) => l.words)).toEqual(['Keyframe', 'Interpolated', 'Propagated', 'Not in view']);
  });

  it('paints a keyframe, reads it back from runs, outlines it, and drops an empty keyframe', () => {
    const mask = new Uint8Array(20 * 10);
    paintDisc(mask, 20, 10, 10, 5, 3, 1);
    const saved = withKeyframe([], 3, mask);
    expect(saved).toHaveLength(1);
    expect(maskOfFrame({ frames: saved }, 3, 200)).toEqual(mask);
    expect(maskOfFrame({ frames: saved }, 4, 200).some((v) => v)).toBe(false);
    const edge = edgeOf(mask, 20, 10);
    expect(edge.length).toBeGreaterThan(0);
    expect(edge).not.toContain(5 * 20 + 10);
    expect(withKeyframe(saved, 3, new Uint8Array(200))).toEqual([]);
  });
});
