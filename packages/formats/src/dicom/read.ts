import { DelineateError } from '@delineate/schema';
import { inflateDeflatedDataset } from '../decoded-limit';
import { DicomDataset, longLengthVrs, tag, transferSyntaxes, type DicomElement, type DicomFile } from './dataset';
import { dictionaryVr } from './dictionary';

const ITEM = 0xfffee000;
const ITEM_END = 0xfffee00d;
const SEQUENCE_END = 0xfffee0dd;
const PIXEL_DATA = 0x7fe00010;
const UNDEFINED = 0xffffffff;
const MAX_DEPTH = 64;

interface Syntax {
  readonly explicit: boolean;
  readonly little: boolean;
}

function invalid(message: string, offset: number): never {
  throw new DelineateError('DLN_DICOM_INVALID', message, { offset });
}

class Reader {
  readonly view: DataView;

  constructor(readonly bytes: Uint8Array, readonly base: number) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  u16(pos: number, little: boolean): number {
    if (pos + 2 > this.bytes.length) invalid('Unexpected end of data', this.base + pos);
    return this.view.getUint16(pos, little);
  }

  u32(pos: number, little: boolean): number {
    if (pos + 4 > this.bytes.length) invalid('Unexpected end of data', this.base + pos);
    return this.view.getUint32(pos, little);
  }

  tagAt(pos: number, little: boolean): number {
    return tag(this.u16(pos, little), this.u16(pos + 2, little));
  }

  /** Reads elements from pos until end (or an item delimiter); returns the position after. */
  readElements(pos: number, end: number, syntax: Syntax, into: DicomDataset, depth: number, stopAtGroup?: number): number {
    if (depth > MAX_DEPTH) invalid('Sequences nested too deeply', this.base + pos);
    while (pos < end) {
      if (pos + 8 > end) invalid('Truncated element header', this.base + pos);
      const t = this.tagAt(pos, syntax.little);
      if (stopAtGroup !== undefined && t >>> 16 !== stopAtGroup) return pos;
      if (t === ITEM_END) return pos + 8;
      if (t === SEQUENCE_END || t === ITEM) invalid('Unexpected delimiter', this.base + pos);
      let vr: string;
      let length: number;
      let headerLength: number;
      if (syntax.explicit) {
        const a = this.bytes[pos + 4] ?? 0;
        const b = this.bytes[pos + 5] ?? 0;
        if (a < 0x41 || a > 0x5a || b < 0x41 || b > 0x5a) invalid('Invalid value representation', this.base + pos);
        vr = String.fromCharCode(a, b);
        if (longLengthVrs.has(vr)) {
          length = this.u32(pos + 8, syntax.little);
          headerLength = 12;
        } else {
          length = this.u16(pos + 6, syntax.little);
          headerLength = 8;
        }
      } else {
        vr = dictionaryVr(t);
        length = this.u32(pos + 4, syntax.little);
        headerLength = 8;
      }
      pos += headerLength;
      const element: DicomElement = { tag: t, vr };
      if (length === UNDEFINED) {
        if (t === PIXEL_DATA) {
          element.fragments = [];
          pos = this.readFragments(pos, end, syntax, element.fragments);
        } else if (vr === 'SQ' || vr === 'UN' || !syntax.explicit) {
          // An undefined-length UN is a sequence encoded as implicit VR little endian (PS3.5 6.2.2).
          const inner = vr === 'SQ' || syntax.explicit === false ? syntax : { explicit: false, little: true };
          element.vr = 'SQ';
          element.items = [];
          pos = this.readItems(pos, end, inner, element.items, depth, true);
        } else {
          invalid('Undefined length on a non-sequence element', this.base + pos);
        }
      } else {
        if (pos + length > end) invalid('Element value runs past the end of data', this.base + pos);
        if (vr === 'SQ' || (vr === 'UN' && this.looksLikeSequence(t, pos, length))) {
          const inner = vr === 'SQ' ? syntax : { explicit: false, little: true };
          const items: DicomDataset[] = [];
          try {
            this.readItems(pos, pos + length, inner, items, depth, false);
            element.vr = 'SQ';
            element.items = items;
          } catch (error) {
            if (vr === 'SQ') throw error;
            element.value = this.bytes.subarray(pos, pos + length);
          }
        } else {
          element.value = this.bytes.subarray(pos, pos + length);
        }
        pos += length;
      }
      into.set(element);
    }
    return pos;
  }

  looksLikeSequence(t: number, pos: number, length: number): boolean {
    if (length < 8) return false;
    return dictionaryVr(t) === 'SQ' || this.tagAt(pos, true) === ITEM;
  }

  readItems(pos: number, end: number, syntax: Syntax, items: DicomDataset[], depth: number, undefinedLength: boolean): number {
    while (pos < end) {
      const t = this.tagAt(pos, syntax.little);
      const length = this.u32(pos + 4, syntax.little);
      if (t === SEQUENCE_END) return pos + 8;
      if (t !== ITEM) invalid('Expected a sequence item', this.base + pos);
      const item = new DicomDataset(syntax.little);
      item.sourceOffset = this.base + pos;
      pos += 8;
      if (length === UNDEFINED) pos = this.readElements(pos, end, syntax, item, depth + 1);
      else {
        if (pos + length > end) invalid('Item runs past the end of its sequence', this.base + pos);
        this.readElements(pos, pos + length, syntax, item, depth + 1);
        pos += length;
      }
      items.push(item);
    }
    if (undefinedLength) invalid('Sequence without a delimiter', this.base + pos);
    return pos;
  }

  readFragments(pos: number, end: number, syntax: Syntax, fragments: Uint8Array[]): number {
    while (pos < end) {
      const t = this.tagAt(pos, syntax.little);
      const length = this.u32(pos + 4, syntax.little);
      pos += 8;
      if (t === SEQUENCE_END) return pos;
      if (t !== ITEM) invalid('Expected a pixel data fragment', this.base + pos);
      if (pos + length > end) invalid('Pixel data fragment runs past the end of data', this.base + pos);
      fragments.push(this.bytes.subarray(pos, pos + length));
      pos += length;
    }
    invalid('Encapsulated pixel data without a delimiter', this.base + pos);
  }
}

function syntaxOf(uid: string): Syntax {
  if (uid === transferSyntaxes.implicitLittle) return { explicit: false, little: true };
  if (uid === transferSyntaxes.explicitBig) return { explicit: true, little: false };
  return { explicit: true, little: true };
}

function metaString(meta: DicomDataset, t: number): string | undefined {
  const value = meta.get(t)?.value;
  if (!value) return undefined;
  let text = '';
  for (const byte of value) if (byte !== 0) text += String.fromCharCode(byte);
  return text.trim();
}

/**
 * Parses a DICOM Part 10 file (or a bare implicit VR little endian data set without preamble).
 * Malformed input throws DLN_DICOM_INVALID, a deflated data set that inflates past its bound
 * DLN_DICOM_TOO_LARGE; the message carries offsets, never values.
 */
export function readDicomFile(bytes: Uint8Array): DicomFile {
  const hasPreamble = bytes.length >= 132 && bytes[128] === 0x44 && bytes[129] === 0x49 && bytes[130] === 0x43 && bytes[131] === 0x4d;
  const reader = new Reader(bytes, 0);
  const meta = new DicomDataset(true);
  let pos = hasPreamble ? 132 : 0;
  if (bytes.length < 8) invalid('File too short to be DICOM', 0);
  const startsWithMeta = reader.u16(pos, true) === 0x0002;
  if (startsWithMeta) pos = reader.readElements(pos, bytes.length, { explicit: true, little: true }, meta, 0, 0x0002);
  else if (!hasPreamble && reader.u16(pos, true) !== 0x0008) invalid('Not a DICOM file', 0);
  const transferSyntaxUid = metaString(meta, 0x00020010) ?? transferSyntaxes.implicitLittle;
  const dataset = new DicomDataset(transferSyntaxUid !== transferSyntaxes.explicitBig);
  if (transferSyntaxUid === transferSyntaxes.deflatedExplicitLittle) {
    const inflated = inflateDeflatedDataset(bytes.subarray(pos));
    new Reader(inflated, 0).readElements(0, inflated.length, { explicit: true, little: true }, dataset, 0);
  } else {
    reader.readElements(pos, bytes.length, syntaxOf(transferSyntaxUid), dataset, 0);
  }
  return { meta, dataset, transferSyntaxUid, hadPreamble: hasPreamble };
}
