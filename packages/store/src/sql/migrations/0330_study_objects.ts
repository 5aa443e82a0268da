import { runStatements, type Migration } from '../migration';

/**
 * What ingest needs to keep every object of a study and to open multi-frame images:
 * - `instances.sop_class_uid`: tells an image from a non-image object (SR, RT Structure Set,
 *   key object selection, presentation state), which is kept as an instance of its study's
 *   series but never becomes an item;
 * - `series.dicom_modality`: the Modality the files name (SR, RTSTRUCT…), where `modality`
 *   holds the project vocabulary's closest value;
 * - `series.frame_order`: for a volume held in one multi-frame instance (Enhanced MR/CT), the
 *   frame index of each grid slice (slice 0 first), from the per-frame positions.
 */
export const studyObjects: Migration = {
  id: '0330_study_objects',
  async up(db) {
    await runStatements(db, [
      `alter table instances add column sop_class_uid text`,
      `alter table series
         add column dicom_modality text,
         add column frame_order integer[] check (frame_order is null or array_length(frame_order, 1) = slices)`,
    ]);
  },
};
