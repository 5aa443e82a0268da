import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertToPyramid, meanDifference, vipsDecodeJpeg, vipsRegion, writeTestImage } from '../test/vips';
import { deepZoomDescriptor, deepZoomMaxLevel, planDeepZoomTile } from './deep-zoom';
import { iiifInfo, planIiifTile } from './iiif';
import type { SlidePyramidLayout } from './layout';
import { LocalPyramidFile } from './sources';
import { SlideTileServer } from './tile-server';

let dir: string;
let pyramid: string;
let file: LocalPyramidFile;
let layout: SlidePyramidLayout;
const server = new SlideTileServer();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dln-wsi-viewers-'));
  pyramid = convertToPyramid(writeTestImage(dir, 1500, 1100), join(dir, 'slide.tif'));
  file = new LocalPyramidFile(pyramid);
  layout = await server.layout(file);
});
afterAll(async () => {
  await file.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('Deep Zoom', () => {
  it('describes the slide with the stored tile size and no overlap', () => {
    expect(deepZoomMaxLevel(layout)).toBe(11);
    expect(deepZoomDescriptor(layout)).toContain('Format="jpeg" Overlap="0" TileSize="256"><Size Width="1500" Height="1100"/>');
  });

  it('passes whole stored tiles through: DZI level max − k is stored level k', async () => {
    expect(planDeepZoomTile(layout, 11, 1, 1)).toEqual({ kind: 'stored', level: 0, column: 1, row: 1 });
    expect(planDeepZoomTile(layout, 10, 1, 0)).toEqual({ kind: 'stored', level: 1, column: 1, row: 0 });
    expect(await server.render(file, planDeepZoomTile(layout, 11, 2, 3))).toEqual(await server.tile(file, 0, 2, 3));
  });

  it('re-cuts edge tiles to the size Deep Zoom computes, close to the stored pixels', async () => {
    const plan = planDeepZoomTile(layout, 11, 5, 4);
    expect(plan).toMatchObject({ kind: 'recut', level: 0, output: { width: 220, height: 76 } });
    const decoded = vipsDecodeJpeg(dir, await server.render(file, plan), 'dz-edge');
    expect([decoded.width, decoded.height]).toEqual([220, 76]);
    expect(meanDifference(decoded, vipsRegion(pyramid, 0, 1280, 1024, 220, 76, dir))).toBeLessThan(2);
  });

  it('shrinks the smallest stored level for the levels below it, down to 1 × 1', async () => {
    const plan = planDeepZoomTile(layout, 6, 0, 0);
    expect(plan).toMatchObject({ kind: 'recut', level: 3, shrink: 4, output: { width: 47, height: 35 } });
    const decoded = vipsDecodeJpeg(dir, await server.render(file, plan), 'dz-small');
    expect([decoded.width, decoded.height]).toEqual([47, 35]);
    const one = vipsDecodeJpeg(dir, await server.render(file, planDeepZoomTile(layout, 0, 0, 0)), 'dz-one');
    expect([one.width, one.height]).toEqual([1, 1]);
  });

  it('refuses tiles outside a level with a coded 404', () => {
    expect(() => planDeepZoomTile(layout, 11, 6, 0)).toThrow(expect.objectContaining({ code: 'DLN_SLIDE_TILE_NOT_FOUND' }));
    expect(() => planDeepZoomTile(layout, 12, 0, 0)).toThrow(expect.objectContaining({ code: 'DLN_SLIDE_TILE_NOT_FOUND' }));
    expect(() => planDeepZoomTile(layout, 3, 1, 0)).toThrow(expect.objectContaining({ code: 'DLN_SLIDE_TILE_NOT_FOUND' }));
  });
});

describe('IIIF Image API 3', () => {
  it('lists the stored scale factors as tiles of a level 0 service', () => {
    const info = iiifInfo(layout, 'https://example.org/iiif/slide');
    expect(info).toMatchObject({ type: 'ImageService3', profile: 'level0', width: 1500, height: 1100, tiles: [{ width: 256, height: 256, scaleFactors: [1, 2, 4, 8] }] });
  });

  it('serves a request that is one stored tile by passthrough', async () => {
    expect(planIiifTile(layout, '256,256,256,256', '256,', '0', 'default.jpg')).toEqual({ kind: 'stored', level: 0, column: 1, row: 1 });
    expect(planIiifTile(layout, '512,0,512,512', '256,256', '0', 'default.jpg')).toEqual({ kind: 'stored', level: 1, column: 1, row: 0 });
    expect(await server.render(file, planIiifTile(layout, '0,1024,256,76', '256,76', '0', 'default.jpg'))).not.toEqual(await server.tile(file, 0, 0, 4));
  });

  it('re-cuts edge tiles and the whole-image tile of the smallest level', async () => {
    const edge = planIiifTile(layout, '1024,1024,476,76', '238,', '0', 'default.jpg');
    expect(edge).toMatchObject({ kind: 'recut', level: 1, column: 2, row: 2, output: { width: 238, height: 38 } });
    const full = planIiifTile(layout, 'full', '188,138', '0', 'default.jpg');
    expect(full).toMatchObject({ kind: 'recut', level: 3, output: { width: 188, height: 138 } });
    const decoded = vipsDecodeJpeg(dir, await server.render(file, full), 'iiif-full');
    expect([decoded.width, decoded.height]).toEqual([188, 138]);
  });

  it('refuses anything that is not a stored tile with DLN_SLIDE_REGION_UNSUPPORTED (400)', () => {
    for (const [region, size, rotation, quality] of [
      ['10,10,100,100', '100,', '0', 'default.jpg'],
      ['0,0,256,256', '128,', '0', 'default.jpg'],
      ['0,0,256,256', '256,', '90', 'default.jpg'],
      ['0,0,256,256', '256,', '0', 'gray.png'],
      ['full', 'max', '0', 'default.jpg'],
      ['full', '94,', '0', 'default.jpg'],
      ['pct:0,0,10,10', '256,', '0', 'default.jpg'],
    ] as const) {
      expect(() => planIiifTile(layout, region, size, rotation, quality)).toThrow(expect.objectContaining({ code: 'DLN_SLIDE_REGION_UNSUPPORTED', status: 400 }));
    }
  });
});
