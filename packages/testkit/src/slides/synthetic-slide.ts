import { writeTiff, type TiffEntry, type TiffImageToWrite } from '@delineate/formats';

/** The identifying values planted in a synthetic slide, so a test can look for each in the output. */
export interface PlantedSlidePhi {
  readonly filename: string;
  readonly date: string;
  readonly time: string;
  readonly user: string;
  readonly scanScopeId: string;
  readonly barcode: string;
  readonly title: string;
  readonly timeZone: string;
  readonly patientName: string;
  readonly dateTimeTag: string;
  readonly artist: string;
  readonly hostComputer: string;
  readonly documentName: string;
  readonly xmpCreator: string;
}

export interface SyntheticSlide {
  readonly bytes: Uint8Array;
  readonly phi: PlantedSlidePhi;
  /** The label's and the macro's pixel bytes (uncompressed), to prove they are gone. */
  readonly labelPixels: Uint8Array;
  readonly macroPixels: Uint8Array;
  readonly baseWidth: number;
  readonly baseHeight: number;
}

export interface SyntheticSlideOptions {
  readonly bigTiff?: boolean;
  /** Vendor style: an Aperio SVS, or a generic tiled TIFF with "label"/"macro" descriptions. */
  readonly style?: 'aperio' | 'generic';
  /** Base image size in pixels (multiples of 64; default 128×96) and tile side (default 32). */
  readonly width?: number;
  readonly height?: number;
  readonly tile?: number;
}

const defaultPhi: PlantedSlidePhi = {
  filename: 'S24-31337_DOE_JANE',
  date: '03/14/24',
  time: '13:37:42',
  user: 'pathtech-jsmith',
  scanScopeId: 'SS-ST-ELSEWHERE-9',
  barcode: 'MRN8675309X',
  title: 'Biopsy of Jane Q Doe',
  timeZone: 'GMT-0500',
  patientName: 'DOE^JANE^Q',
  dateTimeTag: '2024:03:14 13:37:42',
  artist: 'Dr Hibbert Julius',
  hostComputer: 'PATHSCAN-WS-17',
  documentName: 'slide-of-DOE-JANE.svs',
  xmpCreator: 'Nick Riviera MD',
};

/** Deterministic pseudo-random bytes (xorshift), so the blocks are distinctive and reproducible. */
function noise(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

function rgbEntries(width: number, height: number, extra: TiffEntry[]): TiffEntry[] {
  return [
    { tag: 256, type: 3, value: [width] },
    { tag: 257, type: 3, value: [height] },
    { tag: 258, type: 3, value: [8, 8, 8] },
    { tag: 259, type: 3, value: [1] },
    { tag: 262, type: 3, value: [2] },
    { tag: 277, type: 3, value: [3] },
    { tag: 284, type: 3, value: [1] },
    ...extra,
  ];
}

function tiles(width: number, height: number, tile: number, seed: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let y = 0; y < Math.ceil(height / tile); y++) for (let x = 0; x < Math.ceil(width / tile); x++) out.push(noise(tile * tile * 3, seed + y * 97 + x));
  return out;
}

/**
 * A small uncompressed slide shaped like an Aperio SVS (or a generic pyramidal TIFF): a tiled
 * base image, a thumbnail, a tiled half-resolution level, then a label and a macro image,
 * with identifying values planted in ImageDescription, DateTime, Artist, HostComputer,
 * DocumentName and XMP of several IFDs.
 */
export function synthesizeSlide(options: SyntheticSlideOptions = {}): SyntheticSlide {
  const phi = defaultPhi;
  const style = options.style ?? 'aperio';
  const W = options.width ?? 128;
  const H = options.height ?? 96;
  const T = options.tile ?? 32;
  const header = 'Aperio Image Library v12.0.15';
  const fields = [
    'AppMag = 20',
    'StripeWidth = 992',
    `ScanScope ID = ${phi.scanScopeId}`,
    `Filename = ${phi.filename}`,
    `Title = ${phi.title}`,
    `Date = ${phi.date}`,
    `Time = ${phi.time}`,
    `Time Zone = ${phi.timeZone}`,
    `User = ${phi.user}`,
    `Barcode = ${phi.barcode}`,
    'MPP = 0.4990',
    'Stain = H&E',
    `Patient = ${phi.patientName}`,
  ].join('|');
  const describe = (geometry: string): string =>
    style === 'aperio' ? `${header}\n${geometry}|${fields}` : `Scanned slide ${geometry}; ${fields.replaceAll('|', '; ')}`;
  const personal: TiffEntry[] = [
    { tag: 269, type: 2, value: phi.documentName },
    { tag: 271, type: 2, value: 'Aperio' },
    { tag: 305, type: 2, value: 'ScanScope Console 102.0.7.5' },
    { tag: 306, type: 2, value: phi.dateTimeTag },
    { tag: 315, type: 2, value: phi.artist },
    { tag: 316, type: 2, value: phi.hostComputer },
    { tag: 700, type: 1, value: new TextEncoder().encode(`<x:xmpmeta><dc:creator>${phi.xmpCreator}</dc:creator></x:xmpmeta>`) },
  ];
  const labelPixels = noise(32 * 24 * 3, 0x1abe1);
  const macroPixels = noise(64 * 24 * 3, 0x3ac20);
  const images: TiffImageToWrite[] = [
    {
      entries: rgbEntries(W, H, [{ tag: 270, type: 2, value: describe(`${W}x${H} [0,0 ${W}x${H}] (${T}x${T}) RAW/RGB`) }, { tag: 322, type: 3, value: [T] }, { tag: 323, type: 3, value: [T] }, ...personal]),
      blocks: tiles(W, H, T, 11),
      tiled: true,
    },
    {
      entries: rgbEntries(32, 24, [{ tag: 270, type: 2, value: describe(`${W}x${H} -> 32x24 - `) }, { tag: 278, type: 3, value: [24] }, { tag: 306, type: 2, value: phi.dateTimeTag }]),
      blocks: [noise(32 * 24 * 3, 0x7e1)],
      tiled: false,
    },
    {
      entries: rgbEntries(W / 2, H / 2, [{ tag: 254, type: 4, value: [1] }, { tag: 270, type: 2, value: describe(`${W}x${H} [0,0 ${W}x${H}] (${T}x${T}) -> ${W / 2}x${H / 2} RAW/RGB`) }, { tag: 322, type: 3, value: [T] }, { tag: 323, type: 3, value: [T] }]),
      blocks: tiles(W / 2, H / 2, T, 5000),
      tiled: true,
    },
    {
      entries: rgbEntries(32, 24, [{ tag: 254, type: 4, value: [1] }, { tag: 270, type: 2, value: style === 'aperio' ? `${header}\nlabel 32x24|Barcode = ${phi.barcode}` : 'Label Image' }, { tag: 278, type: 3, value: [24] }, { tag: 315, type: 2, value: phi.artist }]),
      blocks: [labelPixels],
      tiled: false,
    },
    {
      entries: rgbEntries(64, 24, [{ tag: 254, type: 4, value: [9] }, { tag: 270, type: 2, value: style === 'aperio' ? `${header}\nmacro 64x24` : 'Macro Image' }, { tag: 278, type: 3, value: [24] }]),
      blocks: [macroPixels],
      tiled: false,
    },
  ];
  return { bytes: writeTiff(images, { bigTiff: options.bigTiff ?? false }), phi, labelPixels, macroPixels, baseWidth: W, baseHeight: H };
}
