import { runsOfMask, maskOfRuns } from '@delineate/core';
import { trackFrameStateWords, type TrackFrame, type VideoFrame, type VideoTrack } from '@delineate/schema';

/** A timeline cell's state: what the track says about a frame; frames it does not list are outside. */
export type CellState = keyof typeof trackFrameStateWords;

/** The timeline's colours by state, with the words of the legend (never the internal keys). */
export const stateColours: Readonly<Record<CellState, string>> = { keyframe: '#f5c518', interpolated: '#4aa3df', propagated: '#7bc47f', outside: '#3a3a3a' };
export const legend = (Object.keys(stateColours) as CellState[]).map((state) => ({ state, words: trackFrameStateWords[state], colour: stateColours[state] }));

/** Each frame's state along a track, by frame index. */
export function timelineOf(track: Pick<VideoTrack, 'frames'>, frameCount: number): CellState[] {
  const cells: CellState[] = Array.from({ length: frameCount }, () => 'outside');
  for (const f of track.frames) if (f.frame < frameCount) cells[f.frame] = f.status.state;
  return cells;
}

/**
 * Where to seek for a frame: halfway into the frame's display interval, so a browser that rounds
 * the time either way still lands on this frame and not on its neighbour.
 */
export function seekTimeOf(frames: readonly VideoFrame[], index: number): number {
  const at = frames[index];
  if (!at) return 0;
  const next = frames[index + 1];
  const span = next ? next.timeSeconds - at.timeSeconds : index > 0 ? at.timeSeconds - frames[index - 1]!.timeSeconds : 0;
  return at.timeSeconds + span / 2;
}

/** The frame shown at a playback time: the last whose timestamp is not after it. */
export function frameAtTime(frames: readonly VideoFrame[], seconds: number): number {
  let lo = 0;
  let hi = frames.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (frames[mid]!.timeSeconds <= seconds + 1e-6) lo = mid;
    else hi = mid - 1;
  }
  return Math.max(0, lo);
}

/** "00:01.240" for the frame's timestamp. */
export function timeWords(seconds: number): string {
  const m = Math.floor(seconds / 60);
  const s = seconds - m * 60;
  return `${String(m).padStart(2, '0')}:${s.toFixed(3).padStart(6, '0')}`;
}

/** Paints a filled disc into a frame mask (the brush), clipped at the frame's edge. */
export function paintDisc(mask: Uint8Array, width: number, height: number, cx: number, cy: number, radius: number, value: 0 | 1): void {
  for (let y = Math.max(0, Math.floor(cy - radius)); y <= Math.min(height - 1, Math.ceil(cy + radius)); y++) {
    for (let x = Math.max(0, Math.floor(cx - radius)); x <= Math.min(width - 1, Math.ceil(cx + radius)); x++) {
      if ((x - cx) ** 2 + (y - cy) ** 2 <= radius * radius) mask[y * width + x] = value;
    }
  }
}

/** A track's frame mask, or an empty one where the track has none. */
export function maskOfFrame(track: Pick<VideoTrack, 'frames'> | undefined, frame: number, pixels: number): Uint8Array {
  const runs = track?.frames.find((f) => f.frame === frame)?.runs;
  const decoded = runs ? maskOfRuns(runs, pixels) : undefined;
  return decoded?.ok ? decoded.mask : new Uint8Array(pixels);
}

/** The track's frames with one frame replaced by a keyframe of this mask (or removed when the mask is empty). */
export function withKeyframe(frames: readonly TrackFrame[], frame: number, mask: Uint8Array): TrackFrame[] {
  const others = frames.filter((f) => f.frame !== frame);
  const empty = !mask.some((v) => v !== 0);
  return (empty ? others : [...others, { frame, status: { state: 'keyframe' as const }, runs: runsOfMask(mask) }]).sort((a, b) => a.frame - b.frame);
}

/** Pixels on the mask's edge (an object pixel with a background 4-neighbour): the ghost outline. */
export function edgeOf(mask: Uint8Array, width: number, height: number): number[] {
  const edge: number[] = [];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (!mask[i]) continue;
      if (x === 0 || y === 0 || x === width - 1 || y === height - 1 || !mask[i - 1] || !mask[i + 1] || !mask[i - width] || !mask[i + width]) edge.push(i);
    }
  }
  return edge;
}
