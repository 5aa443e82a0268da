import { runStatements, type Migration } from '../migration';

/**
 * Slides converted at ingest (issue 16): what the viewer and the tile server need beside the
 * pyramid's address (its levels, tile size, vertical pixel size, the objective conversion
 * loses), a job's progress (a conversion takes minutes), and the gate for slides as for instances: a slide is recorded only when a passed
 * de-identification record exists for exactly its pyramid's bytes in its subject's project.
 */
export const slidePyramids: Migration = {
  id: '0760_slide_pyramids',
  up: (db) =>
    runStatements(db, [
      `ALTER TABLE slides ADD COLUMN levels jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(levels) = 'array')`,
      `ALTER TABLE slides ADD COLUMN tile_width integer NOT NULL DEFAULT 256 CHECK (tile_width > 0)`,
      `ALTER TABLE slides ADD COLUMN tile_height integer NOT NULL DEFAULT 256 CHECK (tile_height > 0)`,
      `ALTER TABLE slides ADD COLUMN mpp_y double precision CHECK (mpp_y IS NULL OR mpp_y > 0)`,
      `ALTER TABLE slides ADD COLUMN magnification double precision CHECK (magnification IS NULL OR magnification > 0)`,
      `ALTER TABLE slides ADD COLUMN source_format text`,
      // A long job (a slide conversion) reports where it is; each report also renews its lock.
      `ALTER TABLE jobs ADD COLUMN progress jsonb`,
      `CREATE FUNCTION slides_require_passed_deid() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF NOT EXISTS (
           SELECT 1 FROM deid_records d
            WHERE d.output_hash = NEW.pyramid_hash
              AND d.status = 'passed'
              AND d.project_id = (SELECT sub.project_id FROM subjects sub WHERE sub.id = NEW.subject_id)
         ) THEN
           RAISE EXCEPTION 'DLN_DEID_GATE_NOT_PASSED: The slide has not passed the de-identification gate'
             USING ERRCODE = 'check_violation';
         END IF;
         RETURN NEW;
       END $$`,
      `CREATE TRIGGER slides_deid_gate BEFORE INSERT OR UPDATE OF pyramid_hash, subject_id ON slides
         FOR EACH ROW EXECUTE FUNCTION slides_require_passed_deid()`,
    ]),
};
