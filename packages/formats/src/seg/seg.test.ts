import { describe, expect, it } from 'vitest';
import { DelineateError } from '@delineate/schema';
import { readDicomFile } from '../dicom/read';
import { getNumber, getString, setString } from '../dicom/values';
import { writeDicomFile } from '../dicom/write';
import { encodeRleFrame } from '../pixel/rle';
import { phantomSegments, phantomSegSource, smallPhantom, testSegSeries } from '../test/seg-fixtures';
import { toSnomedCt } from './codes';
import { labelVolumeOnGrid, placeFrames, segmentationOnGrid } from './grid';
import { readSegmentation } from './read';
import type { SegSource, SegTargetGrid, SegWriteInput } from './types';
import { writeSegmentation } from './write';

const phantom = smallPhantom();
const source = phantomSegSource(phantom);
const binaryInput: SegWriteInput = { segmentationType: 'BINARY', source, segments: phantomSegments, labels: phantom.labels, series: testSegSeries };

function gridOf(s: SegSource, withUids: boolean): SegTargetGrid {
  return {
    rows: s.rows,
    columns: s.columns,
    pixelSpacing: s.pixelSpacing,
    orientation: s.orientation,
    positions: s.slices.map((slice) => slice.position),
    sopInstanceUids: withUids ? s.slices.map((slice) => slice.sopInstanceUid) : undefined,
  };
}

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return error instanceof DelineateError ? error.code : String(error);
  }
  return undefined;
}

/** (segment, slice) pairs that hold a voxel, counted straight from the label volume. */
function heldPairs(labels: Uint8Array, sliceSize: number): number {
  const pairs = new Set<string>();
  labels.forEach((v, i) => v !== 0 && pairs.add(`${v}/${Math.floor(i / sliceSize)}`));
  return pairs.size;
}

describe('DICOM Segmentation write → read', () => {
  it('round-trips a BINARY segmentation voxel for voxel, by source UID and by plane position', () => {
    expect(new Set(phantom.labels)).toEqual(new Set([0, 1, 2]));
    const seg = readSegmentation(writeSegmentation(binaryInput));
    expect(seg.segmentationType).toBe('BINARY');
    expect(seg.frames).toHaveLength(heldPairs(phantom.labels, source.rows * source.columns));
    expect(labelVolumeOnGrid(seg, gridOf(source, true))).toEqual(phantom.labels);
    expect(labelVolumeOnGrid(seg, gridOf(source, false))).toEqual(phantom.labels);
    expect(seg.segments.map((s) => [s.number, s.type?.value, s.algorithmType, s.algorithm?.name])).toEqual([
      [1, '10200004', 'MANUAL', undefined],
      [2, '300331000', 'AUTOMATIC', 'liver-net'],
    ]);
  });

  it('packs frames whose size is not a multiple of eight bits without padding between them', () => {
    const odd = smallPhantomOdd();
    const input: SegWriteInput = { ...binaryInput, source: phantomSegSource(odd), labels: odd.labels };
    const seg = readSegmentation(writeSegmentation(input));
    expect(labelVolumeOnGrid(seg, gridOf(input.source, false))).toEqual(odd.labels);
    // A label volume that starts at an odd byte offset takes the byte-at-a-time path.
    const unaligned = new Uint8Array(phantom.labels.length + 1);
    unaligned.set(phantom.labels, 1);
    const shifted = writeSegmentation({ ...binaryInput, labels: unaligned.subarray(1) });
    expect(shifted).toEqual(writeSegmentation(binaryInput));
  });

  it('round-trips FRACTIONAL (PROBABILITY) soft labels per segment', () => {
    const fractions = new Map([
      [1, Uint8Array.from(phantom.labels, (v, i) => (v === 1 ? 128 + (i % 100) : 0))],
      [2, Uint8Array.from(phantom.labels, (v) => (v === 2 ? 255 : v === 1 ? 3 : 0))],
    ]);
    const seg = readSegmentation(writeSegmentation({ ...binaryInput, segmentationType: 'FRACTIONAL', labels: undefined, fractions }));
    expect(seg.fractionalType).toBe('PROBABILITY');
    expect(seg.maximumFractionalValue).toBe(255);
    const masks = segmentationOnGrid(seg, gridOf(source, true));
    expect(masks.get(1)).toEqual(fractions.get(1));
    expect(masks.get(2)).toEqual(fractions.get(2));
  });

  it('reads FRACTIONAL frames stored RLE Lossless, and refuses other compressed pixel data', () => {
    const fractions = new Map([
      [1, Uint8Array.from(phantom.labels, (v) => (v === 1 ? 200 : 0))],
      [2, Uint8Array.from(phantom.labels, (v) => (v === 2 ? 255 : 0))],
    ]);
    const native = writeSegmentation({ ...binaryInput, segmentationType: 'FRACTIONAL', labels: undefined, fractions });
    const recompress = (syntax: string) => {
      const file = readDicomFile(native);
      const pixelData = file.dataset.get(0x7fe00010)!;
      const size = source.rows * source.columns;
      const frames = pixelData.value!.length / size;
      const encoded = Array.from({ length: frames }, (_, f) => encodeRleFrame(pixelData.value!.subarray(f * size, (f + 1) * size), source.rows, source.columns, 1, 8));
      file.dataset.set({ tag: 0x7fe00010, vr: 'OB', fragments: [new Uint8Array(0), ...encoded] });
      setString(file.meta, 0x00020010, 'UI', syntax);
      file.transferSyntaxUid = syntax;
      return writeDicomFile(file);
    };
    const rle = readSegmentation(recompress('1.2.840.10008.1.2.5'));
    const masks = segmentationOnGrid(rle, gridOf(source, true));
    expect(masks.get(1)).toEqual(fractions.get(1));
    expect(masks.get(2)).toEqual(fractions.get(2));
    expect(codeOf(() => readSegmentation(recompress('1.2.840.10008.1.2.4.70')))).toBe('DLN_SEG_UNSUPPORTED');
  });

  it('round-trips a LABELMAP segmentation with one frame per slice that holds any segment', () => {
    const seg = readSegmentation(writeSegmentation({ ...binaryInput, segmentationType: 'LABELMAP' }));
    const sliceSize = source.rows * source.columns;
    const held = new Set<number>();
    phantom.labels.forEach((v, i) => v !== 0 && held.add(Math.floor(i / sliceSize)));
    expect(seg.frames).toHaveLength(held.size);
    expect(labelVolumeOnGrid(seg, gridOf(source, false))).toEqual(phantom.labels);
    // Supplement 243: its own SOP Class, frames hold every segment, so no per-frame segment and one dimension.
    const { dataset } = readDicomFile(writeSegmentation({ ...binaryInput, segmentationType: 'LABELMAP' }));
    expect(getString(dataset, 0x00080016)).toBe('1.2.840.10008.5.1.4.1.1.66.7');
    expect(dataset.get(0x00209222)?.items).toHaveLength(1);
    expect(dataset.get(0x52009230)?.items?.every((frame) => !frame.has(0x0062000a))).toBe(true);
    expect(getNumber(dataset, 0x00280100)).toBe(8);
  });

  it('writes the same bytes for the same input (no clock, no randomness)', () => {
    expect(writeSegmentation(binaryInput)).toEqual(writeSegmentation(binaryInput));
  });

  it('refuses a grid the segmentation is not on', () => {
    const seg = readSegmentation(writeSegmentation(binaryInput));
    const grid = gridOf(source, false);
    const shifted = { ...grid, positions: grid.positions.map((p) => [p[0] + source.pixelSpacing[1] / 2, p[1], p[2]] as const) };
    expect(codeOf(() => placeFrames(seg, shifted))).toBe('DLN_SEG_OFF_GRID');
    // A frame's source instance is known but lies elsewhere on this grid.
    expect(codeOf(() => placeFrames(seg, { ...shifted, sopInstanceUids: source.slices.map((slice) => slice.sopInstanceUid) }))).toBe('DLN_SEG_OFF_GRID');
    expect(codeOf(() => placeFrames(seg, { ...grid, rows: grid.rows + 1 }))).toBe('DLN_SEG_OFF_GRID');
    expect(codeOf(() => placeFrames(seg, { ...grid, pixelSpacing: [1, 1] }))).toBe('DLN_SEG_OFF_GRID');
  });

  it('refuses input that would make a misleading segmentation', () => {
    const [liver, lesion] = phantomSegments;
    const srt = { ...liver!, type: { scheme: 'SRT', value: 'T-62000', meaning: 'Liver' } };
    expect(codeOf(() => writeSegmentation({ ...binaryInput, segments: [srt, lesion!] }))).toBe('DLN_SEG_INPUT_INVALID');
    const noModel = { ...lesion!, algorithm: undefined };
    expect(codeOf(() => writeSegmentation({ ...binaryInput, segments: [liver!, noModel] }))).toBe('DLN_SEG_INPUT_INVALID');
    expect(codeOf(() => writeSegmentation({ ...binaryInput, segments: [liver!] }))).toBe('DLN_SEG_INPUT_INVALID');
    expect(codeOf(() => writeSegmentation({ ...binaryInput, labels: phantom.labels.subarray(1) }))).toBe('DLN_SEG_INPUT_INVALID');
    expect(codeOf(() => writeSegmentation({ ...binaryInput, labels: new Uint8Array(phantom.labels.length) }))).toBe('DLN_SEG_INPUT_INVALID');
    expect(codeOf(() => writeSegmentation({ ...binaryInput, series: { ...testSegSeries, contentDate: '2026-01-01' } }))).toBe('DLN_SEG_INPUT_INVALID');
  });

  it('reads SRT codes of older files as SNOMED CT only when the concept is known', () => {
    expect(toSnomedCt({ scheme: 'SRT', value: 'T-62000', meaning: 'Liver' })).toEqual({ scheme: 'SCT', value: '10200004', meaning: 'Liver' });
    expect(toSnomedCt({ scheme: 'SCT', value: '10200004', meaning: 'Liver' })?.value).toBe('10200004');
    expect(toSnomedCt({ scheme: 'SRT', value: 'T-99999', meaning: 'Unknown' })).toBeUndefined();
    expect(toSnomedCt({ scheme: 'LN', value: '1234-5', meaning: 'Other' })).toBeUndefined();
  });

  it('refuses files that are not segmentations', () => {
    const bytes = writeSegmentation(binaryInput);
    expect(codeOf(() => readSegmentation(bytes.subarray(0, 400)))).toMatch(/^DLN_(DICOM|SEG)_INVALID$/);
  });
});

function smallPhantomOdd() {
  // 13 × 11 pixels per slice: every frame after the first starts mid-byte.
  return smallPhantom({ rows: 11, columns: 13 });
}
