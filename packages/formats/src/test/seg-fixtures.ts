import { ctImageStorage, generateCtPhantom, type CtPhantom } from '../synthetic/ct-phantom';
import type { SegmentDescription, SegSeries, SegSource } from '../seg/types';

/** The SEG source of a CT phantom: its UIDs, geometry and slice positions. */
export function phantomSegSource(phantom: CtPhantom): SegSource {
  const [columns, rows, slices] = phantom.dims;
  return {
    studyInstanceUid: phantom.uids.study,
    seriesInstanceUid: phantom.uids.series,
    frameOfReferenceUid: phantom.uids.frameOfReference,
    patientStudy: { patientName: 'PSEUDO^0001', patientId: 'SUBJ-0001', studyDate: '20000101', studyTime: '120000', studyId: '1', accessionNumber: '' },
    rows,
    columns,
    pixelSpacing: [phantom.spacing[1], phantom.spacing[0]],
    sliceThickness: phantom.spacing[2],
    orientation: phantom.orientation,
    slices: Array.from({ length: slices }, (_, k) => ({
      sopClassUid: ctImageStorage,
      sopInstanceUid: phantom.uids.instances[k]!,
      position: [phantom.origin[0], phantom.origin[1], phantom.origin[2] + k * phantom.spacing[2]] as const,
    })),
  };
}

export const phantomSegments: readonly SegmentDescription[] = [
  {
    number: 1,
    label: 'Liver',
    category: { scheme: 'SCT', value: '123037004', meaning: 'Anatomical Structure' },
    type: { scheme: 'SCT', value: '10200004', meaning: 'Liver' },
    algorithmType: 'MANUAL',
  },
  {
    number: 2,
    label: 'Liver lesion',
    category: { scheme: 'SCT', value: '49755003', meaning: 'Morphologically Altered Structure' },
    type: { scheme: 'SCT', value: '300331000', meaning: 'Lesion of liver' },
    algorithmType: 'AUTOMATIC',
    algorithm: { name: 'liver-net', version: '1.2.0', family: { scheme: 'DCM', value: '123110', meaning: 'Artificial Intelligence' } },
  },
];

export const testSegSeries: SegSeries = {
  seriesInstanceUid: '2.25.1111',
  sopInstanceUid: '2.25.2222',
  seriesNumber: 900,
  instanceNumber: 1,
  contentDate: '20260101',
  contentTime: '120000',
  manufacturer: 'Delineate',
  manufacturerModelName: 'Delineate',
  deviceSerialNumber: 'none',
  softwareVersions: '0.0.0-test',
};

/** A small phantom (40 × 48 × 12 by default) whose labels hold both the liver and a lesion. */
export function smallPhantom(size: { rows?: number; columns?: number } = {}): CtPhantom {
  const rows = size.rows ?? 48;
  const columns = size.columns ?? 40;
  return generateCtPhantom({ rows, columns, slices: 12, spacing: [320 / columns, 384 / rows, 20], noiseSigmaHu: 0, seed: 7 });
}
