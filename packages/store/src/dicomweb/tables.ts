import type { ColumnType, Generated, Kysely } from 'kysely';
import type { DB, NullableTimestamptz, RequiredTimestamptz } from '../sql/tables';

type Json<T> = ColumnType<T, string, string>;

/** Row types of migrations 0720_dicomweb and 0810_dicomweb_resume. */
export type DicomwebTables = {
  dicomweb_connections: {
    project_id: string;
    base_url: string;
    username: string | null;
    sealed_password: string | null;
    timeout_ms: number;
    max_instance_bytes: ColumnType<string | number, number, number>;
    updated_at: RequiredTimestamptz;
    updated_by: string | null;
  };
  dicomweb_queries: {
    id: Generated<string>;
    project_id: string;
    user_id: string | null;
    level: string;
    fields: Json<string[]>;
    matches: number | null;
    error_code: string | null;
    created_at: RequiredTimestamptz;
  };
  dicomweb_retrievals: {
    id: Generated<string>;
    project_id: string;
    requested_by: string | null;
    status: string;
    targets: number;
    targets_done: Generated<number>;
    received: Generated<number>;
    passed: Generated<number>;
    quarantined: Generated<number>;
    rejected: Generated<number>;
    duplicates: Generated<number>;
    item_ids: ColumnType<string[], string | undefined, string>;
    error_code: string | null;
    error: string | null;
    created_at: RequiredTimestamptz;
    finished_at: NullableTimestamptz;
  };
  dicomweb_retrieval_instances: {
    retrieval_id: string;
    instance_hash: string;
  };
  dicomweb_sends: {
    id: Generated<string>;
    project_id: string;
    sent_by: string | null;
    source: string;
    release_id: string | null;
    export_id: string | null;
    annotation_id: string | null;
    revision_version: number | null;
    instances: number;
    status: string;
    http_status: number | null;
    stored: number;
    failed: number;
    error_code: string | null;
    created_at: RequiredTimestamptz;
  };
};

export type DicomwebDb = Kysely<DB & DicomwebTables>;

export function dicomwebDb(db: Kysely<DB>): DicomwebDb {
  return db.withTables<DicomwebTables>() as unknown as DicomwebDb;
}
