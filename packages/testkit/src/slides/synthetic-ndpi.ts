import { writeTiff, type TiffEntry, type TiffImageToWrite } from '@delineate/formats';
import { encode as encodeJpeg } from 'jpeg-js';

/** A Hamamatsu NDPI-shaped slide with its reference string in every IFD, as NDPI writes it. */
export interface SyntheticNdpi {
  readonly bytes: Uint8Array;
  /** Planted identifying values: the reference (in every IFD), the date and the scanner serial. */
  readonly phi: { readonly reference: string; readonly dateTime: string; readonly serial: string };
  readonly width: number;
  readonly height: number;
}

const NDPI = { formatFlag: 65420, sourceLens: 65421, xOffset: 65422, yOffset: 65423, focalPlane: 65424, reference: 65427, serial: 65442 } as const;

function jpegOf(width: number, height: number, paint: (x: number, y: number) => readonly [number, number, number]): Uint8Array {
  const rgba = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const [r, g, b] = paint(x, y);
      rgba.set([r, g, b, 255], (y * width + x) * 4);
    }
  return new Uint8Array(encodeJpeg({ data: rgba, width, height }, 90).data);
}

/**
 * Levels are single-strip JPEGs (NDPI stores each level as one JPEG stream) at 20× (lens 20) and
 * half size, then the macro photograph (lens −1). Every IFD carries the NDPI tags, the reference
 * string and the scanner serial; the pixel size is in XResolution per centimetre (0.5 µm/px).
 */
export function synthesizeNdpiSlide(): SyntheticNdpi {
  const phi = { reference: 'NDPI-REF-S24-0815-DOE', dateTime: '2024:02:29 10:11:12', serial: 'C13220-SN-777123' };
  const width = 512;
  const height = 384;
  const tissue = (x: number, y: number) => [220 - ((x * 7 + y * 3) % 40), 140 + ((x ^ y) % 50), 190 - (y % 30)] as const;
  const image = (w: number, h: number, lens: number, pixels: Uint8Array): TiffImageToWrite => {
    const entries: TiffEntry[] = [
      { tag: 256, type: 4, value: [w] },
      { tag: 257, type: 4, value: [h] },
      { tag: 258, type: 3, value: [8, 8, 8] },
      { tag: 259, type: 3, value: [7] },
      { tag: 262, type: 3, value: [6] },
      { tag: 271, type: 2, value: 'Hamamatsu' },
      { tag: 272, type: 2, value: 'C13220' },
      { tag: 277, type: 3, value: [3] },
      { tag: 278, type: 4, value: [h] },
      { tag: 282, type: 5, value: [20_000, 1] },
      { tag: 283, type: 5, value: [20_000, 1] },
      { tag: 284, type: 3, value: [1] },
      { tag: 296, type: 3, value: [3] },
      { tag: 306, type: 2, value: phi.dateTime },
      { tag: 530, type: 3, value: [1, 1] },
      { tag: NDPI.formatFlag, type: 4, value: [1] },
      { tag: NDPI.sourceLens, type: 11, value: [lens] },
      { tag: NDPI.xOffset, type: 9, value: [0] },
      { tag: NDPI.yOffset, type: 9, value: [0] },
      { tag: NDPI.focalPlane, type: 9, value: [0] },
      { tag: NDPI.reference, type: 2, value: phi.reference },
      { tag: NDPI.serial, type: 2, value: phi.serial },
    ];
    return { entries, blocks: [pixels], tiled: false };
  };
  const bytes = writeTiff([
    image(width, height, 20, jpegOf(width, height, tissue)),
    image(width / 2, height / 2, 5, jpegOf(width / 2, height / 2, (x, y) => tissue(x * 2, y * 2))),
    // The macro: the whole glass with its label, in a photograph's colours.
    image(256, 96, -1, jpegOf(256, 96, (x) => (x < 64 ? [250, 250, 250] : [120, 90, 110]))),
  ]);
  return { bytes, phi, width, height };
}
