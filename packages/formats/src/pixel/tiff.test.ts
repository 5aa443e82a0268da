import { describe, expect, it } from 'vitest';
import { entryNumbers, entryText, readTiff, readTiffRanged, TIFF_TAG, writeTiff, type TiffImageToWrite } from './tiff';

const image = (width: number, blocks: Uint8Array[], tiled: boolean, description: string): TiffImageToWrite => ({
  entries: [
    { tag: TIFF_TAG.ImageWidth, type: 3, value: [width] },
    { tag: TIFF_TAG.ImageLength, type: 4, value: [70000] },
    { tag: 282, type: 5, value: [300, 1] },
    { tag: TIFF_TAG.ImageDescription, type: 2, value: description },
    { tag: TIFF_TAG.JPEGTables, type: 7, value: Uint8Array.from([1, 2, 3, 4, 5]) },
    ...(tiled ? [{ tag: TIFF_TAG.TileWidth, type: 3, value: [16] }] : []),
  ],
  blocks,
  tiled,
});

describe('TIFF structure', () => {
  it.each([false, true])('writes and reads back an IFD chain with strips, tiles and out-of-line values (BigTIFF %s)', (bigTiff) => {
    const a = [Uint8Array.from([9, 8, 7]), Uint8Array.from([6, 5, 4, 3])];
    const b = [Uint8Array.from({ length: 40 }, (_, i) => i)];
    const bytes = writeTiff([image(5, a, true, 'first image, long enough to be stored out of line'), image(6, b, false, 'x')], { bigTiff });
    const file = readTiff(bytes);
    expect(file.bigTiff).toBe(bigTiff);
    expect(file.images).toHaveLength(2);
    const [first, second] = file.images;
    expect(first?.tiled).toBe(true);
    expect(second?.tiled).toBe(false);
    expect(first?.blocks.map((blk) => [...bytes.subarray(blk.offset, blk.offset + blk.length)])).toEqual(a.map((x) => [...x]));
    expect(second?.blocks.map((blk) => [...bytes.subarray(blk.offset, blk.offset + blk.length)])).toEqual(b.map((x) => [...x]));
    expect(entryText(first!, TIFF_TAG.ImageDescription)).toBe('first image, long enough to be stored out of line');
    expect(entryNumbers(first!, TIFF_TAG.ImageLength)).toEqual([70000]);
    expect(entryNumbers(first!, 282)).toEqual([300, 1]);
    expect(entryNumbers(second!, TIFF_TAG.JPEGTables)).toEqual([1, 2, 3, 4, 5]);
  });

  it('refuses a file whose IFD chain loops back on itself', () => {
    const bytes = writeTiff([image(5, [Uint8Array.from([1, 2])], false, 'a')]);
    const view = new DataView(bytes.buffer);
    const ifd = view.getUint32(4, true);
    const count = view.getUint16(ifd, true);
    view.setUint32(ifd + 2 + count * 12, ifd, true);
    expect(() => readTiff(bytes)).toThrow(/chain is broken/);
  });

  it('reads the same structure through asynchronous ranged reads, never touching the tiles', async () => {
    const tiles = [Uint8Array.from({ length: 1000 }, (_, i) => i & 255), Uint8Array.from({ length: 500 }, () => 7)];
    const bytes = writeTiff([image(5, tiles, true, 'a pyramid level'), image(3, [Uint8Array.from([1])], true, 'b')], { bigTiff: true });
    const reads: [number, number][] = [];
    const file = await readTiffRanged(bytes.length, async (offset, length) => {
      reads.push([offset, length]);
      return bytes.slice(offset, offset + length);
    });
    expect(file).toEqual(readTiff(bytes));
    const first = file.images[0]!.blocks;
    for (const [offset, length] of reads) {
      for (const tile of first) expect(offset + length <= tile.offset || offset >= tile.offset + tile.length).toBe(true);
    }
  });
});
