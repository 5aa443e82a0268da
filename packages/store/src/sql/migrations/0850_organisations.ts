import { organisationsMigrationSql } from '../../access/organisations-migration';
import { runStatements, type Migration } from '../migration';

/** Organisations, project admissions and data agreements (issue 24). */
export const organisations: Migration = {
  id: '0850_organisations',
  up: (db) => runStatements(db, organisationsMigrationSql),
};
