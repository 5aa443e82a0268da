import { runStatements, type Migration } from '../migration';

/**
 * A held video's decoded frame times (issue 21): the steward's page steps the quarantined proxy by
 * the decoded frame table, never by a frame count the container or DICOM header claims. Null for
 * records kept before this migration (their page falls back to the clip's frame rate).
 */
export const heldVideoFrames: Migration = {
  id: '0950_held_video_frames',
  async up(db) {
    await runStatements(db, [`alter table video_records add column frame_times jsonb`, `alter table video_records add column frames_per_second double precision`]);
  },
};
