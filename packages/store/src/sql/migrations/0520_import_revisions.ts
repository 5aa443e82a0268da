import { runStatements, sqlList, type Migration } from '../migration';

/**
 * Revisions may come from an imported mask (a DICOM SEG or NIfTI label map brought in by a
 * person): the source vocabulary gains `import`. The list is written out, not read from the
 * schema package, so this migration means the same thing forever.
 */
export const importRevisions: Migration = {
  id: '0520_import_revisions',
  async up(db) {
    await runStatements(db, [
      'alter table revisions drop constraint if exists revisions_source_check',
      `alter table revisions add constraint revisions_source_check check (source in (${sqlList(['human', 'ai', 'correction', 'revert', 'import'])}))`,
    ]);
  },
};
