import { runStatements, type Migration } from '../migration';

/** The eye an uploaded plain photograph (PNG, JPEG) shows, named on the upload form (issue 20): it goes into the OP wrapping. */
export const uploadLaterality: Migration = {
  id: '0946_upload_laterality',
  async up(db) {
    await runStatements(db, [`alter table upload_files add column laterality text check (laterality in ('OD', 'OS'))`]);
  },
};
