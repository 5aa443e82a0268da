/**
 * A TIFF JPEG tile is an abbreviated JPEG stream: its quantisation and Huffman tables live once
 * in the file's JPEGTables. Splicing those tables in front of the tile's scan makes a complete
 * JPEG a browser decodes, without decoding anything here.
 */

/** How the tile's components are encoded (TIFF Photometric). */
export type TileColourEncoding = 'ycbcr' | 'rgb' | 'grey';

const SOI = Uint8Array.of(0xff, 0xd8);

/**
 * Adobe APP14 with transform 0: the components are RGB as stored. Without it a decoder assumes
 * YCbCr for three components and converts colours that were never converted (Photometric RGB).
 */
const ADOBE_RGB = Uint8Array.of(0xff, 0xee, 0x00, 0x0e, 0x41, 0x64, 0x6f, 0x62, 0x65, 0x00, 0x64, 0x00, 0x00, 0x00, 0x00, 0x00);

function startsWithSoi(bytes: Uint8Array): boolean {
  return bytes[0] === 0xff && bytes[1] === 0xd8;
}

function endsWithEoi(bytes: Uint8Array): boolean {
  return bytes[bytes.length - 2] === 0xff && bytes[bytes.length - 1] === 0xd9;
}

/**
 * The bytes every complete tile of a level starts with: SOI, the Adobe marker for RGB-encoded
 * tiles, and the tables without their own SOI and EOI. Computed once per level.
 */
export function jpegTilePrefix(tables: Uint8Array | undefined, colour: TileColourEncoding): Uint8Array {
  let body = tables ?? new Uint8Array(0);
  if (startsWithSoi(body)) body = body.subarray(2);
  if (endsWithEoi(body)) body = body.subarray(0, body.length - 2);
  const adobe = colour === 'rgb' ? ADOBE_RGB : new Uint8Array(0);
  const out = new Uint8Array(SOI.length + adobe.length + body.length);
  out.set(SOI, 0);
  out.set(adobe, SOI.length);
  out.set(body, SOI.length + adobe.length);
  return out;
}

/**
 * Bytes not zero-filled, for buffers every byte of which is written next (a tile is sent many
 * times a second). A plain Uint8Array over its own memory, like every other tile the server returns.
 */
export function uninitialisedBytes(length: number): Uint8Array {
  const buffer = Buffer.allocUnsafeSlow(length);
  return new Uint8Array(buffer.buffer, buffer.byteOffset, length);
}

/** A complete JPEG: the level's prefix, then the tile's stream without its SOI. */
export function completeJpegTile(prefix: Uint8Array, tile: Uint8Array): Uint8Array {
  const scan = startsWithSoi(tile) ? tile.subarray(2) : tile;
  const out = uninitialisedBytes(prefix.length + scan.length);
  out.set(prefix, 0);
  out.set(scan, prefix.length);
  return out;
}
