import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DelineateError } from '@delineate/schema';
import { phantomAnatomy, type PhantomLesion, type PhantomLesionPlacement, type SliceGrid } from './ct-phantom-anatomy';
import { explicitVrLittleEndian, writePart10 } from './dcmjs-writer';
import { hashSeed, seededRandom } from '@delineate/core';
import { gaussianTable } from './random';
import { uidFromName } from './uids';

/** SOP Class UID of CT Image Storage. */
export const ctImageStorage = '1.2.840.10008.5.1.4.1.1.2';

export interface CtPhantomOptions {
  /** Number of axial slices (default 128). */
  slices?: number;
  /** Rows per slice (default 512). */
  rows?: number;
  /** Columns per slice (default 512). */
  columns?: number;
  /**
   * Voxel spacing in mm as [x (between columns), y (between rows), z (between slices)].
   * Default: a 400 × 400 × 256 mm field of view, i.e. 0.78125 × 0.78125 × 2 mm at 512×512×128.
   * The anatomy scales with the field of view; lesion diameters stay in mm.
   */
  spacing?: readonly [number, number, number];
  /** Seed of the noise and of the UIDs: the same seed gives byte-identical files (default 1). */
  seed?: number;
  /** Standard deviation of the Gaussian noise in HU (default 10; 0 for none). */
  noiseSigmaHu?: number;
  /** Synthetic identity written into the files (defaults: `Phantom^Liver`, `PHANTOM-0001`). */
  patientName?: string;
  patientId?: string;
  /** DICOM date (YYYYMMDD) of the synthetic study (default 20000101). */
  studyDate?: string;
  /** The liver lesions (default: the standard two); an empty list gives a liver without lesions. */
  lesions?: readonly PhantomLesionPlacement[];
}

export interface CtPhantomUids {
  study: string;
  series: string;
  frameOfReference: string;
  /** SOP Instance UIDs in slice order. */
  instances: readonly string[];
}

/** One file of the series. Slice `index` k has InstanceNumber k+1 and z = origin[2] + k·spacing[2]. */
export interface CtPhantomSlice {
  index: number;
  fileName: string;
  bytes: Uint8Array;
}

/**
 * Geometry of the series and of the label volume. Volumes are x-fastest: voxel (c, r, k) is
 * at `c + columns·(r + rows·k)`; x runs along the rows towards the patient's left, y down the
 * columns towards posterior, z with the slice index towards the head (ImageOrientationPatient
 * 1\0\0\0\1\0, so the slice normal is +z).
 */
export interface CtPhantomGeometry {
  /** [columns, rows, slices]. */
  dims: readonly [number, number, number];
  /** mm, [x, y, z]. */
  spacing: readonly [number, number, number];
  /** ImagePositionPatient of the first slice (centre of its first voxel), mm. Slice k is at z = origin[2] + k·spacing[2]. */
  origin: readonly [number, number, number];
  orientation: readonly [number, number, number, number, number, number];
}

export interface CtPhantom extends CtPhantomGeometry {
  slices: CtPhantomSlice[];
  /** Ground truth: {@link phantomLabelValues} (0 background, 1 liver, 2 lesion), one byte per voxel. */
  labels: Uint8Array;
  uids: CtPhantomUids;
  lesions: readonly PhantomLesion[];
}

export interface WrittenCtPhantom extends CtPhantomGeometry {
  /** Absolute paths of the written files in slice order. */
  files: string[];
  labels: Uint8Array;
  uids: CtPhantomUids;
  lesions: readonly PhantomLesion[];
}

interface PhantomPlan extends CtPhantomGeometry {
  labels: Uint8Array;
  uids: CtPhantomUids;
  lesions: readonly PhantomLesion[];
  renderSlice(index: number): CtPhantomSlice;
}

/** Builds the whole series in memory (about 0.5 MB per 512×512 slice). */
export function generateCtPhantom(options: CtPhantomOptions = {}): CtPhantom {
  const plan = planCtPhantom(options);
  const slices: CtPhantomSlice[] = [];
  for (let k = 0; k < plan.dims[2]; k++) slices.push(plan.renderSlice(k));
  return { ...geometryOf(plan), slices, labels: plan.labels, uids: plan.uids, lesions: plan.lesions };
}

/**
 * Writes the series into `folder` (created if missing) one slice at a time, so only one
 * slice's pixels are held at once besides the label volume. `onProgress(done, total)` is
 * called after each file.
 */
export async function writeCtPhantom(
  folder: string,
  options: CtPhantomOptions = {},
  onProgress?: (done: number, total: number) => void,
): Promise<WrittenCtPhantom> {
  const plan = planCtPhantom(options);
  await mkdir(folder, { recursive: true });
  const files: string[] = [];
  const total = plan.dims[2];
  for (let k = 0; k < total; k++) {
    const slice = plan.renderSlice(k);
    const path = join(folder, slice.fileName);
    await writeFile(path, slice.bytes);
    files.push(path);
    onProgress?.(k + 1, total);
  }
  return { ...geometryOf(plan), files, labels: plan.labels, uids: plan.uids, lesions: plan.lesions };
}

function geometryOf(plan: CtPhantomGeometry): CtPhantomGeometry {
  return { dims: plan.dims, spacing: plan.spacing, origin: plan.origin, orientation: plan.orientation };
}

const maxDimension = 4096;

function planCtPhantom(options: CtPhantomOptions): PhantomPlan {
  const slices = options.slices ?? 128;
  const rows = options.rows ?? 512;
  const columns = options.columns ?? 512;
  for (const [name, n] of [['slices', slices], ['rows', rows], ['columns', columns]] as const) {
    if (!Number.isInteger(n) || n < 1 || n > maxDimension) {
      throw new DelineateError('DLN_REQUEST_INVALID', `Phantom ${name} must be an integer from 1 to ${maxDimension}`);
    }
  }
  const spacing = options.spacing ?? ([400 / columns, 400 / rows, 256 / slices] as const);
  if (spacing.length !== 3 || !spacing.every((d) => d >= 0.001 && d <= 1000)) {
    throw new DelineateError('DLN_REQUEST_INVALID', 'Phantom spacing must be three numbers from 0.001 to 1000 mm');
  }
  const noiseSigma = options.noiseSigmaHu ?? 10;
  if (!(noiseSigma >= 0 && noiseSigma <= 200)) {
    throw new DelineateError('DLN_REQUEST_INVALID', 'Phantom noise must be from 0 to 200 HU');
  }
  const seed = options.seed ?? 1;
  // Geometry is rounded to what the decimal strings in the files can hold, so the returned
  // spacing and origin are exactly the values a reader of the files gets.
  const [dx, dy, dz] = spacing.map((d) => Number(ds(d))) as [number, number, number];
  const origin = [
    Number(ds((-(columns - 1) / 2) * dx)),
    Number(ds((-(rows - 1) / 2) * dy)),
    Number(ds((-(slices - 1) / 2) * dz)),
  ] as const;
  const orientation = [1, 0, 0, 0, 1, 0] as const;
  for (const l of options.lesions ?? []) {
    if (!(l.diameterMm > 0 && l.diameterMm <= 200) || !l.at.every((f) => Math.abs(f) <= 1)) {
      throw new DelineateError('DLN_REQUEST_INVALID', 'A phantom lesion needs a diameter from 0 to 200 mm and a place inside the field of view');
    }
  }
  const anatomy = phantomAnatomy({ halfX: (columns * dx) / 2, halfY: (rows * dy) / 2, halfZ: (slices * dz) / 2 }, options.lesions);
  const grid: SliceGrid = { columns, rows, x0: origin[0], y0: origin[1], dx, dy };

  const uidName = (what: string): string => uidFromName(`delineate/ct-phantom/${seed}/${what}`);
  const uids: CtPhantomUids = {
    study: uidName('study'),
    series: uidName('series'),
    frameOfReference: uidName('frame-of-reference'),
    instances: Array.from({ length: slices }, (_, k) => uidName(`instance/${k}`)),
  };

  const pixelsPerSlice = rows * columns;
  const labels = new Uint8Array(pixelsPerSlice * slices);
  const noise = gaussianTable(seededRandom(hashSeed(`noise-table/${seed}`)), noiseSigma);
  const hu = new Int16Array(pixelsPerSlice);
  const nameWidth = Math.max(4, String(slices).length);
  const base = baseDataset(options, uids, { rows, columns, dx, dy, dz });

  function renderSlice(k: number): CtPhantomSlice {
    const z = origin[2] + k * dz;
    const sliceLabels = labels.subarray(k * pixelsPerSlice, (k + 1) * pixelsPerSlice);
    anatomy.paintSlice(z, grid, hu, sliceLabels);
    const stored = storedPixels(hu, noise, seededRandom(hashSeed(`noise/${seed}/${k}`)));
    const sopInstanceUid = uids.instances[k]!;
    const dataset = {
      ...base,
      SOPInstanceUID: sopInstanceUid,
      InstanceNumber: k + 1,
      ImagePositionPatient: [ds(origin[0]), ds(origin[1]), ds(z)],
      SliceLocation: ds(z),
      PixelData: stored.buffer,
    };
    const meta = {
      FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
      MediaStorageSOPClassUID: ctImageStorage,
      MediaStorageSOPInstanceUID: sopInstanceUid,
      TransferSyntaxUID: explicitVrLittleEndian,
      ImplementationClassUID: implementationClassUid,
      ImplementationVersionName: 'DELINEATE_0_1',
    };
    return { index: k, fileName: `CT${String(k + 1).padStart(nameWidth, '0')}.dcm`, bytes: writePart10(meta, dataset) };
  }

  return { dims: [columns, rows, slices], spacing: [dx, dy, dz], origin, orientation, labels, uids, lesions: anatomy.lesions, renderSlice };
}

const implementationClassUid = uidFromName('delineate/implementation-class');
/** Stored value = HU − intercept. */
const rescaleIntercept = -1024;
const maxStored = 4095;

if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  // Pixel data is written straight from an Int16Array, which is little endian only on such hosts.
  throw new DelineateError('DLN_INTERNAL', 'The CT phantom generator needs a little-endian host');
}

/** HU plus noise, as stored values (HU − intercept) clamped to 0..4095 (12 bits used of 16). */
function storedPixels(hu: Int16Array, noise: Int16Array, random: ReturnType<typeof seededRandom>): Int16Array {
  const out = new Int16Array(hu.length);
  for (let i = 0; i < hu.length; i += 2) {
    const bits = random.nextUint32();
    const a = hu[i]! - rescaleIntercept + noise[bits & 0xffff]!;
    out[i] = a < 0 ? 0 : a > maxStored ? maxStored : a;
    if (i + 1 < hu.length) {
      const b = hu[i + 1]! - rescaleIntercept + noise[bits >>> 16]!;
      out[i + 1] = b < 0 ? 0 : b > maxStored ? maxStored : b;
    }
  }
  return out;
}

/** A DICOM decimal string (at most 16 characters) for a coordinate or spacing in mm. */
function ds(value: number): string {
  const text = String(Number(value.toFixed(6)));
  return text === '-0' ? '0' : text;
}

function baseDataset(
  options: CtPhantomOptions,
  uids: CtPhantomUids,
  g: { rows: number; columns: number; dx: number; dy: number; dz: number },
): Record<string, unknown> {
  const studyDate = options.studyDate ?? '20000101';
  if (!/^\d{8}$/.test(studyDate)) throw new DelineateError('DLN_REQUEST_INVALID', 'Phantom study date must be YYYYMMDD');
  const patientName = options.patientName ?? 'Phantom^Liver';
  const patientId = options.patientId ?? 'PHANTOM-0001';
  for (const value of [patientName, patientId]) {
    if (!/^[\x20-\x5b\x5d-\x7e]{1,64}$/.test(value)) {
      throw new DelineateError('DLN_REQUEST_INVALID', 'Phantom patient name and ID must be 1 to 64 printable ASCII characters without a backslash');
    }
  }
  return {
    SpecificCharacterSet: 'ISO_IR 100',
    ImageType: ['DERIVED', 'SECONDARY', 'AXIAL'],
    SOPClassUID: ctImageStorage,
    StudyDate: studyDate,
    SeriesDate: studyDate,
    ContentDate: studyDate,
    StudyTime: '120000',
    SeriesTime: '120000',
    ContentTime: '120000',
    AccessionNumber: '',
    Modality: 'CT',
    Manufacturer: 'Delineate (synthetic phantom)',
    ReferringPhysicianName: '',
    StudyDescription: 'SYNTHETIC liver CT phantom - not a patient',
    SeriesDescription: 'SYNTHETIC axial CT phantom',
    ManufacturerModelName: 'ct-phantom',
    DerivationDescription: 'Computed phantom generated by Delineate; no patient was imaged',
    PatientName: patientName,
    PatientID: patientId,
    PatientBirthDate: '',
    PatientSex: 'O',
    BodyPartExamined: 'ABDOMEN',
    SliceThickness: ds(g.dz),
    KVP: '120',
    SpacingBetweenSlices: ds(g.dz),
    PatientPosition: 'HFS',
    StudyInstanceUID: uids.study,
    SeriesInstanceUID: uids.series,
    StudyID: 'PHANTOM',
    SeriesNumber: 1,
    AcquisitionNumber: 1,
    ImageOrientationPatient: ['1', '0', '0', '0', '1', '0'],
    FrameOfReferenceUID: uids.frameOfReference,
    PositionReferenceIndicator: '',
    ImageComments: 'Synthetic image: contains no patient data',
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    Rows: g.rows,
    Columns: g.columns,
    PixelSpacing: [ds(g.dy), ds(g.dx)],
    BitsAllocated: 16,
    BitsStored: 16,
    HighBit: 15,
    PixelRepresentation: 1,
    WindowCenter: '40',
    WindowWidth: '400',
    RescaleIntercept: String(rescaleIntercept),
    RescaleSlope: '1',
    RescaleType: 'HU',
    _vrMap: { PixelData: 'OW' },
  };
}

