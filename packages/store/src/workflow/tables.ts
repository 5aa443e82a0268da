import type { ColumnType, Generated, Kysely } from 'kysely';
import type { DB, Json, NullableTimestamptz, RequiredTimestamptz } from '../sql/tables';

/** Row types of the workflow tables (migration 0200_workflow). */
export type WorkflowSettingsTable = {
  project_id: string;
  expert_label_keys: Json<string[]>;
  expert_significant_regions: boolean;
  dice_threshold: number;
  kappa_threshold: number;
  sampling_seed: string | number;
  updated_at: RequiredTimestamptz;
  updated_by: string | null;
};

export type WorkflowSamplesTable = {
  item_id: string;
  project_id: string;
  sampled: boolean;
  readers: number;
  seed: string | number;
  batch: number;
  draw_position: number;
  agreement_job_id: string | null;
  created_at: RequiredTimestamptz;
};

export type WorkflowTasksTable = {
  task_id: string;
  project_id: string;
  item_id: string;
  stage: string;
  sampled: boolean;
  reviews_task_id: string | null;
  annotation_id: string | null;
  revision_version: number | null;
  first_submitted_version: number | null;
  started_at: RequiredTimestamptz;
  submitted_at: NullableTimestamptz;
  rework_count: Generated<number>;
  returned_items: Json<unknown[]>;
};

export type WorkflowSignificantRegionsTable = {
  id: string;
  annotation_id: string;
  version: number;
  label_key: string;
  /** Inclusive voxel box { min: [x, y, z], max: [x, y, z] }, or null for the whole label. */
  box: ColumnType<unknown, string | null, string | null> | null;
  marked_by: string;
  note: string | null;
  created_at: RequiredTimestamptz;
};

export type WorkflowReviewsTable = {
  review_id: string;
  task_id: string;
  project_id: string;
  stage: string;
  annotate_task_id: string;
  annotator_id: string | null;
  failed_items: Json<unknown[]>;
  label_answers: Json<unknown[]>;
  corrected_version: number | null;
  correction_sizes: Json<unknown[]>;
  created_at: RequiredTimestamptz;
};

export type WorkflowAgreementsTable = {
  id: string;
  project_id: string;
  item_id: string;
  label_key: string;
  label_value: number;
  inputs: Json<unknown[]>;
  pairs: Json<unknown[]>;
  fleiss_kappa: number | null;
  krippendorff_alpha: number | null;
  mean_dice: number | null;
  consensus_hash: string;
  soft_hash: string;
  mask_encoding: string;
  staple: Json<unknown>;
  job_id: string | null;
  created_at: RequiredTimestamptz;
};

/** Marks a task's assignee made and has not submitted yet (migration 0320). */
export type WorkflowRegionDraftsTable = {
  task_id: string;
  user_id: string;
  marks: Json<unknown[]>;
  updated_at: RequiredTimestamptz;
};

export type WorkflowTables = {
  workflow_region_drafts: WorkflowRegionDraftsTable;
  workflow_settings: WorkflowSettingsTable;
  workflow_samples: WorkflowSamplesTable;
  workflow_tasks: WorkflowTasksTable;
  workflow_significant_regions: WorkflowSignificantRegionsTable;
  workflow_reviews: WorkflowReviewsTable;
  workflow_agreements: WorkflowAgreementsTable;
};

export type WorkflowDb = Kysely<DB & WorkflowTables>;

/** The platform database seen with the workflow tables (they live outside the shared row types). */
export function workflowDb(db: Kysely<DB>): WorkflowDb {
  return db.withTables<WorkflowTables>() as unknown as WorkflowDb;
}
