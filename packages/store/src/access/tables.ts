import type { ColumnType, Generated } from 'kysely';

/**
 * Tables of identity and access control as this module sees them: the foundation's users,
 * credentials, memberships and qualifications with the columns migration 0100_access adds,
 * and that migration's own tables. Timestamps are `timestamptz` (read as Date).
 */
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

export interface UsersTable {
  id: Generated<string>;
  username: string;
  display_name: string;
  disabled: Generated<boolean>;
  platform_admin: Generated<boolean>;
  created_at: Timestamp;
  disabled_at: NullableTimestamp;
}

/** One password (argon2id PHC) and at most one TOTP seed per user. */
export interface CredentialsTable {
  id: Generated<string>;
  user_id: string;
  kind: 'password' | 'totp';
  secret: string;
  /** TOTP: the last time step accepted (replay guard). */
  last_step: ColumnType<number | string | null, number | null | undefined, number | null>;
  /** TOTP: null until the user proved a first code. */
  confirmed_at: NullableTimestamp;
  /** TOTP: a new seed replacing the confirmed one, kept apart until a code from it is proved. */
  replacement_secret: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: Timestamp;
}

export interface RecoveryCodesTable {
  id: Generated<string>;
  user_id: string;
  code_hash: string;
  used_at: NullableTimestamp;
  created_at: Timestamp;
}

export interface SessionsTable {
  id: Generated<string>;
  user_id: string;
  token_hash: string;
  address: string | null;
  created_at: Timestamp;
  last_seen_at: Timestamp;
  /** Absolute expiry (created + absolute timeout). */
  expires_at: Timestamp;
  mfa_verified_at: NullableTimestamp;
  /** Last password re-entry, for changes that need recent re-authentication. */
  reauthenticated_at: Timestamp;
  revoked_at: NullableTimestamp;
  revoked_reason: string | null;
  /** Wrong second-factor codes entered in this session. */
  second_factor_failures: ColumnType<number, number | undefined, number>;
}

export interface MembershipsTable {
  id: Generated<string>;
  user_id: string;
  project_id: string;
  role: string;
  created_at: Timestamp;
  granted_by: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface QualificationsTable {
  id: Generated<string>;
  user_id: string;
  kind: string;
  modality: string | null;
  verified_by: string | null;
  valid_until: NullableTimestamp;
  created_at: Timestamp;
}

export interface AccessReviewsTable {
  id: Generated<string>;
  project_id: string;
  reviewer_id: string;
  completed_at: Timestamp;
}

export interface AttestationsTable {
  id: Generated<string>;
  review_id: string | null;
  project_id: string;
  membership_id: string;
  user_id: string;
  role: string;
  decision: 'attest' | 'revoke';
  decided_by: string;
  decided_at: Timestamp;
}

export interface BreakGlassGrantsTable {
  id: Generated<string>;
  user_id: string;
  project_id: string;
  role: string;
  reason: string;
  granted_at: Timestamp;
  expires_at: Timestamp;
  ended_at: NullableTimestamp;
}

export interface NotificationsTable {
  id: Generated<string>;
  recipient_id: string;
  kind: string;
  subject_id: string | null;
  project_id: string | null;
  created_at: Timestamp;
  read_at: NullableTimestamp;
}

export interface TransferBasesTable {
  id: Generated<string>;
  project_id: string;
  destination_region: string;
  basis: string;
  description: string;
  recorded_by: string;
  recorded_at: Timestamp;
  valid_until: NullableTimestamp;
}

export interface AccessTables {
  users: UsersTable;
  credentials: CredentialsTable;
  recovery_codes: RecoveryCodesTable;
  sessions: SessionsTable;
  memberships: MembershipsTable;
  qualifications: QualificationsTable;
  access_reviews: AccessReviewsTable;
  access_attestations: AttestationsTable;
  break_glass_grants: BreakGlassGrantsTable;
  notifications: NotificationsTable;
  transfer_bases: TransferBasesTable;
}
