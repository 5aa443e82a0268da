/** Migration 0110_audit: the append-only audit log and its chain head. */
export const auditMigrationSql: readonly string[] = [
  `CREATE TABLE audit_events (
    sequence bigint PRIMARY KEY,
    time timestamptz NOT NULL,
    actor_id uuid,
    role text,
    session_id text,
    address text,
    action text NOT NULL,
    object_type text NOT NULL,
    object_id text,
    project_id uuid,
    subject_pseudonym text,
    purpose text,
    outcome text NOT NULL,
    count integer NOT NULL DEFAULT 1,
    previous_hash text,
    hash text NOT NULL
  )`,
  `CREATE INDEX audit_events_time ON audit_events (time)`,
  `CREATE INDEX audit_events_actor ON audit_events (actor_id, project_id)`,
  // One row: the writer locks it (SELECT ... FOR UPDATE) so appends from several processes
  // serialise, and verification compares it with the last row (truncation).
  `CREATE TABLE audit_chain_head (
    id integer PRIMARY KEY CHECK (id = 1),
    sequence bigint NOT NULL,
    hash text
  )`,
  `INSERT INTO audit_chain_head (id, sequence, hash) VALUES (1, 0, NULL)`,
];
