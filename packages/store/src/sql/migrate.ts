import { sql, type Kysely } from 'kysely';
import { DelineateError } from '@delineate/schema';
import type { Migration } from './migration';
import { migrations as allMigrations } from './migrations';

/** Arbitrary constant key of the advisory lock that serialises migrators across processes. */
const MIGRATION_LOCK = 0x44_4c_4e_4d; // 'DLNM'

export interface MigrateResult {
  /** Ids applied by this call, in order (empty when the database was up to date). */
  applied: string[];
}

/**
 * Applies every pending migration in one transaction, holding an advisory lock so that
 * concurrent servers starting at once migrate exactly once. Idempotent.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function migrate(db: Kysely<any>, migrations: readonly Migration[] = allMigrations): Promise<MigrateResult> {
  assertOrdered(migrations);
  return db.transaction().execute(async (tx) => {
    await sql`select pg_advisory_xact_lock(${MIGRATION_LOCK})`.execute(tx);
    await sql`create table if not exists schema_migrations (
      id text primary key,
      applied_at timestamptz not null default now()
    )`.execute(tx);
    const done = new Set(
      (await sql<{ id: string }>`select id from schema_migrations`.execute(tx)).rows.map((r) => r.id),
    );
    const known = new Set(migrations.map((m) => m.id));
    const unknown = [...done].filter((id) => !known.has(id));
    if (unknown.length > 0) {
      throw new DelineateError('DLN_CONFIG_INVALID', 'The database was migrated by a newer version of Delineate', { unknown: unknown.join(',') });
    }
    const applied: string[] = [];
    for (const migration of migrations) {
      if (done.has(migration.id)) continue;
      await migration.up(tx);
      await sql`insert into schema_migrations (id) values (${migration.id})`.execute(tx);
      applied.push(migration.id);
    }
    return { applied };
  });
}

function assertOrdered(migrations: readonly Migration[]): void {
  let previous = '';
  for (const m of migrations) {
    if (!/^\d{4}_[a-z0-9_]+$/.test(m.id)) throw new DelineateError('DLN_INTERNAL', `Migration id ${m.id} is not NNNN_name`);
    if (m.id <= previous) throw new DelineateError('DLN_INTERNAL', `Migration ${m.id} is out of order`);
    previous = m.id;
  }
}
