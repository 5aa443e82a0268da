import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cineClassicInstances, cinePhantom, cineSegmentationInput, mrImageStorage, readSegmentation, writeSegmentation } from '@delineate/formats';
import { dciodvfyAvailable, runDciodvfy } from './dciodvfy';

const phantom = cinePhantom({ slices: 10, phases: 20, rows: 64, columns: 64, pixelSpacing: 2.8 });
const [columns, rows, slices] = phantom.dims;
const instances = cineClassicInstances(phantom);
/** The source image of each plane, phase by phase. */
const planes = Array.from({ length: slices * phantom.phases }, (_, plane) => {
  const slice = plane % slices;
  const phase = Math.floor(plane / slices);
  const file = instances.find((f) => f.slice === slice && f.phase === phase)!;
  return { sopClassUid: mrImageStorage, sopInstanceUid: file.sopInstanceUid, position: phantom.position(slice) };
});

function segmentation() {
  return writeSegmentation(
    cineSegmentationInput({
      source: {
        studyInstanceUid: phantom.uids.study,
        seriesInstanceUid: phantom.uids.series,
        frameOfReferenceUid: phantom.uids.frameOfReference,
        patientStudy: { patientName: 'PSEUDO^CINE', patientId: 'SUBJ-CINE', studyDate: '20000101', studyTime: '120000', studyId: 'S1' },
        rows,
        columns,
        pixelSpacing: [phantom.spacing[1], phantom.spacing[0]],
        orientation: phantom.orientation,
      },
      planes,
      labels: phantom.labels,
      map: 'mnms',
      series: {
        seriesInstanceUid: '2.25.4101',
        sopInstanceUid: '2.25.4102',
        seriesNumber: 301,
        instanceNumber: 1,
        contentDate: '20261205',
        contentTime: '000000',
        manufacturer: 'Delineate',
        manufacturerModelName: 'Delineate cine export',
        deviceSerialNumber: 'none',
        softwareVersions: '0.1.0',
      },
    }),
  );
}

describe.runIf(dciodvfyAvailable())('DICOM SEG of a cine', () => {
  let folder = '';
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'delineate-cine-seg-'));
  });
  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('passes dciodvfy, and each frame references the source image of its slice and phase', async () => {
    const bytes = segmentation();
    const path = join(folder, 'cine-seg.dcm');
    await writeFile(path, bytes);
    const report = runDciodvfy(path);
    expect(report.iod, report.output).toBe('Segmentation');
    expect(report.errors, report.output).toEqual([]);
    const read = readSegmentation(bytes);
    expect(read.segments.map((s) => [s.number, s.label])).toEqual([[1, 'LV blood pool'], [2, 'LV myocardium'], [3, 'RV blood pool']]);
    const byInstance = new Map(planes.map((p, plane) => [p.sopInstanceUid, plane]));
    const perPlane = rows * columns;
    for (let f = 0; f < read.frames.length; f++) {
      const frame = read.frames[f]!;
      const plane = byInstance.get(frame.referencedSopInstanceUids[0]!)!;
      expect(plane).toBeDefined();
      const pixels = read.framePixels(f);
      // The frame's pixels are exactly its segment's voxels of that plane.
      let expected = 0;
      let got = 0;
      for (let i = 0; i < perPlane; i++) {
        if (phantom.labels[plane * perPlane + i] === frame.segmentNumber) expected++;
        if (pixels[i]) got++;
      }
      expect(got).toBe(expected);
    }
  });
});
