import { getNumber, getString, transferSyntax, type DicomFile } from '@delineate/formats';
import { DelineateError, type Modality } from '@delineate/schema';

/** How large an image an item may be; a file beyond them never reaches the store. */
export interface IngestLimits {
  /** Rows, and columns, of one frame. */
  readonly maxRowsOrColumns: number;
  /** Frames of one file, and slices of one volume. */
  readonly maxSlices: number;
  /** Voxels of one item (rows × columns × slices). */
  readonly maxVoxelsPerItem: number;
}

/**
 * Room for the largest clinical images (mammography and radiography under 8 k, whole-body CT
 * of a few thousand slices) while keeping one item's 16-bit volume within 1 GiB: the viewer's
 * slab route and mask checks hold a volume's slices in memory.
 */
export const defaultIngestLimits: IngestLimits = {
  maxRowsOrColumns: 8192,
  maxSlices: 8192,
  maxVoxelsPerItem: 512 * 1024 * 1024,
};

const TRANSFER_SYNTAX_UID = 0x00020010;
const PIXEL_DATA = 0x7fe00010;

/** Refuses a grid beyond the limits (DLN_ITEM_GEOMETRY_TOO_LARGE). */
export function checkGridLimits(grid: { rows: number; columns: number; slices: number }, limits: IngestLimits): void {
  if (grid.rows > limits.maxRowsOrColumns || grid.columns > limits.maxRowsOrColumns) {
    throw new DelineateError('DLN_ITEM_GEOMETRY_TOO_LARGE', `An image has more than ${limits.maxRowsOrColumns} rows or columns`);
  }
  if (grid.slices > limits.maxSlices) throw new DelineateError('DLN_ITEM_GEOMETRY_TOO_LARGE', `An image or volume has more than ${limits.maxSlices} slices`);
  if (grid.rows * grid.columns * grid.slices > limits.maxVoxelsPerItem) {
    throw new DelineateError('DLN_ITEM_GEOMETRY_TOO_LARGE', `A volume has more than ${limits.maxVoxelsPerItem} voxels`);
  }
}

/**
 * Checks, from the header and the stored bytes alone (nothing is decoded), that a file's pixel
 * data can be what it declares: a known transfer syntax, encapsulated data exactly when the
 * syntax compresses, native data exactly as long as rows × columns × frames × samples × bits,
 * at least one fragment per frame, and a geometry within the limits. A crafted header that
 * declares a huge image over a few bytes is refused here, before anything is stored or decoded.
 */
export function checkStoredPixels(file: DicomFile, limits: IngestLimits): void {
  // A file with a meta group must name its syntax; a bare data set is implicit VR little endian.
  if (file.meta.elements.size > 0 && !getString(file.meta, TRANSFER_SYNTAX_UID)) {
    throw new DelineateError('DLN_INGEST_TRANSFER_SYNTAX', 'The file meta information names no transfer syntax');
  }
  const syntax = transferSyntax(file.transferSyntaxUid);
  if (!syntax) throw new DelineateError('DLN_INGEST_TRANSFER_SYNTAX', 'The transfer syntax is not one this platform knows');
  const pixels = file.dataset.get(PIXEL_DATA);
  if (!pixels) return;
  const encapsulated = pixels.fragments !== undefined;
  if (syntax.codec !== 'native' && !encapsulated) {
    throw new DelineateError('DLN_INGEST_TRANSFER_SYNTAX', 'A compressed transfer syntax names native (uncompressed) pixel data');
  }
  if (syntax.codec === 'native' && encapsulated) {
    throw new DelineateError('DLN_INGEST_TRANSFER_SYNTAX', 'A native transfer syntax names encapsulated (compressed) pixel data');
  }
  const ds = file.dataset;
  const rows = getNumber(ds, 0x00280010);
  const columns = getNumber(ds, 0x00280011);
  if (!rows || !columns) throw new DelineateError('DLN_DICOM_INVALID', 'An image lacks Rows or Columns');
  const frames = getNumber(ds, 0x00280008) ?? 1;
  if (!Number.isInteger(frames) || frames < 1) throw new DelineateError('DLN_DICOM_INVALID', 'Number of Frames is not a positive integer');
  checkGridLimits({ rows, columns, slices: frames }, limits);
  const samples = getNumber(ds, 0x00280002) ?? 1;
  const bitsAllocated = getNumber(ds, 0x00280100);
  if (samples !== 1 && samples !== 3) throw new DelineateError('DLN_DICOM_INVALID', 'Samples per Pixel is neither 1 nor 3');
  if (bitsAllocated === undefined || ![1, 8, 16, 32, 64].includes(bitsAllocated)) {
    throw new DelineateError('DLN_DICOM_INVALID', 'Bits Allocated is missing or not 1, 8, 16, 32 or 64');
  }
  if (encapsulated) {
    // The first item is the Basic Offset Table; a frame never shares a fragment with another.
    const fragments = (pixels.fragments?.length ?? 1) - 1;
    if (fragments < frames) throw new DelineateError('DLN_INGEST_PIXEL_LENGTH', 'The pixel data holds fewer fragments than frames');
    return;
  }
  const expected = Math.ceil((rows * columns * frames * samples * bitsAllocated) / 8);
  const actual = pixels.value?.length ?? 0;
  // Values are padded to an even length.
  if (actual !== expected && actual !== expected + (expected % 2)) {
    throw new DelineateError('DLN_INGEST_PIXEL_LENGTH', 'The pixel data length does not match Rows × Columns × Frames × Samples × Bits Allocated', { expected, actual });
  }
}

const MODALITY = 0x00080060;

/**
 * Refuses an image whose Modality the project does not accept (an MR series into a CT project):
 * its window presets, units and the annotators' qualifications would all be wrong. A missing or
 * unknown Modality is refused too, since nothing says it is one the project accepts. The message
 * names modalities only, which identify no one.
 */
export function checkModality(dataset: DicomFile['dataset'], accepted: readonly Modality[]): void {
  const modality = getString(dataset, MODALITY)?.trim() ?? '';
  if ((accepted as readonly string[]).includes(modality)) return;
  const allowed = accepted.join(', ');
  // Only a well-formed code is repeated: a free-text value could be anything, even a name.
  const known = /^[A-Z]{2,4}$/.test(modality);
  const reason = known
    ? `This project accepts ${allowed} images; this file is ${modality} (add ${modality} to the project's accepted modalities to take it)`
    : `This project accepts ${allowed} images; this file names no known Modality`;
  throw new DelineateError('DLN_INGEST_MODALITY', reason, { modality: known ? modality : null });
}
