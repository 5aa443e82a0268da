/**
 * One save controller for every viewer. It owns the dirty state of a label volume and its base
 * version, keeps drafts in IndexedDB shortly after each edit, and saves with `If-Match` (the
 * base) and an `Idempotency-Key` that a retry reuses, so a save whose answer was lost is replayed,
 * never made twice. It tracks which tiles the strokes touched and sends only those
 * (`PUT …/tiles`); someone else's newer save becomes the `conflict` state, in words, with the
 * edits kept as a draft. Viewers only edit the {@link Labelmap}; React subscribes to the state.
 */
import { encodeRle8, encodeTileSet, decodeRle8, type TileGrid } from '@delineate/core';
import { ApiError, errorOf, TILE_SET_TYPE, type RevisionInfo } from '../api';
import type { Draft } from '../drafts';
import type { Labelmap, Stroke } from '../viewer/labelmap';
import { maskTileGrid, readTileAt, tilesOfVoxels } from '../viewer/mask-tiles';

export type SaveState =
  | { kind: 'saved'; version: number }
  | { kind: 'unsaved' }
  | { kind: 'saving' }
  | { kind: 'draft'; at: string }
  | { kind: 'failed'; error: unknown }
  | { kind: 'conflict'; currentVersion: number };

/** Where drafts are kept (`drafts` in ../drafts.ts: IndexedDB). */
export interface DraftStore {
  put(draft: Draft): Promise<unknown>;
  get(annotationId: string): Promise<Draft | undefined>;
  remove(annotationId: string): Promise<unknown>;
}

export interface SaveControllerOptions {
  annotationId: string;
  map: Labelmap;
  /** The version the volume was loaded at (0: nothing saved yet). */
  baseVersion: number;
  /** A reviewer's edits of work under review are saved as a correction. */
  source: 'human' | 'correction';
  drafts: DraftStore;
  fetch?: typeof fetch;
  newKey?: () => string;
  now?: () => Date;
  /** Quiet time after an edit before the draft is written. */
  draftDelayMs?: number;
  /** Further attempts after a network failure or a 5xx answer, with the same key. */
  retries?: number;
  retryDelayMs?: number;
}

/** What one save sent, for the benchmark and tests. */
export interface SaveReport {
  mode: 'tiles' | 'whole';
  tiles: number;
  bytes: number;
  attempts: number;
  ms: number;
}

interface Attempt {
  key: string;
  revision: number;
  base: number;
}

const defaultKey = () => (typeof crypto.randomUUID === 'function' ? crypto.randomUUID() : `${Date.now()}-${Math.random()}`);

export class SaveController {
  readonly annotationId: string;
  readonly #map: Labelmap;
  readonly #grid: TileGrid;
  readonly #drafts: DraftStore;
  readonly #fetch: typeof fetch;
  readonly #newKey: () => string;
  readonly #now: () => Date;
  readonly #draftDelayMs: number;
  readonly #retries: number;
  readonly #retryDelayMs: number;
  readonly #listeners = new Set<() => void>();
  source: 'human' | 'correction';
  #state: SaveState;
  #base: number;
  /** The map's revision at the last save (or load): anything else is unsent. */
  #savedRevision: number;
  /** Undo depth at the last save: strokes above it are the edits not yet sent. */
  #savedDepth = 0;
  /** Changed tiles (by ordinal) and the edit generation that last touched each. */
  readonly #changed = new Map<number, number>();
  #generation = 0;
  #attempt: Attempt | null = null;
  #inFlight: Promise<RevisionInfo | null> | null = null;
  #draftTimer: ReturnType<typeof setTimeout> | undefined;
  lastReport: SaveReport | null = null;

  constructor(options: SaveControllerOptions) {
    this.annotationId = options.annotationId;
    this.#map = options.map;
    this.#grid = maskTileGrid(options.map.dims);
    this.#drafts = options.drafts;
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.#newKey = options.newKey ?? defaultKey;
    this.#now = options.now ?? (() => new Date());
    this.#draftDelayMs = options.draftDelayMs ?? 800;
    this.#retries = options.retries ?? 2;
    this.#retryDelayMs = options.retryDelayMs ?? 500;
    this.source = options.source;
    this.#base = options.baseVersion;
    this.#savedRevision = options.map.revision;
    this.#state = { kind: 'saved', version: options.baseVersion };
    this.#map.onChange = (indices) => this.#edited(indices);
  }

  get state(): SaveState {
    return this.#state;
  }

  get baseVersion(): number {
    return this.#base;
  }

  /** Edits made since the last save (or load). */
  get dirty(): boolean {
    return this.#map.revision !== this.#savedRevision;
  }

  /** The tiles a save would send now, by ordinal. */
  changedTiles(): number[] {
    return [...this.#changed.keys()].sort((a, b) => a - b);
  }

  /** The strokes not yet sent (to redo on a newer version after a conflict). */
  unsentStrokes(): Stroke[] {
    return this.#map.undoStack.slice(this.#savedDepth);
  }

  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #set(state: SaveState): void {
    this.#state = state;
    for (const l of this.#listeners) l();
  }

  #edited(indices: Uint32Array): void {
    this.#generation++;
    const touched = new Set<number>();
    tilesOfVoxels(this.#grid, indices, touched);
    for (const ordinal of touched) this.#changed.set(ordinal, this.#generation);
    if (this.#state.kind !== 'saving') this.#set({ kind: 'unsaved' });
    clearTimeout(this.#draftTimer);
    this.#draftTimer = setTimeout(() => void this.#writeDraft(true), this.#draftDelayMs);
  }

  async #writeDraft(announce: boolean): Promise<void> {
    if (!this.dirty) return;
    const at = this.#now().toISOString();
    try {
      await this.#drafts.put({ annotationId: this.annotationId, baseVersion: this.#base, rle: encodeRle8(this.#map.data), savedAt: at });
      if (announce && this.#state.kind === 'unsaved') this.#set({ kind: 'draft', at });
    } catch {
      // A draft is a safety net: the edits are still in the page and can be saved.
    }
  }

  /** Saves the unsent edits; resolves with the new revision, or null (conflict, failure, nothing to do). */
  save(): Promise<RevisionInfo | null> {
    this.#inFlight ??= this.#save().finally(() => {
      this.#inFlight = null;
    });
    return this.#inFlight;
  }

  async #save(): Promise<RevisionInfo | null> {
    const map = this.#map;
    const started = performance.now();
    const revisionAtSave = map.revision;
    const depthAtSave = map.undoStack.length;
    const generationAtSave = this.#generation;
    // The same edits on the same base are the same save: a retry (or a second press after a
    // failure) reuses its key, so the server replays instead of saving twice.
    if (!this.#attempt || this.#attempt.revision !== revisionAtSave || this.#attempt.base !== this.#base) {
      this.#attempt = { key: this.#newKey(), revision: revisionAtSave, base: this.#base };
    }
    const attempt = this.#attempt;
    const ordinals = this.changedTiles();
    // No known change (nothing edited, or a save asked for anyway) sends the whole mask, as before tiles.
    const mode: SaveReport['mode'] = ordinals.length ? 'tiles' : 'whole';
    const body = mode === 'tiles' ? encodeTileSet(ordinals.map((o) => readTileAt(map.data, this.#grid, o))) : encodeRle8(map.data);
    this.#set({ kind: 'saving' });
    let attempts = 0;
    try {
      for (;;) {
        attempts++;
        try {
          const revision = await this.#send(mode, body, attempt);
          this.#attempt = null;
          this.#base = revision.version;
          this.#savedRevision = revisionAtSave;
          this.#savedDepth = depthAtSave;
          for (const [ordinal, generation] of this.#changed) if (generation <= generationAtSave) this.#changed.delete(ordinal);
          this.lastReport = { mode, tiles: ordinals.length, bytes: body.length, attempts, ms: performance.now() - started };
          const clean = map.revision === revisionAtSave;
          if (clean) {
            clearTimeout(this.#draftTimer);
            await this.#drafts.remove(this.annotationId).catch(() => undefined);
          }
          this.#set(clean ? { kind: 'saved', version: revision.version } : { kind: 'unsaved' });
          return revision;
        } catch (e) {
          if (attempts <= this.#retries && retryable(e)) {
            await new Promise((r) => setTimeout(r, this.#retryDelayMs * attempts));
            continue;
          }
          throw e;
        }
      }
    } catch (e) {
      if (e instanceof ApiError && e.code === 'DLN_REVISION_STALE') {
        this.#attempt = null;
        // Keep the edits on this computer while the person decides.
        await this.#writeDraft(false);
        this.#set({ kind: 'conflict', currentVersion: Number(e.details?.currentVersion ?? 0) });
      } else {
        this.#set({ kind: 'failed', error: e });
      }
      return null;
    }
  }

  async #send(mode: SaveReport['mode'], body: Uint8Array, attempt: Attempt): Promise<RevisionInfo> {
    const query = this.source === 'correction' ? '?source=correction' : '';
    const url = mode === 'tiles' ? `/api/annotations/${this.annotationId}/tiles${query}` : `/api/annotations/${this.annotationId}/revisions${query}`;
    let res: Response;
    try {
      res = await this.#fetch(url, {
        method: mode === 'tiles' ? 'PUT' : 'POST',
        credentials: 'same-origin',
        headers: { 'content-type': mode === 'tiles' ? TILE_SET_TYPE : 'application/octet-stream', 'If-Match': `"${attempt.base}"`, 'Idempotency-Key': attempt.key },
        body: body as unknown as BodyInit,
      });
    } catch {
      throw new ApiError('DLN_NETWORK', 'The server could not be reached', 0);
    }
    if (!res.ok) throw await errorOf(res);
    return ((await res.json()) as { revision: RevisionInfo }).revision;
  }

  /** After the caller loaded `version` into the map (`Labelmap.replace`): that is the new base. */
  rebase(version: number): void {
    this.#base = version;
    this.#savedRevision = this.#map.revision;
    this.#savedDepth = 0;
    this.#changed.clear();
    this.#attempt = null;
    this.#set({ kind: 'saved', version });
  }

  /** A conflict seen and put aside (compare first): the edits stay unsent. */
  resumeEditing(): void {
    this.#set({ kind: 'unsaved' });
  }

  /** The draft kept for this annotation, if any. */
  findDraft(): Promise<Draft | undefined> {
    return this.#drafts.get(this.annotationId).catch(() => undefined);
  }

  /** Applies a draft's volume as one undoable edit on the version it was made on; false when it does not fit. */
  restoreDraft(draft: Draft): boolean {
    const map = this.#map;
    const decoded = decodeRle8(draft.rle, map.data.length);
    if (!decoded.ok) return false;
    this.#base = draft.baseVersion;
    map.begin('restore draft');
    for (let i = 0; i < decoded.voxels.length; i++) if (decoded.voxels[i] !== map.data[i]) map.set(i, decoded.voxels[i]!);
    map.end();
    return true;
  }

  discardDraft(): Promise<unknown> {
    return this.#drafts.remove(this.annotationId).catch(() => undefined);
  }

  dispose(): void {
    clearTimeout(this.#draftTimer);
    if (this.#map.onChange) this.#map.onChange = null;
    this.#listeners.clear();
  }
}

/** What a retry can fix: the network, or the server failing (5xx); never a refusal. */
function retryable(e: unknown): boolean {
  return e instanceof ApiError && (e.code === 'DLN_NETWORK' || e.status >= 500);
}
