import { accessMigrationSql } from '../../access/migration';
import { runStatements, type Migration } from '../migration';

/** Identity and access control: sessions, recovery codes, reviews, break-glass, transfers. */
export const access: Migration = {
  id: '0100_access',
  up: (db) => runStatements(db, accessMigrationSql),
};
