import { rasteriseRoi, readRtStruct, type RtStructRoi, type SegTargetGrid } from '@delineate/formats';
import { DelineateError, type Label } from '@delineate/schema';

/** Outer targets are painted first so the ones nested in them keep their own label (one label per voxel). */
const targetRank: Readonly<Record<string, number>> = { GTV: 1, CTV: 2, ITV: 3, PTV: 4 };

/** The schema label an ROI is: by its identification code, else its name (label name or key), else a unique RT ROI Interpreted Type. */
function labelForRoi(roi: RtStructRoi, labels: readonly Label[]): Label | undefined {
  const code = roi.concept;
  if (code) {
    const scheme = code.scheme === '99DELINEATE' ? 'LOCAL' : code.scheme;
    const byCode = labels.find((l) => l.concept.scheme === scheme && l.concept.value === code.value);
    if (byCode) return byCode;
  }
  const name = roi.name.trim().toLowerCase();
  const byName = labels.find((l) => l.name.toLowerCase() === name || l.key === name);
  if (byName) return byName;
  const byType = labels.filter((l) => roi.interpretedType !== undefined && l.rtRoiInterpretedType === roi.interpretedType);
  return byType.length === 1 ? byType[0] : undefined;
}

export interface ImportedRoi {
  readonly roiNumber: number;
  readonly label: Label;
  readonly mask: Uint8Array;
}

/**
 * The ROIs of an RT Structure Set that have area (CLOSED_PLANAR contours), rasterised on the
 * item's series grid and matched to schema labels, in painting order: organs and other
 * structures first, then targets from the outermost (PTV) to the innermost (GTV). The structure
 * set must reference the item's de-identified series (DLN_RTSTRUCT_SERIES_MISMATCH); an ROI no
 * label matches is refused (DLN_RTSTRUCT_ROI_UNMATCHED), naming its number only.
 */
/** An ROI with area of a structure set and the label it matches by code, name or type (null: the person must choose). */
export interface RoiMatch {
  readonly roiNumber: number;
  readonly name: string;
  readonly labelKey: string | null;
}

/** The review step before an import: every ROI with area and its proposed label; nothing is rasterised or written. */
export function rtStructRoiMatches(bytes: Uint8Array, labels: readonly Label[]): RoiMatch[] {
  return readRtStruct(bytes)
    .rois.filter((roi) => roi.contours.some((c) => c.geometricType === 'CLOSED_PLANAR'))
    .map((roi) => ({ roiNumber: roi.number, name: roi.name, labelKey: labelForRoi(roi, labels)?.key ?? null }));
}

/** `chosen` maps ROI numbers to label keys the person chose in the review step; it overrides the automatic match. */
export function rtStructRois(bytes: Uint8Array, grid: SegTargetGrid, labels: readonly Label[], seriesInstanceUid: string | undefined, chosen?: ReadonlyMap<number, string>): ImportedRoi[] {
  const read = readRtStruct(bytes);
  if (seriesInstanceUid !== undefined && !read.referencedSeriesUids.includes(seriesInstanceUid)) {
    throw new DelineateError('DLN_RTSTRUCT_SERIES_MISMATCH', 'The structure set does not reference the series of this item');
  }
  const withArea = read.rois.filter((roi) => roi.contours.some((c) => c.geometricType === 'CLOSED_PLANAR'));
  const matched = withArea.map((roi) => {
    const key = chosen?.get(roi.number);
    const label = key !== undefined ? labels.find((l) => l.key === key) : labelForRoi(roi, labels);
    if (!label) throw new DelineateError('DLN_RTSTRUCT_ROI_UNMATCHED', "An ROI matches no label of the annotation's label schema by code, name or RT ROI type", { roi: roi.number });
    return { roi, label };
  });
  const rank = (l: Label) => targetRank[l.rtRoiInterpretedType ?? ''] ?? 0;
  matched.sort((a, b) => (rank(a.label) === 0 ? -1 : 0) - (rank(b.label) === 0 ? -1 : 0) || rank(b.label) - rank(a.label));
  return matched.map(({ roi, label }) => ({ roiNumber: roi.number, label, mask: rasteriseRoi(roi, grid) }));
}

/** The ROIs painted into one label volume in their painting order. */
export function paintRois(rois: readonly ImportedRoi[], voxels: number): Uint8Array {
  const labels = new Uint8Array(voxels);
  for (const { label, mask } of rois) for (let i = 0; i < voxels; i++) if (mask[i]) labels[i] = label.value;
  return labels;
}
