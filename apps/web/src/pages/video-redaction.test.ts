import { describe, expect, it } from 'vitest';
import { describeHeldVideo, frameRange, heldFrameSeekTime, toVideoRedactionRegions } from './video-redaction';

describe('a held video’s rectangles', () => {
  const box = { x: 0, y: 0, width: 320, height: 34 };

  it('sends a rectangle over the whole clip as one region, and chosen frames as runs of consecutive frames', () => {
    expect(toVideoRedactionRegions([{ ...box, frames: null }])).toEqual([box]);
    expect(toVideoRedactionRegions([{ ...box, frames: [7, 3, 4, 5, 9, 8, 20] }])).toEqual([
      { ...box, frame: 3, lastFrame: 5 },
      { ...box, frame: 7, lastFrame: 9 },
      { ...box, frame: 20 },
    ]);
    expect(toVideoRedactionRegions([{ ...box, frames: frameRange(0, 499, 750) }])).toEqual([{ ...box, frame: 0, lastFrame: 499 }]);
  });

  it('cuts a frame range to the clip and takes its ends in either order', () => {
    expect(frameRange(5, 2, 50)).toEqual([2, 3, 4, 5]);
    expect(frameRange(48, 60, 50)).toEqual([48, 49]);
    expect(frameRange(60, 70, 50)).toEqual([]);
  });

  it('seeks to the middle of a frame’s display span, from the decoded frame times', () => {
    const times = [0, 0.04, 0.08, 0.2];
    expect(heldFrameSeekTime(times, 0)).toBeCloseTo(0.02, 9);
    expect(heldFrameSeekTime(times, 2)).toBeCloseTo(0.14, 9);
    expect(heldFrameSeekTime(times, 3)).toBeCloseTo(0.26, 9);
    expect(heldFrameSeekTime(times, 9)).toBe(0);
  });

  it('describes the clip in words', () => {
    expect(describeHeldVideo({ width: 320, height: 240, frames: 50, framesPerSecond: 25, source: 'dicom' })).toBe('Endoscopy video, 320 × 240, 50 decoded frames (25 a second), from a DICOM video');
  });
});
