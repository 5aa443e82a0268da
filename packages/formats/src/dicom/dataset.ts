/**
 * A DICOM data set as a tree of raw elements. Values stay the bytes of the source (in the file's
 * byte order) until something reads or replaces them, which keeps parse → edit → write fast and
 * lossless for everything the caller does not touch.
 */
export interface DicomElement {
  readonly tag: number;
  vr: string;
  /** Raw value bytes (absent for sequences and encapsulated pixel data). */
  value?: Uint8Array;
  /** Items of a sequence (SQ, or UN that parsed as implicit VR little endian). */
  items?: DicomDataset[];
  /** Encapsulated pixel data: the basic offset table followed by every fragment. */
  fragments?: Uint8Array[];
}

export class DicomDataset {
  readonly elements = new Map<number, DicomElement>();
  /** Byte offset of this item's tag in the source file (used for DICOMDIR record offsets). */
  sourceOffset: number | undefined;

  constructor(readonly littleEndian = true) {}

  get(tag: number): DicomElement | undefined {
    return this.elements.get(tag >>> 0);
  }

  has(tag: number): boolean {
    return this.elements.has(tag >>> 0);
  }

  set(element: DicomElement): void {
    this.elements.set(element.tag >>> 0, element);
  }

  delete(tag: number): boolean {
    return this.elements.delete(tag >>> 0);
  }

  /** Elements in ascending tag order (the order they must be written in). */
  sorted(): DicomElement[] {
    return [...this.elements.values()].sort((a, b) => a.tag - b.tag);
  }
}

export interface DicomFile {
  /** File meta information (group 0002), always explicit VR little endian. */
  readonly meta: DicomDataset;
  readonly dataset: DicomDataset;
  /** The transfer syntax the data set is encoded in. */
  transferSyntaxUid: string;
  /** false when the source had no 128-byte preamble and "DICM" prefix. */
  readonly hadPreamble: boolean;
}

export function tag(group: number, element: number): number {
  return ((group << 16) | element) >>> 0;
}

/** "00100010" for (0010,0010). */
export function tagHex(value: number): string {
  return HEX_BYTE[value >>> 24]! + HEX_BYTE[(value >>> 16) & 0xff]! + HEX_BYTE[(value >>> 8) & 0xff]! + HEX_BYTE[value & 0xff]!;
}

const HEX_BYTE: readonly string[] = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

/** "(0010,0010)" for display. */
export function tagLabel(value: number): string {
  const hex = tagHex(value).toUpperCase();
  return `(${hex.slice(0, 4)},${hex.slice(4)})`;
}

export const transferSyntaxes = {
  implicitLittle: '1.2.840.10008.1.2',
  explicitLittle: '1.2.840.10008.1.2.1',
  deflatedExplicitLittle: '1.2.840.10008.1.2.1.99',
  explicitBig: '1.2.840.10008.1.2.2',
} as const;

/** VRs whose explicit encoding has a 2-byte reserved field and a 4-byte length. */
export const longLengthVrs: ReadonlySet<string> = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'UC', 'UR', 'UT', 'UN', 'SV', 'UV']);
