import { DelineateError } from '@delineate/schema';
import { DicomDataset, transferSyntaxes } from '../dicom/dataset';
import { writeDicomFile } from '../dicom/write';
import { uidFromName } from '../synthetic/uids';
import { code, derivedObjectModules, item, put } from './elements';
import { labelsPerSlice, packSegmentBits, sliceHoldsAny, wordsOf, type PlannedFrame } from './frames';
import type { SegmentDescription, SegWriteInput } from './types';
import { validateWriteInput } from './validate';

/** Segmentation Storage (PS3.4): BINARY and FRACTIONAL. */
export const segmentationStorage = '1.2.840.10008.5.1.4.1.1.66.4';
/** Label Map Segmentation Storage (Supplement 243). */
export const labelMapSegmentationStorage = '1.2.840.10008.5.1.4.1.1.66.7';

const implementationClassUid = uidFromName('delineate/implementation-class');
const sourceImagePurpose = { scheme: 'DCM', value: '121322', meaning: 'Source image for image processing operation' };
const segmentationDerivation = { scheme: 'DCM', value: '113076', meaning: 'Segmentation' };

/** The frames to write: for each segment (in number order) the slices that hold it; LABELMAP: slices holding any. */
function planFrames(input: SegWriteInput): PlannedFrame[] {
  const { rows, columns, slices } = input.source;
  const sliceSize = rows * columns;
  const numbers = input.segments.map((s) => s.number).sort((a, b) => a - b);
  const frames: PlannedFrame[] = [];
  if (input.segmentationType === 'FRACTIONAL') {
    for (const segment of numbers) {
      const values = input.fractions?.get(segment);
      if (!values) continue;
      for (let k = 0; k < slices.length; k += 1) if (sliceHoldsAny(values, k * sliceSize, sliceSize)) frames.push({ segment, slice: k });
    }
    return frames;
  }
  const present = labelsPerSlice(input.labels!, sliceSize, slices.length, new Set(numbers));
  if (input.segmentationType === 'LABELMAP') {
    for (let k = 0; k < slices.length; k += 1) if (numbers.some((v) => present[k * 256 + v] === 1)) frames.push({ segment: 0, slice: k });
    return frames;
  }
  for (const segment of numbers) for (let k = 0; k < slices.length; k += 1) if (present[k * 256 + segment] === 1) frames.push({ segment, slice: k });
  return frames;
}

function pixelData(input: SegWriteInput, frames: readonly PlannedFrame[]): Uint8Array {
  const sliceSize = input.source.rows * input.source.columns;
  if (input.segmentationType === 'BINARY') {
    const bits = frames.length * sliceSize;
    const out = new Uint8Array(Math.ceil(bits / 8) + (Math.ceil(bits / 8) % 2));
    const words = wordsOf(input.labels!);
    frames.forEach((frame, f) => packSegmentBits(input.labels!, frame.slice * sliceSize, sliceSize, frame.segment, out, f * sliceSize, words));
    return out;
  }
  const out = new Uint8Array(frames.length * sliceSize + ((frames.length * sliceSize) % 2));
  frames.forEach((frame, f) => {
    const values = input.segmentationType === 'FRACTIONAL' ? input.fractions!.get(frame.segment)! : input.labels!;
    out.set(values.subarray(frame.slice * sliceSize, (frame.slice + 1) * sliceSize), f * sliceSize);
  });
  return out;
}

/** One item of the Segment Sequence; shared by the volume and the whole-slide SEG writers. */
export function segmentItem(segment: SegmentDescription): DicomDataset {
  const algorithm = segment.algorithm;
  return item({
    SegmentedPropertyCategoryCodeSequence: [code(segment.category)],
    SegmentNumber: segment.number,
    SegmentLabel: segment.label,
    SegmentationAlgorithmIdentificationSequence: algorithm
      ? [item({ AlgorithmFamilyCodeSequence: [code(algorithm.family)], AlgorithmVersion: algorithm.version, AlgorithmName: algorithm.name })]
      : undefined,
    SegmentAlgorithmType: segment.algorithmType,
    SegmentAlgorithmName: segment.algorithmType === 'MANUAL' ? undefined : algorithm?.name,
    SegmentedPropertyTypeCodeSequence: [code(segment.type)],
  });
}

/** Slice spacing along the normal from the first two positions; Slice Thickness falls back to it. */
function sliceSpacing(input: SegWriteInput): number | undefined {
  const [a, b] = input.source.slices;
  if (!a || !b) return undefined;
  const o = input.source.orientation;
  const normal = [o[1] * o[5] - o[2] * o[4], o[2] * o[3] - o[0] * o[5], o[0] * o[4] - o[1] * o[3]] as const;
  const d = Math.abs((b.position[0] - a.position[0]) * normal[0] + (b.position[1] - a.position[1]) * normal[1] + (b.position[2] - a.position[2]) * normal[2]);
  return d > 0 ? d : undefined;
}

function frameItem(input: SegWriteInput, frame: PlannedFrame): DicomDataset {
  const slice = input.source.slices[frame.slice]!;
  const labelMap = input.segmentationType === 'LABELMAP';
  return item({
    DerivationImageSequence: [
      item({
        SourceImageSequence: [
          item({
            ReferencedSOPClassUID: slice.sopClassUid,
            ReferencedSOPInstanceUID: slice.sopInstanceUid,
            ReferencedFrameNumber: slice.referencedFrameNumber,
            SpatialLocationsPreserved: 'YES',
            PurposeOfReferenceCodeSequence: [code(sourceImagePurpose)],
          }),
        ],
        DerivationCodeSequence: [code(segmentationDerivation)],
      }),
    ],
    FrameContentSequence: [
      item({
        // Without patient positions a frame's place is its source frame's place in the stack.
        StackID: input.source.withoutPatientGeometry ? '1' : undefined,
        InStackPositionNumber: input.source.withoutPatientGeometry ? frame.slice + 1 : undefined,
        DimensionIndexValues: labelMap ? [frame.slice + 1] : [frame.segment, frame.slice + 1],
      }),
    ],
    PlanePositionSequence: input.source.withoutPatientGeometry ? undefined : [item({ ImagePositionPatient: slice.position })],
    SegmentIdentificationSequence: labelMap ? undefined : [item({ ReferencedSegmentNumber: frame.segment })],
  });
}

function dimensions(input: SegWriteInput): { organization: DicomDataset[]; index: DicomDataset[] } {
  // Derived from the instance UID so the same export gives the same bytes.
  const uid = uidFromName(`${input.series.sopInstanceUid}/dimension-organization`);
  const position = item({
    DimensionOrganizationUID: uid,
    DimensionIndexPointer: 0x00200032,
    FunctionalGroupPointer: 0x00209113,
    DimensionDescriptionLabel: 'Image Position Patient',
  });
  const segment = item({
    DimensionOrganizationUID: uid,
    DimensionIndexPointer: 0x0062000b,
    FunctionalGroupPointer: 0x0062000a,
    DimensionDescriptionLabel: 'Segment Number',
  });
  const stack = item({
    DimensionOrganizationUID: uid,
    DimensionIndexPointer: 0x00209057,
    FunctionalGroupPointer: 0x00209111,
    DimensionDescriptionLabel: 'In-Stack Position Number',
  });
  const place = input.source.withoutPatientGeometry ? stack : position;
  const index = input.segmentationType === 'LABELMAP' ? [place] : [segment, place];
  return { organization: [item({ DimensionOrganizationUID: uid })], index };
}

function buildDataset(input: SegWriteInput, frames: readonly PlannedFrame[], pixels: Uint8Array): DicomDataset {
  const { source, series } = input;
  const spacing = sliceSpacing(input);
  const bits = input.segmentationType === 'BINARY' ? 1 : 8;
  const dims = dimensions(input);
  // A multi-frame source (an OPT) is one instance however many slices reference it: listed once.
  const instances = new Map(source.slices.map((s) => [s.sopInstanceUid, s.sopClassUid]));
  const referenced = [...instances].map(([uid, sopClass]) => item({ ReferencedSOPClassUID: sopClass, ReferencedSOPInstanceUID: uid }));
  const unplaced = source.withoutPatientGeometry;
  const modules = derivedObjectModules(source, series);
  if (unplaced) {
    modules.FrameOfReferenceUID = undefined;
    modules.PositionReferenceIndicator = undefined;
  }
  const values: Record<string, Parameters<typeof put>[2] | undefined> = {
    SpecificCharacterSet: 'ISO_IR 100',
    ImageType: 'DERIVED\\PRIMARY',
    SOPClassUID: input.segmentationType === 'LABELMAP' ? labelMapSegmentationStorage : segmentationStorage,
    SOPInstanceUID: series.sopInstanceUid,
    ...modules,
    PatientOrientation: unplaced?.patientOrientation,
    ContentDate: series.contentDate,
    ContentTime: series.contentTime,
    Modality: 'SEG',
    ReferencedSeriesSequence: [item({ ReferencedInstanceSequence: referenced, SeriesInstanceUID: source.seriesInstanceUid })],
    DimensionOrganizationSequence: dims.organization,
    DimensionIndexSequence: dims.index,
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    NumberOfFrames: frames.length,
    Rows: source.rows,
    Columns: source.columns,
    BitsAllocated: bits,
    BitsStored: bits,
    HighBit: bits - 1,
    PixelRepresentation: 0,
    LossyImageCompression: '00',
    SegmentationType: input.segmentationType,
    SegmentationFractionalType: input.segmentationType === 'FRACTIONAL' ? 'PROBABILITY' : undefined,
    MaximumFractionalValue: input.segmentationType === 'FRACTIONAL' ? 255 : undefined,
    SegmentSequence: [...input.segments].sort((a, b) => a.number - b.number).map(segmentItem),
    SegmentsOverlap: input.segmentationType === 'FRACTIONAL' ? 'UNDEFINED' : 'NO',
    ContentLabel: series.contentLabel ?? 'SEGMENTATION',
    ContentDescription: series.contentDescription ?? '',
    ContentCreatorName: '',
    SharedFunctionalGroupsSequence: [
      unplaced
        ? item({ PixelMeasuresSequence: unplaced.pixelSpacing ? [item({ PixelSpacing: unplaced.pixelSpacing })] : undefined })
        : item({
            PlaneOrientationSequence: [item({ ImageOrientationPatient: source.orientation })],
            PixelMeasuresSequence: [
              item({
                SliceThickness: source.sliceThickness ?? spacing ?? 1,
                SpacingBetweenSlices: spacing,
                PixelSpacing: source.pixelSpacing,
              }),
            ],
          }),
    ],
    PerFrameFunctionalGroupsSequence: frames.map((frame) => frameItem(input, frame)),
    PixelData: pixels,
  };
  const dataset = new DicomDataset(true);
  for (const [keyword, value] of Object.entries(values)) if (value !== undefined) put(dataset, keyword, value);
  return dataset;
}

/**
 * A DICOM Segmentation (PS3.3 A.51; LABELMAP per Supplement 243) of a de-identified series, as
 * one Part 10 file in explicit VR little endian. Frames exist only for slices that hold their
 * segment; BINARY frames are bit-packed straight from the label volume, with no per-voxel objects.
 */
export function writeSegmentation(input: SegWriteInput): Uint8Array {
  validateWriteInput(input);
  const frames = planFrames(input);
  if (frames.length === 0) throw new DelineateError('DLN_SEG_INPUT_INVALID', 'No segment holds any voxel: a segmentation needs at least one frame');
  const dataset = buildDataset(input, frames, pixelData(input, frames));
  const meta = new DicomDataset(true);
  put(meta, 'FileMetaInformationVersion', Uint8Array.of(0, 1));
  put(meta, 'MediaStorageSOPClassUID', input.segmentationType === 'LABELMAP' ? labelMapSegmentationStorage : segmentationStorage);
  put(meta, 'MediaStorageSOPInstanceUID', input.series.sopInstanceUid);
  put(meta, 'TransferSyntaxUID', transferSyntaxes.explicitLittle);
  put(meta, 'ImplementationClassUID', implementationClassUid);
  put(meta, 'ImplementationVersionName', 'DELINEATE');
  return writeDicomFile({ meta, dataset, transferSyntaxUid: transferSyntaxes.explicitLittle, hadPreamble: true });
}
