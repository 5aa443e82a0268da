/**
 * SQL of migration 0100_access: what identity and access control add to the foundation's
 * users, credentials, memberships and qualifications (platform admin flag, TOTP replay guard,
 * who granted a role), and the tables of sessions, recovery codes, access reviews, break-glass
 * grants, notifications and transfer bases.
 */
export const accessMigrationSql: readonly string[] = [
  `ALTER TABLE users ADD COLUMN platform_admin boolean NOT NULL DEFAULT false`,
  `ALTER TABLE users ADD COLUMN disabled_at timestamptz`,
  `ALTER TABLE credentials ADD COLUMN last_step bigint`,
  `ALTER TABLE credentials ADD COLUMN confirmed_at timestamptz`,
  `ALTER TABLE credentials ADD CONSTRAINT credentials_one_per_kind UNIQUE (user_id, kind)`,
  `ALTER TABLE memberships ADD COLUMN granted_by uuid REFERENCES users(id)`,
  `CREATE INDEX memberships_project ON memberships (project_id)`,
  `CREATE INDEX qualifications_user ON qualifications (user_id)`,
  `CREATE TABLE recovery_codes (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL REFERENCES users(id),
    code_hash text NOT NULL,
    used_at timestamptz,
    created_at timestamptz NOT NULL
  )`,
  `CREATE INDEX recovery_codes_user ON recovery_codes (user_id)`,
  `CREATE TABLE sessions (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL REFERENCES users(id),
    token_hash text NOT NULL UNIQUE,
    address text,
    created_at timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    mfa_verified_at timestamptz,
    reauthenticated_at timestamptz NOT NULL,
    revoked_at timestamptz,
    revoked_reason text
  )`,
  `CREATE INDEX sessions_user ON sessions (user_id) WHERE revoked_at IS NULL`,
  `CREATE TABLE access_reviews (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    project_id uuid NOT NULL REFERENCES projects(id),
    reviewer_id uuid NOT NULL REFERENCES users(id),
    completed_at timestamptz NOT NULL
  )`,
  `CREATE INDEX access_reviews_project ON access_reviews (project_id, completed_at)`,
  `CREATE TABLE access_attestations (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    review_id uuid REFERENCES access_reviews(id),
    project_id uuid NOT NULL REFERENCES projects(id),
    membership_id uuid NOT NULL,
    user_id uuid NOT NULL,
    role text NOT NULL,
    decision text NOT NULL CHECK (decision IN ('attest', 'revoke')),
    decided_by uuid NOT NULL REFERENCES users(id),
    decided_at timestamptz NOT NULL
  )`,
  `CREATE TABLE break_glass_grants (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL REFERENCES users(id),
    project_id uuid NOT NULL REFERENCES projects(id),
    role text NOT NULL,
    reason text NOT NULL CHECK (length(reason) >= 10),
    granted_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    ended_at timestamptz,
    CHECK (expires_at > granted_at AND expires_at <= granted_at + interval '4 hours')
  )`,
  `CREATE TABLE notifications (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    recipient_id uuid NOT NULL REFERENCES users(id),
    kind text NOT NULL,
    subject_id uuid,
    project_id uuid,
    created_at timestamptz NOT NULL,
    read_at timestamptz
  )`,
  `CREATE TABLE transfer_bases (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    project_id uuid NOT NULL REFERENCES projects(id),
    destination_region text NOT NULL,
    basis text NOT NULL,
    description text NOT NULL,
    recorded_by uuid NOT NULL REFERENCES users(id),
    recorded_at timestamptz NOT NULL,
    valid_until timestamptz
  )`,
];
