import { DicomDataset, type DicomElement } from './dataset';

/** Decodes a string value byte-for-byte (ISO 8859-1 view), without trailing NUL/space padding. */
export function decodeString(value: Uint8Array | undefined): string {
  if (!value || value.length === 0) return '';
  let end = value.length;
  while (end > 0 && (value[end - 1] === 0 || value[end - 1] === 0x20)) end -= 1;
  return Buffer.from(value.buffer, value.byteOffset, end).toString('latin1');
}

export function getString(dataset: DicomDataset, t: number): string | undefined {
  const element = dataset.get(t);
  if (!element || element.items || element.fragments) return undefined;
  return decodeString(element.value);
}

/** Encodes a string value padded to even length (UI with NUL, others with a space). */
export function encodeString(text: string, vr: string): Uint8Array {
  const bytes = Buffer.from(text, 'latin1');
  if (bytes.length % 2 === 0) return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
  const padded = new Uint8Array(bytes.length + 1);
  padded.set(bytes);
  padded[bytes.length] = vr === 'UI' ? 0 : 0x20;
  return padded;
}

export function setString(dataset: DicomDataset, t: number, vr: string, text: string): void {
  dataset.set({ tag: t, vr, value: encodeString(text, vr) });
}

/** First value of a numeric element (US, SS, UL, SL, FL, FD, IS, DS). */
export function getNumber(dataset: DicomDataset, t: number): number | undefined {
  const element: DicomElement | undefined = dataset.get(t);
  const value = element?.value;
  if (!element || !value || value.length === 0) return undefined;
  const view = new DataView(value.buffer, value.byteOffset, value.byteLength);
  const little = dataset.littleEndian;
  switch (element.vr) {
    case 'US':
      return value.length >= 2 ? view.getUint16(0, little) : undefined;
    case 'SS':
      return value.length >= 2 ? view.getInt16(0, little) : undefined;
    case 'UL':
      return value.length >= 4 ? view.getUint32(0, little) : undefined;
    case 'SL':
      return value.length >= 4 ? view.getInt32(0, little) : undefined;
    case 'FL':
      return value.length >= 4 ? view.getFloat32(0, little) : undefined;
    case 'FD':
      return value.length >= 8 ? view.getFloat64(0, little) : undefined;
    default: {
      const parsed = Number.parseFloat(decodeString(value).split('\\')[0] ?? '');
      return Number.isFinite(parsed) ? parsed : undefined;
    }
  }
}

/** Every value of a numeric element, binary (US, SS, UL, SL, FL, FD) or text (IS, DS). */
export function getNumbers(dataset: DicomDataset, t: number): number[] {
  const element: DicomElement | undefined = dataset.get(t);
  const value = element?.value;
  if (!element || !value || value.length === 0) return [];
  const view = new DataView(value.buffer, value.byteOffset, value.byteLength);
  const little = dataset.littleEndian;
  const read = (size: number, at: (offset: number) => number) => Array.from({ length: Math.floor(value.length / size) }, (_, i) => at(i * size));
  switch (element.vr) {
    case 'US':
      return read(2, (o) => view.getUint16(o, little));
    case 'SS':
      return read(2, (o) => view.getInt16(o, little));
    case 'UL':
      return read(4, (o) => view.getUint32(o, little));
    case 'SL':
      return read(4, (o) => view.getInt32(o, little));
    case 'FL':
      return read(4, (o) => view.getFloat32(o, little));
    case 'FD':
      return read(8, (o) => view.getFloat64(o, little));
    default:
      return decodeString(value).split('\\').map((v) => Number.parseFloat(v));
  }
}

/** A UL value in the data set's byte order. */
export function encodeUint32(value: number, littleEndian: boolean): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, value >>> 0, littleEndian);
  return bytes;
}

/** Walks every data set of the tree (the root and every item at every depth), parents first. */
export function* walkDatasets(dataset: DicomDataset): Generator<DicomDataset> {
  yield dataset;
  for (const element of dataset.elements.values()) {
    if (element.items) for (const item of element.items) yield* walkDatasets(item);
  }
}
