import { closeSync, openSync } from 'node:fs';
import { entryNumbers, fileByteSource, readTiff, TIFF_TAG } from '@delineate/formats';
import { DelineateError } from '@delineate/schema';
import type { SlideLevel } from '../slide-info';

export interface PyramidLayout {
  readonly width: number;
  readonly height: number;
  readonly tileWidth: number;
  readonly tileHeight: number;
  readonly levels: readonly SlideLevel[];
}

/** The levels of a converted pyramid (one tiled IFD per level, base first), from its IFDs only. */
export function readPyramidLayout(path: string): PyramidLayout {
  const fd = openSync(path, 'r');
  try {
    const images = readTiff(fileByteSource(fd)).images.filter((image) => image.tiled);
    const base = images[0];
    if (!base) throw new DelineateError('DLN_SLIDE_CONVERSION_FAILED', 'The converted slide has no tiled image');
    const size = (image: typeof base) => {
      const [width = 0] = entryNumbers(image, TIFF_TAG.ImageWidth);
      const [height = 0] = entryNumbers(image, TIFF_TAG.ImageLength);
      const [tileWidth = 0] = entryNumbers(image, TIFF_TAG.TileWidth);
      const [tileHeight = 0] = entryNumbers(image, TIFF_TAG.TileLength);
      return { width, height, tileWidth, tileHeight };
    };
    const first = size(base);
    const levels = images.map((image) => {
      const { width, height, tileWidth, tileHeight } = size(image);
      return { width, height, downsample: first.width / width, tileColumns: Math.ceil(width / tileWidth), tileRows: Math.ceil(height / tileHeight) };
    });
    return { width: first.width, height: first.height, tileWidth: first.tileWidth, tileHeight: first.tileHeight, levels };
  } finally {
    closeSync(fd);
  }
}
