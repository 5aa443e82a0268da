import { DelineateError } from '@delineate/schema';
import { DicomDataset } from '../dicom/dataset';
import { dictionaryVr, tagForKeyword } from '../dicom/dictionary';
import { encodeString } from '../dicom/values';
import type { CodedConcept, SegSeries, SegSource } from './types';

/** A value to put into a data set by keyword; the VR comes from the data dictionary. */
export type ElementValue = string | number | readonly number[] | readonly DicomDataset[] | Uint8Array;

function tagOf(keyword: string): number {
  const found = tagForKeyword(keyword);
  if (found === undefined) throw new DelineateError('DLN_INTERNAL', `Unknown DICOM keyword ${keyword}`);
  return found;
}

/** A DICOM decimal string (at most 16 characters). */
export function decimalString(value: number): string {
  if (!Number.isFinite(value)) throw new DelineateError('DLN_SEG_INPUT_INVALID', 'Geometry values must be finite numbers');
  let text = String(Number(value.toFixed(6)));
  for (let digits = 15; text.length > 16 && digits > 1; digits -= 1) text = String(Number(value.toPrecision(digits)));
  return text === '-0' ? '0' : text;
}

function binaryValue(vr: string, values: readonly number[]): Uint8Array {
  const size = vr === 'US' || vr === 'SS' ? 2 : vr === 'FD' ? 8 : 4;
  const bytes = new Uint8Array(values.length * size);
  const view = new DataView(bytes.buffer);
  values.forEach((value, i) => {
    if (vr === 'US') view.setUint16(i * 2, value, true);
    else if (vr === 'SS') view.setInt16(i * 2, value, true);
    else if (vr === 'UL') view.setUint32(i * 4, value, true);
    else if (vr === 'SL') view.setInt32(i * 4, value, true);
    else if (vr === 'FL') view.setFloat32(i * 4, value, true);
    else if (vr === 'FD') view.setFloat64(i * 8, value, true);
    // AT: group then element, each little endian.
    else if (vr === 'AT') {
      view.setUint16(i * 4, value >>> 16, true);
      view.setUint16(i * 4 + 2, value & 0xffff, true);
    } else throw new DelineateError('DLN_INTERNAL', `No binary encoding for VR ${vr}`);
  });
  return bytes;
}

/** Sets one element by keyword (explicit VR little endian values). */
export function put(dataset: DicomDataset, keyword: string, value: ElementValue): void {
  const t = tagOf(keyword);
  const vr = dictionaryVr(t);
  if (vr === 'SQ') {
    dataset.set({ tag: t, vr, items: [...(value as readonly DicomDataset[])] });
  } else if (value instanceof Uint8Array) {
    dataset.set({ tag: t, vr, value });
  } else if (typeof value === 'string') {
    dataset.set({ tag: t, vr, value: encodeString(value, vr) });
  } else {
    const values = typeof value === 'number' ? [value] : (value as readonly number[]);
    if (vr === 'DS') dataset.set({ tag: t, vr, value: encodeString(values.map(decimalString).join('\\'), vr) });
    else if (vr === 'IS') dataset.set({ tag: t, vr, value: encodeString(values.map((v) => String(Math.trunc(v))).join('\\'), vr) });
    else dataset.set({ tag: t, vr, value: binaryValue(vr, values) });
  }
}

/** A sequence item from keyword → value pairs (undefined values are left out). */
export function item(values: Record<string, ElementValue | undefined>): DicomDataset {
  const dataset = new DicomDataset(true);
  for (const [keyword, value] of Object.entries(values)) if (value !== undefined) put(dataset, keyword, value);
  return dataset;
}

/** A Code Sequence Macro item. */
export function code(concept: CodedConcept): DicomDataset {
  return item({ CodeValue: concept.value, CodingSchemeDesignator: concept.scheme, CodeMeaning: concept.meaning });
}

export { tagOf };

/**
 * The Patient, General Study, General Series, Frame of Reference and General Equipment values a
 * derived object (SEG, RT Structure Set) carries: copied from its de-identified source series,
 * with its own series and instance.
 */
export function derivedObjectModules(source: Pick<SegSource, 'patientStudy' | 'studyInstanceUid' | 'frameOfReferenceUid'>, series: SegSeries): Record<string, ElementValue | undefined> {
  const ps = source.patientStudy;
  return {
    StudyDate: ps.studyDate ?? '',
    StudyTime: ps.studyTime ?? '',
    AccessionNumber: ps.accessionNumber ?? '',
    Manufacturer: series.manufacturer,
    ReferringPhysicianName: ps.referringPhysicianName ?? '',
    SeriesDescription: series.seriesDescription,
    ManufacturerModelName: series.manufacturerModelName,
    PatientName: ps.patientName,
    PatientID: ps.patientId,
    PatientBirthDate: ps.patientBirthDate ?? '',
    PatientSex: ps.patientSex ?? '',
    DeviceSerialNumber: series.deviceSerialNumber,
    SoftwareVersions: series.softwareVersions,
    StudyInstanceUID: source.studyInstanceUid,
    SeriesInstanceUID: series.seriesInstanceUid,
    StudyID: ps.studyId ?? '',
    SeriesNumber: series.seriesNumber,
    InstanceNumber: series.instanceNumber,
    FrameOfReferenceUID: source.frameOfReferenceUid,
    PositionReferenceIndicator: '',
  };
}
