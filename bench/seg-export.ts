// DICOM SEG export: BINARY segmentation of the demo CT phantom (512×512×128, two labels: liver
// and lesion) written by the project's writer, side by side with dcmjs's own `Segmentation`
// derivation on the same masks in the same run, and a dciodvfy check of both outputs.
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateCtPhantom, readSegmentation, writeSegmentation, type SegWriteInput } from '@delineate/formats';
import { phantomSegments, phantomSegSource } from '../packages/formats/src/test/seg-fixtures';
import type { BenchResult } from './types';

const repetitions = 5;

/** The part of dcmjs this benchmark drives (dcmjs ships no types). */
interface DcmjsSegmentation {
  dataset: Record<string, unknown>;
  setNumberOfFrames(n: number): void;
  addSegmentFromLabelmap(segment: Record<string, unknown>, labelmaps: Uint8Array[], segmentIndex: number, referencedFrameNumbers: number[]): void;
  bitPackPixelData(): void;
}
interface Dcmjs {
  data: {
    DicomMessage: { readFile(buffer: ArrayBuffer): { dict: Record<string, unknown>; meta: Record<string, unknown> } };
    DicomMetaDictionary: { naturalizeDataset(dict: Record<string, unknown>): Record<string, unknown> };
    datasetToBuffer(dataset: Record<string, unknown>): Uint8Array;
  };
  normalizers: { Normalizer: { normalizeToDataset(datasets: Record<string, unknown>[]): Record<string, unknown> } };
  derivations: { Segmentation: new (datasets: Record<string, unknown>[], options?: Record<string, unknown>) => DcmjsSegmentation };
}

const dcmjs = createRequire(import.meta.url)('dcmjs') as Dcmjs;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

// The test fixtures' two phantom segments, both drawn by hand here: dcmjs is given the same.
const segments: SegWriteInput['segments'] = phantomSegments.map(({ algorithm: _model, ...segment }) => ({ ...segment, algorithmType: 'MANUAL' }));

/** dcmjs's Segment attributes for the same two segments. */
const dcmjsSegments = segments.map((s) => ({
  SegmentLabel: s.label,
  SegmentNumber: s.number,
  SegmentAlgorithmType: s.algorithmType,
  SegmentedPropertyCategoryCodeSequence: { CodeValue: s.category.value, CodingSchemeDesignator: 'SCT', CodeMeaning: s.category.meaning },
  SegmentedPropertyTypeCodeSequence: { CodeValue: s.type.value, CodingSchemeDesignator: 'SCT', CodeMeaning: s.type.meaning },
}));

/** dcmjs's derivation as its Cornerstone adapter drives it: per segment, the slices that hold it as 2D label maps. */
function dcmjsSegmentation(multiframe: Record<string, unknown>, labels: Uint8Array, sliceSize: number, slices: number): Uint8Array {
  const derivation = new dcmjs.derivations.Segmentation([multiframe]);
  const perSegment = segments.map((s) => {
    const frames: number[] = [];
    const maps: Uint8Array[] = [];
    for (let k = 0; k < slices; k += 1) {
      const slice = labels.subarray(k * sliceSize, (k + 1) * sliceSize);
      if (slice.includes(s.number)) {
        frames.push(k + 1);
        maps.push(slice);
      }
    }
    return { frames, maps };
  });
  derivation.setNumberOfFrames(perSegment.reduce((n, p) => n + p.frames.length, 0));
  segments.forEach((s, i) => derivation.addSegmentFromLabelmap({ ...dcmjsSegments[i] }, perSegment[i]!.maps, s.number, perSegment[i]!.frames));
  derivation.bitPackPixelData();
  // datasetToBuffer reads the transfer syntax from `_meta` and writes explicit VR little endian without one.
  derivation.dataset._meta = {};
  return dcmjs.data.datasetToBuffer(derivation.dataset);
}

function dciodvfyErrors(path: string): number | null {
  const result = spawnSync('dciodvfy', [path], { encoding: 'utf8' });
  if (result.error) return null;
  return (result.stdout + result.stderr).split('\n').filter((l) => /^(Error|Abort)/.test(l)).length;
}

export async function run(): Promise<BenchResult> {
  const phantom = generateCtPhantom({ seed: 1 });
  const [columns, rows, slices] = phantom.dims;
  const sliceSize = rows * columns;
  const input: SegWriteInput = {
    segmentationType: 'BINARY',
    source: phantomSegSource(phantom),
    segments,
    labels: phantom.labels,
    series: {
      seriesInstanceUid: '2.25.101',
      sopInstanceUid: '2.25.102',
      seriesNumber: 900,
      instanceNumber: 1,
      contentDate: '20000101',
      contentTime: '000000',
      manufacturer: 'Delineate',
      manufacturerModelName: 'Delineate',
      deviceSerialNumber: 'bench',
      softwareVersions: '0.1.0',
    },
  };
  // dcmjs's input, prepared outside the timer as ours is: the source slices' data sets, normalised to one multiframe.
  const datasets = phantom.slices.map((s) => {
    const file = dcmjs.data.DicomMessage.readFile(s.bytes.buffer.slice(s.bytes.byteOffset, s.bytes.byteOffset + s.bytes.byteLength) as ArrayBuffer);
    return dcmjs.data.DicomMetaDictionary.naturalizeDataset(file.dict);
  });
  const multiframe = dcmjs.normalizers.Normalizer.normalizeToDataset(datasets);

  const ours: number[] = [];
  const theirs: number[] = [];
  let ourBytes = new Uint8Array(0);
  let theirBytes = new Uint8Array(0);
  for (let i = 0; i < repetitions; i += 1) {
    let started = performance.now();
    ourBytes = writeSegmentation(input);
    ours.push(performance.now() - started);
    started = performance.now();
    theirBytes = dcmjsSegmentation(multiframe, phantom.labels, sliceSize, slices);
    theirs.push(performance.now() - started);
  }
  const frames = readSegmentation(ourBytes).frames.length;
  const folder = await mkdtemp(join(tmpdir(), 'delineate-bench-seg-'));
  let ourErrors: number | null = null;
  let theirErrors: number | null = null;
  try {
    await writeFile(join(folder, 'ours.dcm'), ourBytes);
    await writeFile(join(folder, 'dcmjs.dcm'), theirBytes);
    ourErrors = dciodvfyErrors(join(folder, 'ours.dcm'));
    theirErrors = dciodvfyErrors(join(folder, 'dcmjs.dcm'));
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
  const ourMs = median(ours);
  const theirMs = median(theirs);
  const speedup = theirMs / ourMs;
  return {
    name: 'seg-export',
    description: `BINARY DICOM SEG of the demo CT phantom (512×512×128, liver and lesion, ${frames} frames), median of ${repetitions} runs; the reference is dcmjs ${createRequire(import.meta.url)('dcmjs/package.json').version} \`derivations.Segmentation\` on the same masks in the same run.`,
    rows: [
      { writer: 'writeSegmentation (Delineate)', ms: Math.round(ourMs), 'file MiB': Number((ourBytes.length / 2 ** 20).toFixed(2)), 'dciodvfy errors': ourErrors },
      { writer: 'dcmjs derivations.Segmentation', ms: Math.round(theirMs), 'file MiB': Number((theirBytes.length / 2 ** 20).toFixed(2)), 'dciodvfy errors': theirErrors },
    ],
    targets: [
      { target: 'at least 3× faster than dcmjs', measured: `${speedup.toFixed(1)}×`, met: speedup >= 3 },
      { target: 'under 1 s', measured: `${Math.round(ourMs)} ms`, met: ourMs < 1000 },
    ],
    notes: [
      'Both sides start from prepared inputs: ours from the series geometry and the label volume, dcmjs from the source slices normalised to one multiframe data set (parsing and normalising are outside its timer).',
      'Both timers include finding the slices that hold each segment, bit-packing and writing the Part 10 bytes.',
      `1-minute load average at the end of the run: ${loadavg()[0]!.toFixed(1)} (both writers ran interleaved under the same load).`,
    ],
  };
}
