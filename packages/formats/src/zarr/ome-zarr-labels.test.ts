import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import FileSystemStore from '@zarrita/storage/fs';
import { gridOf, labelMap } from '@delineate/core';
import { type DelineateError, liverCtLabelSchema } from '@delineate/schema';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as zarr from 'zarrita';
import { generateCtPhantom } from '../synthetic/ct-phantom';
import { type OmeZarrLabelChunk, writeOmeZarrLabelMap, writeOmeZarrLabels } from './ome-zarr-labels';

const labels = liverCtLabelSchema.labels;

let work: string;
beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'dln-ome-zarr-'));
});
afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

async function openLabelImage(dir: string, path = '0') {
  const root = await zarr.open.v3(new FileSystemStore(dir), { kind: 'group' });
  const level = await zarr.open.v3(root.resolve(path), { kind: 'array' });
  return { ome: root.attrs['ome'] as OmeAttributes, level };
}

interface OmeAttributes {
  version: string;
  multiscales: { axes: { name: string; type: string; unit: string }[]; datasets: { path: string; coordinateTransformations: { type: string; scale: number[] }[] }[] }[];
  'image-label': {
    colors: { 'label-value': number; rgba: number[] }[];
    properties: { 'label-value': number; key: string; name: string; concept: { scheme: string; value: string; meaning: string } }[];
  };
}

/** Chunk files under the array, as their `c/…` keys. */
async function chunkKeys(dir: string): Promise<string[]> {
  const base = join(dir, '0', 'c');
  const entries = await readdir(base, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile())
    .map((e) => `c/${relative(base, join(e.parentPath, e.name))}`)
    .sort();
}

function expectSchemaMetadata(ome: OmeAttributes): void {
  expect(ome.version).toBe('0.5');
  const liver = labels.find((l) => l.key === 'liver');
  const lesion = labels.find((l) => l.key === 'liver_lesion');
  expect(ome['image-label'].colors).toEqual([
    { 'label-value': 1, rgba: [0xc8, 0x78, 0x3c, 255] },
    { 'label-value': 2, rgba: [0xe6, 0x19, 0x4b, 255] },
  ]);
  expect(ome['image-label'].properties).toEqual([
    { 'label-value': 1, key: 'liver', name: liver?.name, concept: { scheme: 'SCT', value: '10200004', meaning: 'Liver structure' } },
    { 'label-value': 2, key: 'liver_lesion', name: lesion?.name, concept: { scheme: 'SCT', value: '300331000', meaning: 'Lesion of liver' } },
  ]);
}

describe('OME-Zarr label export, read back with zarrita', () => {
  it.each(['gzip', 'zstd'] as const)('round-trips a phantom label volume voxel for voxel, with its spacing and label metadata, writing no empty tile (%s)', async (codec) => {
    // 700 × 600 in-plane: the tiles at the far edges are partial.
    const phantom = generateCtPhantom({ slices: 6, rows: 600, columns: 700, spacing: [0.7, 0.65, 2.5] });
    const [nx, ny, nz] = phantom.dims;
    const map = labelMap(gridOf([nx, ny, nz], phantom.spacing), phantom.labels);
    const dir = join(work, 'mask.ome.zarr');

    const written = await writeOmeZarrLabelMap(dir, map, { labels, name: 'liver-ct', levels: 3, codec });
    const arrayJson = JSON.parse(await readFile(join(dir, '0', 'zarr.json'), 'utf8')) as { codecs: { name: string }[]; fill_value: number };
    expect(arrayJson.codecs.map((c) => c.name)).toEqual(['bytes', codec]);
    expect(arrayJson.fill_value).toBe(0);

    const { ome, level } = await openLabelImage(dir);
    expect(level.shape).toEqual([nz, ny, nx]);
    expect(level.chunks).toEqual([1, 512, 512]);
    expect(level.dtype).toBe('uint8');
    const multiscale = ome.multiscales[0];
    expect(multiscale?.axes).toEqual([
      { name: 'z', type: 'space', unit: 'millimeter' },
      { name: 'y', type: 'space', unit: 'millimeter' },
      { name: 'x', type: 'space', unit: 'millimeter' },
    ]);
    const [sx, sy, sz] = map.grid.spacing;
    expect(multiscale?.datasets).toEqual([
      { path: '0', coordinateTransformations: [{ type: 'scale', scale: [sz, sy, sx] }] },
      { path: '1', coordinateTransformations: [{ type: 'scale', scale: [sz, sy * 2, sx * 2] }] },
      { path: '2', coordinateTransformations: [{ type: 'scale', scale: [sz, sy * 4, sx * 4] }] },
    ]);
    expectSchemaMetadata(ome);

    const back = await zarr.get(level);
    expect(back.shape).toEqual([nz, ny, nx]);
    expect(Buffer.from(back.data as Uint8Array).equals(Buffer.from(phantom.labels))).toBe(true);

    // Exactly the tiles with any label are on disk.
    const expected: string[] = [];
    for (let z = 0; z < nz; z++) {
      for (let ty = 0; ty < 2; ty++) {
        for (let tx = 0; tx < 2; tx++) {
          let any = false;
          for (let y = ty * 512; y < Math.min(ny, ty * 512 + 512) && !any; y++) {
            const row = phantom.labels.subarray(nx * (y + ny * z) + tx * 512, nx * (y + ny * z) + Math.min(nx, tx * 512 + 512));
            any = row.some((v) => v !== 0);
          }
          if (any) expected.push(`c/${z}/${ty}/${tx}`);
        }
      }
    }
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(nz * 4);
    expect(await chunkKeys(dir)).toEqual(expected.sort());

    // Coarser levels: every 2^k-th voxel in y and x of the source, never a value it lacks.
    let coarseChunks = 0;
    for (const k of [1, 2]) {
      const f = 2 ** k;
      const { level: coarse } = await openLabelImage(dir, String(k));
      const [cz, cy, cx] = [nz, Math.ceil(ny / f), Math.ceil(nx / f)];
      expect(coarse.shape).toEqual([cz, cy, cx]);
      const want = new Uint8Array(cz * cy * cx);
      for (let z = 0; z < cz; z++) for (let y = 0; y < cy; y++) for (let x = 0; x < cx; x++) want[x + cx * (y + cy * z)] = phantom.labels[x * f + nx * (y * f + ny * z)] as number;
      expect(want.some((v) => v === 2)).toBe(true);
      const got = await zarr.get(coarse);
      expect(Buffer.from(got.data as Uint8Array).equals(Buffer.from(want))).toBe(true);
      coarseChunks += (await readdir(join(dir, String(k), 'c'), { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).length;
    }
    expect(written.chunksWritten).toBe(expected.length + coarseChunks);
  });

  it('streams a 20000 × 20000 slide mask with painted blobs, writing only its non-empty tiles, and reads back every tile', async () => {
    const size = 20000;
    const tiles = Math.ceil(size / 512);
    const blobs = [
      { cy: 3000, cx: 4100, r: 900, label: 1 },
      { cy: 3300, cx: 4400, r: 250, label: 2 },
      { cy: 15000, cx: 9000, r: 1400, label: 1 },
      { cy: 19800, cx: 19900, r: 300, label: 2 }, // reaches the partial corner tile
      { cy: 8000, cx: 16000, r: 40, label: 2 },
    ];
    /** The tile as the mask holds it (clipped at the far edges); later blobs paint over earlier ones. */
    const paintTile = (ty: number, tx: number): Uint8Array => {
      const y0 = ty * 512;
      const x0 = tx * 512;
      const h = Math.min(512, size - y0);
      const w = Math.min(512, size - x0);
      const tile = new Uint8Array(w * h);
      for (const b of blobs) {
        for (let y = Math.max(y0, b.cy - b.r); y < Math.min(y0 + h, b.cy + b.r + 1); y++) {
          const half = Math.floor(Math.sqrt(b.r * b.r - (y - b.cy) * (y - b.cy)));
          const from = Math.max(x0, b.cx - half);
          const to = Math.min(x0 + w, b.cx + half + 1);
          if (from < to) tile.fill(b.label, (y - y0) * w + (from - x0), (y - y0) * w + (to - x0));
        }
      }
      return tile;
    };
    let peakExternal = 0;
    const baseline = process.memoryUsage().arrayBuffers;
    async function* slideTiles(): AsyncGenerator<OmeZarrLabelChunk> {
      for (let ty = 0; ty < tiles; ty++) {
        for (let tx = 0; tx < tiles; tx++) {
          peakExternal = Math.max(peakExternal, process.memoryUsage().arrayBuffers - baseline);
          const tile = paintTile(ty, tx);
          // A tile store hands over only its stored tiles; give some empty ones too, which must be skipped.
          if (tile.some((v) => v !== 0) || (ty + tx) % 7 === 0) yield { y: ty, x: tx, labels: tile };
        }
      }
    }
    const dir = join(work, 'slide.ome.zarr');

    const written = await writeOmeZarrLabels(dir, { shape: [size, size], spacing: [0.25, 0.25], unit: 'micrometer', labels, levels: 3 }, slideTiles());

    // The whole mask is 400 MB; the writer holds a tile or so at a time.
    expect(peakExternal).toBeLessThan(64 << 20);
    const nonEmpty: string[] = [];
    for (let ty = 0; ty < tiles; ty++) for (let tx = 0; tx < tiles; tx++) if (paintTile(ty, tx).some((v) => v !== 0)) nonEmpty.push(`c/${ty}/${tx}`);
    expect(nonEmpty.length).toBeGreaterThan(30);
    expect(nonEmpty.length).toBeLessThan(tiles * tiles / 4);
    expect(await chunkKeys(dir)).toEqual(nonEmpty.sort());
    const levelKeys = await Promise.all(['1', '2'].map((k) => readdir(join(dir, k, 'c'), { recursive: true, withFileTypes: true })));
    expect(written.chunksWritten).toBe(nonEmpty.length + levelKeys.flat().filter((e) => e.isFile()).length);

    const { ome, level } = await openLabelImage(dir);
    expect(level.shape).toEqual([size, size]);
    expect(level.chunks).toEqual([512, 512]);
    expect(ome.multiscales[0]?.axes.map((a) => [a.name, a.unit])).toEqual([
      ['y', 'micrometer'],
      ['x', 'micrometer'],
    ]);
    expect(ome.multiscales[0]?.datasets[0]?.coordinateTransformations).toEqual([{ type: 'scale', scale: [0.25, 0.25] }]);
    expectSchemaMetadata(ome);
    let labelled = 0;
    for (let ty = 0; ty < tiles; ty++) {
      for (let tx = 0; tx < tiles; tx++) {
        const y0 = ty * 512;
        const x0 = tx * 512;
        const region = await zarr.get(level, [zarr.slice(y0, Math.min(size, y0 + 512)), zarr.slice(x0, Math.min(size, x0 + 512))]);
        const expected = paintTile(ty, tx);
        expect(Buffer.from(region.data as Uint8Array).equals(Buffer.from(expected)), `tile ${ty},${tx}`).toBe(true);
        labelled += expected.reduce((n, v) => n + (v === 0 ? 0 : 1), 0);
      }
    }
    expect(labelled).toBeGreaterThan(Math.PI * 1400 * 1400);

    // Level 2 (5000 × 5000) equals every fourth voxel of level 0, as zarrita reads them.
    const { level: quarter } = await openLabelImage(dir, '2');
    expect(quarter.shape).toEqual([5000, 5000]);
    for (const [y0, x0] of [
      [512, 768],
      [3584, 2048],
      [4608, 4608],
    ] as const) {
      const got = await zarr.get(quarter, [zarr.slice(y0, Math.min(5000, y0 + 512)), zarr.slice(x0, Math.min(5000, x0 + 512))]);
      const want = await zarr.get(level, [zarr.slice(4 * y0, Math.min(size, 4 * y0 + 2048), 4), zarr.slice(4 * x0, Math.min(size, 4 * x0 + 2048), 4)]);
      expect(got.shape).toEqual(want.shape);
      expect((want.data as Uint8Array).some((v) => v !== 0)).toBe(true);
      expect(Buffer.from(got.data as Uint8Array).equals(Buffer.from(want.data as Uint8Array))).toBe(true);
    }
  }, 120_000);

  it('writes a 2-D label map as y, x in micrometres, converting its millimetre spacing', async () => {
    const [nx, ny] = [1100, 530];
    const data = new Uint8Array(nx * ny);
    for (let y = 100; y < 520; y++) data.fill(y < 300 ? 1 : 2, y * nx + 40, y * nx + 1090);
    const map = labelMap(gridOf([nx, ny], [0.00025, 0.0005]), data);
    const dir = join(work, 'slide2d.ome.zarr');

    await writeOmeZarrLabelMap(dir, map, { labels, unit: 'micrometer' });

    const { ome, level } = await openLabelImage(dir);
    expect(level.shape).toEqual([ny, nx]);
    expect(ome.multiscales[0]?.axes.map((a) => a.name)).toEqual(['y', 'x']);
    expect(ome.multiscales[0]?.datasets[0]?.coordinateTransformations).toEqual([{ type: 'scale', scale: [0.5, 0.25] }]);
    const back = await zarr.get(level);
    expect(Buffer.from(back.data as Uint8Array).equals(Buffer.from(data))).toBe(true);
    expect(await chunkKeys(dir)).toEqual(['c/0/0', 'c/0/1', 'c/0/2', 'c/1/0', 'c/1/1', 'c/1/2']);
  });

  it('takes full-size edge tiles and 3-D slide chunks, clearing what lies beyond the image', async () => {
    const dir = join(work, 'edge.ome.zarr');
    const tile = new Uint8Array(512 * 512).fill(1);
    await writeOmeZarrLabels(dir, { shape: [1, 600, 520], spacing: [1, 0.5, 0.5], unit: 'micrometer', labels }, [{ z: 0, y: 1, x: 1, labels: tile }]);
    const { level } = await openLabelImage(dir);
    const back = await zarr.get(level);
    const data = back.data as Uint8Array;
    let ones = 0;
    for (let y = 0; y < 600; y++) for (let x = 0; x < 520; x++) if (data[x + 520 * y] === 1) ones++;
    expect(ones).toBe((600 - 512) * (520 - 512));
    expect(data[512 + 520 * 512]).toBe(1);
    expect(data[511 + 520 * 512]).toBe(0);
    const raw = await level.getChunk([0, 1, 1]);
    expect((raw.data as Uint8Array).reduce((n, v) => n + v, 0)).toBe(ones);
  });

  describe('refuses bad input with a code and leaves nothing behind', () => {
    const image = { shape: [2, 600, 600], spacing: [2, 0.8, 0.8], unit: 'millimeter' as const, labels };
    const cases: { name: string; code: string; chunks: OmeZarrLabelChunk[]; image?: typeof image }[] = [
      { name: 'a chunk outside the grid', code: 'DLN_ZARR_CHUNK_INVALID', chunks: [{ z: 2, y: 0, x: 0, labels: new Uint8Array(512 * 512) }] },
      { name: 'a chunk of the wrong size', code: 'DLN_ZARR_CHUNK_INVALID', chunks: [{ z: 0, y: 0, x: 0, labels: new Uint8Array(100) }] },
      { name: 'a 3-D chunk without z', code: 'DLN_ZARR_CHUNK_INVALID', chunks: [{ y: 0, x: 0, labels: new Uint8Array(512 * 512) }] },
      {
        name: 'the same chunk twice',
        code: 'DLN_ZARR_CHUNK_INVALID',
        chunks: [
          { z: 0, y: 0, x: 0, labels: new Uint8Array(512 * 512).fill(1) },
          { z: 0, y: 0, x: 0, labels: new Uint8Array(512 * 512) },
        ],
      },
      {
        name: 'a value the schema does not define',
        code: 'DLN_ZARR_LABEL_UNDEFINED',
        chunks: [
          { z: 0, y: 0, x: 0, labels: new Uint8Array(512 * 512).fill(1) },
          { z: 1, y: 1, x: 1, labels: new Uint8Array(88 * 88).fill(7) },
        ],
      },
      { name: 'spacing of the wrong length', code: 'DLN_ZARR_GEOMETRY_INVALID', chunks: [], image: { ...image, spacing: [0.8, 0.8] } },
      { name: 'a zero dimension', code: 'DLN_ZARR_GEOMETRY_INVALID', chunks: [], image: { ...image, shape: [0, 600, 600] } },
    ];
    for (const c of cases) {
      it(c.name, async () => {
        const dir = join(work, 'bad.ome.zarr');
        const error = await writeOmeZarrLabels(dir, c.image ?? image, c.chunks).catch((e: unknown) => e as DelineateError);
        expect((error as DelineateError).code).toBe(c.code);
        expect(await readdir(work)).toEqual([]);
      });
    }

    it('a target made while the export was being written', async () => {
      const dir = join(work, 'raced.ome.zarr');
      async function* racing(): AsyncGenerator<OmeZarrLabelChunk> {
        yield { z: 0, y: 0, x: 0, labels: new Uint8Array(512 * 512).fill(1) };
        await writeOmeZarrLabels(dir, image, []);
      }
      const error = await writeOmeZarrLabels(dir, image, racing()).catch((e: unknown) => e as DelineateError);
      expect((error as DelineateError).code).toBe('DLN_ZARR_TARGET_EXISTS');
      expect(await readdir(work)).toEqual(['raced.ome.zarr']);
      expect(await chunkKeys(dir)).toEqual([]);
    });

    it('an existing target', async () => {
      const dir = join(work, 'taken.ome.zarr');
      await writeOmeZarrLabels(dir, image, []);
      const before = (await stat(join(dir, 'zarr.json'))).mtimeMs;
      const error = await writeOmeZarrLabels(dir, image, [{ z: 0, y: 0, x: 0, labels: new Uint8Array(512 * 512).fill(1) }]).catch((e: unknown) => e as DelineateError);
      expect((error as DelineateError).code).toBe('DLN_ZARR_TARGET_EXISTS');
      expect(await readdir(work)).toEqual(['taken.ome.zarr']);
      expect((await stat(join(dir, 'zarr.json'))).mtimeMs).toBe(before);
      expect(await chunkKeys(dir)).toEqual([]);
    });
  });
});
