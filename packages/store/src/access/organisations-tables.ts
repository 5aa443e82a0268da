import type { ColumnType, Generated } from 'kysely';

/** Tables of migration 0850_organisations, and the columns it adds to users and projects. */
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
/** jsonb lists: read parsed, written as JSON text. */
type JsonList = ColumnType<string[], string, string>;

export interface OrganisationsTable {
  id: Generated<string>;
  name: string;
  kind: string;
  created_at: Timestamp;
}

export interface ProjectOrganisationsTable {
  project_id: string;
  organisation_id: string;
  roles: JsonList;
  admitted_by: string | null;
  admitted_at: Timestamp;
}

export interface DataAgreementsTable {
  id: Generated<string>;
  project_id: string;
  organisation_id: string;
  kind: string;
  parties: JsonList;
  signed_at: Timestamp;
  expires_at: NullableTimestamp;
  identifiable_uses: JsonList;
  regions: JsonList;
  renews_id: string | null;
  document_hash: string | null;
  document_size: number | null;
  document_uploaded_at: NullableTimestamp;
  recorded_by: string | null;
  recorded_at: Timestamp;
}

export interface OrganisationTables {
  organisations: OrganisationsTable;
  project_organisations: ProjectOrganisationsTable;
  data_agreements: DataAgreementsTable;
  users: { id: string; username: string; display_name: string; organisation_id: Generated<string> };
  projects: { id: string; name: string; region: string; owner_organisation_id: Generated<string>; required_agreements: ColumnType<string[] | null, string | null, string | null> };
  memberships: { id: string; user_id: string; project_id: string; role: string };
}
