import 'fake-indexeddb/auto';
import { describe, expect, it, vi } from 'vitest';
import { decodeRle8, decodeTileSet, encodeRle8, tileGridOf, tileOrdinal } from '@delineate/core';
import { drafts } from '../drafts';
import type { Dims } from '../viewer/geometry';
import { Labelmap } from '../viewer/labelmap';
import { readTile } from '../viewer/mask-tiles';
import { SaveController, type DraftStore } from './save-controller';

/** 600 × 520 in-plane: 2 × 2 tiles of 512² per slice, 4 slices: 16 tiles. */
const dims: Dims = { columns: 600, rows: 520, slices: 4, spacing: [1, 1, 1] };
const grid = tileGridOf(dims.columns, dims.rows, dims.slices);

interface Sent {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: Uint8Array;
}

/**
 * A fake of the server's save routes for this client logic: it answers each request with the
 * next scripted answer, or by default accepts it as the next version (the real routes are
 * covered by the server's tests and the browser e2e tests).
 */
function fakeServer(script: Array<'network' | 503 | 412> = []) {
  const sent: Sent[] = [];
  let head = 0;
  const fetch = vi.fn(async (url: string | URL | Request, init?: RequestInit) => {
    const headers = init?.headers as Record<string, string>;
    sent.push({ method: init?.method ?? 'GET', url: String(url), headers, body: init?.body as Uint8Array });
    const next = script.shift();
    if (next === 'network') throw new TypeError('Failed to fetch');
    if (next === 503) return Response.json({ code: 'DLN_STORE_UNAVAILABLE', message: 'The store is unavailable' }, { status: 503 });
    if (next === 412) return Response.json({ code: 'DLN_REVISION_STALE', message: 'Someone saved first', currentVersion: head + 1 }, { status: 412 });
    head++;
    return Response.json({ revision: { annotationId: 'a1', version: head, parentVersion: head - 1, source: 'human', maskHash: 'x', createdAt: '2026-01-01T00:00:00Z' }, replayed: false }, { status: 201 });
  });
  return { fetch: fetch as unknown as typeof globalThis.fetch, sent };
}

const memoryDrafts = () => {
  const kept = new Map<string, import('../drafts').Draft>();
  return {
    kept,
    store: {
      put: async (d: import('../drafts').Draft) => kept.set(d.annotationId, d),
      get: async (id: string) => kept.get(id),
      remove: async (id: string) => kept.delete(id),
    },
  };
};

function paint(map: Labelmap, x: number, y: number, z: number, value = 2): void {
  map.begin('paint');
  map.set(x + dims.columns * (y + dims.rows * z), value);
  map.end();
}

let keys = 0;
const controllerOf = (map: Labelmap, fetch: typeof globalThis.fetch, draftStore: DraftStore = memoryDrafts().store, baseVersion = 0) =>
  new SaveController({ annotationId: 'a1', map, baseVersion, source: 'human', drafts: draftStore, fetch, newKey: () => `key-${++keys}`, retryDelayMs: 1, draftDelayMs: 5 });

describe('save controller', () => {
  it('tracks dirty state: an edit is unsaved, a save makes it saved at the new version', async () => {
    const map = new Labelmap(dims);
    const server = fakeServer();
    const saves = controllerOf(map, server.fetch);
    const seen: string[] = [];
    saves.subscribe(() => seen.push(saves.state.kind));
    expect(saves.dirty).toBe(false);
    paint(map, 10, 10, 1);
    expect([saves.dirty, saves.state.kind]).toEqual([true, 'unsaved']);
    const revision = await saves.save();
    expect(revision?.version).toBe(1);
    expect(saves.state).toEqual({ kind: 'saved', version: 1 });
    expect([saves.dirty, saves.baseVersion, saves.changedTiles()]).toEqual([false, 1, []]);
    expect(seen).toEqual(['unsaved', 'saving', 'saved']);
    // An undo is an edit too: it goes out as the tile it touched.
    map.undo();
    expect([saves.dirty, saves.changedTiles()]).toEqual([true, [tileOrdinal(grid, { slice: 1, tileRow: 0, tileColumn: 0 })]]);
    saves.dispose();
  });

  it("says a slide task's edit magnification in the save's query, beside a correction's source", async () => {
    const map = new Labelmap(dims);
    const server = fakeServer();
    const saves = controllerOf(map, server.fetch);
    saves.magnification = 38.5;
    saves.source = 'correction';
    paint(map, 10, 10, 1);
    await saves.save();
    expect(server.sent[0]!.url).toBe('/api/annotations/a1/tiles?source=correction&magnification=38.5');
    saves.dispose();
  });

  it('sends only the changed tiles, with If-Match on the base version', async () => {
    const map = new Labelmap(dims);
    const server = fakeServer();
    const saves = controllerOf(map, server.fetch, undefined, 0);
    paint(map, 550, 515, 2); // bottom-right tile of slice 2
    paint(map, 3, 4, 0); // top-left tile of slice 0
    paint(map, 4, 4, 0);
    await saves.save();
    const [put] = server.sent;
    expect([put!.method, put!.url, put!.headers['If-Match'], put!.headers['content-type']]).toEqual(['PUT', '/api/annotations/a1/tiles', '"0"', 'application/vnd.delineate.tiles']);
    const set = decodeTileSet(put!.body);
    if (!set.ok) throw new Error(set.reason);
    expect(set.tiles.map((t) => t.position)).toEqual([
      { slice: 0, tileRow: 0, tileColumn: 0 },
      { slice: 2, tileRow: 1, tileColumn: 1 },
    ]);
    for (const tile of set.tiles) expect(tile.runs).toEqual(readTile(map.data, grid, tile.position).runs);
    // The next save carries only what changed since: an erased tile goes out as all background.
    map.begin('erase');
    map.set(550 + dims.columns * (515 + dims.rows * 2), 0);
    map.end();
    await saves.save();
    const second = decodeTileSet(server.sent[1]!.body);
    if (!second.ok) throw new Error(second.reason);
    expect(second.tiles).toHaveLength(1);
    expect(decodeRle8(second.tiles[0]!.runs, 88 * 8)).toEqual({ ok: true, voxels: new Uint8Array(88 * 8) });
    expect(server.sent[1]!.headers['If-Match']).toBe('"1"');
    saves.dispose();
  });

  it('with no known change it sends the whole mask (as before tiles)', async () => {
    const map = new Labelmap(dims);
    const server = fakeServer();
    const saves = controllerOf(map, server.fetch);
    await saves.save();
    expect([server.sent[0]!.method, server.sent[0]!.url]).toEqual(['POST', '/api/annotations/a1/revisions']);
    expect(server.sent[0]!.body).toEqual(encodeRle8(map.data));
    saves.dispose();
  });

  it('retries a network failure and a 5xx with the same Idempotency-Key; new edits get a new key', async () => {
    const map = new Labelmap(dims);
    const server = fakeServer(['network', 503]);
    const saves = controllerOf(map, server.fetch);
    paint(map, 1, 1, 1);
    expect((await saves.save())?.version).toBe(1);
    expect(server.sent).toHaveLength(3);
    const sentKeys = server.sent.map((s) => s.headers['Idempotency-Key']);
    expect(new Set(sentKeys).size).toBe(1);
    paint(map, 2, 2, 1);
    await saves.save();
    expect(server.sent[3]!.headers['Idempotency-Key']).not.toBe(sentKeys[0]);
    saves.dispose();
  });

  it('after the retries run out it fails; pressing save again for the same edits reuses the key', async () => {
    const map = new Labelmap(dims);
    const server = fakeServer(['network', 'network', 'network']);
    const saves = controllerOf(map, server.fetch);
    paint(map, 1, 1, 1);
    expect(await saves.save()).toBeNull();
    expect(saves.state.kind).toBe('failed');
    await saves.save();
    expect(saves.state).toEqual({ kind: 'saved', version: 1 });
    expect(new Set(server.sent.map((s) => s.headers['Idempotency-Key'])).size).toBe(1);
    saves.dispose();
  });

  it('a 412 is a conflict naming the newer version, never retried, with the edits kept as a draft', async () => {
    const map = new Labelmap(dims);
    const server = fakeServer([412]);
    const kept = memoryDrafts();
    const saves = controllerOf(map, server.fetch, kept.store, 3);
    paint(map, 7, 7, 3);
    expect(await saves.save()).toBeNull();
    expect(saves.state).toEqual({ kind: 'conflict', currentVersion: 1 });
    expect(server.sent).toHaveLength(1);
    expect(kept.kept.get('a1')?.baseVersion).toBe(3);
    expect(saves.unsentStrokes()).toHaveLength(1);
    // Loading the newer version rebases: nothing is unsent until the edits are redone on it.
    const mine = saves.unsentStrokes();
    map.replace(new Uint8Array(map.data.length));
    saves.rebase(4);
    expect([saves.dirty, saves.changedTiles()]).toEqual([false, []]);
    map.replay(mine);
    await saves.save();
    expect(server.sent[1]!.headers['If-Match']).toBe('"4"');
    saves.dispose();
  });

  it('keeps a draft in IndexedDB after an edit, removes it after a save, and restores it on reopening', async () => {
    const map = new Labelmap(dims);
    const server = fakeServer();
    const saves = controllerOf(map, server.fetch, drafts, 2);
    paint(map, 300, 300, 1);
    await vi.waitFor(() => expect(saves.state.kind).toBe('draft'));
    const draft = await drafts.get('a1');
    expect(draft?.baseVersion).toBe(2);
    saves.dispose();

    // Reopened: a fresh volume at version 2 finds the draft and takes it back as an edit.
    const reopened = new Labelmap(dims);
    const again = controllerOf(reopened, server.fetch, drafts, 2);
    const found = await again.findDraft();
    expect(found && again.restoreDraft(found)).toBe(true);
    expect(reopened.data.every((v, i) => v === map.data[i])).toBe(true);
    expect([again.dirty, again.state.kind, again.baseVersion]).toEqual([true, 'unsaved', 2]);
    await again.save();
    const set = decodeTileSet(server.sent[0]!.body);
    expect(set.ok && set.tiles.map((t) => t.position)).toEqual([{ slice: 1, tileRow: 0, tileColumn: 0 }]);
    expect(await drafts.get('a1')).toBeUndefined();
    // A draft that does not fit the grid is refused.
    expect(again.restoreDraft({ annotationId: 'a1', baseVersion: 1, rle: encodeRle8(new Uint8Array(5)), savedAt: '' })).toBe(false);
    again.dispose();
  });

  it('edits made while a save is in flight stay unsaved and go out next time', async () => {
    const map = new Labelmap(dims);
    const server = fakeServer();
    const saves = controllerOf(map, server.fetch);
    paint(map, 1, 1, 0);
    const pending = saves.save();
    paint(map, 1, 1, 3);
    await pending;
    expect(saves.state.kind).toBe('unsaved');
    expect(saves.changedTiles()).toEqual([tileOrdinal(grid, { slice: 3, tileRow: 0, tileColumn: 0 })]);
    saves.dispose();
  });

  it('hands over once what the server recomputed after a save (derived structures)', async () => {
    const map = new Labelmap(dims);
    const derived = { revision: { annotationId: 'a1', version: 2, parentVersion: 1, source: 'human', maskHash: 'y', createdAt: '2026-01-01T00:00:01Z' }, structures: [{ target: 'ptv', state: 'recomputed' }] };
    const fetch = vi.fn(async () =>
      Response.json({ revision: { annotationId: 'a1', version: 1, parentVersion: 0, source: 'human', maskHash: 'x', createdAt: '2026-01-01T00:00:00Z' }, replayed: false, derived }, { status: 201 }),
    );
    const saves = controllerOf(map, fetch as unknown as typeof globalThis.fetch);
    paint(map, 3, 3, 0);
    expect((await saves.save())?.version).toBe(1);
    expect(saves.takeDerived()).toEqual(derived);
    expect(saves.takeDerived()).toBeNull();
  });
});
