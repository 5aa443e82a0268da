/**
 * The transfer syntaxes the pixel layer knows, and how each stores its pixel data. A syntax not
 * listed here is unknown: callers treat it as undecodable (DLN_DICOM_UNSUPPORTED).
 */
export type PixelCodec =
  | 'native'
  | 'rle'
  | 'jpeg-baseline'
  | 'jpeg-extended'
  | 'jpeg-lossless'
  | 'jpeg-ls'
  | 'jpeg2000'
  | 'htj2k'
  | 'video';

export interface TransferSyntax {
  readonly uid: string;
  readonly name: string;
  readonly codec: PixelCodec;
  readonly explicitVr: boolean;
  readonly littleEndian: boolean;
  readonly deflated: boolean;
  /** True when the syntax itself may lose information (the pixels are already lossy). */
  readonly lossy: boolean;
}

function ts(uid: string, name: string, codec: PixelCodec, extra: Partial<TransferSyntax> = {}): TransferSyntax {
  return { uid, name, codec, explicitVr: true, littleEndian: true, deflated: false, lossy: false, ...extra };
}

export const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';

const known: readonly TransferSyntax[] = [
  ts('1.2.840.10008.1.2', 'Implicit VR Little Endian', 'native', { explicitVr: false }),
  ts(EXPLICIT_VR_LITTLE_ENDIAN, 'Explicit VR Little Endian', 'native'),
  ts('1.2.840.10008.1.2.1.99', 'Deflated Explicit VR Little Endian', 'native', { deflated: true }),
  ts('1.2.840.10008.1.2.2', 'Explicit VR Big Endian', 'native', { littleEndian: false }),
  ts('1.2.840.10008.1.2.5', 'RLE Lossless', 'rle'),
  ts('1.2.840.10008.1.2.4.50', 'JPEG Baseline (Process 1)', 'jpeg-baseline', { lossy: true }),
  ts('1.2.840.10008.1.2.4.51', 'JPEG Extended (Process 2 & 4)', 'jpeg-extended', { lossy: true }),
  ts('1.2.840.10008.1.2.4.57', 'JPEG Lossless (Process 14)', 'jpeg-lossless'),
  ts('1.2.840.10008.1.2.4.70', 'JPEG Lossless SV1', 'jpeg-lossless'),
  ts('1.2.840.10008.1.2.4.80', 'JPEG-LS Lossless', 'jpeg-ls'),
  ts('1.2.840.10008.1.2.4.81', 'JPEG-LS Near-Lossless', 'jpeg-ls', { lossy: true }),
  ts('1.2.840.10008.1.2.4.90', 'JPEG 2000 Lossless', 'jpeg2000'),
  ts('1.2.840.10008.1.2.4.91', 'JPEG 2000', 'jpeg2000', { lossy: true }),
  ts('1.2.840.10008.1.2.4.201', 'HTJ2K Lossless', 'htj2k'),
  ts('1.2.840.10008.1.2.4.202', 'HTJ2K Lossless RPCL', 'htj2k'),
  ts('1.2.840.10008.1.2.4.203', 'HTJ2K', 'htj2k', { lossy: true }),
  ts('1.2.840.10008.1.2.4.100', 'MPEG2 MP@ML', 'video', { lossy: true }),
  ts('1.2.840.10008.1.2.4.102', 'MPEG-4 AVC/H.264', 'video', { lossy: true }),
  ts('1.2.840.10008.1.2.4.103', 'MPEG-4 AVC/H.264 BD', 'video', { lossy: true }),
];

const byUid = new Map(known.map((t) => [t.uid, t]));

export function transferSyntax(uid: string): TransferSyntax | undefined {
  return byUid.get(uid.replace(/\0/g, '').trim());
}

/** Codecs this package decodes: in JavaScript, or (JPEG 2000, JPEG-LS) in WebAssembly once loaded. */
export const decodableCodecs: ReadonlySet<PixelCodec> = new Set<PixelCodec>(['native', 'rle', 'jpeg-baseline', 'jpeg-extended', 'jpeg-lossless', 'jpeg2000', 'jpeg-ls']);

export function canDecode(uid: string): boolean {
  const t = transferSyntax(uid);
  return t !== undefined && decodableCodecs.has(t.codec);
}
