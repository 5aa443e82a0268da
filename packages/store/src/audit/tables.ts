import type { ColumnType } from 'kysely';

export interface AuditEventsTable {
  /** bigint: read back as a string by both drivers. */
  sequence: ColumnType<string, number, never>;
  time: ColumnType<Date, Date | string, never>;
  actor_id: string | null;
  role: string | null;
  session_id: string | null;
  address: string | null;
  action: string;
  object_type: string;
  object_id: string | null;
  project_id: string | null;
  subject_pseudonym: string | null;
  purpose: string | null;
  outcome: string;
  count: number;
  previous_hash: string | null;
  hash: string;
}

export interface AuditChainHeadTable {
  id: number;
  sequence: ColumnType<string, number, number>;
  hash: string | null;
}

export interface AuditTables {
  audit_events: AuditEventsTable;
  audit_chain_head: AuditChainHeadTable;
}
