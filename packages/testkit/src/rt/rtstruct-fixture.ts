import { deriveStructure, gridOf, isotropicMargin, labelMap, writeDerived } from '@delineate/core';
import { ctImageStorage, type CtPhantomGeometry, type RtStructWriteInput } from '@delineate/formats';

/** The phantom options of the RT tests: a CT of 96 × 96 × 16 at 3.5 × 3.5 × 5 mm. */
export const rtPhantomOptions = { rows: 96, columns: 96, slices: 16, spacing: [3.5, 3.5, 5] as const, noiseSigmaHu: 0, seed: 11 };

/**
 * A structure set of a phantom: the liver (organ), the lesion as GTV and a CTV grown 7 mm
 * from it; the label map keeps the CTV ring as label 3 around the GTV, and the CTV ROI is the
 * GTV and its ring together, as radiotherapy draws it.
 */
export function phantomStructureSet(phantom: CtPhantomGeometry & { labels: Uint8Array; uids: { study: string; series: string; frameOfReference: string; instances: readonly string[] } }): RtStructWriteInput {
  const [columns, rows, slices] = phantom.dims;
  const map = labelMap(gridOf(phantom.dims, phantom.spacing), phantom.labels);
  const ctv = deriveStructure(map, { kind: 'margin', sources: [2], margin: isotropicMargin(7), clips: [] });
  // The CTV ring takes liver voxels too (a target wins over the organ in one label map).
  const withRing = writeDerived(labelMap(map.grid, Uint8Array.from(map.data, (v) => (v === 1 ? 0 : v))), 3, ctv).data as Uint8Array;
  const labels = Uint8Array.from(phantom.labels, (v, i) => (withRing[i] === 3 ? 3 : v));
  return {
    source: {
      studyInstanceUid: phantom.uids.study,
      seriesInstanceUid: phantom.uids.series,
      frameOfReferenceUid: phantom.uids.frameOfReference,
      patientStudy: { patientName: 'PSEUDO^RT1', patientId: 'SUBJ-RT1', studyDate: '20000101', studyTime: '120000', studyId: 'S1' },
      rows,
      columns,
      pixelSpacing: [phantom.spacing[1], phantom.spacing[0]],
      sliceThickness: phantom.spacing[2],
      orientation: phantom.orientation,
      slices: Array.from({ length: slices }, (_, k) => ({
        sopClassUid: ctImageStorage,
        sopInstanceUid: phantom.uids.instances[k] ?? '',
        position: [phantom.origin[0], phantom.origin[1], phantom.origin[2] + k * phantom.spacing[2]] as const,
      })),
    },
    series: {
      seriesInstanceUid: '2.25.4101',
      sopInstanceUid: '2.25.4102',
      seriesNumber: 901,
      instanceNumber: 1,
      contentDate: '20261205',
      contentTime: '060000',
      manufacturer: 'Delineate',
      manufacturerModelName: 'Delineate release export',
      deviceSerialNumber: 'none',
      softwareVersions: '0.1.0',
      seriesDescription: 'Structure set',
      structureSetLabel: 'RELEASE',
    },
    rois: [
      { number: 1, name: 'Liver', colour: [200, 120, 60], interpretedType: 'ORGAN', concept: { scheme: 'SCT', value: '10200004', meaning: 'Liver structure' }, values: [1] },
      { number: 2, name: 'GTV', colour: [230, 25, 75], interpretedType: 'GTV', concept: { scheme: 'DCM', value: '130052', meaning: 'GTV Primary' }, values: [2] },
      { number: 3, name: 'CTV', colour: [255, 225, 25], interpretedType: 'CTV', concept: { scheme: 'SCT', value: '228792002', meaning: 'Clinical Target Volume' }, values: [2, 3] },
    ],
    labels,
  };
}
