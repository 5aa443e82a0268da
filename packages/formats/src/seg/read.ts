import { DelineateError } from '@delineate/schema';
import type { DicomDataset } from '../dicom/dataset';
import { frameFunctionalGroup } from '../dicom/functional-groups';
import { readDicomFile } from '../dicom/read';
import { decodeString, getNumber, getString } from '../dicom/values';
import { tagOf } from './elements';
import { unpackFrameBits } from './frames';
import { frameBitstreams } from '../pixel/pixel-source';
import { decodeRleFrame } from '../pixel/rle';
import type { CodedConcept, ReadSegment, ReadSegmentation, SegFrame, SegmentationType } from './types';
import { labelMapSegmentationStorage, segmentationStorage } from './write';

function invalid(message: string, details?: Record<string, string | number>): never {
  throw new DelineateError('DLN_SEG_INVALID', message, details);
}

const t = tagOf;
const RLE_LOSSLESS = '1.2.840.10008.1.2.5';

function numbers(dataset: DicomDataset | undefined, keyword: string): number[] | undefined {
  const value = dataset?.get(t(keyword))?.value;
  if (!value || value.length === 0) return undefined;
  const parsed = decodeString(value).split('\\').map((part) => Number.parseFloat(part));
  return parsed.every(Number.isFinite) ? parsed : undefined;
}

function firstItem(dataset: DicomDataset | undefined, keyword: string): DicomDataset | undefined {
  return dataset?.get(t(keyword))?.items?.[0];
}

function concept(dataset: DicomDataset | undefined): CodedConcept | undefined {
  if (!dataset) return undefined;
  const value = getString(dataset, t('CodeValue'));
  const scheme = getString(dataset, t('CodingSchemeDesignator'));
  if (value === undefined || scheme === undefined) return undefined;
  return { scheme, value, meaning: getString(dataset, t('CodeMeaning')) ?? '' };
}

function readSegment(item: DicomDataset): ReadSegment {
  const number = getNumber(item, t('SegmentNumber'));
  if (number === undefined) invalid('A segment has no Segment Number');
  const algorithmItem = firstItem(item, 'SegmentationAlgorithmIdentificationSequence');
  const family = concept(firstItem(algorithmItem, 'AlgorithmFamilyCodeSequence'));
  return {
    number,
    label: getString(item, t('SegmentLabel')) ?? '',
    category: concept(firstItem(item, 'SegmentedPropertyCategoryCodeSequence')),
    type: concept(firstItem(item, 'SegmentedPropertyTypeCodeSequence')),
    algorithmType: getString(item, t('SegmentAlgorithmType')),
    algorithm:
      algorithmItem && family
        ? { name: getString(algorithmItem, t('AlgorithmName')) ?? '', version: getString(algorithmItem, t('AlgorithmVersion')) ?? '', family }
        : undefined,
  };
}

function referencedUids(frameGroups: DicomDataset | undefined): string[] {
  const uids: string[] = [];
  for (const derivation of frameGroups?.get(t('DerivationImageSequence'))?.items ?? []) {
    for (const source of derivation.get(t('SourceImageSequence'))?.items ?? []) {
      const uid = getString(source, t('ReferencedSOPInstanceUID'));
      if (uid) uids.push(uid);
    }
  }
  return uids;
}

function readFrames(dataset: DicomDataset, count: number, labelMap: boolean): SegFrame[] {
  const perFrame = dataset.get(t('PerFrameFunctionalGroupsSequence'))?.items ?? [];
  if (perFrame.length !== count) invalid('Per-frame functional groups do not match the number of frames', { frames: count, groups: perFrame.length });
  return perFrame.map((groups, f) => {
    const segmentItem = frameFunctionalGroup(dataset, f, t('SegmentIdentificationSequence'));
    const segmentNumber = segmentItem ? getNumber(segmentItem, t('ReferencedSegmentNumber')) : undefined;
    if (!labelMap && segmentNumber === undefined) invalid('A frame names no segment', { frame: f });
    const position = numbers(frameFunctionalGroup(dataset, f, t('PlanePositionSequence')), 'ImagePositionPatient');
    return {
      segmentNumber: labelMap ? undefined : segmentNumber,
      referencedSopInstanceUids: referencedUids(groups),
      position: position && position.length === 3 ? (position as [number, number, number]) : undefined,
    };
  });
}

function segmentationTypeOf(dataset: DicomDataset, sopClass: string | undefined): SegmentationType {
  const type = getString(dataset, t('SegmentationType'));
  if (type !== 'BINARY' && type !== 'FRACTIONAL' && type !== 'LABELMAP') invalid('Segmentation Type must be BINARY, FRACTIONAL or LABELMAP');
  if ((type === 'LABELMAP') !== (sopClass === labelMapSegmentationStorage)) invalid('Segmentation Type does not match the SOP Class');
  return type;
}

interface PixelShape {
  readonly rows: number;
  readonly columns: number;
  readonly frames: number;
  readonly bitsAllocated: number;
}

/**
 * The stored bytes of frame f (native: a view; RLE Lossless: decoded on demand). BINARY frames
 * share bytes (a frame may start mid-byte), so for 1-bit data every frame is the whole value.
 */
function frameSource(dataset: DicomDataset, transferSyntaxUid: string, shape: PixelShape): (frame: number) => Uint8Array {
  const { rows, columns, frames, bitsAllocated } = shape;
  const pixels = rows * columns;
  const element = dataset.get(t('PixelData'));
  if (element?.fragments) {
    if (transferSyntaxUid !== RLE_LOSSLESS || bitsAllocated === 1) {
      throw new DelineateError('DLN_SEG_UNSUPPORTED', 'Only native or RLE Lossless segmentations are read; send native pixel data');
    }
    const [table, ...fragments] = element.fragments;
    const offsets: number[] = [];
    if (table && table.length >= 4) {
      const view = new DataView(table.buffer, table.byteOffset, table.byteLength);
      for (let at = 0; at + 4 <= table.length; at += 4) offsets.push(view.getUint32(at, true));
    }
    const streams = frameBitstreams(fragments, offsets, frames);
    if (streams.length !== frames) invalid('Pixel Data does not hold one RLE stream per frame');
    return (frame) => decodeRleFrame(streams[frame]!, rows, columns, 1, bitsAllocated);
  }
  const data = element?.value ?? invalid('Pixel Data is missing');
  const needed = bitsAllocated === 1 ? Math.ceil((pixels * frames) / 8) : (pixels * frames * bitsAllocated) / 8;
  if (data.length < needed) invalid('Pixel Data is shorter than its frames', { expected: needed, actual: data.length });
  const frameLength = (pixels * bitsAllocated) / 8;
  return bitsAllocated === 1 ? () => data : (frame) => data.subarray(frame * frameLength, (frame + 1) * frameLength);
}

/**
 * Reads a DICOM Segmentation (BINARY, FRACTIONAL or LABELMAP; native or RLE Lossless pixel data): its
 * segments, where each frame lies (referenced source instances and plane position) and the
 * frames' pixels, unpacked on demand. Place it on an item's grid with `segmentationOnGrid`.
 */
export function readSegmentation(bytes: Uint8Array): ReadSegmentation {
  const file = readDicomFile(bytes);
  const dataset = file.dataset;
  const sopClass = getString(dataset, t('SOPClassUID'));
  if (sopClass !== segmentationStorage && sopClass !== labelMapSegmentationStorage) {
    throw new DelineateError('DLN_SEG_UNSUPPORTED', 'The file is not a DICOM Segmentation');
  }
  if (!dataset.littleEndian) throw new DelineateError('DLN_SEG_UNSUPPORTED', 'Big-endian segmentations are not supported');
  const segmentationType = segmentationTypeOf(dataset, sopClass);
  const rows = getNumber(dataset, t('Rows')) ?? invalid('Rows is missing');
  const columns = getNumber(dataset, t('Columns')) ?? invalid('Columns is missing');
  const frameCount = getNumber(dataset, t('NumberOfFrames')) ?? 1;
  const bitsAllocated = getNumber(dataset, t('BitsAllocated')) ?? invalid('Bits Allocated is missing');
  const expectedBits = segmentationType === 'BINARY' ? [1] : segmentationType === 'FRACTIONAL' ? [8] : [8, 16];
  if (!expectedBits.includes(bitsAllocated)) invalid('Bits Allocated does not fit the segmentation type', { bitsAllocated });
  for (const [what, n] of [['Rows', rows], ['Columns', columns], ['Number of Frames', frameCount]] as const) {
    if (!Number.isInteger(n) || n < 1) invalid(`${what} must be a positive whole number`);
  }
  const maximumFractionalValue = segmentationType === 'FRACTIONAL' ? (getNumber(dataset, t('MaximumFractionalValue')) ?? 255) : 1;
  if (!Number.isInteger(maximumFractionalValue) || maximumFractionalValue < 1 || maximumFractionalValue > 255) invalid('Maximum Fractional Value must be 1..255');
  const pixels = rows * columns;
  const frameBytes = frameSource(dataset, file.transferSyntaxUid, { rows, columns, frames: frameCount, bitsAllocated });

  const segments = (dataset.get(t('SegmentSequence'))?.items ?? []).map(readSegment);
  if (segments.length === 0) invalid('The segmentation declares no segments');
  const shared = (keyword: string) => frameFunctionalGroup(dataset, 0, t(keyword));
  const spacing = numbers(shared('PixelMeasuresSequence'), 'PixelSpacing');
  const orientation = numbers(shared('PlaneOrientationSequence'), 'ImageOrientationPatient');
  return {
    sopInstanceUid: getString(dataset, t('SOPInstanceUID')) ?? '',
    segmentationType,
    fractionalType: segmentationType === 'FRACTIONAL' ? (getString(dataset, t('SegmentationFractionalType')) === 'OCCUPANCY' ? 'OCCUPANCY' : 'PROBABILITY') : undefined,
    maximumFractionalValue,
    frameOfReferenceUid: getString(dataset, t('FrameOfReferenceUID')),
    rows,
    columns,
    pixelSpacing: spacing?.length === 2 ? (spacing as [number, number]) : undefined,
    orientation: orientation?.length === 6 ? (orientation as [number, number, number, number, number, number]) : undefined,
    segments,
    frames: readFrames(dataset, frameCount, segmentationType === 'LABELMAP'),
    framePixels(frame: number) {
      if (!Number.isInteger(frame) || frame < 0 || frame >= frameCount) throw new DelineateError('DLN_REQUEST_INVALID', 'Frame number out of range', { frame });
      if (bitsAllocated === 1) return unpackFrameBits(frameBytes(0), frame, pixels);
      const data = frameBytes(frame);
      if (bitsAllocated === 8) return data;
      const out = new Uint16Array(pixels);
      const view = new DataView(data.buffer, data.byteOffset, pixels * 2);
      for (let i = 0; i < pixels; i += 1) out[i] = view.getUint16(i * 2, true);
      return out;
    },
  };
}
