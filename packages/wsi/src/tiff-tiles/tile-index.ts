import { createHash } from 'node:crypto';
import { DelineateError } from '@delineate/schema';
import type { PyramidLevel, SlidePyramidLayout } from './layout';
import type { TileColourEncoding } from './jpeg-tile';

/**
 * A converted slide's layout with the SHA-256 of every tile, stored beside the pyramid. An
 * encrypted store verifies a whole object by its GCM tag but a ranged read only by a hash of
 * that range: with this index a tile read from the store is checked without reading the rest,
 * and the layout is known without parsing the TIFF again.
 */
interface StoredLevel {
  width: number;
  height: number;
  tileWidth: number;
  tileHeight: number;
  columns: number;
  rows: number;
  colour: TileColourEncoding;
  jpegPrefix: string;
  tileOffsets: number[];
  tileByteCounts: number[];
  tileHashes: string;
}

const FORMAT = 'delineate.slide-tile-index.v1';

/** Hashes every non-empty tile (empty ones keep 32 zero bytes) and encodes the index. */
export async function buildSlideTileIndex(layout: SlidePyramidLayout, readTile: (level: PyramidLevel, index: number) => Promise<Uint8Array>): Promise<Uint8Array> {
  const levels: StoredLevel[] = [];
  for (const level of layout.levels) {
    const hashes = new Uint8Array(level.tileOffsets.length * 32);
    for (let i = 0; i < level.tileOffsets.length; i++) {
      if ((level.tileByteCounts[i] ?? 0) === 0) continue;
      hashes.set(createHash('sha256').update(await readTile(level, i)).digest(), i * 32);
    }
    levels.push({
      width: level.width,
      height: level.height,
      tileWidth: level.tileWidth,
      tileHeight: level.tileHeight,
      columns: level.columns,
      rows: level.rows,
      colour: level.colour,
      jpegPrefix: Buffer.from(level.jpegPrefix).toString('base64'),
      tileOffsets: [...level.tileOffsets],
      tileByteCounts: [...level.tileByteCounts],
      tileHashes: Buffer.from(hashes).toString('base64'),
    });
  }
  return new TextEncoder().encode(JSON.stringify({ format: FORMAT, width: layout.width, height: layout.height, levels }));
}

export function decodeSlideTileIndex(bytes: Uint8Array): SlidePyramidLayout {
  let parsed: { format?: string; width: number; height: number; levels: StoredLevel[] };
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes)) as typeof parsed;
  } catch {
    throw new DelineateError('DLN_SLIDE_PYRAMID_INVALID', 'The slide tile index is not readable');
  }
  if (parsed.format !== FORMAT || !Array.isArray(parsed.levels)) throw new DelineateError('DLN_SLIDE_PYRAMID_INVALID', 'The slide tile index has an unknown format');
  return {
    width: parsed.width,
    height: parsed.height,
    levels: parsed.levels.map((l) => ({
      width: l.width,
      height: l.height,
      tileWidth: l.tileWidth,
      tileHeight: l.tileHeight,
      columns: l.columns,
      rows: l.rows,
      colour: l.colour,
      jpegPrefix: new Uint8Array(Buffer.from(l.jpegPrefix, 'base64')),
      tileOffsets: l.tileOffsets,
      tileByteCounts: l.tileByteCounts,
      tileHashes: new Uint8Array(Buffer.from(l.tileHashes, 'base64')),
    })),
  };
}

/** The recorded SHA-256 (hex) of tile `index`; DLN_SLIDE_PYRAMID_INVALID when the layout has none. */
export function tileHash(level: PyramidLevel, index: number): string {
  const hashes = level.tileHashes;
  if (!hashes || hashes.length < (index + 1) * 32) throw new DelineateError('DLN_SLIDE_PYRAMID_INVALID', 'The slide layout has no hash for this tile');
  return Buffer.from(hashes.subarray(index * 32, index * 32 + 32)).toString('hex');
}
