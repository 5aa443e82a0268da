import { writePart10 } from './dcmjs-writer';
import { uidFromName } from './uids';

/** The DICOM video SOP classes that carry a whole video stream in their Pixel Data (PS3.4 B.5). */
export const videoEndoscopicImageStorage = '1.2.840.10008.5.1.4.1.1.77.1.1.1';
export const videoMicroscopicImageStorage = '1.2.840.10008.5.1.4.1.1.77.1.2.1';
export const videoPhotographicImageStorage = '1.2.840.10008.5.1.4.1.1.77.1.4.1';
export const dicomVideoSopClasses: readonly string[] = [videoEndoscopicImageStorage, videoMicroscopicImageStorage, videoPhotographicImageStorage];

/** MPEG-4 AVC/H.264 transfer syntaxes (PS3.5 §8.2.8 and §10.12); the stream is the whole Pixel Data. */
export const h264HighProfileLevel41 = '1.2.840.10008.1.2.4.102';
export const h264TransferSyntaxes: readonly string[] = [h264HighProfileLevel41, '1.2.840.10008.1.2.4.103', '1.2.840.10008.1.2.4.104', '1.2.840.10008.1.2.4.105', '1.2.840.10008.1.2.4.106'];

export interface VideoEndoscopicOptions {
  /** The encoded video: an H.264 elementary stream (Annex B), or a whole MP4 file as some devices store. */
  readonly stream: Uint8Array;
  readonly columns: number;
  readonly rows: number;
  /** Frames the stream holds; a generator may write a different count to test that it is never trusted. */
  readonly numberOfFrames: number;
  readonly framesPerSecond: number;
  /** Names the instance so its UIDs are reproducible. */
  readonly seed: string;
  /** YES when the frames carry burned-in text (the overlay variant). */
  readonly burnedInAnnotation: boolean;
  readonly patient?: { name: string; id: string; birthDate: string; sex: 'F' | 'M' | 'O' };
}

const implementationClassUid = uidFromName('delineate/implementation-class');

/** Frame Time in ms as a DS (at most 16 characters). */
function frameTime(framesPerSecond: number): string {
  return String(Number((1000 / framesPerSecond).toFixed(6)));
}

/**
 * A Video Endoscopic Image Storage instance (PS3.3 A.32.5) whose Pixel Data is the given H.264
 * stream in one fragment after an empty offset table (PS3.5 §8.2.8), with the Cine and
 * Multi-frame modules (Frame Time, Cine Rate, Frame Increment Pointer) and synthetic patient
 * identifiers the gate has to remove.
 */
export function writeVideoEndoscopic(options: VideoEndoscopicOptions): Uint8Array {
  const sopInstanceUid = uidFromName(`${options.seed}/instance`);
  const patient = options.patient ?? { name: 'Synthetic^Endoscopy', id: 'SYN-ENDO-0001', birthDate: '19500102', sex: 'O' };
  const stream = options.stream.slice();
  const dataset: Record<string, unknown> = {
    SpecificCharacterSet: 'ISO_IR 100',
    ImageType: ['ORIGINAL', 'PRIMARY'],
    SOPClassUID: videoEndoscopicImageStorage,
    SOPInstanceUID: sopInstanceUid,
    StudyDate: '20240301',
    SeriesDate: '20240301',
    ContentDate: '20240301',
    AcquisitionDateTime: '20240301101500',
    StudyTime: '101500',
    SeriesTime: '101500',
    ContentTime: '101500',
    AccessionNumber: 'ACC-SYN-1',
    Modality: 'ES',
    Manufacturer: 'Delineate (synthetic endoscope)',
    ManufacturerModelName: 'synthetic-clip',
    ReferringPhysicianName: 'Referrer^Synthetic',
    StudyDescription: 'SYNTHETIC colonoscopy clip - not a patient',
    SeriesDescription: 'SYNTHETIC video endoscopic',
    PatientName: patient.name,
    PatientID: patient.id,
    PatientBirthDate: patient.birthDate,
    PatientSex: patient.sex,
    StudyInstanceUID: uidFromName(`${options.seed}/study`),
    SeriesInstanceUID: uidFromName(`${options.seed}/series`),
    StudyID: 'SYN1',
    SeriesNumber: 1,
    InstanceNumber: 1,
    PatientOrientation: '',
    AnatomicRegionSequence: [{ CodeValue: '71854001', CodingSchemeDesignator: 'SCT', CodeMeaning: 'Colon' }],
    AcquisitionContextSequence: [],
    // Cine and Multi-frame: frames advance by Frame Time.
    FrameTime: frameTime(options.framesPerSecond),
    CineRate: Math.round(options.framesPerSecond),
    RecommendedDisplayFrameRate: Math.round(options.framesPerSecond),
    PreferredPlaybackSequencing: 0,
    StartTrim: 1,
    StopTrim: options.numberOfFrames,
    NumberOfFrames: options.numberOfFrames,
    FrameIncrementPointer: 0x00181063,
    SamplesPerPixel: 3,
    PhotometricInterpretation: 'YBR_PARTIAL_420',
    PlanarConfiguration: 0,
    Rows: options.rows,
    Columns: options.columns,
    BitsAllocated: 8,
    BitsStored: 8,
    HighBit: 7,
    PixelRepresentation: 0,
    BurnedInAnnotation: options.burnedInAnnotation ? 'YES' : 'NO',
    LossyImageCompression: '01',
    LossyImageCompressionMethod: 'ISO_14496_10',
    PixelData: [stream.buffer],
    _vrMap: { PixelData: 'OB' },
  };
  const meta = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: videoEndoscopicImageStorage,
    MediaStorageSOPInstanceUID: sopInstanceUid,
    TransferSyntaxUID: h264HighProfileLevel41,
    ImplementationClassUID: implementationClassUid,
    ImplementationVersionName: 'DELINEATE_0_1',
  };
  // One fragment holding the whole stream (PS3.5 §8.2.8), not dcmjs's 20 KiB pieces.
  return withEmptyOffsetTable(writePart10(meta, dataset, { fragmentMultiframe: false }));
}

/**
 * dcmjs writes a one-entry Basic Offset Table; PS3.5 §8.2.8 wants it empty for a video stream.
 * Pixel Data is the last element and of undefined length, so dropping the entry moves nothing else.
 */
function withEmptyOffsetTable(file: Uint8Array): Uint8Array {
  const pixelData = Buffer.from([0xe0, 0x7f, 0x10, 0x00, 0x4f, 0x42, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xfe, 0xff, 0x00, 0xe0, 4, 0, 0, 0, 0, 0, 0, 0]);
  const at = Buffer.from(file.buffer, file.byteOffset, file.byteLength).lastIndexOf(pixelData);
  if (at < 0) throw new Error('The written video has no Pixel Data with a one-entry offset table');
  const out = new Uint8Array(file.length - 4);
  out.set(file.subarray(0, at + 16));
  out.set(file.subarray(at + 24), at + 20);
  return out;
}
