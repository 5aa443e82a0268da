import { DelineateError } from '@delineate/schema';
import { findElement, type TopLevelElement, type WalkedDicom } from './dataset-walker';

/** A top-level attribute to set (value given) or remove (value `undefined`). */
export interface ElementEdit {
  readonly tag: number;
  readonly vr: string;
  readonly value: Uint8Array | undefined;
}

const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'UC', 'UN', 'UR', 'UT', 'SV', 'UV']);

function header(tag: number, vr: string, length: number, explicitVr: boolean, littleEndian: boolean): Uint8Array {
  const long = !explicitVr || LONG_VRS.has(vr);
  const out = new Uint8Array(long ? (explicitVr ? 12 : 8) : 8);
  const view = new DataView(out.buffer);
  view.setUint16(0, tag >>> 16, littleEndian);
  view.setUint16(2, tag & 0xffff, littleEndian);
  if (!explicitVr) {
    view.setUint32(4, length, littleEndian);
  } else {
    out[4] = vr.charCodeAt(0);
    out[5] = vr.charCodeAt(1);
    if (long) view.setUint32(8, length, littleEndian);
    else {
      if (length > 0xffff) throw new DelineateError('DLN_INTERNAL', 'Value too long for a short-VR element');
      view.setUint16(6, length, littleEndian);
    }
  }
  return out;
}

function encodeElement(edit: ElementEdit, explicitVr: boolean, littleEndian: boolean): Uint8Array {
  const value = edit.value ?? new Uint8Array();
  const padded = value.length % 2 ? concatBytes([value, new Uint8Array([edit.vr === 'UI' || edit.vr === 'OB' ? 0 : 0x20])]) : value;
  return concatBytes([header(edit.tag, edit.vr, padded.length, explicitVr, littleEndian), padded]);
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** A text value (CS, LO, UI…) as bytes; padding to even length happens on write. */
export function textValue(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

export function uint16Value(value: number, littleEndian = true): Uint8Array {
  const out = new Uint8Array(2);
  new DataView(out.buffer).setUint16(0, value, littleEndian);
  return out;
}

function applyEdits(
  bytes: Uint8Array,
  elements: readonly TopLevelElement[],
  start: number,
  end: number,
  edits: readonly ElementEdit[],
  explicitVr: boolean,
  littleEndian: boolean,
): Uint8Array[] {
  const byTag = new Map(edits.map((e) => [e.tag, e]));
  const parts: Uint8Array[] = [];
  let cursor = start;
  const pending = [...edits].filter((e) => e.value !== undefined && !elements.some((x) => x.tag === e.tag)).sort((a, b) => a.tag - b.tag);
  for (const element of elements) {
    while (pending.length && (pending[0]?.tag ?? 0) < element.tag) {
      const insert = pending.shift();
      if (insert) {
        parts.push(bytes.subarray(cursor, element.headerOffset));
        cursor = element.headerOffset;
        parts.push(encodeElement(insert, explicitVr, littleEndian));
      }
    }
    const edit = byTag.get(element.tag);
    if (!edit) continue;
    parts.push(bytes.subarray(cursor, element.headerOffset));
    if (edit.value !== undefined) parts.push(encodeElement(edit, explicitVr, littleEndian));
    cursor = element.end;
  }
  parts.push(bytes.subarray(cursor, end));
  for (const insert of pending) parts.push(encodeElement(insert, explicitVr, littleEndian));
  return parts;
}

/**
 * Rewrites a DICOM file with some top-level attributes set or removed, every other byte kept
 * as it was. With `toTransferSyntaxUid`, the file meta names a new transfer syntax: allowed only
 * when the data set is already explicit VR little endian (encapsulated or inflated deflated files),
 * since nothing else is re-encoded.
 */
export function editTopLevel(walked: WalkedDicom, edits: readonly ElementEdit[], toTransferSyntaxUid?: string): Uint8Array {
  const { bytes } = walked;
  const datasetEdits = edits.filter((e) => e.tag >>> 16 !== 0x0002);
  const metaEdits = edits.filter((e) => e.tag >>> 16 === 0x0002);
  if (toTransferSyntaxUid !== undefined && toTransferSyntaxUid !== walked.transferSyntaxUid) {
    if (!walked.explicitVr || !walked.littleEndian) throw new DelineateError('DLN_INTERNAL', 'Changing transfer syntax needs an explicit VR little endian data set');
    if (!walked.hasPart10Header) throw new DelineateError('DLN_DICOM_UNSUPPORTED', 'Cannot change transfer syntax of a file without file meta');
    metaEdits.push({ tag: 0x00020010, vr: 'UI', value: textValue(toTransferSyntaxUid) });
  }
  let metaBytes = bytes.subarray(0, walked.datasetOffset);
  if (metaEdits.length > 0) {
    const metaStart = walked.hasPart10Header ? 132 : 0;
    const groupLength = findElement(walked, 0x00020000);
    const body = concatBytes(applyEdits(bytes, walked.meta.filter((e) => e.tag !== 0x00020000), groupLength ? groupLength.end : metaStart, walked.datasetOffset, metaEdits, true, true));
    const lengthElement = groupLength ? encodeElement({ tag: 0x00020000, vr: 'UL', value: uint32(body.length) }, true, true) : new Uint8Array();
    metaBytes = concatBytes([bytes.subarray(0, metaStart), lengthElement, body]);
  }
  const datasetParts = applyEdits(bytes, walked.elements, walked.datasetOffset, bytes.length, datasetEdits, walked.explicitVr, walked.littleEndian);
  return concatBytes([metaBytes, ...datasetParts]);
}

function uint32(value: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value, true);
  return out;
}
