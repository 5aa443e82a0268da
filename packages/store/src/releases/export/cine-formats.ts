import { cineSegmentationInput, encodeCineNifti, getNumber, getString, niftiAffineFromGeometry, readDicomFile, tag, writeSegmentation, type SegSourceSlice } from '@delineate/formats';
import { DelineateError, type ManifestCine, type ManifestItem } from '@delineate/schema';
import type { ExportItemInput, ReleaseExportFormat } from './formats';
import { seriesOf } from './seg-formats';
import { segSourceOf } from './seg-source';

const T = { sopClass: tag(0x0008, 0x0016), sopInstance: tag(0x0008, 0x0018), instanceNumber: tag(0x0020, 0x0013), position: tag(0x0020, 0x0032), triggerTime: tag(0x0018, 0x1060) };

function cineOf(item: ManifestItem): ManifestCine {
  if (!item.cine) throw new DelineateError('DLN_RELEASE_EXPORT_SOURCE', 'This release item is not a cardiac cine');
  return item.cine;
}

/** The released labels as the 4-D stack they are (x, y, slice, phase), in the manifest's map. */
function stackOf(input: ExportItemInput) {
  const cine = cineOf(input.item);
  const [columns, rows] = input.item.geometry.dims;
  return { columns, rows, slices: cine.slices, phases: cine.phases, spacing: input.item.geometry.spacing, data: input.mask };
}

/** Seconds between phases from the trigger times (0 when they are not recorded). */
function secondsPerPhase(cine: ManifestCine): number {
  const [a, b] = cine.triggerTimes;
  return a !== undefined && b !== undefined && a !== null && b !== null ? (b - a) / 1000 : 0;
}

/** 4-D NIfTI-1 (x, y, slice, phase) in the cardiac map the manifest names, which the file names too (ACDC and M&Ms swap LV and RV). */
export const cineNiftiFormat: ReleaseExportFormat = {
  key: 'cine-nifti',
  title: 'Cardiac cine: 4-D NIfTI-1 label maps (x, y, slice, phase) in the ACDC or M&Ms map the manifest names',
  itemKinds: ['cine'],
  async itemFiles(input) {
    const cine = cineOf(input.item);
    const bytes = encodeCineNifti({ stack: stackOf(input), from: cine.labelMap, to: cine.labelMap, secondsPerPhase: secondsPerPhase(cine), affine: niftiAffineFromGeometry(input.item.geometry), gzip: true });
    return [{ path: `${input.folder}/cine-${cine.labelMap}.nii.gz`, bytes }];
  },
};

/**
 * The source image of every plane (phase · slices + slice) of a classic cine: instances are put at
 * their slice by position along the normal, and a slice's phases ordered by trigger time.
 */
export function cinePlanes(item: ManifestItem, instances: readonly Uint8Array[]): { source: ReturnType<typeof segSourceOf>; planes: SegSourceSlice[] } {
  const cine = cineOf(item);
  const { dims, spacing, origin, direction: d } = item.geometry;
  if (instances.length !== cine.slices * cine.phases) {
    throw new DelineateError('DLN_RELEASE_EXPORT_SOURCE', 'The cine’s source is not one image per slice and phase (a multi-frame cine is not exported as SEG yet)', { planes: cine.slices * cine.phases, instances: instances.length });
  }
  const normal = [d[6]!, d[7]!, d[8]!];
  const bySlice = Array.from({ length: cine.slices }, () => [] as Array<{ bytes: Uint8Array; sopClassUid: string; sopInstanceUid: string; time: number; number: number }>);
  for (const bytes of instances) {
    const ds = readDicomFile(bytes).dataset;
    const ipp = (getString(ds, T.position) ?? '').split('\\').map(Number);
    const k = Math.round([0, 1, 2].reduce((s, a) => s + ((ipp[a] ?? NaN) - origin[a]!) * normal[a]!, 0) / spacing[2]);
    const slice = bySlice[k];
    if (!slice) throw new DelineateError('DLN_RELEASE_EXPORT_SOURCE', 'A source instance is not on a slice of the cine');
    slice.push({ bytes, sopClassUid: getString(ds, T.sopClass) ?? '', sopInstanceUid: getString(ds, T.sopInstance) ?? '', time: getNumber(ds, T.triggerTime) ?? NaN, number: getNumber(ds, T.instanceNumber) ?? 0 });
  }
  for (const s of bySlice) {
    if (s.length !== cine.phases) throw new DelineateError('DLN_RELEASE_EXPORT_SOURCE', 'A slice of the cine does not have one image per phase');
    s.sort((x, y) => x.time - y.time || x.number - y.number);
  }
  // The patient, study and frame of reference come from the phase-0 images, one per slice.
  const source = segSourceOf({ geometry: { ...item.geometry, dims: [dims[0], dims[1], cine.slices] } }, bySlice.map((s) => s[0]!.bytes));
  const planes = Array.from({ length: cine.slices * cine.phases }, (_, plane) => {
    const slice = plane % cine.slices;
    const image = bySlice[slice]![Math.floor(plane / cine.slices)]!;
    return { sopClassUid: image.sopClassUid, sopInstanceUid: image.sopInstanceUid, position: source.slices[slice]!.position };
  });
  return { source, planes };
}

/** One DICOM SEG: every plane of every phase a frame referencing its source image; segment numbers are the named map's values. */
export const cineSegFormat: ReleaseExportFormat = {
  key: 'cine-seg',
  title: 'Cardiac cine: DICOM SEG, one frame per slice and phase, segments numbered by the ACDC or M&Ms map the manifest names',
  itemKinds: ['cine'],
  async itemFiles(input) {
    if (input.item.labelKeys.length === 0) return [];
    const cine = cineOf(input.item);
    const { source, planes } = cinePlanes(input.item, await input.sourceInstances());
    const { slices: _planes, ...rest } = source;
    const seg = cineSegmentationInput({ source: rest, planes, labels: input.mask, map: cine.labelMap, series: seriesOf(input, 'cine-seg', 9101, 'CINE', `Released cine segmentation (${cine.labelMap})`) });
    return [{ path: `${input.folder}/cine-seg-${cine.labelMap}.dcm`, bytes: writeSegmentation(seg) }];
  },
};
