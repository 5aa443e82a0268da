import { DelineateError } from '@delineate/schema';
import type { DicomDataset } from '../dicom/dataset';
import { readDicomFile } from '../dicom/read';
import { getString } from '../dicom/values';
import { tagOf } from '../seg/elements';
import type { CodedConcept } from '../seg/types';
import { rtStructureSetStorage, type ReadRtStruct, type RtStructContour, type RtStructRoi } from './types';

function text(dataset: DicomDataset, keyword: string): string | undefined {
  const value = getString(dataset, tagOf(keyword));
  return value === undefined || value === '' ? undefined : value;
}

function items(dataset: DicomDataset, keyword: string): DicomDataset[] {
  return dataset.get(tagOf(keyword))?.items ?? [];
}

function numbers(dataset: DicomDataset, keyword: string): number[] {
  const value = text(dataset, keyword);
  if (value === undefined) return [];
  return value.split('\\').map((v) => Number(v.trim()));
}

function integer(dataset: DicomDataset, keyword: string): number | undefined {
  const [value] = numbers(dataset, keyword);
  return value !== undefined && Number.isInteger(value) ? value : undefined;
}

function concept(dataset: DicomDataset | undefined): CodedConcept | undefined {
  if (!dataset) return undefined;
  const value = text(dataset, 'CodeValue');
  const scheme = text(dataset, 'CodingSchemeDesignator');
  const meaning = text(dataset, 'CodeMeaning');
  return value && scheme ? { scheme, value, meaning: meaning ?? '' } : undefined;
}

function invalid(message: string): never {
  throw new DelineateError('DLN_RTSTRUCT_INVALID', message);
}

/**
 * An RT Structure Set's ROIs and their contours (patient coordinates, mm). Not an RT Structure
 * Set, ROI numbers that do not resolve, and contour data whose length is not 3 × the point
 * count are refused with DLN_RTSTRUCT_INVALID; messages name positions, never values.
 */
export function readRtStruct(bytes: Uint8Array): ReadRtStruct {
  const { dataset } = readDicomFile(bytes);
  if (text(dataset, 'SOPClassUID') !== rtStructureSetStorage) invalid('The file is not an RT Structure Set');
  const referencedSeriesUids: string[] = [];
  let frameOfReferenceUid: string | undefined;
  for (const frame of items(dataset, 'ReferencedFrameOfReferenceSequence')) {
    frameOfReferenceUid ??= text(frame, 'FrameOfReferenceUID');
    for (const study of items(frame, 'RTReferencedStudySequence'))
      for (const series of items(study, 'RTReferencedSeriesSequence')) {
        const uid = text(series, 'SeriesInstanceUID');
        if (uid) referencedSeriesUids.push(uid);
      }
  }
  const observations = new Map<number, DicomDataset>();
  for (const observation of items(dataset, 'RTROIObservationsSequence')) {
    const roi = integer(observation, 'ReferencedROINumber');
    if (roi !== undefined && !observations.has(roi)) observations.set(roi, observation);
  }
  const contoursByRoi = new Map<number, DicomDataset>();
  items(dataset, 'ROIContourSequence').forEach((roiContour, i) => {
    const roi = integer(roiContour, 'ReferencedROINumber');
    if (roi === undefined) invalid(`ROI contour ${i + 1} has no referenced ROI number`);
    contoursByRoi.set(roi, roiContour);
  });
  const rois: RtStructRoi[] = items(dataset, 'StructureSetROISequence').map((entry, i) => {
    const number = integer(entry, 'ROINumber');
    if (number === undefined) invalid(`Structure set ROI ${i + 1} has no ROI number`);
    const observation = observations.get(number);
    const roiContour = contoursByRoi.get(number);
    const colour = roiContour ? numbers(roiContour, 'ROIDisplayColor') : [];
    const contours: RtStructContour[] = (roiContour ? items(roiContour, 'ContourSequence') : []).map((c, j) => {
      const points = numbers(c, 'ContourData');
      const count = integer(c, 'NumberOfContourPoints');
      if (points.length % 3 !== 0 || (count !== undefined && count * 3 !== points.length) || points.some((p) => !Number.isFinite(p))) {
        invalid(`Contour ${j + 1} of ROI ${number} has malformed contour data`);
      }
      return { geometricType: text(c, 'ContourGeometricType') ?? '', points };
    });
    return {
      number,
      name: text(entry, 'ROIName') ?? '',
      interpretedType: observation ? text(observation, 'RTROIInterpretedType') : undefined,
      concept: concept(observation ? items(observation, 'RTROIIdentificationCodeSequence')[0] : undefined),
      colour: colour.length === 3 ? [colour[0] ?? 0, colour[1] ?? 0, colour[2] ?? 0] : undefined,
      contours,
    };
  });
  for (const number of contoursByRoi.keys()) if (!rois.some((r) => r.number === number)) invalid(`An ROI contour references ROI ${number}, which the structure set does not define`);
  return { sopInstanceUid: text(dataset, 'SOPInstanceUID') ?? '', frameOfReferenceUid, referencedSeriesUids, rois };
}
