import { decodePixels, encodeRgbPng, loadWasmCodecs, readPixelSource } from '@delineate/formats';
import { DelineateError } from '@delineate/schema';

/** Levels are halved until the longer side fits this: the workspace opens on the smallest. */
const SMALLEST_SIDE = 512;

export function levelCount(width: number, height: number): number {
  let levels = 1;
  for (let side = Math.max(width, height); side > SMALLEST_SIDE; side = Math.ceil(side / 2)) levels += 1;
  return levels;
}

interface Rgb {
  width: number;
  height: number;
  data: Uint8Array;
}

/**
 * A stored photograph's pixels as 8-bit RGB for display: colour as decoded; 16-bit grey
 * stretched from its least to its largest value (a display mapping, the stored values untouched)
 * and repeated in the three channels.
 */
export async function photoRgb(instance: Uint8Array): Promise<Rgb> {
  await loadWasmCodecs();
  const source = readPixelSource(instance);
  if (!source) throw new DelineateError('DLN_DICOM_INVALID', 'The photograph has no pixel data');
  const decoded = decodePixels(source, [0]);
  const { rows, columns, samplesPerPixel, bitsAllocated } = decoded.description;
  const frame = decoded.frames[0]!;
  const data = new Uint8Array(rows * columns * 3);
  if (samplesPerPixel === 3 && bitsAllocated === 8) data.set(frame.subarray(0, data.length));
  else if (samplesPerPixel === 1) {
    const values = bitsAllocated === 16 ? new Uint16Array(frame.buffer, frame.byteOffset, rows * columns) : frame;
    let low = Infinity;
    let high = -Infinity;
    for (const v of values) {
      if (v < low) low = v;
      if (v > high) high = v;
    }
    const scale = high > low ? 255 / (high - low) : 0;
    for (let i = 0; i < rows * columns; i++) data.fill(Math.round(((values[i] ?? low) - low) * scale), 3 * i, 3 * i + 3);
  } else throw new DelineateError('DLN_DICOM_UNSUPPORTED', 'Only RGB and grey photographs are shown');
  return { width: columns, height: rows, data };
}

/** Halves an image by averaging 2 × 2 blocks (edges repeat the last row or column). */
function halve(image: Rgb): Rgb {
  const width = Math.ceil(image.width / 2);
  const height = Math.ceil(image.height / 2);
  const data = new Uint8Array(width * height * 3);
  const at = (x: number, y: number, c: number) => image.data[3 * (Math.min(x, image.width - 1) + image.width * Math.min(y, image.height - 1)) + c]!;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) data[3 * (x + width * y) + c] = (at(2 * x, 2 * y, c) + at(2 * x + 1, 2 * y, c) + at(2 * x, 2 * y + 1, c) + at(2 * x + 1, 2 * y + 1, c) + 2) >> 2;
    }
  }
  return { width, height, data };
}

/**
 * PNGs of one photograph's levels, kept for the most recently opened photograph only: the
 * workspace asks for the small level first and the full one as the reader zooms in.
 */
export class PhotoLevelCache {
  #key: string | undefined;
  #levels: Rgb[] = [];
  #pngs = new Map<number, Uint8Array>();

  async png(key: string, level: number, load: () => Promise<Uint8Array>): Promise<Uint8Array> {
    if (this.#key !== key) {
      const full = await photoRgb(await load());
      this.#key = key;
      this.#levels = [full];
      this.#pngs = new Map();
    }
    const levels = levelCount(this.#levels[0]!.width, this.#levels[0]!.height);
    if (level >= levels) throw new DelineateError('DLN_REQUEST_INVALID', `This photograph has levels 0 to ${levels - 1}`);
    while (this.#levels.length <= level) this.#levels.push(halve(this.#levels[this.#levels.length - 1]!));
    let png = this.#pngs.get(level);
    if (!png) {
      png = encodeRgbPng(this.#levels[level]!);
      this.#pngs.set(level, png);
    }
    return png;
  }
}
