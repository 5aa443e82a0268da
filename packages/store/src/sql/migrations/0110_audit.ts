import { auditMigrationSql } from '../../audit/migration';
import { runStatements, type Migration } from '../migration';

/** The tamper-evident audit log and its chain head. */
export const audit: Migration = {
  id: '0110_audit',
  up: (db) => runStatements(db, auditMigrationSql),
};
