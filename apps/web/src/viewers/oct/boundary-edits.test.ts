import { describe, expect, it, vi } from 'vitest';
import { boundaryIndex, decodeBoundarySet, emptyBoundarySet, heightAt } from '@delineate/core';
import type { Draft } from '../../drafts';
import { SaveController } from '../../workspace/save-controller';
import { markAbsent, writeHeights } from './boundary-edit';
import { BOUNDARY_SET_TYPE, BoundaryEdits } from './boundary-edits';

const ILM = boundaryIndex('ILM');

/**
 * A stand-in for the OCT save route for this client logic: it records each request and answers
 * with the next version, or refuses as scripted (the route itself is tested in the server, and
 * the whole path in the browser e2e test).
 */
function fakeRoute(script: Array<412 | 422> = []) {
  const sent: Array<{ url: string; headers: Record<string, string>; body: Uint8Array }> = [];
  let head = 0;
  const fetch = vi.fn(async (url: string | URL | Request, init?: RequestInit) => {
    sent.push({ url: String(url), headers: init?.headers as Record<string, string>, body: init?.body as Uint8Array });
    const next = script.shift();
    if (next === 412) return Response.json({ code: 'DLN_REVISION_STALE', message: 'Someone saved first', currentVersion: head + 1 }, { status: 412 });
    if (next === 422) return Response.json({ code: 'DLN_OCT_BOUNDARY_ORDER', message: 'order', upper: 'ILM', lower: 'BM', bscan: 2, ascan: 5 }, { status: 422 });
    head++;
    return Response.json({ revision: { annotationId: 'a1', version: head }, measures: {}, replayed: false }, { status: 201 });
  });
  return { fetch: fetch as unknown as typeof globalThis.fetch, sent };
}

function memoryDrafts() {
  const kept = new Map<string, Draft>();
  return { kept, store: { put: async (d: Draft) => kept.set(d.annotationId, d), get: async (id: string) => kept.get(id), remove: async (id: string) => kept.delete(id) } };
}

describe('OCT boundary edits through the save controller', () => {
  it('posts the whole set to the OCT route with If-Match and an Idempotency-Key, then is saved', async () => {
    const edits = new BoundaryEdits(emptyBoundarySet(3, 8));
    const route = fakeRoute();
    const drafts = memoryDrafts();
    const saves = new SaveController({ annotationId: 'a1', map: edits, baseVersion: 0, source: 'human', drafts: drafts.store, fetch: route.fetch, draftDelayMs: 5 });
    edits.edit('draw', [{ boundary: ILM, bscan: 1 }], (set) => writeHeights(set, ILM, 1, 0, [10, 11, 12], 50));
    expect(saves.state.kind).toBe('unsaved');
    await new Promise((r) => setTimeout(r, 20));
    expect(drafts.kept.get('a1')?.boundaries).toBeInstanceOf(Uint8Array);
    const revision = await saves.save();
    expect(revision?.version).toBe(1);
    expect(saves.state).toEqual({ kind: 'saved', version: 1 });
    const [request] = route.sent;
    expect(request!.url).toBe('/api/annotations/a1/oct/boundaries');
    expect(request!.headers['content-type']).toBe(BOUNDARY_SET_TYPE);
    expect(request!.headers['If-Match']).toBe('"0"');
    expect(request!.headers['Idempotency-Key']).toBeTruthy();
    const decoded = decodeBoundarySet(request!.body);
    if (!decoded.ok) throw new Error(decoded.reason);
    expect(heightAt(decoded.set, ILM, 1, 2)).toBe(12);
    expect(drafts.kept.has('a1')).toBe(false);
  });

  it('a newer save elsewhere is a conflict with the edits kept as a draft; an order refusal is a failure carrying its fields', async () => {
    const edits = new BoundaryEdits(emptyBoundarySet(3, 8));
    const route = fakeRoute([412, 422]);
    const drafts = memoryDrafts();
    const saves = new SaveController({ annotationId: 'a1', map: edits, baseVersion: 0, source: 'human', drafts: drafts.store, fetch: route.fetch, retries: 0 });
    edits.edit('absent', [{ boundary: ILM, bscan: 0 }], (set) => markAbsent(set, ILM, 0, 1, 3));
    expect(await saves.save()).toBeNull();
    expect(saves.state).toEqual({ kind: 'conflict', currentVersion: 1 });
    const draft = drafts.kept.get('a1')!;
    expect(decodeBoundarySet(draft.boundaries!).ok).toBe(true);
    // Keep mine on top of theirs: the draft on their version, then save.
    expect(saves.restoreDraft({ ...draft, baseVersion: 1 })).toBe(true);
    expect(await saves.save()).toBeNull();
    const state = saves.state;
    expect(state.kind).toBe('failed');
    expect(route.sent[1]!.headers['If-Match']).toBe('"1"');
    if (state.kind === 'failed') expect((state.error as { details?: Record<string, unknown> }).details).toMatchObject({ upper: 'ILM', lower: 'BM', bscan: 2 });
  });

  it('undo restores the rows an edit changed; loading a revision leaves nothing to undo', () => {
    const edits = new BoundaryEdits(emptyBoundarySet(2, 4));
    edits.edit('draw', [{ boundary: ILM, bscan: 0 }], (set) => writeHeights(set, ILM, 0, 0, [1, 2, 3, 4], 10));
    edits.edit('draw', [{ boundary: ILM, bscan: 0 }], (set) => writeHeights(set, ILM, 0, 0, [5, 5], 10));
    expect(heightAt(edits.set, ILM, 0, 0)).toBe(5);
    expect(edits.undo()).toBe(true);
    expect(heightAt(edits.set, ILM, 0, 0)).toBe(1);
    expect(edits.undo()).toBe(true);
    expect(heightAt(edits.set, ILM, 0, 0)).toBeUndefined();
    expect(edits.undo()).toBe(false);
    edits.load(emptyBoundarySet(2, 4));
    expect(edits.undoStack).toHaveLength(0);
  });

  it('refuses a draft of another volume shape', () => {
    const edits = new BoundaryEdits(emptyBoundarySet(2, 4));
    const other = new BoundaryEdits(emptyBoundarySet(3, 4));
    expect(edits.applyDraft({ annotationId: 'a1', baseVersion: 0, ...other.draftOf(), savedAt: '' })).toBe(false);
    expect(edits.applyDraft({ annotationId: 'a1', baseVersion: 0, rle: new Uint8Array(4), savedAt: '' })).toBe(false);
  });
});
