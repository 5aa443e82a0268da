import { runStatements, type Migration } from '../migration';

/**
 * The de-identified DICOM facts of a slide ingested from a DICOM whole-slide image (issue 17):
 * its pseudonymous UIDs, Total Pixel Matrix, tiles, position on the slide and pseudonymous
 * container and specimen identifiers (`SlideSegSource`), so a release can write a DICOM SEG that
 * references the source after the source itself is gone (only the converted pyramid is kept).
 */
export const slideDicomSources: Migration = {
  id: '0960_slide_dicom_sources',
  async up(db) {
    await runStatements(db, [
      `create table slide_dicom_sources (
        slide_id uuid primary key references slides(id),
        source jsonb not null
      )`,
    ]);
  },
};
