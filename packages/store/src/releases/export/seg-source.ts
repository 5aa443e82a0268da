import { getNumber, getString, readDicomFile, tag, type DicomDataset, type SegSource } from '@delineate/formats';
import { DelineateError, type ManifestItem } from '@delineate/schema';

const T = {
  sopClass: tag(0x0008, 0x0016),
  sopInstance: tag(0x0008, 0x0018),
  studyDate: tag(0x0008, 0x0020),
  studyTime: tag(0x0008, 0x0030),
  accession: tag(0x0008, 0x0050),
  referring: tag(0x0008, 0x0090),
  patientName: tag(0x0010, 0x0010),
  patientId: tag(0x0010, 0x0020),
  birthDate: tag(0x0010, 0x0030),
  sex: tag(0x0010, 0x0040),
  sliceThickness: tag(0x0018, 0x0050),
  studyUid: tag(0x0020, 0x000d),
  seriesUid: tag(0x0020, 0x000e),
  studyId: tag(0x0020, 0x0010),
  position: tag(0x0020, 0x0032),
  frameOfReference: tag(0x0020, 0x0052),
};

/** The UIDs and pseudonymous patient and study values a SEG copies from its de-identified source. */
export function sourceIdentityOf(ds: DicomDataset): Pick<SegSource, 'studyInstanceUid' | 'seriesInstanceUid' | 'frameOfReferenceUid' | 'patientStudy'> {
  const text = (t: number) => getString(ds, t) ?? '';
  const optional = (t: number) => getString(ds, t) || undefined;
  return {
    studyInstanceUid: text(T.studyUid),
    seriesInstanceUid: text(T.seriesUid),
    frameOfReferenceUid: text(T.frameOfReference),
    patientStudy: {
      patientName: text(T.patientName),
      patientId: text(T.patientId),
      patientBirthDate: optional(T.birthDate),
      patientSex: optional(T.sex),
      studyDate: optional(T.studyDate),
      studyTime: optional(T.studyTime),
      studyId: optional(T.studyId),
      accessionNumber: optional(T.accession),
      referringPhysicianName: optional(T.referring),
    },
  };
}

/**
 * The SEG source of a released item: UIDs and pseudonymous patient/study values from its
 * de-identified instances, the geometry from the manifest (the grid the masks are on). Each
 * instance is placed at its slice by its position along the slice normal, so the frames reference
 * the instance that is actually at that slice.
 */
export function segSourceOf(item: Pick<ManifestItem, 'geometry'>, instances: readonly Uint8Array[]): SegSource {
  const { dims, spacing, origin, direction: d } = item.geometry;
  const [columns, rows, slices] = dims;
  if (instances.length !== slices) throw new DelineateError('DLN_RELEASE_EXPORT_SOURCE', 'The item’s source instances do not match its grid', { slices, instances: instances.length });
  const normal = [d[6]!, d[7]!, d[8]!];
  const positions = Array.from({ length: slices }, (_, k) => [0, 1, 2].map((a) => origin[a]! + k * spacing[2] * normal[a]!) as unknown as readonly [number, number, number]);
  const bySlice = new Array<{ sopClassUid: string; sopInstanceUid: string } | undefined>(slices);
  let first: ReturnType<typeof readDicomFile>['dataset'] | undefined;
  for (const bytes of instances) {
    const ds = readDicomFile(bytes).dataset;
    first ??= ds;
    const ipp = (getString(ds, T.position) ?? '').split('\\').map(Number);
    const along = [0, 1, 2].reduce((s, a) => s + ((ipp[a] ?? NaN) - origin[a]!) * normal[a]!, 0);
    const k = Math.round(along / spacing[2]);
    if (!Number.isFinite(along) || k < 0 || k >= slices || bySlice[k]) throw new DelineateError('DLN_RELEASE_EXPORT_SOURCE', 'A source instance is not on a slice of the item’s grid');
    bySlice[k] = { sopClassUid: getString(ds, T.sopClass) ?? '', sopInstanceUid: getString(ds, T.sopInstance) ?? '' };
  }
  const ds = first!;
  return {
    ...sourceIdentityOf(ds),
    rows,
    columns,
    pixelSpacing: [spacing[1], spacing[0]],
    sliceThickness: getNumber(ds, T.sliceThickness),
    orientation: [d[0]!, d[1]!, d[2]!, d[3]!, d[4]!, d[5]!],
    slices: positions.map((position, k) => ({ ...bySlice[k]!, position })),
  };
}
