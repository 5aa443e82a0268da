import type { Kysely } from 'kysely';

/**
 * Runs `fn` in a transaction, or directly in the caller's when `db` already is one, so a
 * repository built on a transaction joins it (Kysely cannot nest `transaction()`).
 */
export function withTransaction<DB, T>(db: Kysely<DB>, fn: (tx: Kysely<DB>) => Promise<T>): Promise<T> {
  return db.isTransaction ? fn(db) : db.transaction().execute(fn);
}
