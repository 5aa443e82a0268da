import { DelineateError } from '@delineate/schema';
import type { CodedConcept, SegmentDescription, SegWriteInput } from './types';

const UID = /^(?:0|[1-9]\d*)(?:\.(?:0|[1-9]\d*))*$/;
const segmentationTypes = new Set(['BINARY', 'FRACTIONAL', 'LABELMAP']);
const algorithmTypes = new Set(['MANUAL', 'SEMIAUTOMATIC', 'AUTOMATIC']);

function refuse(message: string, details?: Record<string, string | number>): never {
  throw new DelineateError('DLN_SEG_INPUT_INVALID', message, details);
}

function checkUid(value: string, what: string): void {
  if (value.length > 64 || !UID.test(value)) refuse(`${what} is not a valid DICOM UID`);
}

/** Text goes out as ISO 8859-1 (Specific Character Set ISO_IR 100). */
function checkText(value: string, what: string, max: number): void {
  if (value.length > max) refuse(`${what} is longer than ${max} characters`);
  for (let i = 0; i < value.length; i += 1) {
    const c = value.charCodeAt(i);
    if (c > 0xff || c < 0x20 || c === 0x5c) refuse(`${what} holds a character DICOM cannot carry here`);
  }
}

function checkCode(concept: CodedConcept, what: string): void {
  // SRT (SNOMED RT) was retired from DICOM; segments say SCT, or a private scheme ("99…", PS3.16 8.2)
  // for concepts SNOMED CT has no code for (e.g. the platform's own optic disc and cup).
  const isPrivate = /^99[A-Z0-9_]{1,14}$/.test(concept.scheme);
  if (concept.scheme !== 'SCT' && !isPrivate) refuse(`${what} must be coded in SNOMED CT (SCT) or a private scheme (99…)`, { scheme: concept.scheme.slice(0, 16) });
  if (isPrivate ? !/^[\x21-\x7e]{1,16}$/.test(concept.value) : !/^\d{6,18}$/.test(concept.value)) refuse(`${what} is not a valid code value`);
  checkText(concept.meaning, `${what} meaning`, 64);
  if (concept.meaning.length === 0) refuse(`${what} has no meaning`);
}

function checkSegment(segment: SegmentDescription): void {
  if (!Number.isInteger(segment.number) || segment.number < 1 || segment.number > 255) refuse('Segment numbers run from 1 to 255');
  if (segment.label.length === 0) refuse('A segment needs a label', { segment: segment.number });
  checkText(segment.label, 'Segment label', 64);
  checkCode(segment.category, 'Segment category');
  checkCode(segment.type, 'Segment type');
  if (!algorithmTypes.has(segment.algorithmType)) refuse('Segment algorithm type must be MANUAL, SEMIAUTOMATIC or AUTOMATIC');
  if (segment.algorithmType !== 'MANUAL') {
    const algorithm = segment.algorithm;
    if (!algorithm) refuse('A segment drawn by an algorithm needs its name, version and family', { segment: segment.number });
    if (algorithm.name.length === 0 || algorithm.version.length === 0) refuse('Algorithm name and version are required', { segment: segment.number });
    checkText(algorithm.name, 'Algorithm name', 64);
    checkText(algorithm.version, 'Algorithm version', 64);
    if (algorithm.family.value.length === 0 || algorithm.family.meaning.length === 0) refuse('Algorithm family must be a coded concept');
  }
}

function checkGeometry(input: SegWriteInput): void {
  const { source } = input;
  const placed = source.withoutPatientGeometry === undefined;
  checkUid(source.studyInstanceUid, 'Study Instance UID');
  checkUid(source.seriesInstanceUid, 'Source Series Instance UID');
  if (placed) checkUid(source.frameOfReferenceUid, 'Frame of Reference UID');
  for (const n of [source.rows, source.columns]) if (!Number.isInteger(n) || n < 1 || n > 65535) refuse('Rows and columns must be 1..65535');
  if (source.slices.length === 0) refuse('The source has no slices');
  const spacing = placed ? source.pixelSpacing : source.withoutPatientGeometry.pixelSpacing;
  if (spacing && !spacing.every((v) => Number.isFinite(v) && v > 0)) refuse('Pixel spacing must be positive');
  if (placed && (source.orientation.length !== 6 || !source.orientation.every(Number.isFinite))) refuse('Image orientation needs six finite numbers');
  for (const slice of source.slices) {
    checkUid(slice.sopInstanceUid, 'Source SOP Instance UID');
    checkUid(slice.sopClassUid, 'Source SOP Class UID');
    if (placed && (slice.position.length !== 3 || !slice.position.every(Number.isFinite))) refuse('Slice positions need three finite numbers');
    const frame = slice.referencedFrameNumber;
    if (frame !== undefined && (!Number.isInteger(frame) || frame < 1)) refuse('A referenced frame number is a whole number from 1');
  }
}

function checkSeries(input: SegWriteInput): void {
  const { series } = input;
  checkUid(series.seriesInstanceUid, 'Series Instance UID');
  checkUid(series.sopInstanceUid, 'SOP Instance UID');
  if (!/^\d{8}$/.test(series.contentDate)) refuse('Content date must be YYYYMMDD');
  if (!/^\d{6}(?:\.\d{1,6})?$/.test(series.contentTime)) refuse('Content time must be HHMMSS');
  for (const n of [series.seriesNumber, series.instanceNumber]) if (!Number.isInteger(n) || n < 0) refuse('Series and instance numbers must be whole numbers');
  for (const [what, text] of [
    ['Manufacturer', series.manufacturer],
    ['Model name', series.manufacturerModelName],
    ['Device serial number', series.deviceSerialNumber],
    ['Software versions', series.softwareVersions],
  ] as const) {
    if (text.length === 0) refuse(`${what} is required`);
    checkText(text, what, 64);
  }
  if (series.contentLabel !== undefined && !/^[A-Z0-9_ ]{1,16}$/.test(series.contentLabel)) refuse('Content label must be 1-16 upper-case letters, digits or underscores');
}

/** Refuses input that would make an invalid or misleading Segmentation, before a byte is written. */
export function validateWriteInput(input: SegWriteInput): void {
  if (!segmentationTypes.has(input.segmentationType)) refuse('Segmentation type must be BINARY, FRACTIONAL or LABELMAP');
  if (input.segments.length === 0) refuse('A segmentation needs at least one segment');
  const numbers = new Set<number>();
  for (const segment of input.segments) {
    checkSegment(segment);
    if (numbers.has(segment.number)) refuse('Segment numbers must be unique', { segment: segment.number });
    numbers.add(segment.number);
  }
  checkGeometry(input);
  checkSeries(input);
  const voxels = input.source.rows * input.source.columns * input.source.slices.length;
  if (input.segmentationType === 'FRACTIONAL') {
    if (input.labels || !input.fractions) refuse('A FRACTIONAL segmentation is written from per-segment fractions');
    for (const [number, values] of input.fractions) {
      if (!numbers.has(number)) refuse('Fractions are given for a segment that is not declared', { segment: number });
      if (values.length !== voxels) refuse('Fractions do not match the source grid', { segment: number, expected: voxels, actual: values.length });
    }
  } else {
    if (!input.labels || input.fractions) refuse(`A ${input.segmentationType} segmentation is written from a label volume`);
    if (input.labels.length !== voxels) refuse('The label volume does not match the source grid', { expected: voxels, actual: input.labels.length });
  }
}
