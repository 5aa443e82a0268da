import { platformOrganisationId } from '@delineate/schema';

/**
 * SQL of migration 0850_organisations (issue 24): organisations, the organisation of every user
 * and the owner of every project (both default to the platform's own organisation, so accounts
 * and projects made before, or by code that names none, keep working), the organisations a
 * project admits and in which roles, and the agreements (BAA, DPA, DUA) per organisation and project.
 */
export const organisationsMigrationSql: readonly string[] = [
  `CREATE TABLE organisations (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 200),
    kind text NOT NULL CHECK (kind IN ('platform_operator', 'hospital', 'research_group', 'annotation_service', 'partner')),
    created_at timestamptz NOT NULL
  )`,
  `INSERT INTO organisations (id, name, kind, created_at) VALUES ('${platformOrganisationId}', 'Delineate platform', 'platform_operator', now())`,
  `ALTER TABLE users ADD COLUMN organisation_id uuid NOT NULL DEFAULT '${platformOrganisationId}' REFERENCES organisations(id)`,
  `ALTER TABLE projects ADD COLUMN owner_organisation_id uuid NOT NULL DEFAULT '${platformOrganisationId}' REFERENCES organisations(id)`,
  // Null: the defaults by region (defaultRequiredAgreements); a list: exactly those kinds.
  `ALTER TABLE projects ADD COLUMN required_agreements jsonb`,
  `CREATE INDEX users_organisation ON users (organisation_id)`,
  `CREATE TABLE project_organisations (
    project_id uuid NOT NULL REFERENCES projects(id),
    organisation_id uuid NOT NULL REFERENCES organisations(id),
    roles jsonb NOT NULL,
    admitted_by uuid REFERENCES users(id),
    admitted_at timestamptz NOT NULL,
    PRIMARY KEY (project_id, organisation_id)
  )`,
  `CREATE TABLE data_agreements (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    project_id uuid NOT NULL REFERENCES projects(id),
    organisation_id uuid NOT NULL REFERENCES organisations(id),
    kind text NOT NULL CHECK (kind IN ('baa', 'dpa', 'dua')),
    parties jsonb NOT NULL,
    signed_at timestamptz NOT NULL,
    expires_at timestamptz,
    identifiable_uses jsonb NOT NULL,
    regions jsonb NOT NULL,
    renews_id uuid REFERENCES data_agreements(id),
    document_hash text,
    document_size integer,
    document_uploaded_at timestamptz,
    recorded_by uuid REFERENCES users(id),
    recorded_at timestamptz NOT NULL,
    CHECK (expires_at IS NULL OR expires_at > signed_at)
  )`,
  `CREATE INDEX data_agreements_organisation ON data_agreements (organisation_id, project_id)`,
  `CREATE INDEX data_agreements_expiry ON data_agreements (expires_at)`,
];
