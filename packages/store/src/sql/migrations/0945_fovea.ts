import { runStatements, type Migration } from '../migration';

/**
 * The fovea as a fact of the image (issue 20), set on its own with If-Match: a fundus photo's
 * point in pixels, and a version per photo and per OCT volume (whose fovea B-scan and A-scan
 * 0860 already holds) so two people setting it at once cannot overwrite each other unseen.
 */
export const fovea: Migration = {
  id: '0945_fovea',
  async up(db) {
    await runStatements(db, [
      `alter table fundus_photos add column fovea jsonb check (fovea is null or (jsonb_typeof(fovea) = 'array' and jsonb_array_length(fovea) = 2))`,
      `alter table fundus_photos add column fovea_version integer not null default 0 check (fovea_version >= 0)`,
      `alter table oct_volumes add column fovea_version integer not null default 0 check (fovea_version >= 0)`,
    ]);
  },
};
