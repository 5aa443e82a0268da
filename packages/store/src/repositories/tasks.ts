import { DelineateError, type Task, type TaskKind, type TaskStatus } from '@delineate/schema';
import type { Kysely, Selectable } from 'kysely';
import type { Clock } from './annotations';
import type { DB, TasksTable } from '../sql/tables';
import { translated } from './db-errors';

export interface CreateTaskInput {
  projectId: string;
  kind: TaskKind;
  itemId: string;
  assigneeId?: string | null;
  magnification?: number | null;
  blinded?: boolean;
}

/** The moves a task may make; anything else is DLN_CONFLICT. */
const transitions: Readonly<Record<TaskStatus, readonly TaskStatus[]>> = {
  open: ['assigned', 'cancelled'],
  assigned: ['open', 'in_progress', 'cancelled'],
  in_progress: ['submitted', 'assigned', 'cancelled'],
  submitted: ['done', 'in_progress', 'cancelled'],
  done: [],
  cancelled: [],
};

export class TaskRepository {
  readonly #db: Kysely<DB>;
  readonly #clock: Clock;

  constructor(db: Kysely<DB>, options: { clock?: Clock } = {}) {
    this.#db = db;
    this.#clock = options.clock ?? (() => new Date());
  }

  async create(input: CreateTaskInput): Promise<Task> {
    const now = this.#clock();
    const row = await translated(() =>
      this.#db
        .insertInto('tasks')
        .values({
          project_id: input.projectId,
          kind: input.kind,
          item_id: input.itemId,
          assignee_id: input.assigneeId ?? null,
          status: input.assigneeId ? 'assigned' : 'open',
          magnification: input.magnification ?? null,
          blinded: input.blinded ?? false,
          created_at: now,
          updated_at: now,
        })
        .returningAll()
        .executeTakeFirstOrThrow(),
    );
    return toTask(row);
  }

  async get(id: string): Promise<Task> {
    const row = await translated(() => this.#db.selectFrom('tasks').selectAll().where('id', '=', id).executeTakeFirst());
    if (!row) throw new DelineateError('DLN_NOT_FOUND', 'Task not found');
    return toTask(row);
  }

  async listForAssignee(userId: string, statuses?: readonly TaskStatus[]): Promise<Task[]> {
    let query = this.#db.selectFrom('tasks').selectAll().where('assignee_id', '=', userId);
    if (statuses !== undefined) {
      if (statuses.length === 0) return [];
      query = query.where('status', 'in', [...statuses]);
    }
    const rows = await translated(() => query.orderBy('created_at').orderBy('id').execute());
    return rows.map(toTask);
  }

  async listForItem(itemId: string): Promise<Task[]> {
    const rows = await translated(() => this.#db.selectFrom('tasks').selectAll().where('item_id', '=', itemId).orderBy('created_at').orderBy('id').execute());
    return rows.map(toTask);
  }

  /** Assigns (or with null, releases) an open or assigned task. */
  async assign(id: string, userId: string | null): Promise<Task> {
    const to: TaskStatus = userId === null ? 'open' : 'assigned';
    const row = await translated(() =>
      this.#db
        .updateTable('tasks')
        .set({ assignee_id: userId, status: to, updated_at: this.#clock() })
        .where('id', '=', id)
        .where('status', 'in', ['open', 'assigned'])
        .returningAll()
        .executeTakeFirst(),
    );
    if (!row) throw await this.#conflict(id);
    return toTask(row);
  }

  /** Moves the task from `from` to `to` by compare-and-set: a concurrent move makes this one fail. */
  async transition(id: string, from: TaskStatus, to: TaskStatus): Promise<Task> {
    if (!transitions[from].includes(to)) throw new DelineateError('DLN_CONFLICT', `A task cannot move from ${from} to ${to}`);
    const row = await translated(() =>
      this.#db
        .updateTable('tasks')
        .set({ status: to, updated_at: this.#clock() })
        .where('id', '=', id)
        .where('status', '=', from)
        .returningAll()
        .executeTakeFirst(),
    );
    if (!row) throw await this.#conflict(id);
    return toTask(row);
  }

  async #conflict(id: string): Promise<DelineateError> {
    const current = await this.#db.selectFrom('tasks').select('status').where('id', '=', id).executeTakeFirst();
    if (!current) return new DelineateError('DLN_NOT_FOUND', 'Task not found');
    return new DelineateError('DLN_CONFLICT', `The task is ${current.status}`, { status: current.status });
  }
}

export function toTask(row: Selectable<TasksTable>): Task {
  return {
    id: row.id,
    projectId: row.project_id,
    kind: row.kind as TaskKind,
    itemId: row.item_id,
    assigneeId: row.assignee_id,
    status: row.status as TaskStatus,
    magnification: row.magnification,
    blinded: row.blinded,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
