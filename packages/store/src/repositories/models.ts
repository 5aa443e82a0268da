import { DelineateError, Model, parseOrThrow, type ModelRuntime, type Region } from '@delineate/schema';
import type { Kysely, Selectable } from 'kysely';
import type { DB, ModelsTable } from '../sql/tables';
import type { Clock } from './annotations';
import { translated } from './db-errors';

export type RegisterModelInput = Omit<Model, 'id' | 'createdAt'>;

/** Registered pre-annotation models; an AI revision names one of these by name and version. */
export class ModelRepository {
  readonly #db: Kysely<DB>;
  readonly #clock: Clock;

  constructor(db: Kysely<DB>, options: { clock?: Clock } = {}) {
    this.#db = db;
    this.#clock = options.clock ?? (() => new Date());
  }

  async register(input: RegisterModelInput): Promise<Model> {
    const model = parseOrThrow(Model.omit({ id: true, createdAt: true }), input);
    const row = await translated(() =>
      this.#db
        .insertInto('models')
        .values({
          name: model.name,
          version: model.version,
          label_keys: JSON.stringify(model.labelKeys),
          runtime: model.runtime,
          region: model.region,
          created_at: this.#clock(),
        })
        .returningAll()
        .executeTakeFirstOrThrow(),
    );
    return toModel(row);
  }

  async get(id: string): Promise<Model> {
    const row = await translated(() => this.#db.selectFrom('models').selectAll().where('id', '=', id).executeTakeFirst());
    if (!row) throw new DelineateError('DLN_NOT_FOUND', 'Model not found');
    return toModel(row);
  }

  async find(name: string, version: string): Promise<Model | undefined> {
    const row = await translated(() =>
      this.#db.selectFrom('models').selectAll().where('name', '=', name).where('version', '=', version).executeTakeFirst(),
    );
    return row ? toModel(row) : undefined;
  }

  async list(): Promise<Model[]> {
    const rows = await translated(() => this.#db.selectFrom('models').selectAll().orderBy('name').orderBy('version').execute());
    return rows.map(toModel);
  }
}

function toModel(row: Selectable<ModelsTable>): Model {
  return {
    id: row.id,
    name: row.name,
    version: row.version,
    labelKeys: row.label_keys,
    runtime: row.runtime as ModelRuntime,
    region: row.region as Region,
    createdAt: row.created_at.toISOString(),
  };
}
