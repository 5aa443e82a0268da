import { runStatements, type Migration } from '../migration';

/**
 * DICOMweb (issue 14): a project's PACS connection (the password sealed by the server's
 * credential key), the searches run at it (which fields, never the values searched for), its
 * retrievals as jobs with progress (counts only: source UIDs are identifying and stay out of the
 * database), and every STOW-RS send with the PACS's answer.
 */
export const dicomweb: Migration = {
  id: '0720_dicomweb',
  up: (db) =>
    runStatements(db, [
      `CREATE TABLE dicomweb_connections (
        project_id uuid PRIMARY KEY REFERENCES projects(id),
        base_url text NOT NULL CHECK (base_url ~ '^https?://'),
        username text,
        sealed_password text,
        timeout_ms integer NOT NULL CHECK (timeout_ms BETWEEN 100 AND 600000),
        max_instance_bytes bigint NOT NULL CHECK (max_instance_bytes > 0),
        updated_at timestamptz NOT NULL,
        updated_by uuid REFERENCES users(id)
      )`,
      `CREATE TABLE dicomweb_queries (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        project_id uuid NOT NULL REFERENCES projects(id),
        user_id uuid REFERENCES users(id),
        level text NOT NULL CHECK (level IN ('studies', 'series')),
        fields jsonb NOT NULL CHECK (jsonb_typeof(fields) = 'array'),
        matches integer,
        error_code text,
        created_at timestamptz NOT NULL
      )`,
      `CREATE INDEX dicomweb_queries_project ON dicomweb_queries (project_id, created_at)`,
      `CREATE TABLE dicomweb_retrievals (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        project_id uuid NOT NULL REFERENCES projects(id),
        requested_by uuid REFERENCES users(id),
        status text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
        targets integer NOT NULL CHECK (targets > 0),
        targets_done integer NOT NULL DEFAULT 0,
        received integer NOT NULL DEFAULT 0,
        passed integer NOT NULL DEFAULT 0,
        quarantined integer NOT NULL DEFAULT 0,
        rejected integer NOT NULL DEFAULT 0,
        duplicates integer NOT NULL DEFAULT 0,
        item_ids jsonb NOT NULL DEFAULT '[]'::jsonb,
        error_code text,
        error text,
        created_at timestamptz NOT NULL,
        finished_at timestamptz
      )`,
      `CREATE INDEX dicomweb_retrievals_project ON dicomweb_retrievals (project_id, created_at)`,
      `CREATE TABLE dicomweb_sends (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        project_id uuid NOT NULL REFERENCES projects(id),
        sent_by uuid REFERENCES users(id),
        source text NOT NULL CHECK (source IN ('release', 'revision')),
        release_id uuid,
        export_id uuid,
        annotation_id uuid,
        revision_version integer,
        instances integer NOT NULL,
        status text NOT NULL CHECK (status IN ('stored', 'partial', 'failed')),
        http_status integer,
        stored integer NOT NULL DEFAULT 0,
        failed integer NOT NULL DEFAULT 0,
        error_code text,
        created_at timestamptz NOT NULL,
        CHECK ((source = 'release') = (release_id IS NOT NULL)),
        CHECK ((source = 'revision') = (annotation_id IS NOT NULL AND revision_version IS NOT NULL))
      )`,
      `CREATE INDEX dicomweb_sends_project ON dicomweb_sends (project_id, created_at)`,
    ]),
};
