import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ctImageStorage,
  labelVolumeOnGrid,
  readSegmentation,
  segmentationOnGrid,
  writeSegmentation,
  type SegTargetGrid,
  type SegWriteInput,
} from '@delineate/formats';
import { tinyCtPhantom } from '../phantom';
import { dciodvfyAvailable, runDciodvfy } from './dciodvfy';
import { declaredSegmentation, readSharedSegmentation, sharedSegmentationFiles } from './segmentation-files';

const phantom = tinyCtPhantom({ rows: 48, columns: 64, spacing: [0.7, 0.9, 2.5], seed: 3 });

function phantomInput(): SegWriteInput {
  const [columns, rows, slices] = phantom.dims;
  return {
    segmentationType: 'BINARY',
    source: {
      studyInstanceUid: phantom.uids.study,
      seriesInstanceUid: phantom.uids.series,
      frameOfReferenceUid: phantom.uids.frameOfReference,
      patientStudy: { patientName: 'PSEUDO^7', patientId: 'SUBJ-7', studyDate: '20000101', studyTime: '101010', studyId: 'S1' },
      rows,
      columns,
      pixelSpacing: [phantom.spacing[1], phantom.spacing[0]],
      orientation: phantom.orientation,
      slices: Array.from({ length: slices }, (_, k) => ({
        sopClassUid: ctImageStorage,
        sopInstanceUid: phantom.uids.instances[k]!,
        position: [phantom.origin[0], phantom.origin[1], phantom.origin[2] + k * phantom.spacing[2]] as const,
      })),
    },
    segments: [
      {
        number: 1,
        label: 'Liver',
        category: { scheme: 'SCT', value: '123037004', meaning: 'Anatomical Structure' },
        type: { scheme: 'SCT', value: '10200004', meaning: 'Liver' },
        algorithmType: 'SEMIAUTOMATIC',
        algorithm: { name: 'region-grow', version: '2', family: { scheme: 'DCM', value: '123109', meaning: 'Manual Processing' } },
      },
      {
        number: 2,
        label: 'Lesion',
        category: { scheme: 'SCT', value: '49755003', meaning: 'Morphologically Altered Structure' },
        type: { scheme: 'SCT', value: '300331000', meaning: 'Lesion of liver' },
        algorithmType: 'AUTOMATIC',
        algorithm: { name: 'liver-net', version: '1.2.0', family: { scheme: 'DCM', value: '123110', meaning: 'Artificial Intelligence' } },
      },
    ],
    labels: phantom.labels,
    series: {
      seriesInstanceUid: '2.25.31',
      sopInstanceUid: '2.25.32',
      seriesNumber: 300,
      instanceNumber: 1,
      contentDate: '20261204',
      contentTime: '000000',
      manufacturer: 'Delineate',
      manufacturerModelName: 'Delineate release export',
      deviceSerialNumber: 'none',
      softwareVersions: '0.1.0',
      seriesDescription: 'Ground truth',
    },
  };
}

describe.skipIf(!dciodvfyAvailable())('dciodvfy on the DICOM SEG writer', () => {
  let folder = '';
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'delineate-seg-'));
  });
  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('validates BINARY and FRACTIONAL segmentations as Segmentation with no errors or warnings', async () => {
    const binary = phantomInput();
    const fractions = new Map([1, 2].map((n) => [n, Uint8Array.from(phantom.labels, (v) => (v === n ? 230 : v !== 0 ? 20 : 0))]));
    const fractional: SegWriteInput = { ...binary, segmentationType: 'FRACTIONAL', labels: undefined, fractions };
    for (const [name, input] of [['binary', binary], ['fractional', fractional]] as const) {
      const path = join(folder, `${name}.dcm`);
      await writeFile(path, writeSegmentation(input));
      const report = runDciodvfy(path);
      expect(report.iod, report.output).toBe('Segmentation');
      expect(report.errors, report.output).toEqual([]);
      expect(report.warnings, report.output).toEqual([]);
    }
  });

  it('reports errors when a required attribute is missing', async () => {
    const bytes = writeSegmentation(phantomInput());
    // Blank the Segmentation Type value in place ("BINARY" → six spaces).
    const at = Buffer.from(bytes).indexOf('BINARY');
    const damaged = Uint8Array.from(bytes);
    damaged.fill(0x20, at, at + 6);
    const path = join(folder, 'damaged.dcm');
    await writeFile(path, damaged);
    expect(runDciodvfy(path).errors.length).toBeGreaterThan(0);
  });
});

describe('the shared DICOM SEG files', () => {
  for (const file of sharedSegmentationFiles) {
    it(`reads ${file} onto its grid with the voxel counts the file declares`, async () => {
      const bytes = await readSharedSegmentation(file);
      const declared = declaredSegmentation(bytes);
      const grid: SegTargetGrid = { rows: declared.rows, columns: declared.columns, pixelSpacing: declared.pixelSpacing, orientation: declared.orientation, positions: declared.positions };
      const seg = readSegmentation(bytes);
      const masks = segmentationOnGrid(seg, grid);
      const labels = labelVolumeOnGrid(seg, grid);
      expect(declared.counts.size).toBeGreaterThan(0);
      for (const [segment, count] of declared.counts) {
        let inLabels = 0;
        for (const v of labels) if (v === segment) inLabels += 1;
        expect(inLabels).toBe(count);
        if (seg.segmentationType === 'BINARY') expect(masks.get(segment)!.reduce((n, v) => n + v, 0)).toBe(count);
      }
    });
  }

  it('writes what it read from liver.dcm back as a valid SCT-coded BINARY segmentation that reads back the same', async () => {
    const bytes = await readSharedSegmentation('dicom/pydicom-data/liver.dcm');
    const declared = declaredSegmentation(bytes);
    const grid: SegTargetGrid = { rows: declared.rows, columns: declared.columns, pixelSpacing: declared.pixelSpacing, orientation: declared.orientation, positions: declared.positions };
    const labels = labelVolumeOnGrid(readSegmentation(bytes), grid);
    const input = phantomInput();
    const again = writeSegmentation({
      ...input,
      segments: [{ ...input.segments[0]!, number: 1 }],
      labels,
      source: {
        ...input.source,
        rows: grid.rows,
        columns: grid.columns,
        pixelSpacing: grid.pixelSpacing,
        orientation: grid.orientation,
        slices: grid.positions.map((position, k) => ({ sopClassUid: ctImageStorage, sopInstanceUid: `2.25.77${k}`, position })),
      },
    });
    // Compared as bytes: a deep equality over 786,432 elements takes seconds.
    expect(Buffer.compare(labelVolumeOnGrid(readSegmentation(again), grid), labels)).toBe(0);
    expect(labels.some((v) => v === 1)).toBe(true);
  });
});
