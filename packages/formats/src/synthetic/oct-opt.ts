import { hashSeed, type OctGeometry, octBoundaries, seededRandom } from '@delineate/core';
import type { BoundarySet } from '@delineate/core';
import { OPHTHALMIC_TOMOGRAPHY_IMAGE_STORAGE as ophthalmicTomographyImageStorage } from '../oct/opt-geometry';
import { explicitVrLittleEndian, writePart10 } from './dcmjs-writer';
import { octRetinaBoundaries, octRetinaGeometry, octRetinaHasEzLoss } from './oct-retina';
import { gaussianTable } from './random';
import { uidFromName } from './uids';

/** SOP Class UID of the 8-bit photograph used as the localizer. */
export const ophthalmicPhotography8BitImageStorage = '1.2.840.10008.5.1.4.1.1.77.1.5.1';

export interface OctPhantom {
  /** The OPT instance (49 B-scans of 496 × 512, 8-bit). */
  opt: Uint8Array;
  /** The near-infrared en-face localizer its frames are located on. */
  localizer: Uint8Array;
  geometry: OctGeometry;
  /** The boundary heights the B-scans were drawn from. */
  boundaries: BoundarySet;
  uids: { study: string; series: string; instance: string; localizerSeries: string; localizer: string };
  /** Localizer pixels per µm (the localizer covers the scan field, square pixels). */
  localizerPixelUm: number;
}

/** Reflectivity of the vitreous, the ten slabs (ILM→RNFL/GCL first) and the choroid. */
const SLAB_REFLECTIVITY = [8, 205, 95, 160, 70, 150, 45, 75, 200, 120, 225, 115] as const;
const EZ_SLAB = octBoundaries.indexOf('EZ') + 1;

const ds = (value: number): string => {
  const text = String(Number(value.toFixed(6)));
  return text === '-0' ? '0' : text;
};

const code = (value: string, scheme: string, meaning: string) => [{ CodeValue: value, CodingSchemeDesignator: scheme, CodeMeaning: meaning }];

/** The B-scan pixels: each row takes the reflectivity of the slab its centre lies in, plus noise. */
function renderBScans(set: BoundarySet, geometry: OctGeometry, seed: number): Uint8Array {
  const { bscans, ascans, rows } = geometry;
  const pixels = new Uint8Array(bscans * rows * ascans);
  const noise = gaussianTable(seededRandom(hashSeed(`oct-noise-table/${seed}`)), 6);
  const random = seededRandom(hashSeed(`oct-noise/${seed}`));
  const plane = bscans * ascans;
  const edges = new Float64Array(octBoundaries.length);
  for (let s = 0; s < bscans; s++) {
    for (let a = 0; a < ascans; a++) {
      const ezLost = octRetinaHasEzLoss(a * geometry.ascanSpacingUm, s * geometry.bscanSpacingUm);
      for (let b = 0; b < edges.length; b++) {
        const at = b * plane + s * ascans + a;
        // An absent EZ still has an anatomical position (halfway between ELM and IZ) for drawing.
        edges[b] = Number.isNaN(set.heights[at]!) ? (set.heights[at - plane]! + set.heights[at + plane]!) / 2 : set.heights[at]!;
      }
      let slab = 0;
      for (let r = 0; r < rows; r++) {
        while (slab < edges.length && edges[slab]! <= r + 0.5) slab++;
        let value: number = SLAB_REFLECTIVITY[slab]!;
        if (ezLost && slab === EZ_SLAB) value = SLAB_REFLECTIVITY[EZ_SLAB - 1]!;
        if (slab === edges.length) value = Math.max(20, value - (r - edges[slab - 1]!) * 1.2);
        const sample = noise[random.nextUint32() & 0xffff]!;
        pixels[(s * rows + r) * ascans + a] = Math.min(255, Math.max(0, Math.round(value + sample)));
      }
    }
  }
  return pixels;
}

function commonAttributes(uids: { study: string }, seed: number): Record<string, unknown> {
  return {
    SpecificCharacterSet: 'ISO_IR 100',
    InstanceCreationDate: '20000101',
    InstanceCreationTime: '120000',
    StudyDate: '20000101',
    StudyTime: '120000',
    ContentDate: '20000101',
    ContentTime: '120000',
    AccessionNumber: '',
    ReferringPhysicianName: '',
    Manufacturer: 'Delineate (synthetic phantom)',
    ManufacturerModelName: 'oct-retina-phantom',
    DeviceSerialNumber: 'SYNTHETIC',
    SoftwareVersions: '0.1',
    PatientName: 'Phantom^Retina',
    PatientID: `PHANTOM-OCT-${String(seed).padStart(4, '0')}`,
    PatientBirthDate: '',
    PatientSex: 'O',
    StudyInstanceUID: uids.study,
    StudyID: 'PHANTOM',
    ContentQualification: 'RESEARCH',
    SynchronizationFrameOfReferenceUID: uidFromName(`delineate/oct-phantom/${seed}/synchronization`),
    SynchronizationTrigger: 'NO TRIGGER',
    AcquisitionTimeSynchronized: 'N',
    RefractiveStateSequence: [],
    EmmetropicMagnification: '',
    IntraOcularPressure: '',
    PupilDilated: 'NO',
    ImageComments: 'Synthetic image: contains no patient data',
    ImageLaterality: 'R',
    AnatomicRegionSequence: code('T-AA610', 'SRT', 'Retina'),
    BurnedInAnnotation: 'NO',
    LossyImageCompression: '00',
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
 * A synthetic macular OCT volume as one DICOM Ophthalmic Tomography Image (enhanced multi-frame)
 * and its near-infrared localizer (Ophthalmic Photography 8 Bit). B-scan geometry is in the
 * shared Pixel Measures; each frame's line on the localizer is in its Ophthalmic Frame Location.
 * Deterministic: the same seed gives the same bytes.
 */
export function generateOctPhantom(options: { seed?: number } = {}): OctPhantom {
  const seed = options.seed ?? 1;
  const geometry = octRetinaGeometry;
  const uid = (what: string) => uidFromName(`delineate/oct-phantom/${seed}/${what}`);
  const uids = { study: uid('study'), series: uid('series'), instance: uid('instance'), localizerSeries: uid('localizer-series'), localizer: uid('localizer') };
  const boundaries = octRetinaBoundaries(geometry);
  const pixels = renderBScans(boundaries, geometry, seed);
  const { localizer, pixelUm } = localizerInstance(geometry, uids, seed);
  const scanWidthUm = (geometry.ascans - 1) * geometry.ascanSpacingUm;
  const frames = Array.from({ length: geometry.bscans }, (_, s) => {
    const row = ds((s * geometry.bscanSpacingUm) / pixelUm);
    return {
      PlanePositionSequence: [{ ImagePositionPatient: [ds(-scanWidthUm / 2000), ds((s * geometry.bscanSpacingUm) / 1000), '0'] }],
      FrameContentSequence: [{ FrameAcquisitionNumber: 1, FrameReferenceDateTime: '20000101120000', FrameAcquisitionDateTime: '20000101120000', FrameAcquisitionDuration: 40, DimensionIndexValues: [s + 1] }],
      OphthalmicFrameLocationSequence: [
        {
          ReferencedSOPClassUID: ophthalmicPhotography8BitImageStorage,
          ReferencedSOPInstanceUID: uids.localizer,
          // Row, column pairs on the localizer: where the B-scan's first and last A-scans lie.
          ReferenceCoordinates: [row, '0', row, ds(scanWidthUm / pixelUm)],
          OphthalmicImageOrientation: 'LINEAR',
        },
      ],
    };
  });
  const dimensionOrganization = uid('dimension-organization');
  const dataset: Record<string, unknown> = {
    ...commonAttributes(uids, seed),
    ImageType: ['ORIGINAL', 'PRIMARY'],
    SOPClassUID: ophthalmicTomographyImageStorage,
    SOPInstanceUID: uids.instance,
    AcquisitionDateTime: '20000101120000',
    AcquisitionDuration: 2,
    AcquisitionNumber: 1,
    Modality: 'OPT',
    SeriesInstanceUID: uids.series,
    SeriesNumber: 1,
    InstanceNumber: 1,
    FrameOfReferenceUID: uid('frame-of-reference'),
    PositionReferenceIndicator: '',
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    NumberOfFrames: geometry.bscans,
    Rows: geometry.rows,
    Columns: geometry.ascans,
    BitsAllocated: 8,
    BitsStored: 8,
    HighBit: 7,
    PixelRepresentation: 0,
    PresentationLUTShape: 'IDENTITY',
    AcquisitionContextSequence: [],
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
            // Row spacing is axial, column spacing is between A-scans; slice thickness is the B-scan spacing (mm).
            PixelSpacing: [ds(geometry.axialUmPerPixel / 1000), ds(geometry.ascanSpacingUm / 1000)],
            SliceThickness: ds(geometry.bscanSpacingUm / 1000),
          },
        ],
        // Rows run along the scan line (+x), columns into the eye (−z): each frame is one B-scan plane.
        PlaneOrientationSequence: [{ ImageOrientationPatient: ['1', '0', '0', '0', '0', '-1'] }],
        FrameAnatomySequence: [{ FrameLaterality: 'R', AnatomicRegionSequence: code('T-AA610', 'SRT', 'Retina') }],
      },
    ],
    PerFrameFunctionalGroupsSequence: frames,
    PixelData: pixels.buffer,
    _vrMap: { PixelData: 'OB' },
  };
  return { opt: writePart10(meta(ophthalmicTomographyImageStorage, uids.instance), dataset), localizer, geometry, boundaries, uids, localizerPixelUm: pixelUm };
}

/** A small en-face reflectance image of the scan field: brighter vessels radiating from the disc side. */
function localizerInstance(geometry: OctGeometry, uids: OctPhantom['uids'], seed: number): { localizer: Uint8Array; pixelUm: number } {
  const size = 128;
  const pixelUm = ((geometry.ascans - 1) * geometry.ascanSpacingUm) / (size - 1);
  const pixels = new Uint8Array(size * size);
  for (let r = 0; r < size; r++) for (let c = 0; c < size; c++) pixels[r * size + c] = 90 + Math.round(40 * Math.abs(Math.sin((r + 2 * c) / 9)));
  const dataset: Record<string, unknown> = {
    ...commonAttributes(uids, seed),
    ImageType: ['ORIGINAL', 'PRIMARY'],
    SOPClassUID: ophthalmicPhotography8BitImageStorage,
    SOPInstanceUID: uids.localizer,
    AcquisitionDateTime: '20000101120000',
    Modality: 'OP',
    SeriesInstanceUID: uids.localizerSeries,
    SeriesNumber: 2,
    InstanceNumber: 1,
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    PatientOrientation: '',
    NumberOfFrames: 1,
    FrameIncrementPointer: 0x00181063,
    FrameTime: 0,
    Rows: size,
    Columns: size,
    BitsAllocated: 8,
    BitsStored: 8,
    HighBit: 7,
    PixelRepresentation: 0,
    PixelSpacing: [ds(pixelUm / 1000), ds(pixelUm / 1000)],
    PresentationLUTShape: 'IDENTITY',
    AcquisitionContextSequence: [],
    PatientEyeMovementCommanded: 'NO',
    HorizontalFieldOfView: 30,
    AcquisitionDeviceTypeCodeSequence: code('R-1021A', 'SRT', 'Scanning Laser Ophthalmoscope'),
    IlluminationTypeCodeSequence: [],
    LightPathFilterTypeStackCodeSequence: [],
    ImagePathFilterTypeStackCodeSequence: [],
    LensesCodeSequence: [],
    DetectorType: 'CCD',
    PixelData: pixels.buffer,
    _vrMap: { PixelData: 'OB' },
  };
  return { localizer: writePart10(meta(ophthalmicPhotography8BitImageStorage, uids.localizer), dataset), pixelUm };
}
