import { runStatements, type Migration } from '../migration';

/**
 * Indexes for the auditor's filtered, newest-first pages (`searchAuditEvents`, ordered by time
 * then sequence): one (column, time, sequence) index per filter, so a page walks one index
 * backwards from the cursor, bounded by the time range, and stops after a page of matches
 * instead of reading the table.
 */
export const auditSearch: Migration = {
  id: '0740_audit_search',
  up: (db) =>
    runStatements(db, [
      'CREATE INDEX audit_events_time_sequence ON audit_events (time, sequence)',
      'CREATE INDEX audit_events_project_time ON audit_events (project_id, time, sequence)',
      'CREATE INDEX audit_events_actor_time ON audit_events (actor_id, time, sequence)',
      'CREATE INDEX audit_events_action_time ON audit_events (action, time, sequence)',
      'CREATE INDEX audit_events_object_time ON audit_events (object_id, time, sequence)',
      'CREATE INDEX audit_events_outcome_time ON audit_events (outcome, time, sequence)',
    ]),
};
