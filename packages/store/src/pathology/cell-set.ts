import { DelineateError, type Cell, type CellClass, type CellEdit, type CellReviewStatus, type CellSource, type SlidePolygon } from '@delineate/schema';
import { NO_ENTRY, type CellColumns } from './cell-codec';
import { pointInPolygon } from './geometry';

/** Cells as rows (what edits work on) and as columns (what is stored): one conversion each way. */

const reviewCodes: readonly CellReviewStatus[] = ['unreviewed', 'accepted', 'rejected'];

function sourceKey(source: CellSource): string {
  return source.kind === 'person' ? 'person' : `${source.model}@${source.version}`;
}
function sourceOf(key: string): CellSource {
  if (key === 'person') return { kind: 'person' };
  const at = key.indexOf('@');
  return { kind: 'model', model: key.slice(0, at), version: key.slice(at + 1) };
}

export function emptyCells(classes: readonly string[]): CellColumns {
  return columnsOf([], classes, 1);
}

/** Cell i of the columns as the API shows it (outline vertices in full-resolution px). */
export function cellAt(c: CellColumns, i: number): Cell {
  const from = c.vertexStart[i]!, to = c.vertexStart[i + 1]!;
  const x = c.x[i]!, y = c.y[i]!;
  const author = c.author[i]!;
  return {
    id: c.id[i]!,
    classKey: c.classes[c.cls[i]!]!,
    x,
    y,
    ...(to > from ? { polygon: Array.from({ length: to - from }, (_, k): [number, number] => [x + c.offsets[2 * (from + k)]!, y + c.offsets[2 * (from + k) + 1]!]) } : {}),
    authorId: author === NO_ENTRY ? null : (c.authors[author] ?? null),
    source: sourceOf(c.sources[c.source[i]!]!),
    reviewStatus: reviewCodes[c.review[i]!]!,
  };
}

export function cellsOf(c: CellColumns): Cell[] {
  return Array.from({ length: c.count }, (_, i) => cellAt(c, i));
}

export function columnsOf(cells: readonly Cell[], classes: readonly string[], nextId: number): CellColumns {
  const n = cells.length;
  const v = cells.reduce((s, cell) => s + (cell.polygon?.length ?? 0), 0);
  const authors: string[] = [], sources: string[] = [];
  const authorIndex = new Map<string, number>(), sourceIndex = new Map<string, number>();
  const classIndex = new Map(classes.map((k, i) => [k, i]));
  const c = {
    id: new Uint32Array(n), x: new Int32Array(n), y: new Int32Array(n), vertexStart: new Uint32Array(n + 1), offsets: new Int16Array(2 * v),
    author: new Uint16Array(n), source: new Uint16Array(n), cls: new Uint8Array(n), review: new Uint8Array(n),
  };
  let k = 0;
  cells.forEach((cell, i) => {
    c.id[i] = cell.id;
    c.x[i] = cell.x;
    c.y[i] = cell.y;
    const cls = classIndex.get(cell.classKey);
    if (cls === undefined) throw new DelineateError('DLN_PATHOLOGY_CELL_INVALID', 'A cell has a class the task does not record');
    c.cls[i] = cls;
    c.review[i] = reviewCodes.indexOf(cell.reviewStatus);
    if (cell.authorId === null) c.author[i] = NO_ENTRY;
    else {
      if (!authorIndex.has(cell.authorId)) authorIndex.set(cell.authorId, authors.push(cell.authorId) - 1);
      c.author[i] = authorIndex.get(cell.authorId)!;
    }
    const sk = sourceKey(cell.source);
    if (!sourceIndex.has(sk)) sourceIndex.set(sk, sources.push(sk) - 1);
    c.source[i] = sourceIndex.get(sk)!;
    for (const [vx, vy] of cell.polygon ?? []) {
      c.offsets[2 * k] = vx - cell.x;
      c.offsets[2 * k + 1] = vy - cell.y;
      k++;
    }
    c.vertexStart[i + 1] = k;
  });
  if (authors.length >= NO_ENTRY || sources.length >= NO_ENTRY) throw new DelineateError('DLN_PATHOLOGY_CELL_INVALID', 'Too many distinct authors or sources in one task');
  return { count: n, nextId, classes, authors, sources, ...c };
}

export interface CellEditContext {
  readonly authorId: string;
  readonly classes: readonly CellClass[];
  /** The task's region: every centroid and vertex stays inside it. */
  readonly polygon: SlidePolygon;
}

const OFFSET_LIMIT = 32_767;

function checkedCell(cell: Cell, ctx: CellEditContext): Cell {
  const cls = ctx.classes.find((c) => c.key === cell.classKey);
  if (!cls) throw new DelineateError('DLN_PATHOLOGY_CELL_INVALID', 'The cell class is not one this task records');
  if (cls.shape === 'point' && cell.polygon) throw new DelineateError('DLN_PATHOLOGY_CELL_INVALID', `${cls.name} is marked as a point, without an outline`);
  if (cls.shape === 'polygon' && !cell.polygon) throw new DelineateError('DLN_PATHOLOGY_CELL_INVALID', `${cls.name} needs an outline of at least three vertices`);
  if (!pointInPolygon(ctx.polygon, cell.x + 0.5, cell.y + 0.5)) throw new DelineateError('DLN_PATHOLOGY_EDIT_OUTSIDE_REGION', "A cell lies outside the task's region");
  for (const [vx, vy] of cell.polygon ?? []) {
    if (Math.abs(vx - cell.x) > OFFSET_LIMIT || Math.abs(vy - cell.y) > OFFSET_LIMIT) throw new DelineateError('DLN_PATHOLOGY_CELL_INVALID', 'A cell outline reaches too far from its centre');
  }
  return cell;
}

/**
 * Applies a batch of edits in order, all or nothing: adds get the next ids; a move shifts the
 * centroid and its outline; a reclassify keeps the cell's author and source (who drew it) but
 * resets its review; unknown ids refuse the whole batch.
 */
export function applyCellEdits(cells: readonly Cell[], nextId: number, edits: readonly CellEdit[], ctx: CellEditContext): { cells: Cell[]; nextId: number; added: number[] } {
  const byId = new Map(cells.map((c) => [c.id, c]));
  const added: number[] = [];
  const known = (id: number) => {
    const cell = byId.get(id);
    if (!cell) throw new DelineateError('DLN_PATHOLOGY_CELL_UNKNOWN', `Cell ${id} is not in this task (it may have been deleted)`);
    return cell;
  };
  for (const edit of edits) {
    switch (edit.op) {
      case 'add': {
        const id = nextId++;
        const { cell } = edit;
        byId.set(id, checkedCell({ id, classKey: cell.classKey, x: cell.x, y: cell.y, ...(cell.polygon ? { polygon: cell.polygon } : {}), authorId: ctx.authorId, source: cell.source ?? { kind: 'person' }, reviewStatus: 'unreviewed' }, ctx));
        added.push(id);
        break;
      }
      case 'move': {
        const cell = known(edit.id);
        const moved = { ...cell, x: cell.x + edit.dx, y: cell.y + edit.dy, ...(cell.polygon ? { polygon: cell.polygon.map(([x, y]): [number, number] => [x + edit.dx, y + edit.dy]) } : {}) };
        byId.set(edit.id, checkedCell(moved, ctx));
        break;
      }
      case 'delete':
        known(edit.id);
        byId.delete(edit.id);
        break;
      case 'reclassify':
        byId.set(edit.id, checkedCell({ ...known(edit.id), classKey: edit.classKey, reviewStatus: 'unreviewed' }, ctx));
        break;
      case 'review':
        byId.set(edit.id, { ...known(edit.id), reviewStatus: edit.reviewStatus });
        break;
    }
  }
  return { cells: [...byId.values()].sort((a, b) => a.id - b.id), nextId, added };
}
