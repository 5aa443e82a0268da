import { DelineateError } from '@delineate/schema';
import { DicomDataset, transferSyntaxes } from '../dicom/dataset';
import { writeDicomFile } from '../dicom/write';
import { code, derivedObjectModules, item, put } from '../seg/elements';
import { uidFromName } from '../synthetic/uids';
import { sliceContours } from './contours';
import { rtStructureSetStorage, type RtStructWriteInput } from './types';

const implementationClassUid = uidFromName('delineate/implementation-class');
/** The SOP class an RT Referenced Study names (PS3.3 C.8.8.5: Detached Study Management, retired but required there). */
const studyComponentClass = '1.2.840.10008.3.1.2.3.1';

/**
 * An RT Structure Set (PS3.3 A.19) of a de-identified series, one ROI per entry of `rois`: on
 * every slice that holds the ROI, its outline and holes as CLOSED_PLANAR contours from
 * marching squares, each referencing its slice. Explicit VR little endian Part 10 bytes.
 */
export function writeRtStruct(input: RtStructWriteInput): Uint8Array {
  const { source, series } = input;
  const { rows, columns, slices } = source;
  if (input.labels.length !== rows * columns * slices.length) throw new DelineateError('DLN_RTSTRUCT_INVALID', 'The label volume does not match the series grid');
  if (input.rois.length === 0) throw new DelineateError('DLN_RTSTRUCT_INVALID', 'A structure set needs at least one ROI');
  const o = source.orientation;
  const [rowSpacing, columnSpacing] = source.pixelSpacing;
  const sliceSize = rows * columns;
  const slicePixels = new Uint8Array(sliceSize);

  const roiContours = input.rois.map((roi) => {
    const wanted = new Uint8Array(256);
    for (const v of roi.values) wanted[v] = 1;
    const contours: DicomDataset[] = [];
    slices.forEach((slice, k) => {
      let any = false;
      for (let i = 0; i < sliceSize; i++) {
        const v = wanted[input.labels[k * sliceSize + i] ?? 0] ?? 0;
        slicePixels[i] = v;
        if (v) any = true;
      }
      if (!any) return;
      for (const contour of sliceContours(slicePixels, 0, columns, rows)) {
        const points: number[] = [];
        for (let p = 0; p < contour.length; p += 2) {
          const c = (contour[p] ?? 0) * columnSpacing;
          const r = (contour[p + 1] ?? 0) * rowSpacing;
          points.push(slice.position[0] + c * o[0] + r * o[3], slice.position[1] + c * o[1] + r * o[4], slice.position[2] + c * o[2] + r * o[5]);
        }
        contours.push(
          item({
            ContourImageSequence: [item({ ReferencedSOPClassUID: slice.sopClassUid, ReferencedSOPInstanceUID: slice.sopInstanceUid })],
            ContourGeometricType: 'CLOSED_PLANAR',
            NumberOfContourPoints: points.length / 3,
            ContourNumber: contours.length + 1,
            ContourData: points.map(roundMicron),
          }),
        );
      }
    });
    return item({ ROIDisplayColor: [...roi.colour], ContourSequence: contours.length > 0 ? contours : undefined, ReferencedROINumber: roi.number });
  });

  const values: Record<string, Parameters<typeof put>[2] | undefined> = {
    SpecificCharacterSet: 'ISO_IR 100',
    InstanceCreationDate: series.contentDate,
    InstanceCreationTime: series.contentTime,
    SOPClassUID: rtStructureSetStorage,
    SOPInstanceUID: series.sopInstanceUid,
    ...derivedObjectModules(source, series),
    Modality: 'RTSTRUCT',
    OperatorsName: '',
    StructureSetLabel: series.structureSetLabel ?? 'DELINEATE',
    StructureSetDate: series.contentDate,
    StructureSetTime: series.contentTime,
    ReferencedFrameOfReferenceSequence: [
      item({
        FrameOfReferenceUID: source.frameOfReferenceUid,
        RTReferencedStudySequence: [
          item({
            ReferencedSOPClassUID: studyComponentClass,
            ReferencedSOPInstanceUID: source.studyInstanceUid,
            RTReferencedSeriesSequence: [
              item({
                SeriesInstanceUID: source.seriesInstanceUid,
                ContourImageSequence: slices.map((s) => item({ ReferencedSOPClassUID: s.sopClassUid, ReferencedSOPInstanceUID: s.sopInstanceUid })),
              }),
            ],
          }),
        ],
      }),
    ],
    StructureSetROISequence: input.rois.map((roi) =>
      item({
        ROINumber: roi.number,
        ReferencedFrameOfReferenceUID: source.frameOfReferenceUid,
        ROIName: roi.name,
        ROIDescription: roi.description,
        ROIGenerationAlgorithm: 'MANUAL',
      }),
    ),
    ROIContourSequence: roiContours,
    RTROIObservationsSequence: input.rois.map((roi, i) =>
      item({
        ObservationNumber: i + 1,
        ReferencedROINumber: roi.number,
        RTROIIdentificationCodeSequence: roi.concept ? [code(roi.concept)] : undefined,
        RTROIInterpretedType: roi.interpretedType ?? '',
        ROIInterpreter: '',
      }),
    ),
  };
  const dataset = new DicomDataset(true);
  for (const [keyword, value] of Object.entries(values)) if (value !== undefined) put(dataset, keyword, value);
  const meta = new DicomDataset(true);
  put(meta, 'FileMetaInformationVersion', Uint8Array.of(0, 1));
  put(meta, 'MediaStorageSOPClassUID', rtStructureSetStorage);
  put(meta, 'MediaStorageSOPInstanceUID', series.sopInstanceUid);
  put(meta, 'TransferSyntaxUID', transferSyntaxes.explicitLittle);
  put(meta, 'ImplementationClassUID', implementationClassUid);
  put(meta, 'ImplementationVersionName', 'DELINEATE');
  return writeDicomFile({ meta, dataset, transferSyntaxUid: transferSyntaxes.explicitLittle, hadPreamble: true });
}

/** Contour coordinates to the micrometre: short decimal strings, far below any pixel. */
function roundMicron(v: number): number {
  return Math.round(v * 1000) / 1000;
}
