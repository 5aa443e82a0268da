import { DelineateError, LabelList, LabelSchemaInput, parseOrThrow, type Label, type LabelSchema } from '@delineate/schema';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../sql/tables';
import { translated } from './db-errors';
import { withTransaction } from '../sql/transaction';

/**
 * Versioned label schemas. A version that any revision was drawn under is immutable (a
 * trigger refuses UPDATE/DELETE with DLN_SCHEMA_IMMUTABLE); changes make a new version.
 */
export class LabelSchemaRepository {
  readonly #db: Kysely<DB>;

  constructor(db: Kysely<DB>) {
    this.#db = db;
  }

  /** Creates the schema with its version 1. */
  async create(input: LabelSchemaInput): Promise<LabelSchema> {
    const { name, labels, template } = parseOrThrow(LabelSchemaInput, input, 'DLN_SCHEMA_INVALID');
    return translated(() =>
      withTransaction(this.#db, async (tx) => {
        const schema = await tx
          .insertInto('label_schemas')
          .values({ name, template_id: template?.id ?? null, template_version: template?.version ?? null })
          .returning('id')
          .executeTakeFirstOrThrow();
        await tx.insertInto('label_schema_versions').values({ schema_id: schema.id, version: 1, labels: JSON.stringify(labels) }).execute();
        return this.#get(tx, schema.id, 1);
      }),
    );
  }

  /** Appends a new version with `labels`; earlier versions stay as they were. */
  async addVersion(id: string, labels: readonly Label[]): Promise<LabelSchema> {
    const parsed = parseOrThrow(LabelList, labels, 'DLN_SCHEMA_INVALID');
    for (let attempt = 0; ; attempt++) {
      try {
        return await translated(() =>
          withTransaction(this.#db, async (tx) => {
            const next = await tx
              .selectFrom('label_schema_versions')
              .select(sql<number>`coalesce(max(version), 0) + 1`.as('version'))
              .where('schema_id', '=', id)
              .executeTakeFirstOrThrow();
            if (next.version === 1) throw new DelineateError('DLN_NOT_FOUND', 'Label schema not found');
            await tx.insertInto('label_schema_versions').values({ schema_id: id, version: next.version, labels: JSON.stringify(parsed) }).execute();
            return this.#get(tx, id, next.version);
          }),
        );
      } catch (e) {
        if (attempt < 5 && e instanceof DelineateError && e.code === 'DLN_CONFLICT') continue;
        throw e;
      }
    }
  }

  /**
   * Edits a version in place, allowed only while no revision used it; otherwise
   * DLN_SCHEMA_IMMUTABLE (call {@link addVersion} instead).
   */
  async updateVersion(id: string, version: number, labels: readonly Label[]): Promise<LabelSchema> {
    const parsed = parseOrThrow(LabelList, labels, 'DLN_SCHEMA_INVALID');
    return translated(async () => {
      const result = await this.#db
        .updateTable('label_schema_versions')
        .set({ labels: JSON.stringify(parsed) })
        .where('schema_id', '=', id)
        .where('version', '=', version)
        .executeTakeFirst();
      if (result.numUpdatedRows === 0n) throw new DelineateError('DLN_NOT_FOUND', 'Label schema version not found');
      return this.#get(this.#db, id, version);
    });
  }

  /** The given version, or the latest when `version` is omitted. */
  async get(id: string, version?: number): Promise<LabelSchema> {
    return translated(() => this.#get(this.#db, id, version));
  }

  async listVersions(id: string): Promise<LabelSchema[]> {
    const rows = await translated(() =>
      this.#db
        .selectFrom('label_schema_versions as v')
        .innerJoin('label_schemas as s', 's.id', 'v.schema_id')
        .select(['s.id', 's.name', 'v.version', 'v.labels', 'v.created_at', 's.template_id', 's.template_version'])
        .where('s.id', '=', id)
        .orderBy('v.version')
        .execute(),
    );
    return rows.map(toLabelSchema);
  }

  /** true once any revision was saved under this version. */
  async isInUse(id: string, version: number): Promise<boolean> {
    const row = await translated(() =>
      sql<{ used: boolean }>`select label_schema_version_in_use(${id}::uuid, ${version}::integer) as used`.execute(this.#db),
    );
    return row.rows[0]?.used === true;
  }

  async #get(db: Kysely<DB>, id: string, version?: number): Promise<LabelSchema> {
    let query = db
      .selectFrom('label_schema_versions as v')
      .innerJoin('label_schemas as s', 's.id', 'v.schema_id')
      .select(['s.id', 's.name', 'v.version', 'v.labels', 'v.created_at', 's.template_id', 's.template_version'])
      .where('s.id', '=', id);
    query = version === undefined ? query.orderBy('v.version', 'desc').limit(1) : query.where('v.version', '=', version);
    const row = await query.executeTakeFirst();
    if (!row) throw new DelineateError('DLN_NOT_FOUND', 'Label schema not found');
    return toLabelSchema(row);
  }
}

interface LabelSchemaRow {
  id: string;
  name: string;
  version: number;
  labels: unknown[];
  created_at: Date;
  template_id: string | null;
  template_version: number | null;
}

function toLabelSchema(row: LabelSchemaRow): LabelSchema {
  const schema: LabelSchema = { id: row.id, name: row.name, version: row.version, labels: LabelList.parse(row.labels), createdAt: row.created_at.toISOString() };
  if (row.template_id !== null && row.template_version !== null) schema.template = { id: row.template_id, version: row.template_version };
  return schema;
}


/**
 * A saved mask holds only background (0) and the label values of the project's pinned
 * label-schema version: anything else is refused (422, naming the value, which is no PHI).
 */
export async function assertLabelValuesDefined(db: Kysely<DB>, projectId: string, values: Iterable<number>): Promise<void> {
  // One query on every save: the project's schema version's labels (validated when written).
  const row = await db
    .selectFrom('projects as p')
    .leftJoin('label_schema_versions as v', (join) => join.onRef('v.schema_id', '=', 'p.label_schema_id').onRef('v.version', '=', 'p.label_schema_version'))
    .select(['v.labels'])
    .where('p.id', '=', projectId)
    .executeTakeFirst();
  if (!row) throw new DelineateError('DLN_NOT_FOUND', 'Project not found');
  assertLabelsDefinedIn(row.labels, values);
}

/**
 * Refuses a label value the project's schema version's labels (`labels`, as stored; null when
 * the version is missing) do not define; 0 (background) is always allowed.
 */
export function assertLabelsDefinedIn(labels: unknown, values: Iterable<number>): void {
  if (!labels) throw new DelineateError('DLN_NOT_FOUND', 'Label schema version not found');
  const defined = new Set((labels as { value: number }[]).map((l) => l.value));
  for (const value of values) {
    if (value !== 0 && !defined.has(value)) {
      throw new DelineateError('DLN_REVISION_LABEL_UNDEFINED', `The mask holds label value ${value}, which the project's label schema does not define`, { labelValue: value });
    }
  }
}
