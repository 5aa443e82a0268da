/**
 * A task's cells as the viewer holds them (issue 17 §2): those read from the server by viewport,
 * the person's edits kept as one pending batch until it is saved with If-Match on the version it
 * was made on, and a uniform grid over centroids for picking under the pointer. A cell not saved
 * yet has a negative id; editing it rewrites its pending `add` instead of queueing more edits.
 */
import type { Cell, CellEdit } from '@delineate/schema';

type Outline = [number, number][];

/** Side of the picking grid's buckets, in slide pixels: about a nucleus or two at 40×. */
const BUCKET = 64;

export interface CellSaveResult {
  version: number;
  added: readonly number[];
}

export class CellEdits {
  readonly cells = new Map<number, Cell>();
  #pending: CellEdit[] = [];
  /** Pending adds, by their temporary (negative) id. */
  readonly #adds = new Map<number, Extract<CellEdit, { op: 'add' }>>();
  readonly #buckets = new Map<string, Set<number>>();
  #nextTemporary = -1;
  /** Changes whenever the cells shown changed (the renderer rebuilds its buffers). */
  generation = 0;

  constructor(
    public version: number,
    readonly authorId: string | null,
  ) {}

  get pendingCount(): number {
    return this.#pending.length;
  }

  /** Cells read from the server (a viewport): kept unless the person changed them meanwhile. */
  merge(version: number, cells: readonly Cell[]): void {
    if (this.#pending.length === 0) this.version = Math.max(this.version, version);
    for (const c of cells) if (!this.cells.has(c.id)) this.#put(c);
    this.generation++;
  }

  add(classKey: string, x: number, y: number, polygon?: Outline): Cell {
    const cell: Cell = { id: this.#nextTemporary--, classKey, x: Math.round(x), y: Math.round(y), ...(polygon ? { polygon } : {}), authorId: this.authorId, source: { kind: 'person' }, reviewStatus: 'unreviewed' };
    const edit: Extract<CellEdit, { op: 'add' }> = { op: 'add', cell: { classKey, x: cell.x, y: cell.y, ...(polygon ? { polygon } : {}) } };
    this.#adds.set(cell.id, edit);
    this.#pending.push(edit);
    this.#put(cell);
    return cell;
  }

  move(id: number, dx: number, dy: number): void {
    const cell = this.cells.get(id);
    dx = Math.round(dx);
    dy = Math.round(dy);
    if (!cell || (dx === 0 && dy === 0)) return;
    const moved: Cell = { ...cell, x: cell.x + dx, y: cell.y + dy, ...(cell.polygon ? { polygon: cell.polygon.map(([x, y]) => [x + dx, y + dy] as [number, number]) } : {}) };
    const add = this.#adds.get(id);
    if (add) add.cell = { ...add.cell, x: moved.x, y: moved.y, ...(moved.polygon ? { polygon: moved.polygon } : {}) };
    else this.#pending.push({ op: 'move', id, dx, dy });
    this.#drop(id);
    this.#put(moved);
  }

  remove(id: number): void {
    if (!this.cells.has(id)) return;
    const add = this.#adds.get(id);
    if (add) {
      this.#pending = this.#pending.filter((e) => e !== add);
      this.#adds.delete(id);
    } else this.#pending.push({ op: 'delete', id });
    this.#drop(id);
    this.generation++;
  }

  reclassify(id: number, classKey: string): void {
    const cell = this.cells.get(id);
    if (!cell || cell.classKey === classKey) return;
    const add = this.#adds.get(id);
    if (add) add.cell = { ...add.cell, classKey };
    else this.#pending.push({ op: 'reclassify', id, classKey });
    this.#drop(id);
    this.#put({ ...cell, classKey });
  }

  /**
   * The cell under a slide pixel: a nucleus whose outline contains it, else the nearest point
   * within `tolerance` pixels; null when none.
   */
  pick(x: number, y: number, tolerance: number): Cell | null {
    let best: Cell | null = null;
    let bestDistance = Infinity;
    const reach = Math.ceil(tolerance / BUCKET) + 1;
    const bx = Math.floor(x / BUCKET), by = Math.floor(y / BUCKET);
    for (let j = by - reach; j <= by + reach; j++) {
      for (let i = bx - reach; i <= bx + reach; i++) {
        for (const id of this.#buckets.get(`${i},${j}`) ?? []) {
          const c = this.cells.get(id)!;
          if (c.polygon && contains(c.polygon, x, y)) return c;
          const d = Math.hypot(c.x - x, c.y - y);
          if (d <= tolerance && d < bestDistance) [best, bestDistance] = [c, d];
        }
      }
    }
    return best;
  }

  /** The pending batch, if any, for `send`; on success temporary ids become the server's. */
  async save(send: (version: number, edits: readonly CellEdit[]) => Promise<CellSaveResult>): Promise<boolean> {
    if (this.#pending.length === 0) return false;
    const batch = this.#pending;
    const temporary = [...this.#adds.keys()];
    const result = await send(this.version, batch);
    // Edits made while the batch was out stay pending for the next save.
    this.#pending = this.#pending.slice(batch.length);
    temporary.forEach((id, k) => {
      const cell = this.cells.get(id);
      const real = result.added[k];
      this.#adds.delete(id);
      if (!cell || real === undefined) return;
      this.#drop(id);
      this.#put({ ...cell, id: real });
    });
    this.version = result.version;
    this.generation++;
    return true;
  }

  #put(cell: Cell): void {
    this.cells.set(cell.id, cell);
    const key = `${Math.floor(cell.x / BUCKET)},${Math.floor(cell.y / BUCKET)}`;
    let bucket = this.#buckets.get(key);
    if (!bucket) this.#buckets.set(key, (bucket = new Set()));
    bucket.add(cell.id);
    this.generation++;
  }

  #drop(id: number): void {
    const cell = this.cells.get(id);
    if (!cell) return;
    this.#buckets.get(`${Math.floor(cell.x / BUCKET)},${Math.floor(cell.y / BUCKET)}`)?.delete(id);
    this.cells.delete(id);
  }
}

/** Even-odd point in polygon, at the pixel's centre. */
function contains(polygon: readonly (readonly [number, number])[], x: number, y: number): boolean {
  let inside = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [xi, yi] = polygon[i]!;
    const [xj, yj] = polygon[j]!;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}
