import { modelRuntimes } from '@delineate/schema';
import { runStatements, sqlList, type Migration } from '../migration';

/**
 * AI pre-annotation (issue 18): models registered per project with their manifest and pinned
 * weights, the provenance of every run that drew a revision, the project's pre-annotation
 * settings, what the workspace records while a draft is corrected, and the correction effort
 * measured when the task is submitted.
 */
export const modelRegistry: Migration = {
  id: '0830_model_registry',
  up: (db) =>
    runStatements(db, [
      `ALTER TABLE models ADD COLUMN project_id uuid REFERENCES projects(id)`,
      `ALTER TABLE models ADD COLUMN manifest jsonb`,
      `ALTER TABLE models ADD COLUMN weights_hash text CHECK (weights_hash IS NULL OR weights_hash ~ '^[0-9a-f]{64}$')`,
      `ALTER TABLE models ADD COLUMN created_by uuid REFERENCES users(id)`,
      `ALTER TABLE models DROP CONSTRAINT IF EXISTS models_runtime_check`,
      `ALTER TABLE models ADD CONSTRAINT models_runtime_check CHECK (runtime IN (${sqlList(modelRuntimes)}))`,
      `CREATE INDEX models_project ON models (project_id) WHERE project_id IS NOT NULL`,
      `CREATE TABLE preannotation_settings (
        project_id uuid PRIMARY KEY REFERENCES projects(id),
        on_task_creation_model_id uuid REFERENCES models(id),
        surface_tolerance_mm real NOT NULL CHECK (surface_tolerance_mm >= 0),
        updated_at timestamptz NOT NULL
      )`,
      `CREATE TABLE preannotation_runs (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        project_id uuid NOT NULL REFERENCES projects(id),
        item_id uuid NOT NULL REFERENCES items(id),
        task_id uuid REFERENCES tasks(id),
        annotation_id uuid NOT NULL REFERENCES annotations(id),
        version integer NOT NULL,
        model_id uuid NOT NULL REFERENCES models(id),
        provenance jsonb NOT NULL,
        created_at timestamptz NOT NULL,
        UNIQUE (annotation_id, version)
      )`,
      `CREATE INDEX preannotation_runs_model ON preannotation_runs (model_id)`,
      `CREATE TABLE editing_activity (
        task_id uuid PRIMARY KEY REFERENCES tasks(id),
        active_editing_ms bigint NOT NULL CHECK (active_editing_ms >= 0),
        strokes integer NOT NULL CHECK (strokes >= 0),
        clicks integer NOT NULL CHECK (clicks >= 0),
        undos integer NOT NULL CHECK (undos >= 0),
        updated_at timestamptz NOT NULL
      )`,
      `CREATE TABLE correction_efforts (
        task_id uuid PRIMARY KEY REFERENCES tasks(id),
        project_id uuid NOT NULL REFERENCES projects(id),
        model_id uuid NOT NULL REFERENCES models(id),
        annotation_id uuid NOT NULL REFERENCES annotations(id),
        ai_version integer NOT NULL,
        submitted_version integer NOT NULL,
        labels jsonb NOT NULL CHECK (jsonb_typeof(labels) = 'array'),
        editing jsonb,
        created_at timestamptz NOT NULL
      )`,
      `CREATE INDEX correction_efforts_project ON correction_efforts (project_id, model_id)`,
    ]),
};
