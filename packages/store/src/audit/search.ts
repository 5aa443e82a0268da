import { sql, type Kysely, type Selectable } from 'kysely';
import type { AuditOutcome } from '@delineate/schema';
import type { DB } from '../sql/tables';
import type { AuditRecord } from './chain';
import { auditRecordOf } from './records';
import type { AuditEventsTable, AuditTables } from './tables';

/**
 * What an auditor narrows the log to. Every field is optional; `projectIds` is the caller's
 * reach (the projects whose events they may read), not a filter they choose: `null` means
 * every event, including those of no project.
 */
export interface AuditSearchFilter {
  readonly actorId?: string;
  readonly action?: string;
  readonly objectType?: string;
  readonly objectId?: string;
  readonly projectId?: string;
  /** Events at or after this time… */
  readonly from?: Date;
  /** …and before this one. */
  readonly to?: Date;
  readonly outcome?: AuditOutcome;
  readonly projectIds: readonly string[] | null;
}

/** An event as an auditor reads it: the sealed record and the actor's names (staff, never a patient). */
export interface AuditSearchEvent extends AuditRecord {
  readonly actorUsername: string | null;
  readonly actorDisplayName: string | null;
}

export interface AuditSearchPage {
  /** Newest first. */
  readonly events: AuditSearchEvent[];
  /** Pass as `before` for the next (older) page; null on the last page. */
  readonly nextBefore: number | null;
}

/**
 * Keyset paging over the log, newest first: events before the event `before`, so a page costs
 * the same at event 50 and at event 5,000,000 (no OFFSET). Each filter column has a
 * (column, time, sequence) index (migration 0740), so the database walks one index backwards
 * from the cursor instead of the table.
 */
export async function searchAuditEvents(
  db: Kysely<DB>,
  filter: AuditSearchFilter,
  page: { readonly before?: number; readonly limit: number },
): Promise<AuditSearchPage> {
  const cursor = page.before === undefined ? undefined : await cursorAt(db, page.before);
  const rows = await auditSearchQuery(db, filter, { limit: page.limit, ...(cursor ? { before: cursor } : {}) }).execute();
  const events = rows.slice(0, page.limit).map(toSearchEvent);
  return { events, nextBefore: rows.length > page.limit ? events[events.length - 1]!.sequence : null };
}

/** Where a page ends: the time and sequence of its last event. */
export interface AuditCursor {
  readonly time: Date;
  readonly sequence: number;
}

/**
 * The cursor for `before = sequence`. A sequence past the end starts at the newest event; one
 * that is not stored (a gap the chain check would report) starts just below it.
 */
async function cursorAt(db: Kysely<DB>, sequence: number): Promise<AuditCursor> {
  const row = await (db as unknown as Kysely<AuditTables>)
    .selectFrom('audit_events')
    .select(['time', 'sequence'])
    .where('sequence', '<=', sql<string>`${sequence}`)
    .orderBy('sequence', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? { time: new Date(row.time), sequence: Number(row.sequence) === sequence ? sequence : Number(row.sequence) + 1 } : { time: new Date(0), sequence: 0 };
}

/**
 * The query of one page, ordered by (time, sequence) descending: a time range then bounds the
 * index walk (ordering by sequence alone made the database read every newer event first).
 * Exported for the plan test: it must walk an index, not the table.
 */
export function auditSearchQuery(db: Kysely<DB>, filter: AuditSearchFilter, page: { readonly before?: AuditCursor; readonly limit: number }) {
  const before = page.before;
  return filteredEvents(db as unknown as Kysely<AuditTables & Pick<DB, 'users'>>, filter)
    .$if(before !== undefined, (q) => q.where(sql<boolean>`(audit_events.time, audit_events.sequence) < (${before!.time}, ${before!.sequence})`))
    .orderBy('audit_events.time', 'desc')
    .orderBy('audit_events.sequence', 'desc')
    .limit(page.limit + 1);
}

/** One event within the caller's reach, or undefined. */
export async function auditEventBySequence(db: Kysely<DB>, sequence: number, reach: readonly string[] | null): Promise<AuditSearchEvent | undefined> {
  const row = await filteredEvents(db as unknown as Kysely<AuditTables & Pick<DB, 'users'>>, { projectIds: reach })
    .where('audit_events.sequence', '=', sql<string>`${sequence}`)
    .executeTakeFirst();
  return row ? toSearchEvent(row) : undefined;
}

/** The filtered range in sequence order (oldest first), for export. */
export async function auditEventsForExport(db: Kysely<DB>, filter: AuditSearchFilter, limit: number): Promise<AuditRecord[]> {
  const rows = await filteredEvents(db as unknown as Kysely<AuditTables & Pick<DB, 'users'>>, filter)
    .orderBy('audit_events.time', 'asc')
    .orderBy('audit_events.sequence', 'asc')
    .limit(limit)
    .execute();
  return rows.map(auditRecordOf);
}

function filteredEvents(db: Kysely<AuditTables & Pick<DB, 'users'>>, filter: AuditSearchFilter) {
  let query = db
    .selectFrom('audit_events')
    .leftJoin('users', 'users.id', 'audit_events.actor_id')
    .selectAll('audit_events')
    .select(['users.username as actor_username', 'users.display_name as actor_display_name']);
  if (filter.projectIds !== null) {
    // No reach is no rows, not every row.
    if (filter.projectIds.length === 0) return query.where(sql<boolean>`false`);
    query = query.where('audit_events.project_id', 'in', [...filter.projectIds]);
  }
  if (filter.projectId !== undefined) query = query.where('audit_events.project_id', '=', filter.projectId);
  if (filter.actorId !== undefined) query = query.where('audit_events.actor_id', '=', filter.actorId);
  if (filter.action !== undefined) query = query.where('audit_events.action', '=', filter.action);
  if (filter.objectType !== undefined) query = query.where('audit_events.object_type', '=', filter.objectType);
  if (filter.objectId !== undefined) query = query.where('audit_events.object_id', '=', filter.objectId);
  if (filter.outcome !== undefined) query = query.where('audit_events.outcome', '=', filter.outcome);
  if (filter.from !== undefined) query = query.where('audit_events.time', '>=', filter.from);
  if (filter.to !== undefined) query = query.where('audit_events.time', '<', filter.to);
  return query;
}

type SearchRow = Selectable<AuditEventsTable> & { actor_username: string | null; actor_display_name: string | null };

function toSearchEvent(row: SearchRow): AuditSearchEvent {
  return { ...auditRecordOf(row), actorUsername: row.actor_username, actorDisplayName: row.actor_display_name };
}
