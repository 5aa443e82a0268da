import type { OctGeometry } from '@delineate/core';
import { DelineateError } from '@delineate/schema';
import { explicitVrLittleEndian, writePart10 } from '../synthetic/dcmjs-writer';
import { uidFromName } from '../synthetic/uids';
import { OPHTHALMIC_TOMOGRAPHY_IMAGE_STORAGE } from './opt-geometry';

/** SOP Class UID of the 8-bit photograph used as the localizer. */
export const OPHTHALMIC_PHOTOGRAPHY_8BIT_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.77.1.5.1';

/** Who and what an instance comes from, as the source gave it: the de-identification gate removes it at ingest. */
export interface OctSourceIdentity {
  patientName: string;
  patientId: string;
  /** YYYYMMDD or empty. */
  birthDate: string;
  sex: 'F' | 'M' | 'O' | '';
  /** YYYYMMDD. */
  studyDate: string;
  manufacturer: string;
  model: string;
}

export interface OctInstanceInput {
  geometry: OctGeometry;
  /** B-scans, `[(s · rows + r) · ascans + a]`, 8-bit reflectance. */
  bscans: Uint8Array;
  localizer: { width: number; height: number; pixelUm: number; pixels: Uint8Array };
  /** Each B-scan's line on the localizer: first and last A-scan as (row, column) in localizer pixels. */
  frameLines: readonly { start: readonly [number, number]; end: readonly [number, number] }[];
  identity: OctSourceIdentity;
  /** Names the UIDs: the same name gives the same UIDs. */
  uidName: string;
}

export interface OctInstances {
  opt: Uint8Array;
  localizer: Uint8Array;
  uids: { study: string; series: string; instance: string; localizerSeries: string; localizer: string };
}

const ds = (value: number): string => {
  const text = String(Number(value.toFixed(6)));
  return text === '-0' ? '0' : text;
};

const code = (value: string, scheme: string, meaning: string) => [{ CodeValue: value, CodingSchemeDesignator: scheme, CodeMeaning: meaning }];
const RETINA = code('T-AA610', 'SRT', 'Retina');

function commonAttributes(input: OctInstanceInput, study: string): Record<string, unknown> {
  const { identity, geometry } = input;
  return {
    SpecificCharacterSet: 'ISO_IR 100',
    InstanceCreationDate: identity.studyDate,
    InstanceCreationTime: '120000',
    StudyDate: identity.studyDate,
    StudyTime: '120000',
    ContentDate: identity.studyDate,
    ContentTime: '120000',
    AcquisitionDateTime: `${identity.studyDate}120000`,
    AccessionNumber: '',
    ReferringPhysicianName: '',
    Manufacturer: identity.manufacturer,
    ManufacturerModelName: identity.model,
    DeviceSerialNumber: 'UNKNOWN',
    SoftwareVersions: 'DELINEATE_0_1',
    PatientName: identity.patientName,
    PatientID: identity.patientId,
    PatientBirthDate: identity.birthDate,
    PatientSex: identity.sex,
    StudyInstanceUID: study,
    StudyID: '1',
    ContentQualification: 'RESEARCH',
    SynchronizationFrameOfReferenceUID: uidFromName(`${input.uidName}/synchronization`),
    SynchronizationTrigger: 'NO TRIGGER',
    AcquisitionTimeSynchronized: 'N',
    RefractiveStateSequence: [],
    EmmetropicMagnification: '',
    IntraOcularPressure: '',
    PupilDilated: 'NO',
    ImageLaterality: geometry.laterality === 'OD' ? 'R' : 'L',
    AnatomicRegionSequence: RETINA,
    BurnedInAnnotation: 'NO',
    LossyImageCompression: '00',
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    BitsAllocated: 8,
    BitsStored: 8,
    HighBit: 7,
    PixelRepresentation: 0,
    PresentationLUTShape: 'IDENTITY',
    AcquisitionContextSequence: [],
  };
}

function meta(sopClass: string, instance: string): Record<string, unknown> {
  return {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: sopClass,
    MediaStorageSOPInstanceUID: instance,
    TransferSyntaxUID: explicitVrLittleEndian,
    ImplementationClassUID: uidFromName('delineate/implementation-class'),
    ImplementationVersionName: 'DELINEATE_0_1',
  };
}

/**
 * An OCT volume as one DICOM Ophthalmic Tomography Image (enhanced multi-frame) and its
 * near-infrared localizer (Ophthalmic Photography 8 Bit). B-scan geometry is in the shared
 * Pixel Measures (row spacing axial, column spacing between A-scans, slice thickness the B-scan
 * spacing); each frame's line on the localizer is in its Ophthalmic Frame Location.
 */
export function writeOctInstances(input: OctInstanceInput): OctInstances {
  const { geometry, localizer } = input;
  if (input.bscans.length !== geometry.bscans * geometry.rows * geometry.ascans) throw new DelineateError('DLN_OCT_GEOMETRY_INVALID', 'The B-scan pixels do not match the geometry');
  if (input.frameLines.length !== geometry.bscans) throw new DelineateError('DLN_OCT_GEOMETRY_INVALID', 'Each B-scan needs its line on the localizer');
  const uid = (what: string) => uidFromName(`${input.uidName}/${what}`);
  const uids = { study: uid('study'), series: uid('series'), instance: uid('instance'), localizerSeries: uid('localizer-series'), localizer: uid('localizer') };
  const dimensionOrganization = uid('dimension-organization');
  const mm = (pixels: number) => ds((pixels * localizer.pixelUm) / 1000);
  const frames = input.frameLines.map((line, s) => ({
    PlanePositionSequence: [{ ImagePositionPatient: [mm(line.start[1]), mm(line.start[0]), '0'] }],
    FrameContentSequence: [{ FrameAcquisitionNumber: 1, FrameReferenceDateTime: `${input.identity.studyDate}120000`, FrameAcquisitionDateTime: `${input.identity.studyDate}120000`, FrameAcquisitionDuration: 40, DimensionIndexValues: [s + 1] }],
    OphthalmicFrameLocationSequence: [
      {
        ReferencedSOPClassUID: OPHTHALMIC_PHOTOGRAPHY_8BIT_IMAGE_STORAGE,
        ReferencedSOPInstanceUID: uids.localizer,
        ReferenceCoordinates: [...line.start, ...line.end].map(ds),
        OphthalmicImageOrientation: 'LINEAR',
      },
    ],
  }));
  const dataset: Record<string, unknown> = {
    ...commonAttributes(input, uids.study),
    ImageType: ['ORIGINAL', 'PRIMARY'],
    SOPClassUID: OPHTHALMIC_TOMOGRAPHY_IMAGE_STORAGE,
    SOPInstanceUID: uids.instance,
    AcquisitionDuration: 2,
    AcquisitionNumber: 1,
    Modality: 'OPT',
    SeriesInstanceUID: uids.series,
    SeriesNumber: 1,
    InstanceNumber: 1,
    FrameOfReferenceUID: uid('frame-of-reference'),
    PositionReferenceIndicator: '',
    NumberOfFrames: geometry.bscans,
    Rows: geometry.rows,
    Columns: geometry.ascans,
    DimensionOrganizationSequence: [{ DimensionOrganizationUID: dimensionOrganization }],
    DimensionIndexSequence: [
      { DimensionOrganizationUID: dimensionOrganization, DimensionIndexPointer: 0x00200032, FunctionalGroupPointer: 0x00209113, DimensionDescriptionLabel: 'B-scan position' },
    ],
    AxialLengthOfTheEye: '',
    HorizontalFieldOfView: '',
    AcquisitionDeviceTypeCodeSequence: code('A-00FBE', 'SRT', 'Optical Coherence Tomography Scanner'),
    LightPathFilterTypeStackCodeSequence: [],
    DetectorType: 'CCD',
    IlluminationWaveLength: 870,
    IlluminationPower: 1.2,
    IlluminationBandwidth: 50,
    DepthSpatialResolution: 7,
    MaximumDepthDistortion: 1,
    AlongScanSpatialResolution: 14,
    MaximumAlongScanDistortion: 1,
    AcrossScanSpatialResolution: 14,
    MaximumAcrossScanDistortion: 1,
    SharedFunctionalGroupsSequence: [
      {
        PixelMeasuresSequence: [
          {
            PixelSpacing: [ds(geometry.axialUmPerPixel / 1000), ds(geometry.ascanSpacingUm / 1000)],
            SliceThickness: ds(geometry.bscanSpacingUm / 1000),
          },
        ],
        // Rows run along the scan line (+x), columns into the eye (−z): each frame is one B-scan plane.
        PlaneOrientationSequence: [{ ImageOrientationPatient: ['1', '0', '0', '0', '0', '-1'] }],
        FrameAnatomySequence: [{ FrameLaterality: geometry.laterality === 'OD' ? 'R' : 'L', AnatomicRegionSequence: RETINA }],
      },
    ],
    PerFrameFunctionalGroupsSequence: frames,
    PixelData: input.bscans.slice().buffer,
    _vrMap: { PixelData: 'OB' },
  };
  const localizerDataset: Record<string, unknown> = {
    ...commonAttributes(input, uids.study),
    ImageType: ['ORIGINAL', 'PRIMARY'],
    SOPClassUID: OPHTHALMIC_PHOTOGRAPHY_8BIT_IMAGE_STORAGE,
    SOPInstanceUID: uids.localizer,
    Modality: 'OP',
    SeriesInstanceUID: uids.localizerSeries,
    SeriesNumber: 2,
    InstanceNumber: 1,
    PatientOrientation: '',
    NumberOfFrames: 1,
    FrameIncrementPointer: 0x00181063,
    FrameTime: 0,
    Rows: localizer.height,
    Columns: localizer.width,
    PixelSpacing: [ds(localizer.pixelUm / 1000), ds(localizer.pixelUm / 1000)],
    PatientEyeMovementCommanded: 'NO',
    HorizontalFieldOfView: 30,
    AcquisitionDeviceTypeCodeSequence: code('R-1021A', 'SRT', 'Scanning Laser Ophthalmoscope'),
    IlluminationTypeCodeSequence: [],
    ImagePathFilterTypeStackCodeSequence: [],
    LensesCodeSequence: [],
    LightPathFilterTypeStackCodeSequence: [],
    DetectorType: 'CCD',
    PixelData: localizer.pixels.slice().buffer,
    _vrMap: { PixelData: 'OB' },
  };
  return {
    opt: writePart10(meta(OPHTHALMIC_TOMOGRAPHY_IMAGE_STORAGE, uids.instance), dataset),
    localizer: writePart10(meta(OPHTHALMIC_PHOTOGRAPHY_8BIT_IMAGE_STORAGE, uids.localizer), localizerDataset),
    uids,
  };
}
