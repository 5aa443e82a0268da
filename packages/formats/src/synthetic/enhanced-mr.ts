import { DelineateError } from '@delineate/schema';
import { explicitVrLittleEndian, writePart10 } from './dcmjs-writer';
import { uidFromName } from './uids';

/** SOP Class UID of Enhanced MR Image Storage. */
export const enhancedMrImageStorage = '1.2.840.10008.5.1.4.1.1.4.1';

export interface EnhancedMrPhantomOptions {
  /** Frames (default 6), rows (default 16) and columns (default 20). */
  frames?: number;
  rows?: number;
  columns?: number;
  /** mm between columns, rows and slices (default 0.9, 0.8, 2.5). */
  spacing?: readonly [number, number, number];
  /**
   * The grid slice each frame holds, in frame order (default 0, 1, 2…): a permutation lets a
   * test check that a reader orders frames by their Plane Position, not by frame number.
   */
  frameSlices?: readonly number[];
  /** Seed of the UIDs (default 1). */
  seed?: number;
}

export interface EnhancedMrPhantom {
  bytes: Uint8Array;
  /** [columns, rows, slices]. */
  dims: readonly [number, number, number];
  spacing: readonly [number, number, number];
  /** Position of the first voxel of grid slice 0, mm. */
  origin: readonly [number, number, number];
  /** Row then column direction cosines: an oblique (tilted) plane. */
  orientation: readonly [number, number, number, number, number, number];
  frameSlices: readonly number[];
  uids: { study: string; series: string; instance: string };
}

/** Stored value of voxel (c, r) in grid slice z: the slice is readable from any voxel. */
export function enhancedMrPhantomValue(c: number, r: number, z: number): number {
  return 1000 + 10 * z + ((c + 2 * r) % 7);
}

const ds = (value: number): string => {
  const text = String(Number(value.toFixed(6)));
  return text === '-0' ? '0' : text;
};

/**
 * One Enhanced MR Image (a single multi-frame instance) whose frames are positioned by the
 * Per-frame Functional Groups (Plane Position) under a shared oblique orientation and pixel
 * measures: the way scanners store a 3D acquisition today. Synthetic identity, 16-bit pixels.
 */
export function generateEnhancedMrPhantom(options: EnhancedMrPhantomOptions = {}): EnhancedMrPhantom {
  const frames = options.frames ?? 6;
  const rows = options.rows ?? 16;
  const columns = options.columns ?? 20;
  for (const n of [frames, rows, columns]) {
    if (!Number.isInteger(n) || n < 1 || n > 1024) throw new DelineateError('DLN_REQUEST_INVALID', 'Phantom frames, rows and columns must be integers from 1 to 1024');
  }
  const spacing = options.spacing ?? ([0.9, 0.8, 2.5] as const);
  const frameSlices = options.frameSlices ?? Array.from({ length: frames }, (_, k) => k);
  if (frameSlices.length !== frames || new Set(frameSlices).size !== frames || frameSlices.some((z) => !Number.isInteger(z) || z < 0 || z >= frames)) {
    throw new DelineateError('DLN_REQUEST_INVALID', 'frameSlices must be a permutation of the frame indices');
  }
  // A plane tilted 30° about x: row direction +x, column direction (0, cos, -sin), normal (0, sin, cos).
  const angle = Math.PI / 6;
  const orientation = [1, 0, 0, 0, Number(ds(Math.cos(angle))), Number(ds(-Math.sin(angle)))] as const;
  const normal = [0, Math.sin(angle), Math.cos(angle)] as const;
  const origin = [-10, -20, 30] as const;
  const seed = options.seed ?? 1;
  const uid = (what: string) => uidFromName(`delineate/enhanced-mr-phantom/${seed}/${what}`);
  const uids = { study: uid('study'), series: uid('series'), instance: uid('instance') };
  const frameOfReference = uid('frame-of-reference');

  const pixels = new Uint16Array(frames * rows * columns);
  for (let f = 0; f < frames; f++) {
    const z = frameSlices[f]!;
    for (let r = 0; r < rows; r++) for (let c = 0; c < columns; c++) pixels[(f * rows + r) * columns + c] = enhancedMrPhantomValue(c, r, z);
  }
  const position = (z: number) => origin.map((o, i) => ds(o + z * spacing[2] * normal[i]!));
  const dataset: Record<string, unknown> = {
    SpecificCharacterSet: 'ISO_IR 100',
    ImageType: ['ORIGINAL', 'PRIMARY', 'M', 'NONE'],
    InstanceCreationDate: '20000101',
    InstanceCreationTime: '120000',
    SOPClassUID: enhancedMrImageStorage,
    SOPInstanceUID: uids.instance,
    StudyDate: '20000101',
    ContentDate: '20000101',
    StudyTime: '120000',
    ContentTime: '120000',
    AcquisitionDateTime: '20000101120000',
    AccessionNumber: '',
    Modality: 'MR',
    Manufacturer: 'Delineate (synthetic phantom)',
    ReferringPhysicianName: '',
    ManufacturerModelName: 'enhanced-mr-phantom',
    DeviceSerialNumber: 'SYNTHETIC',
    SoftwareVersions: '0.1',
    PatientName: 'Phantom^Enhanced',
    PatientID: 'PHANTOM-MR-0001',
    PatientBirthDate: '',
    PatientSex: 'O',
    StudyInstanceUID: uids.study,
    SeriesInstanceUID: uids.series,
    StudyID: 'PHANTOM',
    SeriesNumber: 1,
    InstanceNumber: 1,
    FrameOfReferenceUID: frameOfReference,
    PositionReferenceIndicator: '',
    ContentQualification: 'RESEARCH',
    ImageComments: 'Synthetic image: contains no patient data',
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    NumberOfFrames: frames,
    Rows: rows,
    Columns: columns,
    BitsAllocated: 16,
    BitsStored: 12,
    HighBit: 11,
    PixelRepresentation: 0,
    BurnedInAnnotation: 'NO',
    LossyImageCompression: '00',
    PresentationLUTShape: 'IDENTITY',
    SharedFunctionalGroupsSequence: [
      {
        PixelMeasuresSequence: [{ PixelSpacing: [ds(spacing[1]), ds(spacing[0])], SliceThickness: ds(spacing[2]) }],
        PlaneOrientationSequence: [{ ImageOrientationPatient: orientation.map(ds) }],
        PixelValueTransformationSequence: [{ RescaleIntercept: '0', RescaleSlope: '1', RescaleType: 'US' }],
      },
    ],
    PerFrameFunctionalGroupsSequence: frameSlices.map((z) => ({
      PlanePositionSequence: [{ ImagePositionPatient: position(z) }],
    })),
    PixelData: pixels.buffer,
    _vrMap: { PixelData: 'OW' },
  };
  const meta = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: enhancedMrImageStorage,
    MediaStorageSOPInstanceUID: uids.instance,
    TransferSyntaxUID: explicitVrLittleEndian,
    ImplementationClassUID: uidFromName('delineate/implementation-class'),
    ImplementationVersionName: 'DELINEATE_0_1',
  };
  return {
    bytes: writePart10(meta, dataset),
    dims: [columns, rows, frames],
    spacing,
    origin,
    orientation,
    frameSlices,
    uids,
  };
}
