import { maskArea } from './frame-runs';

/** A track as agreement reads it: its mask on each frame where the object is in view. */
export interface TrackMasks {
  readonly frames: ReadonlyMap<number, Uint8Array>;
}

function overlap(a: Uint8Array, b: Uint8Array): { intersection: number; union: number; sizes: number } {
  let intersection = 0;
  let union = 0;
  let sizes = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] !== 0;
    const y = b[i] !== 0;
    if (x && y) intersection++;
    if (x || y) union++;
    sizes += (x ? 1 : 0) + (y ? 1 : 0);
  }
  return { intersection, union, sizes };
}

/** Frames where the track's mask is not empty. */
export function presentFrames(track: TrackMasks): Set<number> {
  const present = new Set<number>();
  for (const [frame, mask] of track.frames) if (maskArea(mask) > 0) present.add(frame);
  return present;
}

export interface ConsecutiveFrame {
  readonly frame: number;
  /** |area(f) − area(f−1)| / area(f−1). */
  readonly areaChange: number;
  readonly iou: number;
}

export interface TemporalConsistency {
  readonly pairs: readonly ConsecutiveFrame[];
  readonly meanAreaChange: number;
  readonly maxAreaChange: number;
  readonly meanIou: number;
  readonly minIou: number;
}

/**
 * How smoothly one track's mask changes: area change and IoU between each frame and the one
 * before it, over consecutive frames where the object is in view on both (NaN with no pair).
 */
export function temporalConsistency(track: TrackMasks): TemporalConsistency {
  const pairs: ConsecutiveFrame[] = [];
  const present = presentFrames(track);
  for (const frame of [...present].sort((a, b) => a - b)) {
    if (!present.has(frame - 1)) continue;
    const before = track.frames.get(frame - 1)!;
    const now = track.frames.get(frame)!;
    const o = overlap(before, now);
    const areaBefore = maskArea(before);
    pairs.push({ frame, areaChange: Math.abs(maskArea(now) - areaBefore) / areaBefore, iou: o.intersection / o.union });
  }
  const mean = (values: number[]) => (values.length === 0 ? NaN : values.reduce((s, v) => s + v, 0) / values.length);
  const changes = pairs.map((p) => p.areaChange);
  const ious = pairs.map((p) => p.iou);
  return {
    pairs,
    meanAreaChange: mean(changes),
    maxAreaChange: changes.length ? Math.max(...changes) : NaN,
    meanIou: mean(ious),
    minIou: ious.length ? Math.min(...ious) : NaN,
  };
}

/** IoU of the frames two tracks are in view on (1 when both are never in view). */
export function presenceIntervalIou(a: TrackMasks, b: TrackMasks): number {
  const pa = presentFrames(a);
  const pb = presentFrames(b);
  let both = 0;
  for (const f of pa) if (pb.has(f)) both++;
  const either = pa.size + pb.size - both;
  return either === 0 ? 1 : both / either;
}

/** Dice on each sampled frame (NaN where both masks are empty), and their mean over frames where it is defined. */
export function sampledFrameDice(a: TrackMasks, b: TrackMasks, frames: readonly number[], pixels: number): { perFrame: { frame: number; dice: number }[]; mean: number } {
  const empty = new Uint8Array(pixels);
  const perFrame = frames.map((frame) => {
    const o = overlap(a.frames.get(frame) ?? empty, b.frames.get(frame) ?? empty);
    return { frame, dice: o.sizes === 0 ? NaN : (2 * o.intersection) / o.sizes };
  });
  const defined = perFrame.filter((p) => !Number.isNaN(p.dice));
  return { perFrame, mean: defined.length ? defined.reduce((s, p) => s + p.dice, 0) / defined.length : NaN };
}

/** Spatio-temporal IoU of two tracks: summed intersections over summed unions across frames. */
export function tubeIou(a: TrackMasks, b: TrackMasks): number {
  let intersection = 0;
  let union = 0;
  for (const frame of new Set([...a.frames.keys(), ...b.frames.keys()])) {
    const x = a.frames.get(frame);
    const y = b.frames.get(frame);
    if (x && y) {
      const o = overlap(x, y);
      intersection += o.intersection;
      union += o.union;
    } else union += maskArea((x ?? y)!);
  }
  return union === 0 ? 0 : intersection / union;
}

export interface DetectionF1 {
  /** The convention: a lesion is found when a test track's tube IoU with it reaches this. */
  readonly minTubeIou: number;
  readonly truePositives: number;
  readonly falsePositives: number;
  readonly falseNegatives: number;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  readonly matches: readonly { reference: number; test: number; tubeIou: number }[];
}

/**
 * Lesion-level detection: each reference track (a lesion) is matched to at most one test track,
 * greedily by descending tube IoU, when that IoU reaches `minTubeIou`; unmatched test tracks are
 * false positives, unmatched reference tracks false negatives. F1 is 1 when both sides are empty.
 */
export function lesionDetectionF1(reference: readonly TrackMasks[], test: readonly TrackMasks[], minTubeIou = 0.2): DetectionF1 {
  const candidates: { reference: number; test: number; tubeIou: number }[] = [];
  reference.forEach((r, i) => test.forEach((t, j) => candidates.push({ reference: i, test: j, tubeIou: tubeIou(r, t) })));
  candidates.sort((x, y) => y.tubeIou - x.tubeIou || x.reference - y.reference || x.test - y.test);
  const usedR = new Set<number>();
  const usedT = new Set<number>();
  const matches: { reference: number; test: number; tubeIou: number }[] = [];
  for (const c of candidates) {
    if (c.tubeIou < minTubeIou || usedR.has(c.reference) || usedT.has(c.test)) continue;
    usedR.add(c.reference);
    usedT.add(c.test);
    matches.push(c);
  }
  const tp = matches.length;
  const fp = test.length - tp;
  const fn = reference.length - tp;
  const precision = tp + fp === 0 ? 1 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 1 : tp / (tp + fn);
  const f1 = tp + fp + fn === 0 ? 1 : (2 * tp) / (2 * tp + fp + fn);
  return { minTubeIou, truePositives: tp, falsePositives: fp, falseNegatives: fn, precision, recall, f1, matches };
}
