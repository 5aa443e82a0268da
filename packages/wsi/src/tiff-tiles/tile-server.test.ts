import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertToPyramid, maxDifference, meanDifference, vipsDecodeJpeg, vipsRegion, writeTestImage, type RgbImage } from '../test/vips';
import { completeJpegTile, jpegTilePrefix } from './jpeg-tile';
import { tileBlock, type PyramidLevel, type SlidePyramidLayout } from './layout';
import { LocalPyramidFile, type PyramidSource } from './sources';
import { SlideTileServer } from './tile-server';

const WIDTH = 1500;
const HEIGHT = 1100;
let dir: string;
let ycbcr: string;
let rgb: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dln-wsi-tiles-'));
  const source = writeTestImage(dir, WIDTH, HEIGHT);
  ycbcr = convertToPyramid(source, join(dir, 'ycbcr.tif'));
  rgb = convertToPyramid(source, join(dir, 'rgb.tif'), { rgbJpeg: true });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The decoded tile's top-left `width` × `height` pixels (a level's edge tiles are padded). */
function crop(image: RgbImage, width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) data.set(image.data.subarray(y * image.width * 3, (y * image.width + width) * 3), y * width * 3);
  return { width, height, data };
}

/** The tile with its frame and scan components numbered 1, 2, 3. */
function numberComponents(tile: Uint8Array): Uint8Array {
  const out = tile.slice();
  for (let i = 0; i < out.length - 1; i++) {
    if (out[i] !== 0xff) continue;
    if (out[i + 1] === 0xc0 || out[i + 1] === 0xc1) {
      for (let c = 0; c < out[i + 9]!; c++) out[i + 10 + c * 3] = c + 1;
    } else if (out[i + 1] === 0xda) {
      for (let c = 0; c < out[i + 4]!; c++) out[i + 5 + c * 2] = c + 1;
      break;
    }
  }
  return out;
}

class CountingSource implements PyramidSource {
  reads = 0;
  constructor(private readonly inner: LocalPyramidFile) {}
  get key(): string {
    return this.inner.key;
  }
  openLayout(): Promise<SlidePyramidLayout> {
    return this.inner.openLayout();
  }
  readTile(level: PyramidLevel, index: number): Promise<Uint8Array> {
    this.reads++;
    return this.inner.readTile(level, index);
  }
}

describe.each([
  ['YCbCr', () => ycbcr, 'ycbcr'],
  ['RGB', () => rgb, 'rgb'],
] as const)('passthrough tiles of a vips pyramid with %s-encoded JPEG tiles', (_name, path, colour) => {
  it('parses the levels by ranged reads: 2× steps rounded down, 256² tiles, the encoding', async () => {
    const file = new LocalPyramidFile(path());
    const layout = await file.openLayout();
    await file.close();
    expect(layout.levels.map((l) => [l.width, l.height, l.columns, l.rows])).toEqual([
      [1500, 1100, 6, 5],
      [750, 550, 3, 3],
      [375, 275, 2, 2],
      [187, 137, 1, 1],
    ]);
    expect(layout.levels.every((l) => l.colour === colour && l.tileWidth === 256 && l.tileHeight === 256)).toBe(true);
  });

  it.each([
    [0, 1, 1],
    [0, 5, 4],
    [1, 2, 0],
    [2, 1, 1],
    [3, 0, 0],
  ])('level %i tile (%i, %i) decodes to the pixels vips reads from the TIFF', async (level, column, row) => {
    const server = new SlideTileServer();
    const file = new LocalPyramidFile(path());
    const layout = await server.layout(file);
    const jpeg = await server.tile(file, level, column, row);
    await file.close();
    expect([jpeg[0], jpeg[1], jpeg[jpeg.length - 2], jpeg[jpeg.length - 1]]).toEqual([0xff, 0xd8, 0xff, 0xd9]);
    const l = layout.levels[level]!;
    const width = Math.min(256, l.width - column * 256);
    const height = Math.min(256, l.height - row * 256);
    const decoded = vipsDecodeJpeg(dir, jpeg);
    expect([decoded.width, decoded.height]).toEqual([256, 256]);
    const reference = vipsRegion(path(), level, column * 256, row * 256, width, height, dir);
    // The same JPEG data through libjpeg either way: equal up to rounding in colour conversion.
    expect(maxDifference(crop(decoded, width, height), reference)).toBeLessThanOrEqual(2);
  });

  it('a local file reads the complete tile into one buffer, byte for byte the splice', async () => {
    const file = new LocalPyramidFile(path());
    const layout = await file.openLayout();
    for (const [level, index] of [[0, 0], [0, 29], [2, 3], [3, 0]] as const) {
      const l = layout.levels[level]!;
      expect(await file.readCompleteTile(l, index)).toEqual(completeJpegTile(l.jpegPrefix, await file.readTile(l, index)));
    }
    await file.close();
  });

  it('the Adobe marker is what keeps RGB-encoded tiles in their colours', async () => {
    const file = new LocalPyramidFile(path());
    const layout = await file.openLayout();
    const block = tileBlock(layout, 0, 1, 1);
    // libtiff names RGB components 'R', 'G', 'B', which libjpeg alone recognises; Aperio and
    // others number them 1, 2, 3 (as here): then only the Adobe marker says they are not YCbCr.
    const stored = numberComponents(await file.readTile(layout.levels[0]!, block.index));
    await file.close();
    const reference = vipsRegion(path(), 0, 256, 256, 256, 256, dir);
    const spliced = vipsDecodeJpeg(dir, completeJpegTile(layout.levels[0]!.jpegPrefix, stored), 'spliced');
    expect(maxDifference(spliced, reference)).toBeLessThanOrEqual(2);
    const tablesOnly = jpegTilePrefix(layout.levels[0]!.jpegPrefix.subarray(colour === 'rgb' ? 18 : 2), 'grey');
    const withoutMarker = vipsDecodeJpeg(dir, completeJpegTile(tablesOnly, stored), 'bare');
    const difference = meanDifference(withoutMarker, reference);
    if (colour === 'rgb') expect(difference).toBeGreaterThan(10);
    else expect(difference).toBeLessThan(1);
  });
});

describe('the tile server', () => {
  it('reads a tile once and then serves it from the byte-range cache', async () => {
    const source = new CountingSource(new LocalPyramidFile(ycbcr));
    const server = new SlideTileServer({ maxTileBytes: 1024 * 1024 });
    const first = await server.tile(source, 0, 2, 2);
    const second = await server.tile(source, 0, 2, 2);
    expect(second).toEqual(first);
    expect(source.reads).toBe(1);
    await server.tile(source, 0, 3, 2);
    expect(source.reads).toBe(2);
  });

  it('refuses tiles outside the grid and tiles the writer left empty, with coded 404s', async () => {
    const file = new LocalPyramidFile(ycbcr);
    const server = new SlideTileServer();
    await expect(server.tile(file, 0, 6, 0)).rejects.toMatchObject({ code: 'DLN_SLIDE_TILE_NOT_FOUND', status: 404 });
    await expect(server.tile(file, 5, 0, 0)).rejects.toMatchObject({ code: 'DLN_SLIDE_TILE_NOT_FOUND' });
    await expect(server.tile(file, 0, -1, 0)).rejects.toMatchObject({ code: 'DLN_SLIDE_TILE_NOT_FOUND' });
    const layout = await file.openLayout();
    await file.close();
    const level = layout.levels[0]!;
    const sparse: SlidePyramidLayout = { ...layout, levels: [{ ...level, tileByteCounts: level.tileByteCounts.map((n, i) => (i === 7 ? 0 : n)) }] };
    expect(() => tileBlock(sparse, 0, 1, 1)).toThrow(expect.objectContaining({ code: 'DLN_SLIDE_TILE_EMPTY', status: 404 }));
  });

  it('refuses a tile the file is too short for, with a coded error', async () => {
    const whole = new LocalPyramidFile(ycbcr);
    const level = (await whole.openLayout()).levels[0]!;
    await whole.close();
    const last = level.tileOffsets.reduce((best, offset, i) => (offset > level.tileOffsets[best]! ? i : best), 0);
    const cut = join(dir, 'cut.tif');
    writeFileSync(cut, readFileSync(ycbcr).subarray(0, level.tileOffsets[last]! + 10));
    const file = new LocalPyramidFile(cut);
    await expect(file.readTile(level, last)).rejects.toMatchObject({ code: 'DLN_SLIDE_PYRAMID_INVALID' });
    await file.close();
  });

  it('refuses a file that is not a tiled JPEG pyramid', async () => {
    const file = new LocalPyramidFile(join(dir, 'source.ppm'));
    await expect(file.openLayout()).rejects.toMatchObject({ code: 'DLN_REQUEST_UNSUPPORTED_MEDIA' });
    await file.close();
    // The shared tiled TIFF (deflate tiles): under CI the shared data must be there.
    const data = process.env.DELINEATE_TESTDATA;
    if (!data && process.env.CI === 'true') throw new Error('DELINEATE_TESTDATA is not set');
    if (!data) return;
    const boxes = new LocalPyramidFile(join(data, 'wsi/boxes.tiff'));
    await expect(boxes.openLayout()).rejects.toMatchObject({ code: 'DLN_SLIDE_PYRAMID_INVALID' });
    await boxes.close();
  });
});
