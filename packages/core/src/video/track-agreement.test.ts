import { describe, expect, it } from 'vitest';
import { lesionDetectionF1, presenceIntervalIou, sampledFrameDice, temporalConsistency, type TrackMasks } from './track-agreement';

const W = 10;
function box(x0: number, x1: number): Uint8Array {
  const mask = new Uint8Array(W * W);
  for (let y = 2; y < 6; y++) for (let x = x0; x < x1; x++) mask[y * W + x] = 1;
  return mask;
}
const track = (entries: [number, Uint8Array][]): TrackMasks => ({ frames: new Map(entries) });

describe('track agreement', () => {
  it('measures area change and IoU between consecutive frames only', () => {
    const t = track([
      [0, box(0, 4)], // area 16
      [1, box(0, 6)], // area 24: change 0.5, IoU 16/24
      [3, box(2, 6)], // frame 2 missing: no pair with 1
    ]);
    const c = temporalConsistency(t);
    expect(c.pairs).toEqual([{ frame: 1, areaChange: 0.5, iou: 16 / 24 }]);
    expect(c.meanIou).toBeCloseTo(16 / 24);
  });

  it('compares presence intervals and sampled-frame Dice', () => {
    const a = track([[0, box(0, 4)], [1, box(0, 4)], [2, box(0, 4)]]);
    const b = track([[1, box(0, 4)], [2, box(2, 6)], [3, box(2, 6)]]);
    expect(presenceIntervalIou(a, b)).toBeCloseTo(2 / 4);
    const dice = sampledFrameDice(a, b, [0, 2, 5], W * W);
    expect(dice.perFrame[0]!.dice).toBe(0);
    expect(dice.perFrame[1]!.dice).toBeCloseTo(0.5);
    expect(Number.isNaN(dice.perFrame[2]!.dice)).toBe(true);
    expect(dice.mean).toBeCloseTo(0.25);
  });

  it('counts lesions found, missed and made up', () => {
    const lesion1 = track([[0, box(0, 4)], [1, box(0, 4)]]);
    const lesion2 = track([[5, box(5, 9)]]);
    const found = track([[0, box(0, 4)], [1, box(1, 5)]]);
    const madeUp = track([[8, box(0, 2)]]);
    const r = lesionDetectionF1([lesion1, lesion2], [found, madeUp]);
    expect([r.truePositives, r.falsePositives, r.falseNegatives]).toEqual([1, 1, 1]);
    expect(r.f1).toBeCloseTo(0.5);
    expect(lesionDetectionF1([], []).f1).toBe(1);
  });
});
