import { readFile, writeFile } from 'node:fs/promises';
import { DelineateError } from '@delineate/schema';
import { type NiftiImage, type NiftiWriteInput, decodeNifti, encodeNifti } from './nifti';

/** Reads a .nii or .nii.gz file. The path never appears in errors (it may carry PHI). */
export async function readNiftiFile(path: string): Promise<NiftiImage> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch {
    throw new DelineateError('DLN_NOT_FOUND', 'NIfTI file could not be read');
  }
  return decodeNifti(bytes);
}

/** Writes .nii, or gzip-compressed when the name ends in .gz. */
export async function writeNiftiFile(path: string, image: NiftiWriteInput): Promise<void> {
  await writeFile(path, encodeNifti(image, { gzip: path.endsWith('.gz') }));
}
