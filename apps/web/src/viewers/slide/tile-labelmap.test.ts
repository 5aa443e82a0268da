import { describe, expect, it } from 'vitest';
import { decodeRle8, decodeTileSet, encodeRle8, tileGridOf } from '@delineate/core';
import type { Draft } from '../../drafts';
import { SaveController } from '../../workspace/save-controller';
import { fillPolygon, fillRegion, paintDisc, paintLine, rectangle, tilesInView } from './paint';
import { draftTiles, TileLabelmap } from '../../viewer/tile-labelmap';

/** 1,300 × 1,100 pixels: 3 × 3 tiles of 512² (the last column and row narrower). */
const W = 1300;
const H = 1100;

function loadedMap(): TileLabelmap {
  const map = new TileLabelmap(W, H);
  map.load([], Array.from({ length: 9 }, (_, i) => i));
  return map;
}

/** Every pixel of the slide, put together from the sparse tiles (fine at this size). */
function pixels(map: TileLabelmap): Uint8Array {
  const out = new Uint8Array(W * H);
  for (const ordinal of map.tileOrdinals()) {
    const tile = map.tile(ordinal)!;
    const x0 = (ordinal % 3) * 512;
    const y0 = Math.floor(ordinal / 3) * 512;
    const width = Math.min(512, W - x0);
    for (let y = 0; y < tile.length / width; y++) out.set(tile.subarray(y * width, (y + 1) * width), (y0 + y) * W + x0);
  }
  return out;
}

/** How many pixels differ (a deep equality of megapixel arrays is slow to report). */
function differing(a: Uint8Array, b: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
  return n;
}

/** The disc written independently: pixel centres within r of (cx, cy). */
function disc(out: Uint8Array, cx: number, cy: number, r: number, value: number): void {
  for (let y = Math.floor(cy - r - 1); y <= cy + r; y++) for (let x = Math.floor(cx - r - 1); x <= cx + r; x++) if ((x + 0.5 - cx) ** 2 + (y + 0.5 - cy) ** 2 <= r * r) out[y * W + x] = value;
}

describe('sparse tile labelmap', () => {
  it('paints and erases across a tile border, creating tiles only where painted', () => {
    const map = loadedMap();
    map.begin('brush');
    paintDisc(map, 512, 500, 30, { value: 1 });
    const stroke = map.end()!;
    expect([...stroke.tiles.keys()].sort()).toEqual([0, 1, 3, 4]);
    expect(map.tileOrdinals().sort()).toEqual([0, 1, 3, 4]);
    const expected = new Uint8Array(W * H);
    disc(expected, 512, 500, 30, 1);
    expect(differing(pixels(map), expected)).toBe(0);

    map.begin('eraser');
    paintDisc(map, 530, 520, 12, { value: 0 });
    map.end();
    disc(expected, 530, 520, 12, 0);
    expect(differing(pixels(map), expected)).toBe(0);
    // The tile runs the save sends are the same pixels.
    const tile4 = decodeRle8(map.readTile(4).runs, 512 * 512);
    expect(tile4.ok && tile4.voxels[(520 - 512) * 512 + (530 - 512)]).toBe(0);
    expect(tile4.ok && tile4.voxels[(525 - 512) * 512 + 0]).toBe(1);
  });

  it('undoes and redoes strokes tile by tile, telling the tiles each touched', () => {
    const map = loadedMap();
    const told: number[][] = [];
    map.onTilesChanged = (o) => told.push([...o].sort());
    map.begin('brush');
    paintLine(map, [100, 100], [700, 100], 8, { value: 2 });
    map.end();
    const painted = pixels(map);
    map.begin('brush');
    paintDisc(map, 600, 600, 40, { value: 3 });
    map.end();
    expect(map.undo()).toBe(true);
    expect(differing(pixels(map), painted)).toBe(0);
    expect(map.undo()).toBe(true);
    expect(map.count(2)).toBe(0);
    expect(map.redo()).toBe(true);
    expect(differing(pixels(map), painted)).toBe(0);
    expect(told).toEqual([[0, 1], [4], [4], [0, 1], [0, 1]]);
  });

  it('erases only the chosen label when asked, and fills polygons by pixel centres', () => {
    const map = loadedMap();
    map.begin('rect');
    fillPolygon(map, rectangle([10, 10], [20, 15]), { value: 1 });
    fillPolygon(map, rectangle([15, 10], [30, 15]), { value: 2 });
    map.end();
    // Columns 10 … 19 and rows 10 … 14 for the first rectangle, then the second over it.
    expect(map.count(1)).toBe(5 * 5);
    expect(map.count(2)).toBe(15 * 5);
    map.begin('eraser');
    paintDisc(map, 20, 12, 100, { value: 0, eraseOnly: 1 });
    map.end();
    expect([map.count(1), map.count(2)]).toEqual([0, 75]);
    map.begin('polygon');
    fillPolygon(map, [[600, 600], [700, 600], [600, 700]], { value: 3 });
    map.end();
    let n = 0;
    for (let y = 600; y < 700; y++) for (let x = 600; x < 700; x++) if (x + 0.5 - 600 + (y + 0.5 - 600) < 100) n++;
    expect(map.count(3)).toBe(n);
  });

  it('fills the region under the seed only inside the view', () => {
    const map = loadedMap();
    map.begin('ring');
    fillPolygon(map, rectangle([500, 500], [540, 540]), { value: 1 });
    fillPolygon(map, rectangle([510, 510], [530, 530]), { value: 0 });
    map.end();
    map.begin('fill');
    expect(fillRegion(map, [520, 520], { x: 0, y: 0, width: W, height: H }, 2)).toBe(400);
    map.end();
    map.begin('fill');
    // Background around the ring, bounded to a 100² view.
    expect(fillRegion(map, [450, 450], { x: 400, y: 400, width: 100, height: 100 }, 3)).toBe(100 * 100);
    map.end();
  });

  it('never paints a tile whose stored labels are not in yet', () => {
    const map = new TileLabelmap(W, H);
    map.load([], [0]);
    map.begin('brush');
    paintDisc(map, 512, 100, 10, { value: 1 });
    map.end();
    expect(map.tileOrdinals()).toEqual([0]);
    expect(map.skipped).toBeGreaterThan(0);
    // Loaded later, the stored tile arrives; a tile already loaded keeps its edits.
    map.load([{ position: { slice: 0, tileRow: 0, tileColumn: 1 }, runs: encodeRle8(new Uint8Array(512 * 512).fill(4)) }, { position: { slice: 0, tileRow: 0, tileColumn: 0 }, runs: encodeRle8(new Uint8Array(512 * 512)) }], [0, 1]);
    expect(map.get(600, 10)).toBe(4);
    expect(map.get(511, 100)).toBe(1);
  });

  it('lists the tiles a view covers', () => {
    const grid = tileGridOf(W, H, 1);
    expect(tilesInView(grid, { x: 0, y: 0, width: 512, height: 512 })).toEqual([0]);
    expect(tilesInView(grid, { x: 500, y: 500, width: 20, height: 20 })).toEqual([0, 1, 3, 4]);
    expect(tilesInView(grid, { x: -100, y: 1030, width: 5000, height: 500 })).toEqual([6, 7, 8]);
  });
});

describe('save controller over sparse tiles', () => {
  it('sends the touched tiles, drafts them, and restores a draft as one undoable stroke', async () => {
    const map = loadedMap();
    const bodies: Uint8Array[] = [];
    const fetch = (async (_url: string, init?: RequestInit) => {
      bodies.push(init?.body as Uint8Array);
      return Response.json({ revision: { annotationId: 'a1', version: 1, parentVersion: 0, source: 'human', maskHash: 'x', createdAt: '' } }, { status: 201 });
    }) as unknown as typeof globalThis.fetch;
    const kept = new Map<string, Draft>();
    const drafts = { put: async (d: Draft) => kept.set(d.annotationId, d), get: async (id: string) => kept.get(id), remove: async (id: string) => kept.delete(id) };
    const saves = new SaveController({ annotationId: 'a1', map, baseVersion: 0, source: 'human', drafts, fetch, draftDelayMs: 1 });
    map.begin('brush');
    paintDisc(map, 512, 512, 20, { value: 1 });
    map.end();
    expect(saves.changedTiles()).toEqual([0, 1, 3, 4]);
    await new Promise((r) => setTimeout(r, 20));
    const draft = kept.get('a1')!;
    expect(draftTiles(map.grid, draft)).toEqual([0, 1, 3, 4]);
    // With nothing known to have changed, there is no whole mask to post.
    const fresh = loadedMap();
    const other = new SaveController({ annotationId: 'a2', map: fresh, baseVersion: 0, source: 'human', drafts, fetch });
    expect(await other.save()).toBeNull();
    expect(other.restoreDraft(draft)).toBe(true);
    expect(differing(pixels(fresh), pixels(map))).toBe(0);
    expect(fresh.undoStack).toHaveLength(1);

    expect((await saves.save())?.version).toBe(1);
    const sent = decodeTileSet(bodies[0]!);
    expect(sent.ok && sent.tiles.map((t) => [t.position.tileRow, t.position.tileColumn])).toEqual([[0, 0], [0, 1], [1, 0], [1, 1]]);
    expect(saves.changedTiles()).toEqual([]);
  });
});
