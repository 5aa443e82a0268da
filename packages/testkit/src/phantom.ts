import { type LabelMap, gridOf, labelMap } from '@delineate/core';
import {
  type CtPhantom,
  type CtPhantomGeometry,
  type CtPhantomOptions,
  type WrittenCtPhantom,
  generateCtPhantom,
  writeCtPhantom,
} from '@delineate/formats';

/** A phantom small enough for unit tests: 8 slices of 64×64 over the demo's 400×400×256 mm field of view. */
export const tinyPhantomOptions = { slices: 8, rows: 64, columns: 64 } as const satisfies CtPhantomOptions;

export function tinyCtPhantom(options: CtPhantomOptions = {}): CtPhantom {
  return generateCtPhantom({ ...tinyPhantomOptions, ...options });
}

export function writeTinyCtPhantom(folder: string, options: CtPhantomOptions = {}): Promise<WrittenCtPhantom> {
  return writeCtPhantom(folder, { ...tinyPhantomOptions, ...options });
}

/** The phantom's ground truth as a core label map (0 background, 1 liver, 2 lesion). */
export function phantomLabelMap(phantom: CtPhantomGeometry & { labels: Uint8Array }): LabelMap {
  return labelMap(gridOf(phantom.dims, phantom.spacing), phantom.labels);
}
