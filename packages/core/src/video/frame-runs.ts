/**
 * A frame's mask as row-major run lengths, alternating background and object and starting with
 * background (COCO's uncompressed RLE, but row-major, as a frame is painted): small in JSON for
 * the blob-like shapes of polyps, and exact.
 */
export function runsOfMask(mask: Uint8Array): number[] {
  const runs: number[] = [];
  let value = 0;
  let length = 0;
  for (let i = 0; i < mask.length; i++) {
    const on = mask[i] !== 0 ? 1 : 0;
    if (on === value) length++;
    else {
      runs.push(length);
      value = on;
      length = 1;
    }
  }
  runs.push(length);
  return runs;
}

export type RunsResult = { ok: true; mask: Uint8Array } | { ok: false; reason: string };

/** The mask of `runs` over `pixels` pixels; runs that do not cover the frame exactly are refused. */
export function maskOfRuns(runs: readonly number[], pixels: number): RunsResult {
  const mask = new Uint8Array(pixels);
  let at = 0;
  for (let i = 0; i < runs.length; i++) {
    const length = runs[i]!;
    if (!Number.isInteger(length) || length < 0) return { ok: false, reason: 'a run length is not a whole number' };
    if (at + length > pixels) return { ok: false, reason: 'the runs cover more than the frame' };
    if (i % 2 === 1) mask.fill(1, at, at + length);
    at += length;
  }
  if (at !== pixels) return { ok: false, reason: 'the runs do not cover the frame' };
  return { ok: true, mask };
}

/** Object pixels of a mask. */
export function maskArea(mask: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i] !== 0) n++;
  return n;
}
