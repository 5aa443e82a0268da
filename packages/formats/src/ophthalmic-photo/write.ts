import { DelineateError } from '@delineate/schema';
import { explicitVrLittleEndian, writePart10 } from '../synthetic/dcmjs-writer';
import { uidFromName } from '../synthetic/uids';

/** SOP Class UIDs of Ophthalmic Photography 8 Bit and 16 Bit Image Storage. */
export const ophthalmicPhotography8BitStorage = '1.2.840.10008.5.1.4.1.1.77.1.5.1';
export const ophthalmicPhotography16BitStorage = '1.2.840.10008.5.1.4.1.1.77.1.5.2';

/** Which eye: DICOM's Image Laterality R (OD, right eye) or L (OS, left eye). */
export type EyeLaterality = 'OD' | 'OS';

/** A photograph's pixels: 8-bit RGB interleaved, or 16-bit grey (a monochrome camera, red-free). */
export type PhotoPixels =
  | { readonly kind: 'rgb8'; readonly width: number; readonly height: number; readonly data: Uint8Array }
  | { readonly kind: 'grey16'; readonly width: number; readonly height: number; readonly data: Uint16Array };

export interface OphthalmicPhotoInput {
  readonly pixels: PhotoPixels;
  readonly laterality: EyeLaterality;
  /** When the photograph was made (Content and Acquisition Date/Time, both required by the IOD). */
  readonly acquiredAt: Date;
  /** The subject's identifier the uploader chose (a study pseudonym, never a real patient identifier). */
  readonly subjectId: string;
  /** Seed of the generated UIDs: the same seed always gives the same study, series and instance. */
  readonly uidSeed: string;
  /** Row and column spacing in mm per pixel when the camera's calibration is known (else omitted: ratios only). */
  readonly pixelSpacingMm?: readonly [number, number];
  /** The source image was lossy (a JPEG): recorded as Lossy Image Compression 01. */
  readonly lossySource?: boolean;
}

const two = (n: number) => String(n).padStart(2, '0');
const dicomDate = (d: Date) => `${d.getUTCFullYear()}${two(d.getUTCMonth() + 1)}${two(d.getUTCDate())}`;
const dicomTime = (d: Date) => `${two(d.getUTCHours())}${two(d.getUTCMinutes())}${two(d.getUTCSeconds())}`;
const code = (value: string, meaning: string) => [{ CodeValue: value, CodingSchemeDesignator: 'SCT', CodeMeaning: meaning }];

/**
 * Wraps a photograph into one Ophthalmic Photography Image instance (8 bit RGB or 16 bit
 * grey), complete in one call: generated UIDs, the eye's laterality, the retina as the region
 * imaged, a fundus camera as the device type, and no identifying data beyond the uploader's
 * subject identifier. Everything the IOD makes required but the upload cannot know is present
 * and empty (type 2), never invented.
 */
export function writeOphthalmicPhoto(input: OphthalmicPhotoInput): Uint8Array {
  const { pixels } = input;
  const { width, height } = pixels;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || width > 65535 || height > 65535) {
    throw new DelineateError('DLN_REQUEST_INVALID', 'A photograph must be 1 to 65,535 pixels wide and high');
  }
  const rgb = pixels.kind === 'rgb8';
  if (pixels.data.length !== width * height * (rgb ? 3 : 1)) throw new DelineateError('DLN_REQUEST_INVALID', 'The photograph’s pixel data does not match its size');
  if (input.pixelSpacingMm && !input.pixelSpacingMm.every((s) => Number.isFinite(s) && s > 0)) {
    throw new DelineateError('DLN_REQUEST_INVALID', 'Pixel spacing must be positive');
  }
  const sopClass = rgb ? ophthalmicPhotography8BitStorage : ophthalmicPhotography16BitStorage;
  const uid = (what: string) => uidFromName(`delineate/ophthalmic-photo/${input.uidSeed}/${what}`);
  const instance = uid('instance');
  const when = input.acquiredAt;
  // Pixel data with an even length, as Part 5 requires (odd RGB sizes get one pad byte).
  const bytes = rgb ? pixels.data : new Uint8Array(pixels.data.buffer, pixels.data.byteOffset, pixels.data.byteLength);
  const padded = bytes.length % 2 === 0 ? bytes : Uint8Array.from([...bytes, 0]);
  const pixelData = padded.buffer.slice(padded.byteOffset, padded.byteOffset + padded.byteLength);
  const dataset: Record<string, unknown> = {
    SpecificCharacterSet: 'ISO_IR 192',
    ImageType: ['ORIGINAL', 'PRIMARY'],
    SOPClassUID: sopClass,
    SOPInstanceUID: instance,
    StudyDate: dicomDate(when),
    ContentDate: dicomDate(when),
    StudyTime: dicomTime(when),
    ContentTime: dicomTime(when),
    AcquisitionDateTime: `${dicomDate(when)}${dicomTime(when)}`,
    AccessionNumber: '',
    Modality: 'OP',
    Manufacturer: '',
    ReferringPhysicianName: '',
    PatientName: '',
    PatientID: input.subjectId,
    PatientBirthDate: '',
    PatientSex: '',
    StudyInstanceUID: uid('study'),
    SeriesInstanceUID: uid('series'),
    StudyID: '1',
    SeriesNumber: 1,
    InstanceNumber: 1,
    PatientOrientation: '',
    ImageLaterality: input.laterality === 'OD' ? 'R' : 'L',
    AnatomicRegionSequence: code('5665001', 'Retina'),
    AcquisitionDeviceTypeCodeSequence: code('409898007', 'Fundus camera'),
    IlluminationTypeCodeSequence: [],
    LightPathFilterTypeStackCodeSequence: [],
    ImagePathFilterTypeStackCodeSequence: [],
    LensesCodeSequence: [],
    DetectorType: '',
    PatientEyeMovementCommanded: '',
    RefractiveStateSequence: [],
    EmmetropicMagnification: [],
    IntraOcularPressure: [],
    HorizontalFieldOfView: [],
    PupilDilated: '',
    AcquisitionContextSequence: [],
    SamplesPerPixel: rgb ? 3 : 1,
    PhotometricInterpretation: rgb ? 'RGB' : 'MONOCHROME2',
    ...(rgb ? { PlanarConfiguration: 0 } : { PresentationLUTShape: 'IDENTITY' }),
    NumberOfFrames: 1,
    FrameIncrementPointer: 0x0008002a,
    // The IOD wants the Synchronization module with a multi-frame header: UTC, no trigger, not synchronised.
    SynchronizationFrameOfReferenceUID: '1.2.840.10008.15.1.1',
    SynchronizationTrigger: 'NO TRIGGER',
    AcquisitionTimeSynchronized: 'N',
    Rows: height,
    Columns: width,
    BitsAllocated: rgb ? 8 : 16,
    BitsStored: rgb ? 8 : 16,
    HighBit: rgb ? 7 : 15,
    PixelRepresentation: 0,
    BurnedInAnnotation: 'NO',
    LossyImageCompression: input.lossySource ? '01' : '00',
    ...(input.pixelSpacingMm ? { PixelSpacing: input.pixelSpacingMm.map((s) => String(Number(s.toPrecision(10)))) } : {}),
    PixelData: pixelData,
    _vrMap: { PixelData: rgb ? 'OB' : 'OW' },
  };
  const meta = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: sopClass,
    MediaStorageSOPInstanceUID: instance,
    TransferSyntaxUID: explicitVrLittleEndian,
    ImplementationClassUID: uidFromName('delineate/implementation-class'),
    ImplementationVersionName: 'DELINEATE_0_1',
  };
  return writePart10(meta, dataset);
}
