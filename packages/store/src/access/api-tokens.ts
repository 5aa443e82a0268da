import type { ColumnType, Generated, Kysely } from 'kysely';
import type { DB } from '../sql/tables';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

/** Migration 0600: one row per API token; the token itself is never stored, only its SHA-256. */
export interface ApiTokensTable {
  id: Generated<string>;
  user_id: string;
  name: string;
  token_hash: string;
  scopes: ColumnType<string[], string, string>;
  created_at: Timestamp;
  expires_at: Timestamp;
  revoked_at: NullableTimestamp;
  last_used_at: NullableTimestamp;
}

export interface ApiTokenRow {
  readonly id: string;
  readonly userId: string;
  readonly name: string;
  readonly scopes: readonly string[];
  readonly createdAt: Date;
  readonly expiresAt: Date;
  readonly revokedAt: Date | null;
  readonly lastUsedAt: Date | null;
}

type Tables = { api_tokens: ApiTokensTable };

function toRow(row: { id: string; user_id: string; name: string; scopes: string[]; created_at: Date; expires_at: Date; revoked_at: Date | null; last_used_at: Date | null }): ApiTokenRow {
  return {
    id: row.id,
    userId: row.user_id,
    name: row.name,
    scopes: row.scopes,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    lastUsedAt: row.last_used_at,
  };
}

const columns = ['id', 'user_id', 'name', 'scopes', 'created_at', 'expires_at', 'revoked_at', 'last_used_at'] as const;

/** API tokens (migration 0600). */
export class ApiTokenRepository {
  readonly #db: Kysely<Tables>;

  constructor(db: Kysely<DB>) {
    this.#db = db as unknown as Kysely<Tables>;
  }

  async create(input: { userId: string; name: string; tokenHash: string; scopes: readonly string[]; now: Date; expiresAt: Date }): Promise<ApiTokenRow> {
    const row = await this.#db
      .insertInto('api_tokens')
      .values({
        user_id: input.userId,
        name: input.name,
        token_hash: input.tokenHash,
        scopes: JSON.stringify(input.scopes),
        created_at: input.now,
        expires_at: input.expiresAt,
      })
      .returning(columns)
      .executeTakeFirstOrThrow();
    return toRow(row);
  }

  async findByHash(tokenHash: string): Promise<ApiTokenRow | undefined> {
    const row = await this.#db.selectFrom('api_tokens').select(columns).where('token_hash', '=', tokenHash).executeTakeFirst();
    return row ? toRow(row) : undefined;
  }

  /** Every token, or a user's, newest first. */
  async list(userId?: string): Promise<ApiTokenRow[]> {
    let query = this.#db.selectFrom('api_tokens').select(columns);
    if (userId) query = query.where('user_id', '=', userId);
    return (await query.orderBy('created_at', 'desc').orderBy('id').execute()).map(toRow);
  }

  async get(id: string): Promise<ApiTokenRow | undefined> {
    const row = await this.#db.selectFrom('api_tokens').select(columns).where('id', '=', id).executeTakeFirst();
    return row ? toRow(row) : undefined;
  }

  /** Revokes a live token; false when there is none with this id or it was already revoked. */
  async revoke(id: string, now: Date): Promise<boolean> {
    const result = await this.#db.updateTable('api_tokens').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async touch(id: string, now: Date): Promise<void> {
    await this.#db.updateTable('api_tokens').set({ last_used_at: now }).where('id', '=', id).execute();
  }
}
