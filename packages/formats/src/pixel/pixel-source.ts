import { DelineateError } from '@delineate/schema';
import { elementString, elementUint16, findElement, PIXEL_DATA, type TopLevelElement, type WalkedDicom, walkDicom } from './dataset-walker';
import { transferSyntax, type TransferSyntax } from './transfer-syntax';

/** The Image Pixel module attributes that say how to read Pixel Data. */
export interface PixelDescription {
  readonly rows: number;
  readonly columns: number;
  readonly samplesPerPixel: number;
  readonly bitsAllocated: number;
  readonly bitsStored: number;
  readonly highBit: number;
  /** 0 unsigned, 1 two's complement. */
  readonly pixelRepresentation: number;
  readonly photometricInterpretation: string;
  /** 0 interleaved (R1G1B1R2…), 1 by plane (R…G…B…). */
  readonly planarConfiguration: number;
  readonly numberOfFrames: number;
}

/** The image attributes that select pixel rules and OCR, read from the same bytes. */
export interface ImageSignature {
  readonly modality: string | undefined;
  readonly sopClassUid: string | undefined;
  readonly manufacturer: string | undefined;
  readonly manufacturerModelName: string | undefined;
  readonly imageType: readonly string[];
  readonly burnedInAnnotation: string | undefined;
}

/** Pixel Data as stored: native bytes (in the transfer syntax's byte order), or one bit stream per frame. */
export type StoredPixelData =
  | { readonly encapsulated: false; readonly bytes: Uint8Array }
  | { readonly encapsulated: true; readonly frames: readonly Uint8Array[] };

/** What decoding needs: the transfer syntax, the pixel description and the stored data. */
export interface EncodedPixels {
  readonly transferSyntaxUid: string;
  readonly description: PixelDescription;
  readonly data: StoredPixelData;
}

export interface PixelSource extends EncodedPixels {
  readonly walked: WalkedDicom;
  readonly transferSyntax: TransferSyntax;
  readonly description: PixelDescription;
  readonly signature: ImageSignature;
  readonly pixelElement: TopLevelElement;
  /** Encapsulated only: each fragment's bytes, the Basic Offset Table excluded. */
  readonly fragments: readonly Uint8Array[];
  /** Encapsulated only: the Basic Offset Table (byte offsets of frames in the fragment stream). */
  readonly basicOffsetTable: readonly number[];
}

export function readImageSignature(walked: WalkedDicom): ImageSignature {
  const imageType = elementString(walked, 0x00080008);
  return {
    modality: elementString(walked, 0x00080060),
    sopClassUid: elementString(walked, 0x00080016),
    manufacturer: elementString(walked, 0x00080070),
    manufacturerModelName: elementString(walked, 0x00081090),
    imageType: imageType ? imageType.split('\\').map((v) => v.trim().toUpperCase()) : [],
    burnedInAnnotation: elementString(walked, 0x00280301)?.toUpperCase(),
  };
}

function required(walked: WalkedDicom, tag: number, name: string): number {
  const value = elementUint16(walked, tag);
  if (value === undefined) throw new DelineateError('DLN_DICOM_INVALID', `Image pixel attribute ${name} is missing`);
  return value;
}

function readDescription(walked: WalkedDicom): PixelDescription {
  const bitsAllocated = required(walked, 0x00280100, 'BitsAllocated');
  const frames = Number.parseInt(elementString(walked, 0x00280008) ?? '1', 10);
  return {
    rows: required(walked, 0x00280010, 'Rows'),
    columns: required(walked, 0x00280011, 'Columns'),
    samplesPerPixel: elementUint16(walked, 0x00280002) ?? 1,
    bitsAllocated,
    bitsStored: elementUint16(walked, 0x00280101) ?? bitsAllocated,
    highBit: elementUint16(walked, 0x00280102) ?? bitsAllocated - 1,
    pixelRepresentation: elementUint16(walked, 0x00280103) ?? 0,
    photometricInterpretation: (elementString(walked, 0x00280004) ?? 'MONOCHROME2').toUpperCase(),
    planarConfiguration: elementUint16(walked, 0x00280006) ?? 0,
    numberOfFrames: Number.isFinite(frames) && frames > 0 ? frames : 1,
  };
}

function readFragments(walked: WalkedDicom, element: TopLevelElement): { fragments: Uint8Array[]; basicOffsetTable: number[] } {
  const { bytes } = walked;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const items: Uint8Array[] = [];
  let p = element.valueOffset;
  while (p + 8 <= element.end) {
    const tag = ((view.getUint16(p, true) << 16) | view.getUint16(p + 2, true)) >>> 0;
    const length = view.getUint32(p + 4, true);
    if (tag === 0xfffee0dd) break;
    items.push(bytes.subarray(p + 8, p + 8 + length));
    p += 8 + length;
  }
  const [table, ...fragments] = items;
  const basicOffsetTable: number[] = [];
  if (table) for (let i = 0; i + 4 <= table.length; i += 4) basicOffsetTable.push(view.getUint32(table.byteOffset - bytes.byteOffset + i, true));
  return { fragments, basicOffsetTable };
}

/**
 * Reads what is needed to decode the pixels of a DICOM file. Returns `undefined` when the
 * file has no Pixel Data (SR, RT Structure Set…). Throws DLN_DICOM_INVALID on a malformed file.
 */
export function readPixelSource(file: Uint8Array): PixelSource | undefined {
  const walked = walkDicom(file);
  const pixelElement = findElement(walked, PIXEL_DATA);
  if (!pixelElement) return undefined;
  const syntax = transferSyntax(walked.transferSyntaxUid);
  if (!syntax) throw new DelineateError('DLN_DICOM_UNSUPPORTED', 'Unknown transfer syntax', { transferSyntaxUid: walked.transferSyntaxUid });
  const description = readDescription(walked);
  const encapsulated = pixelElement.undefinedLength;
  const { fragments, basicOffsetTable } = encapsulated ? readFragments(walked, pixelElement) : { fragments: [], basicOffsetTable: [] };
  const data: StoredPixelData = encapsulated
    ? { encapsulated: true, frames: frameBitstreams(fragments, basicOffsetTable, description.numberOfFrames) }
    : { encapsulated: false, bytes: walked.bytes.subarray(pixelElement.valueOffset, pixelElement.end) };
  return { walked, transferSyntaxUid: syntax.uid, transferSyntax: syntax, description, signature: readImageSignature(walked), pixelElement, fragments, basicOffsetTable, data };
}

/** Splits encapsulated fragments (Basic Offset Table excluded) into one byte string per frame. */
export function frameBitstreams(fragments: readonly Uint8Array[], basicOffsetTable: readonly number[], frames: number): Uint8Array[] {
  const concat = (parts: readonly Uint8Array[]): Uint8Array => {
    if (parts.length === 1 && parts[0]) return parts[0];
    const out = new Uint8Array(parts.reduce((n, f) => n + f.length, 0));
    let o = 0;
    for (const part of parts) {
      out.set(part, o);
      o += part.length;
    }
    return out;
  };
  if (frames === 1) return [concat(fragments)];
  if (fragments.length === frames) return [...fragments];
  if (basicOffsetTable.length === frames) {
    // Offsets count each fragment with its 8-byte item header.
    // One pass over the fragments (a filter per frame costs frames × fragments, and a small
    // hostile file can hold a hundred thousand of each).
    const parts: Uint8Array[][] = basicOffsetTable.map(() => []);
    let offset = 0;
    let frame = 0;
    for (const fragment of fragments) {
      while (frame < basicOffsetTable.length && offset >= (basicOffsetTable[frame + 1] ?? Number.POSITIVE_INFINITY)) frame += 1;
      if (offset >= (basicOffsetTable[frame] ?? 0)) parts[frame]?.push(fragment);
      offset += fragment.length + 8;
    }
    return parts.map(concat);
  }
  throw new DelineateError('DLN_DICOM_UNSUPPORTED', 'Cannot split encapsulated pixel data into frames', { frames, fragments: fragments.length });
}
