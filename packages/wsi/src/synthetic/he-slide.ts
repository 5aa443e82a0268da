import { closeSync, openSync, writeSync } from 'node:fs';
import { writeTiffTo, type TiffEntry, type TiffImageToWrite } from '@delineate/formats';
import { encode as encodeJpeg } from 'jpeg-js';
import { BACKGROUND, renderTissueTile, tissueShape, type TissueShape } from './texture';

/** Identifying values planted in the synthetic slide (fictitious), for the gate to remove. */
export interface SyntheticSlidePhi {
  readonly patientName: string;
  readonly barcode: string;
  readonly filename: string;
  readonly user: string;
  readonly scanDate: string;
  readonly dateTime: string;
}

export const syntheticSlidePhi: SyntheticSlidePhi = {
  patientName: 'HARTLEY^MAUD^ELSPETH',
  barcode: 'PATH-2024-HX77613',
  filename: 'HX77613_HARTLEY_MAUD',
  user: 'histotech-ogilvie',
  scanDate: '07/19/24',
  dateTime: '2024:07:19 08:41:16',
};

export interface SyntheticHeSlideOptions {
  /** Base size in pixels (default 20,480 × 20,480). */
  readonly width?: number;
  readonly height?: number;
  readonly seed?: number;
}

export interface SyntheticHeSlide {
  readonly width: number;
  readonly height: number;
  readonly bytes: number;
  readonly phi: SyntheticSlidePhi;
  /** µm per pixel and objective written into the description (as a 40× Aperio scan). */
  readonly mpp: number;
  readonly magnification: number;
}

const TILE = 256;
const POOL = 32;
const APERIO = 'Aperio Image Library v12.0.15';

function jpeg(rgba: Uint8Array, width: number, height: number): Uint8Array {
  return new Uint8Array(encodeJpeg({ data: rgba, width, height }, 85).data);
}

function backgroundTile(): Uint8Array {
  const out = new Uint8Array(TILE * TILE * 4);
  for (let i = 0; i < out.length; i += 4) out.set([...BACKGROUND, 255], i);
  return out;
}

/** Tumour-like dense nuclei in some regions, stroma elsewhere: a slow field over the slide. */
function variantAt(u: number, v: number, column: number, row: number): number {
  const dense = Math.sin(u * 9.1 + 0.7) * Math.sin(v * 7.3 + 1.9) > 0.35;
  const pick = ((column * 73856093) ^ (row * 19349663)) >>> 0;
  return dense ? pick % 8 : 8 + (pick % (POOL - 8));
}

type TileClass = 'tissue' | 'glass' | 'edge';

function classify(shape: TissueShape, x0: number, y0: number, w: number, h: number): TileClass {
  let inside = 0;
  for (let j = 0; j <= 4; j++) for (let i = 0; i <= 4; i++) if (shape.depth((x0 + (i * TILE) / 4) / w, (y0 + (j * TILE) / 4) / h) > 0) inside++;
  return inside === 25 ? 'tissue' : inside === 0 ? 'glass' : 'edge';
}

/**
 * A tile on the tissue border: glass where the outline says so. The outline is tested per 16²
 * block at its corners and per pixel only in blocks it crosses.
 */
function edgeTile(tissue: Uint8Array, shape: TissueShape, x0: number, y0: number, width: number, height: number): Uint8Array {
  const pixels = tissue.slice();
  const B = 16;
  const glassAt = (x: number, y: number) => shape.depth((x0 + x) / width, (y0 + y) / height) <= 0;
  for (let by = 0; by < TILE; by += B) {
    for (let bx = 0; bx < TILE; bx += B) {
      const corners = [glassAt(bx, by), glassAt(bx + B - 1, by), glassAt(bx, by + B - 1), glassAt(bx + B - 1, by + B - 1)];
      if (corners.every((c) => !c)) continue;
      const allGlass = corners.every((c) => c);
      for (let y = by; y < by + B; y++) for (let x = bx; x < bx + B; x++) if (allGlass || glassAt(x, y)) pixels.set(BACKGROUND, (y * TILE + x) * 4);
    }
  }
  return pixels;
}

/** Pixel bytes carrying the planted values as text, the way a label photograph carries them. */
function labelPixels(width: number, height: number, phi: SyntheticSlidePhi): Uint8Array {
  const out = new Uint8Array(width * height * 3).fill(250);
  const text = new TextEncoder().encode(`${phi.patientName} ${phi.barcode} ${phi.scanDate} `);
  for (let row = 8; row < height; row += 16) out.set(text.subarray(0, Math.min(text.length, width * 3)), row * width * 3);
  return out;
}

function rgbEntries(width: number, height: number, description: string, extra: TiffEntry[]): TiffEntry[] {
  return [
    { tag: 256, type: 4, value: [width] },
    { tag: 257, type: 4, value: [height] },
    { tag: 258, type: 3, value: [8, 8, 8] },
    { tag: 270, type: 2, value: description },
    { tag: 277, type: 3, value: [3] },
    { tag: 284, type: 3, value: [1] },
    ...extra,
  ];
}

/**
 * Writes an H&E-like whole-slide image shaped like an Aperio SVS: a tiled JPEG base with tissue
 * lobes (eosin stroma, haematoxylin nuclei, denser tumour-like regions) on glass, a thumbnail, and
 * a label and a macro image carrying fictitious identifying text, with more of it in the
 * descriptions and tags. Tile by tile and deterministic: interior tiles come from a pool of 32
 * rendered fields, only tiles on the tissue border are rendered each, so a 20,480² slide takes
 * seconds.
 */
export function writeSyntheticHeSlide(path: string, options: SyntheticHeSlideOptions = {}): SyntheticHeSlide {
  const width = options.width ?? 20_480;
  const height = options.height ?? 20_480;
  const seed = options.seed ?? 16;
  const phi = syntheticSlidePhi;
  const mpp = 0.25;
  const magnification = 40;
  const shape = tissueShape(seed);
  const poolPixels = Array.from({ length: POOL }, (_, k) => renderTissueTile(TILE, k + seed * POOL, k < 8 ? 150 : 35));
  const pool = poolPixels.map((pixels) => jpeg(pixels, TILE, TILE));
  const glass = jpeg(backgroundTile(), TILE, TILE);
  const columns = Math.ceil(width / TILE);
  const rows = Math.ceil(height / TILE);
  const tiles: Uint8Array[] = [];
  for (let row = 0; row < rows; row++) {
    for (let column = 0; column < columns; column++) {
      const x0 = column * TILE;
      const y0 = row * TILE;
      const variant = variantAt(x0 / width, y0 / height, column, row);
      const kind = classify(shape, x0, y0, width, height);
      if (kind === 'tissue') tiles.push(pool[variant]!);
      else if (kind === 'glass') tiles.push(glass);
      else {
        tiles.push(jpeg(edgeTile(poolPixels[variant]!, shape, x0, y0, width, height), TILE, TILE));
      }
    }
  }
  const fields = `AppMag = ${magnification}|MPP = ${mpp.toFixed(4)}|Filename = ${phi.filename}|Date = ${phi.scanDate}|User = ${phi.user}|Barcode = ${phi.barcode}`;
  const ycbcr: TiffEntry[] = [
    { tag: 259, type: 3, value: [7] },
    { tag: 262, type: 3, value: [6] },
    { tag: 530, type: 3, value: [1, 1] },
  ];
  const thumbWidth = 512;
  const thumbHeight = Math.max(1, Math.round((height / width) * thumbWidth));
  const thumb = new Uint8Array(thumbWidth * thumbHeight * 4);
  for (let y = 0; y < thumbHeight; y++)
    for (let x = 0; x < thumbWidth; x++) thumb.set(shape.depth(x / thumbWidth, y / thumbHeight) > 0 ? [205, 120, 175, 255] : [...BACKGROUND, 255], (y * thumbWidth + x) * 4);
  const label = labelPixels(400, 300, phi);
  // The macro photographs the whole glass, label included: it repeats the label's text.
  const macro = labelPixels(800, 300, phi);
  const images: TiffImageToWrite[] = [
    {
      entries: rgbEntries(width, height, `${APERIO}\n${width}x${height} [0,0 ${width}x${height}] (256x256) JPEG/RGB Q=85|${fields}`, [
        ...ycbcr,
        { tag: 306, type: 2, value: phi.dateTime },
        { tag: 315, type: 2, value: phi.user },
        { tag: 322, type: 3, value: [TILE] },
        { tag: 323, type: 3, value: [TILE] },
      ]),
      blocks: tiles,
      tiled: true,
    },
    {
      entries: rgbEntries(thumbWidth, thumbHeight, `${APERIO}\n${width}x${height} -> ${thumbWidth}x${thumbHeight} - |${fields}`, [...ycbcr, { tag: 278, type: 4, value: [thumbHeight] }]),
      blocks: [jpeg(thumb, thumbWidth, thumbHeight)],
      tiled: false,
    },
    {
      entries: rgbEntries(400, 300, `${APERIO}\nlabel 400x300|Barcode = ${phi.barcode}`, [{ tag: 254, type: 4, value: [1] }, { tag: 259, type: 3, value: [1] }, { tag: 262, type: 3, value: [2] }, { tag: 278, type: 4, value: [300] }]),
      blocks: [label],
      tiled: false,
    },
    {
      entries: rgbEntries(800, 300, `${APERIO}\nmacro 800x300`, [{ tag: 254, type: 4, value: [9] }, { tag: 259, type: 3, value: [1] }, { tag: 262, type: 3, value: [2] }, { tag: 278, type: 4, value: [300] }]),
      blocks: [macro],
      tiled: false,
    },
  ];
  const fd = openSync(path, 'w');
  let bytes = 0;
  try {
    bytes = writeTiffTo(images, (chunk) => {
      let done = 0;
      while (done < chunk.length) done += writeSync(fd, chunk, done, chunk.length - done);
    });
  } finally {
    closeSync(fd);
  }
  return { width, height, bytes, phi, mpp, magnification };
}
