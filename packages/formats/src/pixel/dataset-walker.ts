import { DelineateError } from '@delineate/schema';
import { inflateDeflatedDataset } from '../decoded-limit';
import { transferSyntax } from './transfer-syntax';

/**
 * A minimal, tolerant walker over the top level of a DICOM file: where each element starts,
 * where its value lies, where it ends. Nested sequences are skipped (not interpreted). It is
 * what the pixel layer needs to find and replace Pixel Data and a few image attributes in
 * place, byte for byte, without re-serialising the rest of the file.
 */
export interface TopLevelElement {
  /** (group << 16) | element. */
  readonly tag: number;
  /** The explicit VR, or the dictionary VR of the few attributes the pixel layer reads when implicit. */
  readonly vr: string | undefined;
  readonly headerOffset: number;
  readonly valueOffset: number;
  /** Value length in bytes; for undefined-length values, the bytes up to and including the delimiter. */
  readonly valueLength: number;
  readonly undefinedLength: boolean;
  readonly end: number;
}

export interface WalkedDicom {
  /** The bytes the offsets refer to: the input, or for deflated files the inflated copy. */
  readonly bytes: Uint8Array;
  readonly hasPart10Header: boolean;
  readonly transferSyntaxUid: string;
  /** Offset of the first data set element after the file meta group. */
  readonly datasetOffset: number;
  readonly explicitVr: boolean;
  readonly littleEndian: boolean;
  readonly meta: readonly TopLevelElement[];
  readonly elements: readonly TopLevelElement[];
}

export const IMPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2';
const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'UC', 'UN', 'UR', 'UT', 'SV', 'UV']);
const ITEM = 0xfffee000;
const ITEM_DELIMITER = 0xfffee00d;
const SEQUENCE_DELIMITER = 0xfffee0dd;
export const PIXEL_DATA = 0x7fe00010;

/** Dictionary VRs of the attributes read from implicit-VR files. */
const implicitVrs = new Map<number, string>([
  [0x00080008, 'CS'], [0x00080016, 'UI'], [0x00080060, 'CS'], [0x00080070, 'LO'], [0x00081090, 'LO'],
  [0x00280002, 'US'], [0x00280004, 'CS'], [0x00280006, 'US'], [0x00280008, 'IS'], [0x00280010, 'US'],
  [0x00280011, 'US'], [0x00280100, 'US'], [0x00280101, 'US'], [0x00280102, 'US'], [0x00280103, 'US'],
  [0x00280301, 'CS'], [0x00282110, 'CS'], [0x00282112, 'DS'], [0x00282114, 'CS'], [0x7fe00010, 'OW'],
]);

function invalid(message: string): never {
  throw new DelineateError('DLN_DICOM_INVALID', message);
}

function isVrText(a: number | undefined, b: number | undefined): boolean {
  return a !== undefined && b !== undefined && a >= 0x41 && a <= 0x5a && b >= 0x41 && b <= 0x5a;
}

class Cursor {
  constructor(
    readonly bytes: Uint8Array,
    readonly view: DataView,
    readonly littleEndian: boolean,
    readonly explicitVr: boolean,
  ) {}

  u16(at: number): number {
    if (at + 2 > this.bytes.length) invalid('DICOM element runs past the end of the file');
    return this.view.getUint16(at, this.littleEndian);
  }

  u32(at: number): number {
    if (at + 4 > this.bytes.length) invalid('DICOM element runs past the end of the file');
    return this.view.getUint32(at, this.littleEndian);
  }

  tag(at: number): number {
    return ((this.u16(at) << 16) | this.u16(at + 2)) >>> 0;
  }

  /** Reads one element header at `at` and returns the element with its extent. */
  element(at: number, forceImplicit = false): TopLevelElement {
    const tag = this.tag(at);
    let vr: string | undefined;
    let length: number;
    let valueOffset: number;
    const group = tag >>> 16;
    if (group === 0xfffe) {
      length = this.u32(at + 4);
      valueOffset = at + 8;
    } else if (this.explicitVr && !forceImplicit) {
      vr = String.fromCharCode(this.bytes[at + 4] ?? 0, this.bytes[at + 5] ?? 0);
      if (LONG_VRS.has(vr)) {
        length = this.u32(at + 8);
        valueOffset = at + 12;
      } else {
        length = this.u16(at + 6);
        valueOffset = at + 8;
      }
    } else {
      vr = implicitVrs.get(tag);
      length = this.u32(at + 4);
      valueOffset = at + 8;
    }
    if (length === 0xffffffff) {
      const nestedImplicit = forceImplicit || vr === 'UN';
      const end = tag === PIXEL_DATA ? this.skipFragments(valueOffset) : this.skipSequence(valueOffset, nestedImplicit);
      return { tag, vr, headerOffset: at, valueOffset, valueLength: end - valueOffset, undefinedLength: true, end };
    }
    const end = valueOffset + length;
    if (end > this.bytes.length) invalid('DICOM element value runs past the end of the file');
    return { tag, vr, headerOffset: at, valueOffset, valueLength: length, undefinedLength: false, end };
  }

  private skipFragments(at: number): number {
    let p = at;
    for (;;) {
      const tag = this.tag(p);
      const length = this.u32(p + 4);
      p += 8;
      if (tag === SEQUENCE_DELIMITER) return p;
      if (tag !== ITEM) invalid('Encapsulated pixel data has an unexpected element');
      p += length;
      if (p > this.bytes.length) invalid('Pixel data fragment runs past the end of the file');
    }
  }

  private skipSequence(at: number, implicit: boolean): number {
    let p = at;
    for (;;) {
      const tag = this.tag(p);
      const length = this.u32(p + 4);
      p += 8;
      if (tag === SEQUENCE_DELIMITER) return p;
      if (tag !== ITEM) invalid('Sequence has an unexpected element');
      if (length !== 0xffffffff) {
        p += length;
        continue;
      }
      for (;;) {
        if (this.tag(p) === ITEM_DELIMITER) {
          p += 8;
          break;
        }
        p = this.element(p, implicit).end;
      }
    }
  }
}

function readMeta(bytes: Uint8Array, view: DataView, start: number): { meta: TopLevelElement[]; end: number; ts: string | undefined } {
  const cursor = new Cursor(bytes, view, true, true);
  const meta: TopLevelElement[] = [];
  let p = start;
  let ts: string | undefined;
  while (p + 8 <= bytes.length && view.getUint16(p, true) === 0x0002) {
    const element = cursor.element(p);
    meta.push(element);
    if (element.tag === 0x00020010) ts = decodeText(bytes.subarray(element.valueOffset, element.end));
    p = element.end;
  }
  return { meta, end: p, ts };
}

export function decodeText(value: Uint8Array): string {
  return new TextDecoder('latin1').decode(value).replace(/[\0 ]+$/, '').trim();
}

/** Walks the top level of a DICOM file (Part 10, or a bare data set in implicit or explicit VR LE). */
export function walkDicom(input: Uint8Array): WalkedDicom {
  let bytes = input;
  let view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hasPart10Header = bytes.length >= 132 && decodeText(bytes.subarray(128, 132)) === 'DICM';
  const metaStart = hasPart10Header ? 132 : 0;
  const { meta, end, ts } = readMeta(bytes, view, metaStart);
  let transferSyntaxUid = ts;
  if (transferSyntaxUid === undefined) {
    if (hasPart10Header) invalid('DICOM file meta has no Transfer Syntax UID');
    transferSyntaxUid = isVrText(bytes[end + 4], bytes[end + 5]) ? '1.2.840.10008.1.2.1' : IMPLICIT_VR_LITTLE_ENDIAN;
  }
  const syntax = transferSyntax(transferSyntaxUid);
  const explicitVr = syntax ? syntax.explicitVr : true;
  const littleEndian = syntax ? syntax.littleEndian : true;
  if (syntax?.deflated) {
    const inflated = inflateDeflatedDataset(bytes.subarray(end));
    const joined = new Uint8Array(end + inflated.length);
    joined.set(bytes.subarray(0, end), 0);
    joined.set(inflated, end);
    bytes = joined;
    view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  const cursor = new Cursor(bytes, view, littleEndian, explicitVr);
  const elements: TopLevelElement[] = [];
  let p = end;
  while (p + 8 <= bytes.length) {
    const element = cursor.element(p);
    elements.push(element);
    p = element.end;
  }
  if (p !== bytes.length && bytes.length - p > 1) invalid('DICOM data set ends with a partial element');
  return { bytes, hasPart10Header, transferSyntaxUid, datasetOffset: end, explicitVr, littleEndian, meta, elements };
}

/** Finds a top-level element by tag. */
export function findElement(walked: WalkedDicom, tag: number): TopLevelElement | undefined {
  const list = tag >>> 16 === 0x0002 ? walked.meta : walked.elements;
  return list.find((e) => e.tag === tag);
}

export function elementString(walked: WalkedDicom, tag: number): string | undefined {
  const e = findElement(walked, tag);
  return e ? decodeText(walked.bytes.subarray(e.valueOffset, e.end)) : undefined;
}

export function elementUint16(walked: WalkedDicom, tag: number): number | undefined {
  const e = findElement(walked, tag);
  if (!e || e.valueLength < 2) return undefined;
  return new DataView(walked.bytes.buffer, walked.bytes.byteOffset).getUint16(e.valueOffset, walked.littleEndian);
}
