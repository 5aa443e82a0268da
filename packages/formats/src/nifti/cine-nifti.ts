import { gunzipSync, gzipSync } from 'node:zlib';
import { cardiacLabelMaps, gridOf, relabelCardiac, type CardiacLabelMapName, type CineLabelStack } from '@delineate/core';
import { DelineateError } from '@delineate/schema';
import { maxDecodedBytes } from '../decoded-limit';
import { decodeNifti, encodeNifti } from './nifti';

/**
 * A cine's labels as one 4-D NIfTI-1 file (x, y, slice, phase), the layout of the ACDC and M&Ms
 * releases. The label map is named in the file (intent_name "acdc" or "mnms", and its title in
 * descrip) and must be named again by whoever imports it: the two maps swap LV and RV, so a
 * file is never read by guessing.
 */
const at = { ndim: 40, dim3: 46, dim4: 48, pixdim4: 96, xyztUnits: 123, descrip: 148, intentName: 328 } as const;

export interface CineNiftiInput {
  stack: CineLabelStack;
  /** The map the stack's values are in, and the one to write. */
  from: CardiacLabelMapName;
  to: CardiacLabelMapName;
  /** Row-major voxel → RAS affine of one phase's volume (niftiAffineFromGeometry). */
  affine?: readonly number[];
  /** Seconds between phases (pixdim[4]). */
  secondsPerPhase: number;
  gzip?: boolean;
}

export function encodeCineNifti(input: CineNiftiInput): Uint8Array {
  const { stack } = input;
  const relabelled = relabelCardiac(stack.data, cardiacLabelMaps[input.from], cardiacLabelMaps[input.to]);
  if (!relabelled.ok) throw new DelineateError('DLN_CARDIAC_LABEL_MAP_MISMATCH', 'The labels hold a value the named label map does not define', { value: relabelled.value });
  // Written as a 3-D volume of slices × phases planes, then the header says what those planes are.
  const bytes = encodeNifti({ grid: gridOf([stack.columns, stack.rows, stack.slices * stack.phases], [...stack.spacing]), data: relabelled.data, ...(input.affine ? { affine: input.affine } : {}) });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  view.setInt16(at.ndim, 4, true);
  view.setInt16(at.dim3, stack.slices, true);
  view.setInt16(at.dim4, stack.phases, true);
  view.setFloat32(at.pixdim4, input.secondsPerPhase, true);
  const text = (offset: number, length: number, value: string) => bytes.set(Buffer.from(value.slice(0, length - 1).padEnd(length, '\0'), 'latin1'), offset);
  text(at.descrip, 80, `labels: ${cardiacLabelMaps[input.to].title}`);
  text(at.intentName, 16, input.to);
  return input.gzip ? gzipSync(bytes, { level: 6 }) : bytes;
}

export interface DecodedCineNifti {
  stack: CineLabelStack;
  /** The map the file named. */
  fileMap: CardiacLabelMapName | undefined;
}

/**
 * Reads a 4-D cine label file into the map `into`, given the map the importer says the file is
 * in (`named`). A file that names another map is refused; so is a value the named map lacks.
 */
export function decodeCineNifti(input: Uint8Array, named: CardiacLabelMapName | undefined, into: CardiacLabelMapName): DecodedCineNifti {
  if (!named) throw new DelineateError('DLN_CARDIAC_LABEL_MAP_REQUIRED', 'Name the label map of the file (ACDC or M&Ms): the two number LV and RV the other way round');
  let bytes = input.length >= 2 && input[0] === 0x1f && input[1] === 0x8b ? new Uint8Array(gunzipSync(input, { maxOutputLength: maxDecodedBytes() })) : Uint8Array.from(input);
  if (bytes.length < 348) throw new DelineateError('DLN_NIFTI_INVALID', 'file is shorter than a NIfTI-1 header');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getInt32(0, true) !== 348) throw new DelineateError('DLN_NIFTI_UNSUPPORTED', 'Only little-endian NIfTI-1 cine label files are read');
  const intent = Buffer.from(bytes.subarray(at.intentName, at.intentName + 16)).toString('latin1').replace(/\0.*$/s, '').trim().toLowerCase();
  const fileMap = intent === 'acdc' || intent === 'mnms' ? intent : undefined;
  if (fileMap && fileMap !== named) throw new DelineateError('DLN_CARDIAC_LABEL_MAP_MISMATCH', 'The file names another label map than the one given');
  const ndim = view.getInt16(at.ndim, true);
  const slices = view.getInt16(at.dim3, true);
  const phases = ndim >= 4 ? view.getInt16(at.dim4, true) : 1;
  if (ndim < 3 || ndim > 4 || phases < 1 || slices < 1) throw new DelineateError('DLN_NIFTI_UNSUPPORTED', 'A cine label file is 4-D: x, y, slice, phase');
  // Read as the 3-D volume of slices × phases planes it is on disk.
  bytes = Uint8Array.from(bytes);
  const flat = new DataView(bytes.buffer);
  flat.setInt16(at.ndim, 3, true);
  flat.setInt16(at.dim3, slices * phases, true);
  flat.setInt16(at.dim4, 1, true);
  const image = decodeNifti(bytes);
  const relabelled = relabelCardiac(image.data as ArrayLike<number>, cardiacLabelMaps[named], cardiacLabelMaps[into]);
  if (!relabelled.ok) throw new DelineateError('DLN_CARDIAC_LABEL_MAP_MISMATCH', 'The file holds a value the named label map does not define', { value: relabelled.value });
  const [columns, rows] = image.grid.dims;
  const [dx, dy, dz] = image.grid.spacing;
  return { stack: { columns, rows, slices, phases, spacing: [dx, dy, dz], data: relabelled.data }, fileMap };
}
