import type { RedactionRegion } from '@delineate/schema';
import type { DrawnRectangle } from './redaction-drawing';

/**
 * What the gate is sent for a held video: one region per rectangle over the whole clip, or one
 * per run of consecutive chosen frames (`frame` to `lastFrame`), so a range of hundreds of frames
 * stays one rectangle.
 */
export function toVideoRedactionRegions(rectangles: readonly DrawnRectangle[]): RedactionRegion[] {
  return rectangles.flatMap(({ frames, ...r }) => {
    if (frames === null) return [r];
    const sorted = [...new Set(frames)].sort((a, b) => a - b);
    const regions: RedactionRegion[] = [];
    for (let i = 0; i < sorted.length; ) {
      let j = i;
      while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
      regions.push(j === i ? { ...r, frame: sorted[i]! } : { ...r, frame: sorted[i]!, lastFrame: sorted[j]! });
      i = j + 1;
    }
    return regions;
  });
}

/** Frames from `first` to `last` (0-based, inclusive, in either order), cut to the clip. */
export function frameRange(first: number, last: number, frames: number): number[] {
  const a = Math.max(0, Math.min(first, last));
  const b = Math.min(frames - 1, Math.max(first, last));
  return b < a ? [] : Array.from({ length: b - a + 1 }, (_, i) => a + i);
}

/** Where to seek the playable copy to show a frame: the middle of its display span. */
export function heldFrameSeekTime(frameTimes: readonly number[], frame: number): number {
  const at = frameTimes[frame];
  if (at === undefined) return 0;
  const next = frameTimes[frame + 1];
  const span = next !== undefined ? next - at : frame > 0 ? at - frameTimes[frame - 1]! : 0;
  return at + span / 2;
}

/** "Endoscopy video, 320 × 240, 50 decoded frames (25 a second), from a DICOM video". */
export function describeHeldVideo(video: { width: number; height: number; frames: number; framesPerSecond: number | null; source: 'file' | 'dicom' }): string {
  const rate = video.framesPerSecond ? ` (${Number(video.framesPerSecond.toFixed(2))} a second)` : '';
  return `Endoscopy video, ${video.width} × ${video.height}, ${video.frames} decoded frame${video.frames === 1 ? '' : 's'}${rate}, ${video.source === 'dicom' ? 'from a DICOM video' : 'from a video file'}`;
}
