import type { Kysely } from 'kysely';
import type { DB, NullableTimestamptz, RequiredTimestamptz } from '../sql/tables';

/** Row types of migration 0500_release_exports. */
export type ReleaseSettingsTable = {
  project_id: string;
  consensus_method: string;
  updated_at: RequiredTimestamptz;
  updated_by: string | null;
};

export type ReleaseExportsTable = {
  id: string;
  release_id: string;
  format: string;
  job_id: string;
  status: string;
  done: number;
  total: number;
  archive_hash: string | null;
  archive_bytes: string | number | null;
  error: string | null;
  created_by: string | null;
  created_at: RequiredTimestamptz;
  finished_at: NullableTimestamptz;
};

export type ReleaseTables = { release_settings: ReleaseSettingsTable; release_exports: ReleaseExportsTable };
export type ReleaseDb = Kysely<DB & ReleaseTables>;

export function releaseDb(db: Kysely<DB>): ReleaseDb {
  return db.withTables<ReleaseTables>() as unknown as ReleaseDb;
}
