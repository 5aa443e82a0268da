import { decodeRasterPhoto, getNumber, getString, isRasterPhoto, ophthalmicPhotography16BitStorage, ophthalmicPhotography8BitStorage, writeOphthalmicPhoto, type DicomDataset } from '@delineate/formats';
import { DelineateError, type Laterality } from '@delineate/schema';
import type { ImageGeometry } from './image-geometry';

const tags = {
  sopClassUid: 0x00080016,
  samplesPerPixel: 0x00280002,
  imageLaterality: 0x00200062,
  pixelSpacing: 0x00280030,
} as const;

const ophthalmicPhotoClasses = new Set([ophthalmicPhotography8BitStorage, ophthalmicPhotography16BitStorage]);

/** What makes a passed image a photograph item rather than a volume. */
export interface PhotoFacts {
  readonly laterality: Laterality | null;
  readonly pixelSpacingMm: readonly [number, number] | null;
}

/**
 * Whether one passed image is a fundus photograph (a `photo` item, annotated in 2D): an
 * Ophthalmic Photography instance always; and, in a project that accepts OP, any single-frame
 * colour image (the Secondary Capture older fundus cameras send). The eye comes from Image
 * Laterality (R → OD, L → OS), else from the upload form, else it is not stated; the pixel
 * spacing only from Pixel Spacing (a fundus camera's calibration), never a nominal 1 mm.
 */
export function photoFacts(dataset: DicomDataset, image: ImageGeometry, acceptsOp: boolean, formLaterality: Laterality | undefined): PhotoFacts | undefined {
  const sopClass = getString(dataset, tags.sopClassUid) ?? '';
  const colourStill = image.frames === 1 && getNumber(dataset, tags.samplesPerPixel) === 3;
  if (!ophthalmicPhotoClasses.has(sopClass) && !(acceptsOp && colourStill)) return undefined;
  const side = getString(dataset, tags.imageLaterality)?.trim();
  const laterality: Laterality | null = side === 'R' ? 'OD' : side === 'L' ? 'OS' : (formLaterality ?? null);
  const spacing = getString(dataset, tags.pixelSpacing)?.split('\\').map(Number);
  // Pixel Spacing is row spacing then column spacing; measures take column (x) then row (y).
  const pixelSpacingMm = spacing && spacing.length === 2 && spacing.every((s) => Number.isFinite(s) && s > 0) ? ([spacing[1]!, spacing[0]!] as const) : null;
  return { laterality, pixelSpacingMm };
}

export interface UploadedPhotograph {
  readonly bytes: Uint8Array;
  /** The eye, from the upload form: required, a plain image carries none. */
  readonly laterality: Laterality | undefined;
  /** The subject the uploader files it under (a study identifier; the gate pseudonymises it). */
  readonly subjectId: string;
  /** Distinguishes photographs of one upload (seeds the generated UIDs with the file's hash). */
  readonly sourceSha256: string;
  readonly pixelSpacingMm?: readonly [number, number];
}

/**
 * A plain PNG or JPEG photograph wrapped into an Ophthalmic Photography instance, which then
 * goes through the de-identification gate like any DICOM file. Its UIDs are generated from the
 * file's hash, so uploading the same photograph twice is a duplicate, not a second item.
 */
export function wrapUploadedPhotograph(upload: UploadedPhotograph, acquiredAt: Date): Uint8Array {
  if (!isRasterPhoto(upload.bytes)) throw new DelineateError('DLN_PHOTO_UNSUPPORTED', 'A photograph must be a PNG or a JPEG file');
  if (!upload.laterality) throw new DelineateError('DLN_PHOTO_LATERALITY_REQUIRED', 'Say which eye the photograph shows (OD or OS): a plain image does not record it');
  const { pixels, lossy } = decodeRasterPhoto(upload.bytes);
  return writeOphthalmicPhoto({
    pixels,
    laterality: upload.laterality,
    acquiredAt,
    subjectId: upload.subjectId,
    uidSeed: upload.sourceSha256,
    lossySource: lossy,
    ...(upload.pixelSpacingMm ? { pixelSpacingMm: [upload.pixelSpacingMm[1], upload.pixelSpacingMm[0]] as const } : {}),
  });
}
