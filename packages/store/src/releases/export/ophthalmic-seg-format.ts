import { frameFunctionalGroup, getNumber, getString, OPHTHALMIC_TOMOGRAPHY_IMAGE_STORAGE, readDicomFile, writeSegmentation, type SegSource } from '@delineate/formats';
import { DelineateError } from '@delineate/schema';
import type { ReleaseExportFormat } from './formats';
import { itemProvenance, labelsAsSegments, segmentsForLabels, seriesOf } from './seg-formats';
import { sourceIdentityOf } from './seg-source';

const T = {
  sopClass: 0x00080016,
  sopInstance: 0x00080018,
  frames: 0x00280008,
  rows: 0x00280010,
  columns: 0x00280011,
  pixelSpacing: 0x00280030,
  patientOrientation: 0x00200020,
  sliceThickness: 0x00180050,
  position: 0x00200032,
  orientation: 0x00200037,
  pixelMeasures: 0x00289110,
  planePosition: 0x00209113,
  planeOrientation: 0x00209116,
};

/** The platform's private coding scheme (PS3.16 8.2) for concepts its label schemas code LOCAL. */
export const PRIVATE_SCHEME = '99DLN';

const numbers = (text: string | undefined): number[] => (text ? text.split('\\').map(Number) : []);
const finite = (values: number[], length: number) => values.length === length && values.every(Number.isFinite);

function refuse(message: string): never {
  throw new DelineateError('DLN_RELEASE_EXPORT_SOURCE', message);
}

/**
 * The SEG source of an ophthalmic item from its one de-identified instance. An OCT volume is one
 * Ophthalmic Tomography instance: slice k is its frame k + 1 (Referenced Frame Number), placed
 * in the OPT's Frame of Reference at the frame's Plane Position with the shared orientation and
 * Pixel Measures. An OPT that lacks any of those, and every photograph (Ophthalmic Photography,
 * a Secondary Capture fundus: no Frame of Reference in their IODs), gives a SEG without patient
 * geometry whose frames are located by the image and frame they reference (and their place in
 * the stack), with the source's pixel spacing when it states one.
 */
export function ophthalmicSegSource(instance: Uint8Array): SegSource {
  const ds = readDicomFile(instance).dataset;
  const sopClassUid = getString(ds, T.sopClass) ?? '';
  const sopInstanceUid = getString(ds, T.sopInstance) ?? '';
  const rows = getNumber(ds, T.rows);
  const columns = getNumber(ds, T.columns);
  const frames = getNumber(ds, T.frames) ?? 1;
  if (!rows || !columns) refuse('The item’s source instance has no rows or columns');
  const identity = sourceIdentityOf(ds);
  const unplaced = { frameOfReferenceUid: '', orientation: [1, 0, 0, 0, 1, 0] as const, position: [0, 0, 0] as const };
  if (sopClassUid !== OPHTHALMIC_TOMOGRAPHY_IMAGE_STORAGE) {
    if (frames !== 1) refuse('A photograph’s SEG needs a single-frame source');
    const spacing = numbers(getString(ds, T.pixelSpacing));
    const pixelSpacing = finite(spacing, 2) && spacing.every((v) => v > 0) ? ([spacing[0]!, spacing[1]!] as const) : undefined;
    return {
      ...identity,
      frameOfReferenceUid: unplaced.frameOfReferenceUid,
      rows,
      columns,
      pixelSpacing: pixelSpacing ?? [1, 1],
      orientation: unplaced.orientation,
      slices: [{ sopClassUid, sopInstanceUid, position: unplaced.position }],
      withoutPatientGeometry: { ...(pixelSpacing ? { pixelSpacing } : {}), patientOrientation: getString(ds, T.patientOrientation) ?? '' },
    };
  }
  const measures = frameFunctionalGroup(ds, 0, T.pixelMeasures);
  const spacing = numbers(measures ? getString(measures, T.pixelSpacing) : undefined);
  if (!finite(spacing, 2)) refuse('The OPT gives no pixel spacing');
  const pixelSpacing = [spacing[0]!, spacing[1]!] as const;
  const orientationItem = frameFunctionalGroup(ds, 0, T.planeOrientation);
  const orientation = numbers(orientationItem ? getString(orientationItem, T.orientation) : undefined);
  const positions = Array.from({ length: frames }, (_, k) => {
    const plane = frameFunctionalGroup(ds, k, T.planePosition);
    return numbers(plane ? getString(plane, T.position) : undefined);
  });
  const placed = identity.frameOfReferenceUid !== '' && finite(orientation, 6) && positions.every((p) => finite(p, 3));
  const slices = positions.map((p, k) => ({
    sopClassUid,
    sopInstanceUid,
    position: placed ? ([p[0]!, p[1]!, p[2]!] as const) : unplaced.position,
    referencedFrameNumber: k + 1,
  }));
  const thickness = measures ? getNumber(measures, T.sliceThickness) : undefined;
  return {
    ...identity,
    ...(placed ? {} : { frameOfReferenceUid: '', withoutPatientGeometry: { pixelSpacing, patientOrientation: '' } }),
    rows,
    columns,
    pixelSpacing,
    ...(thickness !== undefined ? { sliceThickness: thickness } : {}),
    orientation: placed ? (orientation as unknown as SegSource['orientation']) : unplaced.orientation,
    slices,
  };
}

/**
 * DICOM SEG BINARY over the ophthalmic source itself: fluid, PED and drusen of an OCT volume on
 * the OPT's frames, disc and cup of a fundus photograph on its one image. Items of other
 * modalities get no file here (the generic SEG formats serve them).
 */
export const ophthalmicSegFormat: ReleaseExportFormat = {
  key: 'seg-ophthalmic',
  title: 'DICOM SEG over the OCT (OPT frames) or fundus photograph (OP image): fluid, PED, drusen, disc and cup',
  async itemFiles(input) {
    if (input.item.modality !== 'OPT' && input.item.modality !== 'OP') return [];
    if (input.item.labelKeys.length === 0) return [];
    const instances = await input.sourceInstances();
    if (instances.length !== 1) refuse('An ophthalmic item has one source instance');
    const source = ophthalmicSegSource(instances[0]!);
    if (source.rows * source.columns * source.slices.length !== input.mask.length) refuse('The item’s source instance does not match its grid');
    const described = segmentsForLabels(
      input.labelSchema.labels.filter((l) => input.item.labelKeys.includes(l.key)),
      itemProvenance(input.item),
    );
    const { numberOf } = described;
    // Concepts with no SNOMED CT code (scheme LOCAL) go out in the platform's private scheme.
    const segments = described.segments.map((s) => (s.type.scheme === 'LOCAL' ? { ...s, type: { ...s.type, scheme: PRIVATE_SCHEME } } : s));
    const labels = labelsAsSegments(input.mask, numberOf);
    if (!labels.some((v) => v !== 0)) return [];
    const series = seriesOf(input, 'seg-ophthalmic', 9005, 'SEGMENTATION', input.item.modality === 'OPT' ? 'Released OCT segmentation' : 'Released optic disc and cup');
    return [{ path: `${input.folder}/seg-ophthalmic.dcm`, bytes: writeSegmentation({ segmentationType: 'BINARY', source, segments, labels, series }) }];
  },
};
