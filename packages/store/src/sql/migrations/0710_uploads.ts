import { runStatements, type Migration } from '../migration';

/**
 * Browser upload (issue 14). A batch is what one person dropped on the Upload page; each of its
 * files is a resumable upload session whose bytes arrive as chunks at checked offsets. The chunks
 * are PHI until the gate has run: each is sealed with the blob key (the blob envelope, AES-256-GCM)
 * and the rows are deleted once the gate has decided. The file's name is sealed the same way.
 */
export const uploads: Migration = {
  id: '0710_uploads',
  up: (db) =>
    runStatements(db, [
      `CREATE TABLE upload_batches (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        project_id uuid NOT NULL REFERENCES projects(id),
        created_by uuid REFERENCES users(id),
        created_at timestamptz NOT NULL,
        closed_at timestamptz,
        job_id uuid REFERENCES jobs(id)
      )`,
      `CREATE INDEX upload_batches_project ON upload_batches (project_id, created_at)`,
      `CREATE TABLE upload_files (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        batch_id uuid NOT NULL REFERENCES upload_batches(id),
        project_id uuid NOT NULL REFERENCES projects(id),
        sealed_name bytea NOT NULL,
        size bigint NOT NULL CHECK (size > 0),
        declared_sha256 text CHECK (declared_sha256 ~ '^[0-9a-f]{64}$'),
        content_sha256 text CHECK (content_sha256 ~ '^[0-9a-f]{64}$'),
        received bigint NOT NULL DEFAULT 0 CHECK (received >= 0 AND received <= size),
        state text NOT NULL CHECK (state IN ('uploading', 'waiting', 'gating', 'passed', 'quarantined', 'rejected', 'duplicate')),
        code text,
        reason text,
        outcome jsonb,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      )`,
      `CREATE INDEX upload_files_batch ON upload_files (batch_id)`,
      `CREATE INDEX upload_files_content ON upload_files (project_id, content_sha256)`,
      `CREATE TABLE upload_chunks (
        file_id uuid NOT NULL REFERENCES upload_files(id) ON DELETE CASCADE,
        start_offset bigint NOT NULL CHECK (start_offset >= 0),
        length integer NOT NULL CHECK (length > 0),
        sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
        sealed bytea NOT NULL,
        PRIMARY KEY (file_id, start_offset)
      )`,
    ]),
};
