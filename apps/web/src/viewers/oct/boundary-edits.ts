/**
 * The boundary heights being edited in the OCT workspace, as the shell's save controller sees
 * labels: every edit is one undoable step (the rows it touched, as they were), a save posts the
 * whole set in the core's binary layout to the OCT boundaries route (If-Match and
 * Idempotency-Key from the controller), and a draft keeps the whole set.
 */
import { cellOf, decodeBoundarySet, encodeBoundarySet, tileGridOf, type BoundarySet, type Tile, type TileGrid } from '@delineate/core';
import type { Draft } from '../../drafts';
import type { SavedLabels } from '../../workspace/save-controller';

/** The media type of the OCT boundaries route (apps/server routes/oct BOUNDARY_SET_TYPE). */
export const BOUNDARY_SET_TYPE = 'application/vnd.delineate.oct-boundaries';

/** One undoable edit: the rows (boundary, B-scan) it changed, as they were before. */
export interface BoundaryEdit {
  what: string;
  rows: Array<{ boundary: number; bscan: number; states: Uint8Array; heights: Float32Array }>;
}

export class BoundaryEdits implements SavedLabels<BoundaryEdit> {
  set: BoundarySet;
  readonly grid: TileGrid;
  readonly wholeTarget = { path: (annotationId: string) => `/api/annotations/${annotationId}/oct/boundaries`, contentType: BOUNDARY_SET_TYPE };
  #revision = 0;
  #undo: BoundaryEdit[] = [];
  #listener: ((ordinals: Iterable<number>) => void) | null = null;
  /** Told after every change (edit, undo, load), for redrawing. */
  onChange: (() => void) | null = null;

  constructor(set: BoundarySet) {
    this.set = set;
    // The controller keeps a grid; boundary heights are never sent as tiles.
    this.grid = tileGridOf(set.ascans, 1, set.bscans);
  }

  get revision(): number {
    return this.#revision;
  }

  get undoStack(): readonly BoundaryEdit[] {
    return this.#undo;
  }

  get onTilesChanged() {
    return this.#listener;
  }

  set onTilesChanged(listener: ((ordinals: Iterable<number>) => void) | null) {
    this.#listener = listener;
  }

  /** Runs `change` on the set as one undoable edit of the given (boundary, B-scan) rows. */
  edit(what: string, rows: ReadonlyArray<{ boundary: number; bscan: number }>, change: (set: BoundarySet) => void): void {
    const before = rows.map(({ boundary, bscan }) => {
      const at = cellOf(this.set, boundary, bscan, 0);
      return { boundary, bscan, states: this.set.states.slice(at, at + this.set.ascans), heights: this.set.heights.slice(at, at + this.set.ascans) };
    });
    change(this.set);
    this.#undo.push({ what, rows: before });
    this.#changed();
  }

  /** Undoes the last edit; false when there is none. */
  undo(): boolean {
    const last = this.#undo.pop();
    if (!last) return false;
    for (const row of last.rows) {
      const at = cellOf(this.set, row.boundary, row.bscan, 0);
      this.set.states.set(row.states, at);
      this.set.heights.set(row.heights, at);
    }
    this.#changed();
    return true;
  }

  /** Replaces the whole set (a revision loaded): not an edit, nothing to undo. */
  load(set: BoundarySet): void {
    this.set = set;
    this.#undo = [];
    this.#revision++;
    this.onChange?.();
  }

  #changed(): void {
    this.#revision++;
    this.#listener?.([]);
    this.onChange?.();
  }

  readTile(): Tile {
    throw new Error('Boundary heights are saved whole, never as tiles');
  }

  wholeRle(): Uint8Array {
    return encodeBoundarySet(this.set);
  }

  draftOf(): Pick<Draft, 'boundaries'> {
    return { boundaries: encodeBoundarySet(this.set) };
  }

  applyDraft(draft: Draft): boolean {
    if (!draft.boundaries) return false;
    const decoded = decodeBoundarySet(draft.boundaries);
    if (!decoded.ok || decoded.set.bscans !== this.set.bscans || decoded.set.ascans !== this.set.ascans) return false;
    const all = [];
    for (let b = 0; b < this.set.states.length / (this.set.bscans * this.set.ascans); b++) for (let s = 0; s < this.set.bscans; s++) all.push({ boundary: b, bscan: s });
    this.edit('restore draft', all, (set) => {
      set.states.set(decoded.set.states);
      set.heights.set(decoded.set.heights);
    });
    return true;
  }
}
