import { entryNumbers, TIFF_TAG, type TiffFile, type TiffImage } from '@delineate/formats';
import { DelineateError } from '@delineate/schema';
import { jpegTilePrefix, type TileColourEncoding } from './jpeg-tile';

/** One resolution of a slide pyramid as stored: its tile grid and where each tile's bytes are. */
export interface PyramidLevel {
  readonly width: number;
  readonly height: number;
  readonly tileWidth: number;
  readonly tileHeight: number;
  readonly columns: number;
  readonly rows: number;
  /** Byte offset and length of each tile, row by row; length 0 is a tile the writer left empty. */
  readonly tileOffsets: readonly number[];
  readonly tileByteCounts: readonly number[];
  readonly colour: TileColourEncoding;
  /** SOI, Adobe marker when RGB-encoded, and the JPEGTables: every complete tile starts with it. */
  readonly jpegPrefix: Uint8Array;
  /** SHA-256 of each tile's stored bytes (32 bytes a tile), when a tile index recorded them. */
  readonly tileHashes?: Uint8Array;
}

/** The parsed layout of a pyramidal JPEG (Big)TIFF; level 0 is full resolution. */
export interface SlidePyramidLayout {
  readonly width: number;
  readonly height: number;
  readonly levels: readonly PyramidLevel[];
}

const TAG_PHOTOMETRIC = 262;
const COMPRESSION_JPEG = 7;
const PHOTOMETRIC: Record<number, TileColourEncoding> = { 1: 'grey', 2: 'rgb', 6: 'ycbcr' };

function invalid(message: string): never {
  throw new DelineateError('DLN_SLIDE_PYRAMID_INVALID', message);
}

function single(image: TiffImage, tag: number): number | undefined {
  return entryNumbers(image, tag)[0];
}

function levelOf(image: TiffImage): PyramidLevel {
  const width = single(image, TIFF_TAG.ImageWidth) ?? invalid('A pyramid level has no width');
  const height = single(image, TIFF_TAG.ImageLength) ?? invalid('A pyramid level has no height');
  const tileWidth = single(image, TIFF_TAG.TileWidth) ?? invalid('A pyramid level has no tile width');
  const tileHeight = single(image, TIFF_TAG.TileLength) ?? invalid('A pyramid level has no tile height');
  if (single(image, TIFF_TAG.Compression) !== COMPRESSION_JPEG) invalid('Only JPEG-compressed pyramids are served by passthrough');
  const colour = PHOTOMETRIC[single(image, TAG_PHOTOMETRIC) ?? -1] ?? invalid('A pyramid level has an unsupported photometric interpretation');
  const columns = Math.ceil(width / tileWidth);
  const rows = Math.ceil(height / tileHeight);
  if (image.blocks.length !== columns * rows) invalid('A pyramid level has fewer tiles than its grid');
  const tables = image.entries.find((e) => e.tag === TIFF_TAG.JPEGTables)?.value;
  return {
    width,
    height,
    tileWidth,
    tileHeight,
    columns,
    rows,
    tileOffsets: image.blocks.map((b) => b.offset),
    tileByteCounts: image.blocks.map((b) => b.length),
    colour,
    jpegPrefix: jpegTilePrefix(tables instanceof Uint8Array ? tables : undefined, colour),
  };
}

/**
 * The tiled images of the file, largest first, as pyramid levels. Untiled images (a thumbnail,
 * a label or macro a converter left) are not levels; each level must be smaller than the last.
 */
export function pyramidLayoutOf(file: TiffFile): SlidePyramidLayout {
  const levels = file.images
    .filter((image) => image.tiled)
    .map(levelOf)
    .sort((a, b) => b.width - a.width);
  const base = levels[0] ?? invalid('The file has no tiled image');
  for (let i = 1; i < levels.length; i++) {
    if (levels[i]!.width >= levels[i - 1]!.width || levels[i]!.height > levels[i - 1]!.height) invalid('The tiled images are not a pyramid');
  }
  return { width: base.width, height: base.height, levels };
}

/** Where a tile's bytes are, or a coded error: out of the grid (404) or left empty by the writer (404). */
export function tileBlock(layout: SlidePyramidLayout, level: number, column: number, row: number): { offset: number; length: number; index: number } {
  const l = layout.levels[level];
  if (!l || !Number.isInteger(column) || !Number.isInteger(row) || column < 0 || row < 0 || column >= l.columns || row >= l.rows) {
    throw new DelineateError('DLN_SLIDE_TILE_NOT_FOUND', 'No such tile in this slide');
  }
  const index = row * l.columns + column;
  const length = l.tileByteCounts[index] ?? 0;
  if (length === 0) throw new DelineateError('DLN_SLIDE_TILE_EMPTY', 'This tile was left empty when the slide was converted');
  return { offset: l.tileOffsets[index] ?? 0, length, index };
}
