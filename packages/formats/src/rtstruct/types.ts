import type { CodedConcept, SegSeries, SegSource } from '../seg/types';

/** RT Structure Set Storage (PS3.4). */
export const rtStructureSetStorage = '1.2.840.10008.5.1.4.1.1.481.3';

/** One ROI to write: the voxels of `labels` equal to any of `values` (a target with the targets nested in it). */
export interface RtStructRoiInput {
  /** ROI Number, 1-based. */
  readonly number: number;
  readonly name: string;
  readonly description?: string;
  /** Display colour, 0..255 each. */
  readonly colour: readonly [number, number, number];
  /** RT ROI Interpreted Type (GTV, CTV, PTV, ORGAN, EXTERNAL, …); empty when unknown. */
  readonly interpretedType?: string;
  /** RT ROI Identification Code (the label's coded concept). */
  readonly concept?: CodedConcept;
  readonly values: readonly number[];
}

export interface RtStructWriteInput {
  /** The de-identified series the contours are drawn on (its geometry, UIDs and pseudonymous patient and study). */
  readonly source: SegSource;
  readonly series: SegSeries & { readonly structureSetLabel?: string };
  readonly rois: readonly RtStructRoiInput[];
  /** One label value per voxel on the source's grid, x-fastest in slice order. */
  readonly labels: Uint8Array;
}

/** A contour as read, in patient coordinates (mm). */
export interface RtStructContour {
  readonly geometricType: string;
  /** x0, y0, z0, x1, … */
  readonly points: readonly number[];
}

export interface RtStructRoi {
  readonly number: number;
  readonly name: string;
  readonly interpretedType: string | undefined;
  readonly concept: CodedConcept | undefined;
  readonly colour: readonly [number, number, number] | undefined;
  readonly contours: readonly RtStructContour[];
}

export interface ReadRtStruct {
  readonly sopInstanceUid: string;
  readonly frameOfReferenceUid: string | undefined;
  /** Series Instance UIDs the structure set references (RT Referenced Series). */
  readonly referencedSeriesUids: readonly string[];
  readonly rois: readonly RtStructRoi[];
}
