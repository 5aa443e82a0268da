import { writeRtStruct, type CodedConcept, type RtStructRoiInput } from '@delineate/formats';
import type { Label } from '@delineate/schema';
import type { ReleaseExportFormat } from './formats';
import { notForSlides } from './seg-formats';
import { seriesOf } from './seg-formats';
import { segSourceOf } from './seg-source';

/**
 * Targets nest in radiotherapy: the CTV contains the GTV, the ITV the CTV, the PTV the ITV. A
 * label map holds one label per voxel (a CTV drawn around its GTV is a ring on the map), so a
 * target's ROI is its own voxels and those of every target of a lower rank.
 */
const targetRank: Readonly<Record<string, number>> = { GTV: 1, CTV: 2, ITV: 3, PTV: 4 };

/** The label values that make up a label's ROI. */
export function roiValues(label: Label, labels: readonly Label[]): number[] {
  const rank = targetRank[label.rtRoiInterpretedType ?? ''] ?? 0;
  if (rank === 0) return [label.value];
  const inner = labels.filter((l) => l !== label && (targetRank[l.rtRoiInterpretedType ?? ''] ?? 0) > 0 && (targetRank[l.rtRoiInterpretedType ?? ''] ?? 0) < rank);
  return [label.value, ...inner.map((l) => l.value)];
}

/** DICOM wants private coding schemes to start with 99; the platform's own codes are LOCAL in the schema. */
function roiConcept(concept: CodedConcept): CodedConcept {
  return concept.scheme === 'LOCAL' ? { ...concept, scheme: '99DELINEATE' } : concept;
}

function colourOf(hex: string): [number, number, number] {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

export function roisForLabels(labels: readonly Label[]): RtStructRoiInput[] {
  return labels.map((label) => ({
    number: label.value,
    name: label.name,
    description: label.definition.slice(0, 1024),
    colour: colourOf(label.colour),
    ...(label.rtRoiInterpretedType ? { interpretedType: label.rtRoiInterpretedType } : {}),
    concept: roiConcept(label.concept),
    values: roiValues(label, labels),
  }));
}

/**
 * An RT Structure Set per item (issue 23): one ROI per label the item holds, contours per slice
 * from the released mask, RT ROI Interpreted Type from the schema, referencing the de-identified
 * series' instances.
 */
export const rtstructExportFormat: ReleaseExportFormat = {
  key: 'rtstruct',
  title: 'DICOM RT Structure Set: one ROI per label, contours per slice, targets nested (GTV in CTV in PTV)',
  skipReason: notForSlides,
  async itemFiles(input) {
    if (input.item.labelKeys.length === 0) return [];
    const held = input.labelSchema.labels.filter((l) => input.item.labelKeys.includes(l.key));
    const series = { ...seriesOf(input, 'rtstruct', 9010, 'RTSTRUCT', 'Released structure set'), structureSetLabel: 'RELEASE' };
    const bytes = writeRtStruct({ source: segSourceOf(input.item, await input.sourceInstances()), series, rois: roisForLabels(held), labels: input.mask });
    return [{ path: `${input.folder}/rtstruct.dcm`, bytes }];
  },
};
