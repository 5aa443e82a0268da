import { DelineateError, ChecklistList, ReviewProtocolInput, parseOrThrow, type ChecklistItem, type ReviewProtocol } from '@delineate/schema';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../sql/tables';
import { translated } from './db-errors';
import { withTransaction } from '../sql/transaction';

/**
 * Versioned review protocols. A version that any review or any revision of a project using it relied on is immutable (a
 * trigger refuses UPDATE/DELETE with DLN_SCHEMA_IMMUTABLE); changes make a new version.
 */
export class ReviewProtocolRepository {
  readonly #db: Kysely<DB>;

  constructor(db: Kysely<DB>) {
    this.#db = db;
  }

  /** Creates the schema with its version 1. */
  async create(input: ReviewProtocolInput): Promise<ReviewProtocol> {
    const { name, checklist } = parseOrThrow(ReviewProtocolInput, input, 'DLN_SCHEMA_INVALID');
    return translated(() =>
      withTransaction(this.#db, async (tx) => {
        const schema = await tx.insertInto('review_protocols').values({ name }).returning('id').executeTakeFirstOrThrow();
        await tx.insertInto('review_protocol_versions').values({ protocol_id: schema.id, version: 1, checklist: JSON.stringify(checklist) }).execute();
        return this.#get(tx, schema.id, 1);
      }),
    );
  }

  /** Appends a new version with `checklist`; earlier versions stay as they were. */
  async addVersion(id: string, checklist: readonly ChecklistItem[]): Promise<ReviewProtocol> {
    const parsed = parseOrThrow(ChecklistList, checklist, 'DLN_SCHEMA_INVALID');
    for (let attempt = 0; ; attempt++) {
      try {
        return await translated(() =>
          withTransaction(this.#db, async (tx) => {
            const next = await tx
              .selectFrom('review_protocol_versions')
              .select(sql<number>`coalesce(max(version), 0) + 1`.as('version'))
              .where('protocol_id', '=', id)
              .executeTakeFirstOrThrow();
            if (next.version === 1) throw new DelineateError('DLN_NOT_FOUND', 'Review protocol not found');
            await tx.insertInto('review_protocol_versions').values({ protocol_id: id, version: next.version, checklist: JSON.stringify(parsed) }).execute();
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
  async updateVersion(id: string, version: number, checklist: readonly ChecklistItem[]): Promise<ReviewProtocol> {
    const parsed = parseOrThrow(ChecklistList, checklist, 'DLN_SCHEMA_INVALID');
    return translated(async () => {
      const result = await this.#db
        .updateTable('review_protocol_versions')
        .set({ checklist: JSON.stringify(parsed) })
        .where('protocol_id', '=', id)
        .where('version', '=', version)
        .executeTakeFirst();
      if (result.numUpdatedRows === 0n) throw new DelineateError('DLN_NOT_FOUND', 'Review protocol version not found');
      return this.#get(this.#db, id, version);
    });
  }

  /** The given version, or the latest when `version` is omitted. */
  async get(id: string, version?: number): Promise<ReviewProtocol> {
    return translated(() => this.#get(this.#db, id, version));
  }

  async listVersions(id: string): Promise<ReviewProtocol[]> {
    const rows = await translated(() =>
      this.#db
        .selectFrom('review_protocol_versions as v')
        .innerJoin('review_protocols as s', 's.id', 'v.protocol_id')
        .select(['s.id', 's.name', 'v.version', 'v.checklist', 'v.created_at'])
        .where('s.id', '=', id)
        .orderBy('v.version')
        .execute(),
    );
    return rows.map(toReviewProtocol);
  }

  /** true once any revision was saved under this version. */
  async isInUse(id: string, version: number): Promise<boolean> {
    const row = await translated(() =>
      sql<{ used: boolean }>`select review_protocol_version_in_use(${id}::uuid, ${version}::integer) as used`.execute(this.#db),
    );
    return row.rows[0]?.used === true;
  }

  async #get(db: Kysely<DB>, id: string, version?: number): Promise<ReviewProtocol> {
    let query = db
      .selectFrom('review_protocol_versions as v')
      .innerJoin('review_protocols as s', 's.id', 'v.protocol_id')
      .select(['s.id', 's.name', 'v.version', 'v.checklist', 'v.created_at'])
      .where('s.id', '=', id);
    query = version === undefined ? query.orderBy('v.version', 'desc').limit(1) : query.where('v.version', '=', version);
    const row = await query.executeTakeFirst();
    if (!row) throw new DelineateError('DLN_NOT_FOUND', 'Review protocol not found');
    return toReviewProtocol(row);
  }
}

function toReviewProtocol(row: { id: string; name: string; version: number; checklist: unknown[]; created_at: Date }): ReviewProtocol {
  return { id: row.id, name: row.name, version: row.version, checklist: ChecklistList.parse(row.checklist), createdAt: row.created_at.toISOString() };
}

