import { explicitVrLittleEndian, writePart10 } from './dcmjs-writer';
import { enhancedMrImageStorage } from './enhanced-mr';
import type { CinePhantom } from './cine-phantom';
import { uidFromName } from './uids';

/** SOP Class UID of (classic, single-frame) MR Image Storage. */
export const mrImageStorage = '1.2.840.10008.5.1.4.1.1.4';

export interface CineInstanceFile {
  slice: number;
  phase: number;
  sopInstanceUid: string;
  bytes: Uint8Array;
}

const ds = (value: number): string => {
  const text = String(Number(value.toFixed(6)));
  return text === '-0' ? '0' : text;
};

const implementationClassUid = uidFromName('delineate/implementation-class');

function meta(sopClassUid: string, sopInstanceUid: string): Record<string, unknown> {
  return {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: sopClassUid,
    MediaStorageSOPInstanceUID: sopInstanceUid,
    TransferSyntaxUID: explicitVrLittleEndian,
    ImplementationClassUID: implementationClassUid,
    ImplementationVersionName: 'DELINEATE_0_1',
  };
}

/** Patient, study, series, equipment and pixel description shared by both forms. */
function common(phantom: CinePhantom): Record<string, unknown> {
  const [columns, rows] = phantom.dims;
  return {
    SpecificCharacterSet: 'ISO_IR 100',
    StudyDate: '20000101',
    SeriesDate: '20000101',
    ContentDate: '20000101',
    StudyTime: '120000',
    SeriesTime: '120000',
    ContentTime: '120000',
    AccessionNumber: '',
    Modality: 'MR',
    Manufacturer: 'Delineate (synthetic phantom)',
    ManufacturerModelName: 'cine-phantom',
    DeviceSerialNumber: 'SYNTHETIC',
    SoftwareVersions: '0.1',
    ReferringPhysicianName: '',
    StudyDescription: 'SYNTHETIC cardiac cine MR phantom - not a patient',
    SeriesDescription: 'SYNTHETIC short-axis cine',
    PatientName: 'Phantom^Cardiac',
    PatientID: 'PHANTOM-CINE-0001',
    PatientBirthDate: '',
    PatientSex: 'O',
    BodyPartExamined: 'HEART',
    PatientPosition: 'HFS',
    StudyInstanceUID: phantom.uids.study,
    SeriesInstanceUID: phantom.uids.series,
    StudyID: 'PHANTOM',
    SeriesNumber: 1,
    FrameOfReferenceUID: phantom.uids.frameOfReference,
    PositionReferenceIndicator: '',
    ImageComments: 'Synthetic image: contains no patient data',
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    Rows: rows,
    Columns: columns,
    BitsAllocated: 16,
    BitsStored: 12,
    HighBit: 11,
    PixelRepresentation: 0,
    BurnedInAnnotation: 'NO',
    _vrMap: { PixelData: 'OW' },
  };
}

/**
 * The classic form: one MR Image per slice and phase, placed by Image Position (Patient) and
 * timed by Trigger Time, as most scanners still store a cine. Instances are numbered phase-fastest
 * within a slice, the way scanners do; readers must order by position and time, not by number.
 */
export function cineClassicInstances(phantom: CinePhantom): CineInstanceFile[] {
  const [, , slices] = phantom.dims;
  const [dx, dy, dz] = phantom.spacing;
  const base = {
    ...common(phantom),
    ImageType: ['ORIGINAL', 'PRIMARY', 'OTHER'],
    SOPClassUID: mrImageStorage,
    ScanningSequence: 'GR',
    SequenceVariant: 'SS',
    ScanOptions: 'CG',
    MRAcquisitionType: '2D',
    SequenceName: 'cine-ssfp',
    SliceThickness: ds(phantom.sliceThickness),
    SpacingBetweenSlices: ds(dz),
    RepetitionTime: '3.2',
    EchoTime: '1.6',
    EchoTrainLength: '1',
    ImagingFrequency: '63.9',
    MagneticFieldStrength: '1.5',
    FlipAngle: '60',
    NominalInterval: ds(phantom.triggerTimes.length > 1 ? phantom.triggerTimes[1]! * phantom.phases : 1000),
    CardiacNumberOfImages: phantom.phases,
    ImageOrientationPatient: phantom.orientation.map(ds),
    PixelSpacing: [ds(dy), ds(dx)],
  };
  const out: CineInstanceFile[] = [];
  for (let k = 0; k < slices; k++) {
    for (let p = 0; p < phantom.phases; p++) {
      const sopInstanceUid = uidFromName(`delineate/cine-phantom/${phantom.seed}/classic/${k}/${p}`);
      const dataset = {
        ...base,
        SOPInstanceUID: sopInstanceUid,
        InstanceNumber: k * phantom.phases + p + 1,
        AcquisitionNumber: 1,
        TriggerTime: ds(phantom.triggerTimes[p]!),
        ImagePositionPatient: phantom.position(k).map(ds),
        SliceLocation: ds(k * dz),
        PixelData: phantom.pixels(k, p).buffer,
      };
      out.push({ slice: k, phase: p, sopInstanceUid, bytes: writePart10(meta(mrImageStorage, sopInstanceUid), dataset) });
    }
  }
  return out;
}

const code = (value: string, scheme: string, meaning: string) => ({ CodeValue: value, CodingSchemeDesignator: scheme, CodeMeaning: meaning });

/**
 * The enhanced form: one Enhanced MR Image holding every slice and phase as frames, with a
 * dimension index of (stack position, temporal position) and per-frame Plane Position and
 * Cardiac Synchronization (trigger delay). Frames are stored phase by phase.
 */
export function cineEnhancedInstance(phantom: CinePhantom): CineInstanceFile {
  const [columns, rows, slices] = phantom.dims;
  const [dx, dy, dz] = phantom.spacing;
  const perFrame = columns * rows;
  const frames = slices * phantom.phases;
  const pixels = new Uint16Array(frames * perFrame);
  const sopInstanceUid = uidFromName(`delineate/cine-phantom/${phantom.seed}/enhanced`);
  const dimensionOrganization = uidFromName(`delineate/cine-phantom/${phantom.seed}/dimensions`);
  const perFrameGroups: Record<string, unknown>[] = [];
  for (let p = 0; p < phantom.phases; p++) {
    for (let k = 0; k < slices; k++) {
      pixels.set(phantom.pixels(k, p), (p * slices + k) * perFrame);
      perFrameGroups.push({
        FrameContentSequence: [
          {
            StackID: '1',
            InStackPositionNumber: k + 1,
            TemporalPositionIndex: p + 1,
            DimensionIndexValues: [k + 1, p + 1],
            FrameAcquisitionDateTime: '20000101120000',
            FrameReferenceDateTime: '20000101120000',
            FrameAcquisitionDuration: 40,
          },
        ],
        PlanePositionSequence: [{ ImagePositionPatient: phantom.position(k).map(ds) }],
        CardiacSynchronizationSequence: [{ NominalCardiacTriggerDelayTime: phantom.triggerTimes[p]!, RRIntervalTimeNominal: 1000 }],
      });
    }
  }
  const dataset = {
    ...common(phantom),
    ImageType: ['ORIGINAL', 'PRIMARY', 'CARDIAC', 'NONE'],
    SOPClassUID: enhancedMrImageStorage,
    SOPInstanceUID: sopInstanceUid,
    InstanceNumber: 1,
    InstanceCreationDate: '20000101',
    InstanceCreationTime: '120000',
    AcquisitionDateTime: '20000101120000',
    AcquisitionDuration: 10,
    AcquisitionNumber: 1,
    ContentQualification: 'RESEARCH',
    NumberOfFrames: frames,
    PresentationLUTShape: 'IDENTITY',
    LossyImageCompression: '00',
    PixelPresentation: 'MONOCHROME',
    VolumetricProperties: 'VOLUME',
    VolumeBasedCalculationTechnique: 'NONE',
    ComplexImageComponent: 'MAGNITUDE',
    AcquisitionContrast: 'UNKNOWN',
    ResonantNucleus: '1H',
    KSpaceFiltering: 'NONE',
    MagneticFieldStrength: 1.5,
    ApplicableSafetyStandardAgency: 'IEC',
    PulseSequenceName: 'cine-ssfp',
    MRAcquisitionType: '2D',
    EchoPulseSequence: 'GRADIENT',
    MultiPlanarExcitation: 'NO',
    PhaseContrast: 'NO',
    TimeOfFlightContrast: 'NO',
    SteadyStatePulseSequence: 'FREE_PRECESSION',
    EchoPlanarPulseSequence: 'NO',
    SaturationRecovery: 'NO',
    SpectrallySelectedSuppression: 'NONE',
    OversamplingPhase: 'NONE',
    GeometryOfKSpaceTraversal: 'RECTILINEAR',
    SegmentedKSpaceTraversal: 'PARTIAL',
    RectilinearPhaseEncodeReordering: 'LINEAR',
    AcquisitionContextSequence: [],
    NumberOfKSpaceTrajectories: 1,
    CardiacSynchronizationTechnique: 'RETROSPECTIVE',
    CardiacSignalSource: 'ECG',
    CardiacRRIntervalSpecified: 1000,
    CardiacBeatRejectionTechnique: 'NONE',
    LowRRValue: 800,
    HighRRValue: 1200,
    IntervalsAcquired: 10,
    IntervalsRejected: 0,
    SkipBeats: 0,
    CardiacFramingType: 'FORW',
    RespiratoryMotionCompensationTechnique: 'BREATH_HOLD',
    RespiratorySignalSource: 'NONE',
    DimensionOrganizationType: '3D_TEMPORAL',
    DimensionOrganizationSequence: [{ DimensionOrganizationUID: dimensionOrganization }],
    DimensionIndexSequence: [
      { DimensionOrganizationUID: dimensionOrganization, DimensionIndexPointer: 0x00209057, FunctionalGroupPointer: 0x00209111, DimensionDescriptionLabel: 'Stack position' },
      { DimensionOrganizationUID: dimensionOrganization, DimensionIndexPointer: 0x00209128, FunctionalGroupPointer: 0x00209111, DimensionDescriptionLabel: 'Temporal position' },
    ],
    SharedFunctionalGroupsSequence: [
      {
        PixelMeasuresSequence: [{ PixelSpacing: [ds(dy), ds(dx)], SliceThickness: ds(phantom.sliceThickness), SpacingBetweenSlices: ds(dz) }],
        PlaneOrientationSequence: [{ ImageOrientationPatient: phantom.orientation.map(ds) }],
        PixelValueTransformationSequence: [{ RescaleIntercept: '0', RescaleSlope: '1', RescaleType: 'US' }],
        FrameAnatomySequence: [{ AnatomicRegionSequence: [code('80891009', 'SCT', 'Heart')], FrameLaterality: 'U' }],
        MRImageFrameTypeSequence: [
          { FrameType: ['ORIGINAL', 'PRIMARY', 'CARDIAC', 'NONE'], PixelPresentation: 'MONOCHROME', VolumetricProperties: 'VOLUME', VolumeBasedCalculationTechnique: 'NONE', ComplexImageComponent: 'MAGNITUDE', AcquisitionContrast: 'UNKNOWN' },
        ],
        MRTimingAndRelatedParametersSequence: [{ RepetitionTime: 3.2, FlipAngle: 60, EchoTrainLength: 1, RFEchoTrainLength: 1, GradientEchoTrainLength: 1, OperatingModeSequence: [{ OperatingModeType: 'STATIC FIELD', OperatingMode: 'IEC_NORMAL' }], SpecificAbsorptionRateSequence: [{ SpecificAbsorptionRateDefinition: 'IEC_WHOLE_BODY', SpecificAbsorptionRateValue: 0.5 }] }],
        MREchoSequence: [{ EffectiveEchoTime: 1.6 }],
        MRModifierSequence: [{ InversionRecovery: 'NO', FlowCompensation: 'NONE', Spoiling: 'NONE', T2Preparation: 'NO', SpectrallySelectedExcitation: 'NONE', SpatialPresaturation: 'NONE', PartialFourier: 'NO', ParallelAcquisition: 'NO' }],
        MRImagingModifierSequence: [{ MagnetizationTransfer: 'NONE', BloodSignalNulling: 'NO', Tagging: 'NONE', TransmitterFrequency: 63.9, PixelBandwidth: 900 }],
        MRReceiveCoilSequence: [{ ReceiveCoilName: 'SYNTHETIC', ReceiveCoilManufacturerName: '', ReceiveCoilType: 'MULTICOIL', QuadratureReceiveCoil: 'NO', MultiCoilDefinitionSequence: [{ MultiCoilElementName: 'E1', MultiCoilElementUsed: 'YES' }] }],
        MRTransmitCoilSequence: [{ TransmitCoilName: 'SYNTHETIC', TransmitCoilManufacturerName: '', TransmitCoilType: 'BODY' }],
        MRFOVGeometrySequence: [{ InPlanePhaseEncodingDirection: 'ROW', MRAcquisitionFrequencyEncodingSteps: columns, MRAcquisitionPhaseEncodingStepsInPlane: rows, PercentSampling: 100, PercentPhaseFieldOfView: 100 }],
        MRAveragesSequence: [{ NumberOfAverages: 1 }],
      },
    ],
    PerFrameFunctionalGroupsSequence: perFrameGroups,
    PixelData: pixels.buffer,
  };
  return { slice: -1, phase: -1, sopInstanceUid, bytes: writePart10(meta(enhancedMrImageStorage, sopInstanceUid), dataset) };
}
