/**
 * One save controller for every viewer. It owns the dirty state of a label volume and its base
 * version, keeps drafts in IndexedDB shortly after each edit, and saves with `If-Match` (the
 * base) and an `Idempotency-Key` that a retry reuses, so a save whose answer was lost is replayed,
 * never made twice. It tracks which tiles the strokes touched and sends only those
 * (`PUT …/tiles`); someone else's newer save becomes the `conflict` state, in words, with the
 * edits kept as a draft. Viewers only edit the {@link Labelmap}; React subscribes to the state.
 */
import { encodeRle8, encodeTileSet, decodeRle8, type Tile, type TileGrid } from '@delineate/core';
import { ApiError, errorOf, TILE_SET_TYPE, type RevisionInfo } from '../api';
import type { Draft } from '../drafts';
import { Labelmap, type Stroke } from '../viewer/labelmap';
import { maskTileGrid, readTileAt, tilesOfVoxels } from '../viewer/mask-tiles';

/**
 * What a save controller saves: a whole label volume (radiology, {@link wholeVolumeLabels}) or
 * sparse tiles that are never whole (slides). `S` is its kind of undoable stroke.
 */
export interface SavedLabels<S> {
  readonly grid: TileGrid;
  /** Bumped on every change. */
  readonly revision: number;
  readonly undoStack: readonly S[];
  /** Set by the save controller: told the tiles (ordinals) of every finished stroke, undo and redo. */
  onTilesChanged: ((ordinals: Iterable<number>) => void) | null;
  /** A tile's labels as canonical `rle` runs (all background for an erased tile). */
  readTile(ordinal: number): Tile;
  /** The whole mask as `rle` (a save with no known change), or null when the labels are never whole. */
  wholeRle(): Uint8Array | null;
  /** What a draft keeps of the edits (`changed`: the tiles edited since the last save). */
  draftOf(changed: readonly number[]): Pick<Draft, 'rle' | 'tiles' | 'boundaries'>;
  /** Applies a draft's labels as one undoable edit; false when it does not fit. */
  applyDraft(draft: Draft): boolean;
  /** Where a whole save goes when it is not a mask revision (OCT boundary heights), and its media type. */
  readonly wholeTarget?: { path: (annotationId: string) => string; contentType: string };
}

/** A whole label volume as saved labels: the draft is the whole volume, a save without known change posts it. */
export function wholeVolumeLabels(map: Labelmap): SavedLabels<Stroke> {
  const grid = maskTileGrid(map.dims);
  let listener: ((ordinals: Iterable<number>) => void) | null = null;
  return {
    grid,
    get revision() {
      return map.revision;
    },
    get undoStack() {
      return map.undoStack;
    },
    get onTilesChanged() {
      return listener;
    },
    set onTilesChanged(l) {
      listener = l;
      map.onChange = l
        ? (indices) => {
            const touched = new Set<number>();
            tilesOfVoxels(grid, indices, touched);
            l(touched);
          }
        : null;
    },
    readTile: (ordinal) => readTileAt(map.data, grid, ordinal),
    wholeRle: () => encodeRle8(map.data),
    draftOf: () => ({ rle: encodeRle8(map.data) }),
    applyDraft(draft) {
      if (!draft.rle) return false;
      const decoded = decodeRle8(draft.rle, map.data.length);
      if (!decoded.ok) return false;
      map.begin('restore draft');
      for (let i = 0; i < decoded.voxels.length; i++) if (decoded.voxels[i] !== map.data[i]) map.set(i, decoded.voxels[i]!);
      map.end();
      return true;
    },
  };
}

/** Derived structures the server recomputed after a save: their revision (the new head) or null, and what it did with each. */
export interface DerivedAfterSave {
  revision: RevisionInfo | null;
  structures: { target: string; state: 'recomputed' | 'current' | 'edited' | 'stale' }[];
}

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

export interface SaveControllerOptions<S> {
  annotationId: string;
  /** The labels edited: a {@link Labelmap} is saved as a whole volume. */
  map: Labelmap | SavedLabels<S>;
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

export class SaveController<S = Stroke> {
  readonly annotationId: string;
  readonly #map: SavedLabels<S>;
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
  /** A slide task's saves say the magnification of the edits (the server checks the zoom band); null elsewhere. */
  magnification: number | null = null;
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
  #derived: DerivedAfterSave | null = null;

  constructor(options: SaveControllerOptions<S>) {
    this.annotationId = options.annotationId;
    this.#map = options.map instanceof Labelmap ? (wholeVolumeLabels(options.map) as unknown as SavedLabels<S>) : options.map;
    this.#grid = this.#map.grid;
    this.#drafts = options.drafts;
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.#newKey = options.newKey ?? defaultKey;
    this.#now = options.now ?? (() => new Date());
    this.#draftDelayMs = options.draftDelayMs ?? 800;
    this.#retries = options.retries ?? 2;
    this.#retryDelayMs = options.retryDelayMs ?? 500;
    this.source = options.source;
    this.#base = options.baseVersion;
    this.#savedRevision = this.#map.revision;
    this.#state = { kind: 'saved', version: options.baseVersion };
    this.#map.onTilesChanged = (ordinals) => this.#edited(ordinals);
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
  unsentStrokes(): S[] {
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

  #edited(ordinals: Iterable<number>): void {
    this.#generation++;
    for (const ordinal of ordinals) this.#changed.set(ordinal, this.#generation);
    if (this.#state.kind !== 'saving') this.#set({ kind: 'unsaved' });
    clearTimeout(this.#draftTimer);
    this.#draftTimer = setTimeout(() => void this.#writeDraft(true), this.#draftDelayMs);
  }

  async #writeDraft(announce: boolean): Promise<void> {
    if (!this.dirty) return;
    const at = this.#now().toISOString();
    try {
      await this.#drafts.put({ annotationId: this.annotationId, baseVersion: this.#base, ...this.#map.draftOf(this.changedTiles()), savedAt: at });
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
    // No known change (nothing edited, or a save asked for anyway) sends the whole mask, as before
    // tiles; labels that are never whole have nothing to send then.
    const mode: SaveReport['mode'] = ordinals.length ? 'tiles' : 'whole';
    const whole = mode === 'whole' ? map.wholeRle() : null;
    if (mode === 'whole' && !whole) return null;
    const body = whole ?? encodeTileSet(ordinals.map((o) => map.readTile(o)));
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
    const params = new URLSearchParams();
    if (this.source === 'correction') params.set('source', 'correction');
    if (this.magnification !== null) params.set('magnification', String(this.magnification));
    const query = params.size ? `?${params}` : '';
    const target = this.#map.wholeTarget;
    const wholePath = target ? target.path(this.annotationId) : `/api/annotations/${this.annotationId}/revisions`;
    const url = mode === 'tiles' ? `/api/annotations/${this.annotationId}/tiles${query}` : `${wholePath}${query}`;
    let res: Response;
    try {
      res = await this.#fetch(url, {
        method: mode === 'tiles' ? 'PUT' : 'POST',
        credentials: 'same-origin',
        headers: { 'content-type': mode === 'tiles' ? TILE_SET_TYPE : (target?.contentType ?? 'application/octet-stream'), 'If-Match': `"${attempt.base}"`, 'Idempotency-Key': attempt.key },
        body: body as unknown as BodyInit,
      });
    } catch {
      throw new ApiError('DLN_NETWORK', 'The server could not be reached', 0);
    }
    if (!res.ok) throw await errorOf(res);
    const answer = (await res.json()) as { revision: RevisionInfo; derived?: DerivedAfterSave };
    this.#derived = answer.derived ?? null;
    return answer.revision;
  }

  /**
   * What the server recomputed right after the last save (derived structures, issue 23), once:
   * when it holds a revision, that is the head now and the caller loads it.
   */
  takeDerived(): DerivedAfterSave | null {
    const derived = this.#derived;
    this.#derived = null;
    return derived;
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
    const base = this.#base;
    this.#base = draft.baseVersion;
    if (this.#map.applyDraft(draft)) return true;
    this.#base = base;
    return false;
  }

  discardDraft(): Promise<unknown> {
    return this.#drafts.remove(this.annotationId).catch(() => undefined);
  }

  dispose(): void {
    clearTimeout(this.#draftTimer);
    this.#map.onTilesChanged = null;
    this.#listeners.clear();
  }
}

/** What a retry can fix: the network, or the server failing (5xx); never a refusal. */
function retryable(e: unknown): boolean {
  return e instanceof ApiError && (e.code === 'DLN_NETWORK' || e.status >= 500);
}
