import type { ColumnType, Generated, Kysely } from 'kysely';
import type { DB, Json, RequiredTimestamptz } from '../sql/tables';

/** Row types of migration 0830 (AI pre-annotation), seen through {@link modelsDb}. */
export type PreannotationSettingsTable = {
  project_id: string;
  on_task_creation_model_id: string | null;
  surface_tolerance_mm: number;
  updated_at: RequiredTimestamptz;
};

export type PreannotationRunsTable = {
  id: Generated<string>;
  project_id: string;
  item_id: string;
  task_id: string | null;
  annotation_id: string;
  version: number;
  model_id: string;
  provenance: Json<unknown>;
  created_at: RequiredTimestamptz;
};

export type EditingActivityTable = {
  task_id: string;
  active_editing_ms: ColumnType<string | number, number, number>;
  strokes: number;
  clicks: number;
  undos: number;
  updated_at: RequiredTimestamptz;
};

export type CorrectionEffortsTable = {
  task_id: string;
  project_id: string;
  model_id: string;
  annotation_id: string;
  ai_version: number;
  submitted_version: number;
  labels: Json<unknown[]>;
  editing: ColumnType<unknown | null, string | null, string | null>;
  created_at: RequiredTimestamptz;
};

export type ModelTables = {
  preannotation_settings: PreannotationSettingsTable;
  preannotation_runs: PreannotationRunsTable;
  editing_activity: EditingActivityTable;
  correction_efforts: CorrectionEffortsTable;
};

export type ModelsDb = Kysely<DB & ModelTables>;

/** The platform database seen with the pre-annotation tables (they live outside the shared row types). */
export function modelsDb(db: Kysely<DB>): ModelsDb {
  return db.withTables<ModelTables>() as unknown as ModelsDb;
}
