/**
 * What a DICOM Segmentation is written from and read into (PS3.3 C.8.20, Supplement 243 for
 * LABELMAP). Volumes are x-fastest in slice order: voxel (column c, row r, slice k) is at
 * `c + columns·(r + rows·k)`, slice k being `source.slices[k]`.
 */

/** A coded concept; segments are coded in SNOMED CT (`SCT`), never the retired `SRT`. */
export interface CodedConcept {
  readonly scheme: string;
  readonly value: string;
  readonly meaning: string;
}

export type SegmentationType = 'BINARY' | 'FRACTIONAL' | 'LABELMAP';
export type SegmentAlgorithmType = 'MANUAL' | 'SEMIAUTOMATIC' | 'AUTOMATIC';

/** The model that drew a segment: written as a Segmentation Algorithm Identification Sequence item. */
export interface SegmentAlgorithm {
  readonly name: string;
  readonly version: string;
  /** Algorithm Family (CID 7162), e.g. DCM 123110 "Artificial Intelligence". */
  readonly family: CodedConcept;
}

export interface SegmentDescription {
  /** Segment Number, 1-based; the value of the segment in `labels`. */
  readonly number: number;
  readonly label: string;
  readonly category: CodedConcept;
  readonly type: CodedConcept;
  readonly algorithmType: SegmentAlgorithmType;
  /** Required unless the segment was drawn by hand (MANUAL). */
  readonly algorithm?: SegmentAlgorithm;
}

/** One source image (a slice of the de-identified series), in slice order. */
export interface SegSourceSlice {
  readonly sopClassUid: string;
  readonly sopInstanceUid: string;
  /** Image Position (Patient): centre of the first voxel, mm. */
  readonly position: readonly [number, number, number];
  /** The frame of a multi-frame source instance this slice is (1-based), e.g. one B-scan of an OPT. */
  readonly referencedFrameNumber?: number;
}

/** Pseudonymous Patient and General Study module values, copied from the de-identified source. */
export interface SegPatientStudy {
  readonly patientName: string;
  readonly patientId: string;
  readonly patientBirthDate?: string;
  readonly patientSex?: string;
  readonly studyDate?: string;
  readonly studyTime?: string;
  readonly studyId?: string;
  readonly accessionNumber?: string;
  readonly referringPhysicianName?: string;
}

export interface SegSource {
  readonly studyInstanceUid: string;
  readonly seriesInstanceUid: string;
  readonly frameOfReferenceUid: string;
  readonly patientStudy: SegPatientStudy;
  readonly rows: number;
  readonly columns: number;
  /** Pixel Spacing as DICOM orders it: [between rows, between columns], mm. */
  readonly pixelSpacing: readonly [number, number];
  readonly sliceThickness?: number;
  /** Image Orientation (Patient): row direction then column direction cosines. */
  readonly orientation: readonly [number, number, number, number, number, number];
  readonly slices: readonly SegSourceSlice[];
  /**
   * The source has no patient coordinates (an Ophthalmic Photograph, an OPT without plane
   * positions): the SEG then claims none either (no Frame of Reference, plane position or
   * orientation, and no pixel spacing unless the source gives one) and each frame is located only
   * by the source image and frame it references; `orientation`, `frameOfReferenceUid` and the
   * slices' positions are not written.
   */
  readonly withoutPatientGeometry?: {
    readonly pixelSpacing?: readonly [number, number];
    /** Patient Orientation as the source gives it (empty when unknown); the General Image module wants it without a plane orientation. */
    readonly patientOrientation: string;
  };
}

/** The new series and instance; dates and times come from the caller (a release's freeze time), never the clock. */
export interface SegSeries {
  readonly seriesInstanceUid: string;
  readonly sopInstanceUid: string;
  readonly seriesNumber: number;
  readonly instanceNumber: number;
  /** YYYYMMDD. */
  readonly contentDate: string;
  /** HHMMSS (fractions allowed). */
  readonly contentTime: string;
  readonly manufacturer: string;
  readonly manufacturerModelName: string;
  readonly deviceSerialNumber: string;
  readonly softwareVersions: string;
  readonly seriesDescription?: string;
  /** Content Label (a DICOM CS: upper case, digits, space, underscore); default SEGMENTATION. */
  readonly contentLabel?: string;
  readonly contentDescription?: string;
}

export interface SegWriteInput {
  readonly segmentationType: SegmentationType;
  readonly source: SegSource;
  readonly segments: readonly SegmentDescription[];
  /** BINARY and LABELMAP: one byte per voxel, the segment number (0 = none). */
  readonly labels?: Uint8Array;
  /** FRACTIONAL (PROBABILITY): per segment number, one byte per voxel, 0..255 = 0..1. */
  readonly fractions?: ReadonlyMap<number, Uint8Array>;
  readonly series: SegSeries;
}

/** One frame of a read segmentation: which segment (absent for LABELMAP) and where. */
export interface SegFrame {
  readonly segmentNumber: number | undefined;
  readonly referencedSopInstanceUids: readonly string[];
  readonly position: readonly [number, number, number] | undefined;
}

export interface ReadSegmentation {
  readonly sopInstanceUid: string;
  readonly segmentationType: SegmentationType;
  /** FRACTIONAL only. */
  readonly fractionalType: 'PROBABILITY' | 'OCCUPANCY' | undefined;
  readonly maximumFractionalValue: number;
  readonly frameOfReferenceUid: string | undefined;
  readonly rows: number;
  readonly columns: number;
  readonly pixelSpacing: readonly [number, number] | undefined;
  readonly orientation: readonly [number, number, number, number, number, number] | undefined;
  readonly segments: readonly ReadSegment[];
  readonly frames: readonly SegFrame[];
  /** Frame f's pixels, one value per pixel (0/1 for BINARY, 0..max for FRACTIONAL, segment numbers for LABELMAP). */
  framePixels(frame: number): Uint8Array | Uint16Array;
}

/** A segment as read: its coded concepts as the file wrote them (maybe SRT). */
export interface ReadSegment {
  readonly number: number;
  readonly label: string;
  readonly category: CodedConcept | undefined;
  readonly type: CodedConcept | undefined;
  readonly algorithmType: string | undefined;
  readonly algorithm: SegmentAlgorithm | undefined;
}

/** The grid a segmentation is placed on: the item's slices (UIDs optional) and in-plane geometry. */
export interface SegTargetGrid {
  readonly rows: number;
  readonly columns: number;
  readonly pixelSpacing: readonly [number, number];
  readonly orientation: readonly [number, number, number, number, number, number];
  /** Position of each slice's first voxel, in slice order. */
  readonly positions: readonly (readonly [number, number, number])[];
  /** SOP Instance UIDs of the slices, when known: a frame's reference wins over its position. */
  readonly sopInstanceUids?: readonly string[];
}
