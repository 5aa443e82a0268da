import { createHash } from 'node:crypto';
import type { AuditOutcome, Role } from '@delineate/schema';
import { canonicalJson } from './canonical-json';

/**
 * One row of the audit log (ARCHITECTURE §4 AuditEvent) plus `count`, the number of accesses
 * one aggregated event stands for (tile reads), 1 otherwise.
 */
export interface AuditRecord {
  readonly sequence: number;
  /** UTC ISO 8601 with milliseconds. */
  readonly time: string;
  readonly actorId: string | null;
  readonly role: Role | 'platform_admin' | null;
  readonly sessionId: string | null;
  readonly address: string | null;
  readonly action: string;
  readonly objectType: string;
  readonly objectId: string | null;
  readonly projectId: string | null;
  readonly subjectPseudonym: string | null;
  readonly purpose: string | null;
  readonly outcome: AuditOutcome;
  readonly count: number;
  /** `null` on the first row. */
  readonly previousHash: string | null;
  readonly hash: string;
}

/** What a caller records; the writer adds sequence, time and the hashes. */
export type AuditEntry = Omit<AuditRecord, 'sequence' | 'time' | 'previousHash' | 'hash' | 'count'> & {
  readonly count?: number;
};

/** hash = SHA-256(previous hash hex || canonical JSON of the row without its own hash). */
export function auditRowHash(row: Omit<AuditRecord, 'hash'>): string {
  const { previousHash } = row;
  return createHash('sha256')
    .update(previousHash ?? '')
    .update(canonicalJson(row))
    .digest('hex');
}

export function sealAuditRow(
  entry: AuditEntry,
  sequence: number,
  time: string,
  previousHash: string | null,
): AuditRecord {
  const unsealed: Omit<AuditRecord, 'hash'> = {
    sequence,
    time,
    actorId: entry.actorId,
    role: entry.role,
    sessionId: entry.sessionId,
    address: entry.address,
    action: entry.action,
    objectType: entry.objectType,
    objectId: entry.objectId,
    projectId: entry.projectId,
    subjectPseudonym: entry.subjectPseudonym,
    purpose: entry.purpose,
    outcome: entry.outcome,
    count: entry.count ?? 1,
    previousHash,
  };
  return { ...unsealed, hash: auditRowHash(unsealed) };
}
