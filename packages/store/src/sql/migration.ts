import { sql, type Kysely } from 'kysely';

/**
 * One schema change. `id` is `NNNN_name` and orders the migrations; `up` runs inside the
 * migration transaction and must be written once and never edited after release: change
 * the schema with a new migration instead.
 */
export interface Migration {
  readonly id: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  up(db: Kysely<any>): Promise<void>;
}

/** Runs SQL statements one by one (PGlite's extended protocol takes one statement per query). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function runStatements(db: Kysely<any>, statements: readonly string[]): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

/** `'a', 'b'` for a CHECK (... IN (...)) over a closed vocabulary. */
export function sqlList(values: readonly string[]): string {
  return values.map((v) => `'${v.replace(/'/g, "''")}'`).join(', ');
}
