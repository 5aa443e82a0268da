import type { Generated, Kysely } from 'kysely';
import type { DB, Json, NullableTimestamptz, RequiredTimestamptz } from '../sql/tables';

/** Row types of migration 0820_pathology. */
export type PathologyRegionsTable = {
  id: Generated<string>;
  project_id: string;
  slide_item_id: string;
  item_id: string;
  polygon: Json<Array<[number, number]>>;
  template: Json<unknown>;
  slide_mpp: number;
  target_downsample: number;
  zoom_min: number;
  zoom_max: number;
  field_size_px: number;
  created_by: string | null;
  created_at: RequiredTimestamptz;
};

type BoxColumns = { field_index: number; x: number; y: number; width: number; height: number; state: string; changed_by: string | null; changed_at: NullableTimestamptz };

export type PathologyTaskFieldsTable = BoxColumns & { task_id: string };

export type PathologyCellVersionsTable = {
  task_id: string;
  version: number;
  blob_hash: string;
  cell_count: number;
  edited_by: string | null;
  created_at: RequiredTimestamptz;
};

export type PathologyBoundaryReviewsTable = {
  id: Generated<string>;
  task_id: string;
  annotation_id: string;
  version: number;
  label_a: string;
  label_b: string;
  band_um: number;
  field_size_px: number;
  created_by: string | null;
  created_at: RequiredTimestamptz;
  signed_by: string | null;
  signed_at: NullableTimestamptz;
};

export type PathologyBoundaryFieldsTable = BoxColumns & { review_id: string; band_pixels: number };

export type PathologyTables = {
  pathology_regions: PathologyRegionsTable;
  pathology_task_fields: PathologyTaskFieldsTable;
  pathology_cell_versions: PathologyCellVersionsTable;
  pathology_boundary_reviews: PathologyBoundaryReviewsTable;
  pathology_boundary_fields: PathologyBoundaryFieldsTable;
};

export type PathologyDb = Kysely<DB & PathologyTables>;

/** The platform database seen with the pathology tables (they live outside the shared row types). */
export function pathologyDb(db: Kysely<DB>): PathologyDb {
  return db.withTables<PathologyTables>() as unknown as PathologyDb;
}
