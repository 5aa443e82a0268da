import { CellEditBatch, DelineateError, parseOrThrow, type Cell, type SlideRegion } from '@delineate/schema';
import type { Kysely } from 'kysely';
import type { BlobStore } from '../blob/types';
import type { Clock } from '../repositories/annotations';
import { translated } from '../repositories/db-errors';
import type { DB } from '../sql/tables';
import { withTransaction } from '../sql/transaction';
import { decodeCells, encodeCells, type CellColumns } from './cell-codec';
import { CellGridIndex } from './cell-index';
import { applyCellEdits, cellAt, cellsOf, columnsOf, emptyCells } from './cell-set';
import { pathologyDb } from './tables';

export interface CellSetView {
  readonly version: number;
  readonly columns: CellColumns;
  readonly index: CellGridIndex;
}

/** Decoded sets and their grids by blob hash (a version never changes): a viewer panning re-reads none. */
const CACHE_LIMIT = 16;

/**
 * A task's cells (issue 17 §2): every version is one columnar blob (`cell-codec.ts`), content
 * addressed and encrypted like masks, with a row per version (who, when, how many); the head
 * moves by compare-and-set on the version the client read (If-Match), so two batches never
 * silently overwrite each other.
 */
export class CellStore {
  readonly #db: Kysely<DB>;
  readonly #blobs: Pick<BlobStore, 'get' | 'put'>;
  readonly #clock: Clock;
  readonly #cache = new Map<string, { columns: CellColumns; index: CellGridIndex }>();

  constructor(db: Kysely<DB>, blobs: Pick<BlobStore, 'get' | 'put'>, clock: Clock) {
    this.#db = db;
    this.#blobs = blobs;
    this.#clock = clock;
  }

  async #head(db: Kysely<DB>, taskId: string) {
    return pathologyDb(db).selectFrom('pathology_cell_versions').selectAll().where('task_id', '=', taskId).orderBy('version', 'desc').limit(1).executeTakeFirst();
  }

  async #load(hash: string): Promise<{ columns: CellColumns; index: CellGridIndex }> {
    const hit = this.#cache.get(hash);
    if (hit) {
      this.#cache.delete(hash);
      this.#cache.set(hash, hit);
      return hit;
    }
    const columns = decodeCells(await this.#blobs.get(hash));
    const loaded = { columns, index: new CellGridIndex(columns) };
    this.#cache.set(hash, loaded);
    if (this.#cache.size > CACHE_LIMIT) this.#cache.delete(this.#cache.keys().next().value!);
    return loaded;
  }

  /** The head version (0 and no cells before the first edit) with its grid index. */
  async read(taskId: string, region: SlideRegion): Promise<CellSetView> {
    const head = await this.#head(this.#db, taskId);
    if (!head) {
      const columns = emptyCells(region.template.cellClasses.map((c) => c.key));
      return { version: 0, columns, index: new CellGridIndex(columns) };
    }
    return { version: head.version, ...(await this.#load(head.blob_hash)) };
  }

  /** The stored bytes of the head version (what a viewer decodes itself). */
  async readEncoded(taskId: string, region: SlideRegion): Promise<{ version: number; bytes: Uint8Array }> {
    const head = await this.#head(this.#db, taskId);
    if (!head) return { version: 0, bytes: encodeCells(emptyCells(region.template.cellClasses.map((c) => c.key))) };
    return { version: head.version, bytes: await this.#blobs.get(head.blob_hash) };
  }

  async viewport(taskId: string, region: SlideRegion, box: { x0: number; y0: number; x1: number; y1: number }): Promise<{ version: number; cells: Cell[] }> {
    const view = await this.read(taskId, region);
    return { version: view.version, cells: view.index.within(box.x0, box.y0, box.x1, box.y1).map((i) => cellAt(view.columns, i)) };
  }

  async pick(taskId: string, region: SlideRegion, x: number, y: number, tolerance: number): Promise<{ version: number; cell: Cell | null }> {
    const view = await this.read(taskId, region);
    const i = view.index.pick(x, y, tolerance);
    return { version: view.version, cell: i < 0 ? null : cellAt(view.columns, i) };
  }

  /**
   * Applies a batch of edits on top of `expectedVersion` (all or nothing) as the task's assignee
   * while the task is open; a stale version is refused with the current one.
   */
  async edit(taskId: string, region: SlideRegion, expectedVersion: number, input: CellEditBatch, userId: string): Promise<{ version: number; count: number; added: number[] }> {
    const batch = parseOrThrow(CellEditBatch, input);
    const task = await this.#db.selectFrom('tasks').select(['assignee_id', 'status']).where('id', '=', taskId).executeTakeFirst();
    if (!task) throw new DelineateError('DLN_NOT_FOUND', 'Task not found');
    if (task.assignee_id !== userId) throw new DelineateError('DLN_AUTH_FORBIDDEN', "Only the task's assignee edits its cells");
    if (task.status !== 'assigned' && task.status !== 'in_progress') throw new DelineateError('DLN_CONFLICT', `The task is ${task.status}`);
    const current = await this.read(taskId, region);
    if (current.version !== expectedVersion) {
      throw new DelineateError('DLN_REVISION_STALE', 'Someone changed the cells first; reload them', { currentVersion: current.version });
    }
    const classes = region.template.cellClasses.map((c) => c.key);
    const result = applyCellEdits(cellsOf(current.columns), current.columns.nextId, batch.edits, { authorId: userId, classes: region.template.cellClasses, polygon: region.polygon });
    const bytes = encodeCells(columnsOf(result.cells, classes, result.nextId));
    // The blob first, the row last: a lost race leaves at most an unreferenced blob.
    const { hash } = await this.#blobs.put(bytes);
    const version = expectedVersion + 1;
    await translated(() =>
      withTransaction(this.#db, async (tx) => {
        const head = await this.#head(tx, taskId);
        if ((head?.version ?? 0) !== expectedVersion) throw new DelineateError('DLN_REVISION_STALE', 'Someone changed the cells first; reload them', { currentVersion: head?.version ?? 0 });
        await pathologyDb(tx)
          .insertInto('pathology_cell_versions')
          .values({ task_id: taskId, version, blob_hash: hash, cell_count: result.cells.length, edited_by: userId, created_at: this.#clock() })
          .execute();
      }),
    ).catch((error: unknown) => {
      // Two batches racing on one version: the primary key refuses the second.
      if (error instanceof DelineateError && error.code === 'DLN_CONFLICT') throw new DelineateError('DLN_REVISION_STALE', 'Someone changed the cells first; reload them');
      throw error;
    });
    return { version, count: result.cells.length, added: result.added };
  }
}
