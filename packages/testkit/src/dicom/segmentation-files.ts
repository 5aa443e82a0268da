import { readFile } from 'node:fs/promises';
import { getNumber, getString, readDicomFile, tagForKeyword, type DicomDataset } from '@delineate/formats';
import { requireTestData } from '../testdata';

/** The shared DICOM SEG files (highdicom's and pydicom-data's liver.dcm), by path under the test data. */
export const sharedSegmentationFiles = [
  'dicom/highdicom/seg_image_ct_binary.dcm',
  'dicom/highdicom/seg_image_ct_binary_fractional.dcm',
  'dicom/highdicom/seg_image_ct_true_fractional.dcm',
  'dicom/pydicom-data/liver.dcm',
] as const;

function tag(keyword: string): number {
  const found = tagForKeyword(keyword);
  if (found === undefined) throw new Error(`unknown keyword ${keyword}`);
  return found;
}

function positionOf(groups: DicomDataset | undefined, shared: DicomDataset | undefined): [number, number, number] {
  const item = groups?.get(tag('PlanePositionSequence'))?.items?.[0] ?? shared?.get(tag('PlanePositionSequence'))?.items?.[0];
  const text = item ? getString(item, tag('ImagePositionPatient')) : undefined;
  const values = (text ?? '').split('\\').map(Number);
  if (values.length !== 3 || !values.every(Number.isFinite)) throw new Error('frame without a plane position');
  return values as [number, number, number];
}

export interface DeclaredSegmentation {
  /** Voxels per segment number: set bits (BINARY) or fractions of at least one half (FRACTIONAL). */
  readonly counts: Map<number, number>;
  readonly rows: number;
  readonly columns: number;
  readonly pixelSpacing: [number, number];
  readonly orientation: [number, number, number, number, number, number];
  /** Distinct frame positions, sorted along the slice normal. */
  readonly positions: [number, number, number][];
}

/**
 * What a SEG file declares, counted straight from its bytes with the generic DICOM reader (not
 * the SEG reader under test): per frame, its segment from the per-frame functional groups and
 * its pixels from Pixel Data, bits counted one by one.
 */
export function declaredSegmentation(bytes: Uint8Array): DeclaredSegmentation {
  const { dataset } = readDicomFile(bytes);
  const rows = getNumber(dataset, tag('Rows'))!;
  const columns = getNumber(dataset, tag('Columns'))!;
  const bits = getNumber(dataset, tag('BitsAllocated'))!;
  const maximum = getNumber(dataset, tag('MaximumFractionalValue')) ?? 1;
  const pixels = dataset.get(tag('PixelData'))!.value!;
  const shared = dataset.get(tag('SharedFunctionalGroupsSequence'))?.items?.[0];
  const perFrame = dataset.get(tag('PerFrameFunctionalGroupsSequence'))!.items!;
  const counts = new Map<number, number>();
  const positions = new Map<string, [number, number, number]>();
  const size = rows * columns;
  perFrame.forEach((groups, f) => {
    const segmentItem = groups.get(tag('SegmentIdentificationSequence'))?.items?.[0] ?? shared?.get(tag('SegmentIdentificationSequence'))?.items?.[0];
    const segment = getNumber(segmentItem!, tag('ReferencedSegmentNumber'))!;
    const position = positionOf(groups, shared);
    positions.set(position.join('/'), position);
    let count = 0;
    for (let i = 0; i < size; i += 1) {
      const at = f * size + i;
      if (bits === 1) count += (pixels[at >> 3]! >> (at & 7)) & 1;
      else if (pixels[at]! * 2 >= maximum && pixels[at]! > 0) count += 1;
    }
    counts.set(segment, (counts.get(segment) ?? 0) + count);
  });
  const measures = shared?.get(tag('PixelMeasuresSequence'))?.items?.[0];
  const orientationItem = shared?.get(tag('PlaneOrientationSequence'))?.items?.[0];
  const list = (item: DicomDataset | undefined, keyword: string) => (getString(item!, tag(keyword)) ?? '').split('\\').map(Number);
  const orientation = list(orientationItem, 'ImageOrientationPatient') as [number, number, number, number, number, number];
  const o = orientation;
  const normal = [o[1] * o[5] - o[2] * o[4], o[2] * o[3] - o[0] * o[5], o[0] * o[4] - o[1] * o[3]];
  const along = (p: number[]) => p[0]! * normal[0]! + p[1]! * normal[1]! + p[2]! * normal[2]!;
  return {
    counts,
    rows,
    columns,
    pixelSpacing: list(measures, 'PixelSpacing') as [number, number],
    orientation,
    positions: [...positions.values()].sort((a, b) => along(a) - along(b)),
  };
}

export async function readSharedSegmentation(path: (typeof sharedSegmentationFiles)[number]): Promise<Uint8Array> {
  return new Uint8Array(await readFile(requireTestData(path)));
}
