import { DelineateError } from '@delineate/schema';
import { DicomDataset, transferSyntaxes } from '../dicom/dataset';
import { writeDicomFile } from '../dicom/write';
import { uidFromName } from '../synthetic/uids';
import { getNumber, getString } from '../dicom/values';
import { code, derivedObjectModules, item, put, type ElementValue } from './elements';
import type { SegmentDescription, SegPatientStudy, SegSeries } from './types';
import { segmentationStorage, segmentItem } from './write';

/** VL Whole Slide Microscopy Image Storage. */
export const vlWholeSlideMicroscopyStorage = '1.2.840.10008.5.1.4.1.1.77.1.6';

/**
 * The de-identified facts of a DICOM whole-slide image a SEG over it needs (PS3.3 C.8.12.4,
 * C.8.12.15): its identity, the Total Pixel Matrix and where it lies on the slide, and the
 * container and specimens it shows (identifiers already pseudonymous).
 */
export interface SlideSegSource {
  readonly studyInstanceUid: string;
  readonly seriesInstanceUid: string;
  readonly sopInstanceUid: string;
  readonly frameOfReferenceUid: string;
  readonly patientStudy: SegPatientStudy;
  readonly totalPixelMatrixColumns: number;
  readonly totalPixelMatrixRows: number;
  /** The source's tile size (its Rows and Columns); the SEG uses the same tiles. */
  readonly tileRows: number;
  readonly tileColumns: number;
  /** Whether the source's frames are TILED_FULL (row-major), so a tile names its source frame. */
  readonly tiledFull: boolean;
  /** [between rows, between columns], mm. */
  readonly pixelSpacing: readonly [number, number];
  /** Image Orientation (Slide): row then column direction cosines. */
  readonly orientation: readonly [number, number, number, number, number, number];
  /** Total Pixel Matrix Origin: the slide coordinates (mm) of the top left pixel. */
  readonly origin: { readonly x: number; readonly y: number };
  readonly containerIdentifier: string;
  readonly specimens: ReadonlyArray<{ readonly identifier: string; readonly uid: string }>;
}

export interface SlideSegWriteInput {
  readonly source: SlideSegSource;
  /** Where `labels` lies in the Total Pixel Matrix (0-based pixels). */
  readonly region: { readonly x: number; readonly y: number; readonly width: number; readonly height: number };
  /** Segment numbers per pixel of the region, row-major (0: background). */
  readonly labels: Uint8Array;
  readonly segments: readonly SegmentDescription[];
  readonly series: SegSeries;
}

interface PlannedTile {
  readonly segment: number;
  /** Tile column and row in the Total Pixel Matrix's tile grid. */
  readonly tx: number;
  readonly ty: number;
}

const sourceImagePurpose = { scheme: 'DCM', value: '121322', meaning: 'Source image for image processing operation' };
const segmentationDerivation = { scheme: 'DCM', value: '113076', meaning: 'Segmentation' };
const microscopeSlide = { scheme: 'SCT', value: '433466003', meaning: 'Microscope slide' };
const implementationClassUid = uidFromName('delineate/implementation-class');

function validate(input: SlideSegWriteInput): void {
  const { source: s, region: r } = input;
  const bad = (why: string) => new DelineateError('DLN_SEG_INPUT_INVALID', why);
  if (s.tileRows < 1 || s.tileColumns < 1 || s.totalPixelMatrixColumns < 1 || s.totalPixelMatrixRows < 1) throw bad('The slide has no Total Pixel Matrix');
  if (r.x < 0 || r.y < 0 || r.width < 1 || r.height < 1 || r.x + r.width > s.totalPixelMatrixColumns || r.y + r.height > s.totalPixelMatrixRows) throw bad('The region lies outside the slide’s Total Pixel Matrix');
  if (input.labels.length !== r.width * r.height) throw bad('The labels do not cover the region');
  const numbers = input.segments.map((x) => x.number).sort((a, b) => a - b);
  if (numbers.some((n, i) => n !== i + 1)) throw bad('Segments must be numbered 1..n');
  for (const v of input.labels) if (v > numbers.length) throw bad('A pixel holds a value that is no segment');
}

/** Tiles of the Total Pixel Matrix the region meets that hold each segment, segment-major then row-major. */
function planTiles(input: SlideSegWriteInput): PlannedTile[] {
  const { source: s, region: r, labels } = input;
  const tx0 = Math.floor(r.x / s.tileColumns), tx1 = Math.floor((r.x + r.width - 1) / s.tileColumns);
  const ty0 = Math.floor(r.y / s.tileRows), ty1 = Math.floor((r.y + r.height - 1) / s.tileRows);
  const across = tx1 - tx0 + 1;
  const present = new Set<number>();
  for (let y = 0; y < r.height; y++) {
    const ty = Math.floor((r.y + y) / s.tileRows) - ty0;
    for (let x = 0; x < r.width; x++) {
      const v = labels[y * r.width + x]!;
      if (v !== 0) present.add((v * (ty1 - ty0 + 1) + ty) * across + Math.floor((r.x + x) / s.tileColumns) - tx0);
    }
  }
  const tiles: PlannedTile[] = [];
  for (const segment of input.segments.map((x) => x.number).sort((a, b) => a - b)) {
    for (let ty = ty0; ty <= ty1; ty++) for (let tx = tx0; tx <= tx1; tx++) if (present.has((segment * (ty1 - ty0 + 1) + ty - ty0) * across + tx - tx0)) tiles.push({ segment, tx, ty });
  }
  return tiles;
}

/** BINARY frames packed one bit per pixel, frame after frame with no padding between them (PS3.5 8.1.1). */
function pixelData(input: SlideSegWriteInput, tiles: readonly PlannedTile[]): Uint8Array {
  const { source: s, region: r, labels } = input;
  const frameBits = s.tileRows * s.tileColumns;
  const bytes = Math.ceil((tiles.length * frameBits) / 8);
  const out = new Uint8Array(bytes + (bytes % 2));
  tiles.forEach((t, f) => {
    for (let row = 0; row < s.tileRows; row++) {
      const y = t.ty * s.tileRows + row - r.y;
      if (y < 0 || y >= r.height) continue;
      for (let col = 0; col < s.tileColumns; col++) {
        const x = t.tx * s.tileColumns + col - r.x;
        if (x < 0 || x >= r.width || labels[y * r.width + x] !== t.segment) continue;
        const bit = f * frameBits + row * s.tileColumns + col;
        out[bit >> 3]! |= 1 << (bit & 7);
      }
    }
  });
  return out;
}

/** Slide coordinates (mm) of a Total Pixel Matrix pixel's top left corner. */
function slidePosition(s: SlideSegSource, column: number, row: number): [number, number] {
  const [rowSpacing, columnSpacing] = s.pixelSpacing;
  const o = s.orientation;
  return [s.origin.x + o[0] * column * columnSpacing + o[3] * row * rowSpacing, s.origin.y + o[1] * column * columnSpacing + o[4] * row * rowSpacing];
}

function frameItem(input: SlideSegWriteInput, tile: PlannedTile): DicomDataset {
  const s = input.source;
  const column = tile.tx * s.tileColumns, row = tile.ty * s.tileRows;
  const [x, y] = slidePosition(s, column, row);
  const tilesAcross = Math.ceil(s.totalPixelMatrixColumns / s.tileColumns);
  return item({
    DerivationImageSequence: [
      item({
        SourceImageSequence: [
          item({
            ReferencedSOPClassUID: vlWholeSlideMicroscopyStorage,
            ReferencedSOPInstanceUID: s.sopInstanceUid,
            // The SEG's tiles are the source's, so each frame names the source frame it was drawn on.
            ReferencedFrameNumber: s.tiledFull ? tile.ty * tilesAcross + tile.tx + 1 : undefined,
            SpatialLocationsPreserved: 'YES',
            PurposeOfReferenceCodeSequence: [code(sourceImagePurpose)],
          }),
        ],
        DerivationCodeSequence: [code(segmentationDerivation)],
      }),
    ],
    FrameContentSequence: [item({ DimensionIndexValues: [tile.segment, column + 1, row + 1] })],
    PlanePositionSlideSequence: [
      item({ XOffsetInSlideCoordinateSystem: x, YOffsetInSlideCoordinateSystem: y, ZOffsetInSlideCoordinateSystem: 0, ColumnPositionInTotalImagePixelMatrix: column + 1, RowPositionInTotalImagePixelMatrix: row + 1 }),
    ],
    SegmentIdentificationSequence: [item({ ReferencedSegmentNumber: tile.segment })],
  });
}


function dimensionIndex(uid: string): DicomDataset[] {
  return [
    item({ DimensionOrganizationUID: uid, DimensionIndexPointer: 0x0062000b, FunctionalGroupPointer: 0x0062000a, DimensionDescriptionLabel: 'Segment Number' }),
    item({ DimensionOrganizationUID: uid, DimensionIndexPointer: 0x0048021e, FunctionalGroupPointer: 0x0048021a, DimensionDescriptionLabel: 'Column Position' }),
    item({ DimensionOrganizationUID: uid, DimensionIndexPointer: 0x0048021f, FunctionalGroupPointer: 0x0048021a, DimensionDescriptionLabel: 'Row Position' }),
  ];
}

/**
 * A BINARY DICOM Segmentation over a VL Whole Slide Microscopy image (PS3.3 A.51 with the tiled
 * Multi-frame Dimension, C.7.6.17.3): the source's Total Pixel Matrix and tiles, TILED_SPARSE
 * frames only where a segment lies (each placed by Plane Position (Slide) and naming the source
 * frame it covers), the source's container and specimens, explicit VR little endian.
 */
export function writeSlideSegmentation(input: SlideSegWriteInput): Uint8Array {
  validate(input);
  const tiles = planTiles(input);
  if (tiles.length === 0) throw new DelineateError('DLN_SEG_INPUT_INVALID', 'No segment holds any pixel: a segmentation needs at least one frame');
  const { source: s, series } = input;
  const uid = uidFromName(`${series.sopInstanceUid}/dimension-organization`);
  const [rowSpacing, columnSpacing] = s.pixelSpacing;
  const values: Record<string, ElementValue | undefined> = {
    SpecificCharacterSet: 'ISO_IR 100',
    ImageType: 'DERIVED\\PRIMARY',
    SOPClassUID: segmentationStorage,
    SOPInstanceUID: series.sopInstanceUid,
    ...derivedObjectModules(s, series),
    ContentDate: series.contentDate,
    ContentTime: series.contentTime,
    Modality: 'SEG',
    ReferencedSeriesSequence: [
      item({ ReferencedInstanceSequence: [item({ ReferencedSOPClassUID: vlWholeSlideMicroscopyStorage, ReferencedSOPInstanceUID: s.sopInstanceUid })], SeriesInstanceUID: s.seriesInstanceUid }),
    ],
    // Type 2C without Image Orientation (Patient): a slide has no patient orientation, so empty.
    PatientOrientation: '',
    PositionReferenceIndicator: 'SLIDE_CORNER',
    DimensionOrganizationSequence: [item({ DimensionOrganizationUID: uid })],
    DimensionIndexSequence: dimensionIndex(uid),
    DimensionOrganizationType: 'TILED_SPARSE',
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    NumberOfFrames: tiles.length,
    Rows: s.tileRows,
    Columns: s.tileColumns,
    BitsAllocated: 1,
    BitsStored: 1,
    HighBit: 0,
    PixelRepresentation: 0,
    LossyImageCompression: '00',
    ContainerIdentifier: s.containerIdentifier,
    IssuerOfTheContainerIdentifierSequence: [],
    ContainerTypeCodeSequence: [code(microscopeSlide)],
    SpecimenDescriptionSequence: s.specimens.map((sp) => item({ SpecimenIdentifier: sp.identifier, SpecimenUID: sp.uid, IssuerOfTheSpecimenIdentifierSequence: [], SpecimenPreparationSequence: [] })),
    TotalPixelMatrixColumns: s.totalPixelMatrixColumns,
    TotalPixelMatrixRows: s.totalPixelMatrixRows,
    TotalPixelMatrixOriginSequence: [item({ XOffsetInSlideCoordinateSystem: s.origin.x, YOffsetInSlideCoordinateSystem: s.origin.y })],
    ImageOrientationSlide: s.orientation,
    SegmentationType: 'BINARY',
    SegmentSequence: [...input.segments].sort((a, b) => a.number - b.number).map(segmentItem),
    SegmentsOverlap: 'NO',
    ContentLabel: series.contentLabel ?? 'SEGMENTATION',
    ContentDescription: series.contentDescription ?? '',
    ContentCreatorName: '',
    SharedFunctionalGroupsSequence: [item({ PixelMeasuresSequence: [item({ SliceThickness: 0.001, PixelSpacing: [rowSpacing, columnSpacing] })] })],
    PerFrameFunctionalGroupsSequence: tiles.map((t) => frameItem(input, t)),
    PixelData: pixelData(input, tiles),
  };
  const dataset = new DicomDataset(true);
  for (const [keyword, value] of Object.entries(values)) if (value !== undefined) put(dataset, keyword, value);
  const meta = new DicomDataset(true);
  put(meta, 'FileMetaInformationVersion', Uint8Array.of(0, 1));
  put(meta, 'MediaStorageSOPClassUID', segmentationStorage);
  put(meta, 'MediaStorageSOPInstanceUID', series.sopInstanceUid);
  put(meta, 'TransferSyntaxUID', transferSyntaxes.explicitLittle);
  put(meta, 'ImplementationClassUID', implementationClassUid);
  put(meta, 'ImplementationVersionName', 'DELINEATE');
  return writeDicomFile({ meta, dataset, transferSyntaxUid: transferSyntaxes.explicitLittle, hadPreamble: true });
}

const T = {
  sopClass: 0x00080016,
  sopInstance: 0x00080018,
  studyUid: 0x0020000d,
  seriesUid: 0x0020000e,
  frameOfReference: 0x00200052,
  rows: 0x00280010,
  columns: 0x00280011,
  totalColumns: 0x00480006,
  totalRows: 0x00480007,
  dimensionOrganizationType: 0x00209311,
  sharedGroups: 0x52009229,
  pixelMeasures: 0x00289110,
  pixelSpacing: 0x00280030,
  originSequence: 0x00480008,
  xOffset: 0x0040072a,
  yOffset: 0x0040073a,
  orientation: 0x00480102,
  container: 0x00400512,
  specimens: 0x00400560,
  specimenId: 0x00400551,
  specimenUid: 0x00400554,
} as const;

/** What identifies a slide and its specimens, as the caller's de-identification maps it. */
export interface SlideSegPseudonyms {
  readonly uid: (uid: string) => string;
  readonly identifier: (value: string) => string;
  readonly patientStudy: SegPatientStudy;
}

/**
 * The SEG source facts of a DICOM whole-slide image's base level, with every UID and identifier
 * passed through the caller's pseudonyms (nothing of the source's own identity is kept).
 */
export function slideSegSourceOf(dataset: DicomDataset, pseudonyms: SlideSegPseudonyms): SlideSegSource {
  const text = (ds: DicomDataset | undefined, t: number) => (ds ? (getString(ds, t) ?? '').trim() : '');
  const numbers = (ds: DicomDataset | undefined, t: number) => text(ds, t).split('\\').map(Number);
  const first = (ds: DicomDataset | undefined, t: number) => ds?.get(t)?.items?.[0];
  if (text(dataset, T.sopClass) !== vlWholeSlideMicroscopyStorage) throw new DelineateError('DLN_SEG_INPUT_INVALID', 'The source is not a VL Whole Slide Microscopy image');
  const spacing = numbers(first(first(dataset, T.sharedGroups), T.pixelMeasures), T.pixelSpacing);
  const orientation = numbers(dataset, T.orientation);
  const origin = first(dataset, T.originSequence);
  const count = (t: number) => getNumber(dataset, t) ?? 0;
  if (spacing.length !== 2 || spacing.some((v) => !(v > 0)) || orientation.length !== 6 || orientation.some((v) => !Number.isFinite(v))) {
    throw new DelineateError('DLN_SEG_INPUT_INVALID', 'The slide does not state its pixel spacing and orientation on the slide');
  }
  return {
    studyInstanceUid: pseudonyms.uid(text(dataset, T.studyUid)),
    seriesInstanceUid: pseudonyms.uid(text(dataset, T.seriesUid)),
    sopInstanceUid: pseudonyms.uid(text(dataset, T.sopInstance)),
    frameOfReferenceUid: pseudonyms.uid(text(dataset, T.frameOfReference)),
    patientStudy: pseudonyms.patientStudy,
    totalPixelMatrixColumns: count(T.totalColumns),
    totalPixelMatrixRows: count(T.totalRows),
    tileRows: count(T.rows),
    tileColumns: count(T.columns),
    tiledFull: text(dataset, T.dimensionOrganizationType) === 'TILED_FULL',
    pixelSpacing: [spacing[0]!, spacing[1]!],
    orientation: orientation as unknown as SlideSegSource['orientation'],
    origin: { x: Number(text(origin, T.xOffset)) || 0, y: Number(text(origin, T.yOffset)) || 0 },
    containerIdentifier: pseudonyms.identifier(text(dataset, T.container)),
    specimens: (dataset.get(T.specimens)?.items ?? []).map((s) => ({ identifier: pseudonyms.identifier(text(s, T.specimenId)), uid: pseudonyms.uid(text(s, T.specimenUid)) })),
  };
}
