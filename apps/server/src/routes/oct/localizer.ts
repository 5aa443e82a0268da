import { frameFunctionalGroup, getNumber, getNumbers, getString, type DicomDataset } from '@delineate/formats';

const NUMBER_OF_FRAMES = 0x00280008;
const OPHTHALMIC_FRAME_LOCATION = 0x00220031;
const REFERENCE_COORDINATES = 0x00220032;
const REFERENCED_SOP_INSTANCE_UID = 0x00081155;

/** A B-scan's line on the localizer: its first and last A-scan as (row, column) in localizer pixels. */
export interface BScanLine {
  start: [number, number];
  end: [number, number];
}

/** All values of a numeric element: FL or FD (Reference Coordinates is FL), else a DS/IS string. */
/**
 * Each frame's line on the localizer, from its Ophthalmic Frame Location (Reference Coordinates:
 * start row, start column, end row, end column), and the SOP Instance UID of the localizer the
 * first frame names; no lines when a frame gives none (a volume without a localizer).
 */
export function bscanLinesOfOpt(dataset: DicomDataset): { localizerUid: string | null; lines: BScanLine[] } {
  const frames = getNumber(dataset, NUMBER_OF_FRAMES) ?? 1;
  const lines: BScanLine[] = [];
  let localizerUid: string | null = null;
  for (let f = 0; f < frames; f++) {
    const location = frameFunctionalGroup(dataset, f, OPHTHALMIC_FRAME_LOCATION);
    const numbers = location ? getNumbers(location, REFERENCE_COORDINATES) : [];
    if (numbers.length < 4 || numbers.some((n) => !Number.isFinite(n))) return { localizerUid: null, lines: [] };
    if (f === 0) localizerUid = getString(location!, REFERENCED_SOP_INSTANCE_UID)?.replace(/\0/g, '').trim() || null;
    lines.push({ start: [numbers[0]!, numbers[1]!], end: [numbers[2]!, numbers[3]!] });
  }
  return { localizerUid, lines };
}
