import type { Selectable } from 'kysely';
import type { AuditOutcome } from '@delineate/schema';
import type { AuditRecord } from './chain';
import type { AuditEventsTable } from './tables';

/** A stored row as the sealed record it was hashed from (bigint and time read back as the writer wrote them). */
export function auditRecordOf(row: Selectable<AuditEventsTable>): AuditRecord {
  return {
    sequence: Number(row.sequence),
    time: new Date(row.time).toISOString(),
    actorId: row.actor_id,
    role: row.role as AuditRecord['role'],
    sessionId: row.session_id,
    address: row.address,
    action: row.action,
    objectType: row.object_type,
    objectId: row.object_id,
    projectId: row.project_id,
    subjectPseudonym: row.subject_pseudonym,
    purpose: row.purpose,
    outcome: row.outcome as AuditOutcome,
    count: Number(row.count),
    previousHash: row.previous_hash,
    hash: row.hash,
  };
}
