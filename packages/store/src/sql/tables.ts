import type { ColumnType, Generated } from 'kysely';

/**
 * Row types of the SQL schema (migrations/). Columns are snake_case; repositories map rows
 * to the domain types of @delineate/schema. JSON columns are written as JSON text (the `pg`
 * driver would turn a JS array into a PostgreSQL array) and read back parsed.
 */
export type Json<T> = ColumnType<T, string, string>;
export type Timestamptz = ColumnType<Date, Date | string | undefined, Date | string>;
export type RequiredTimestamptz = ColumnType<Date, Date | string, Date | string>;
export type NullableTimestamptz = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

export interface RegionsTable {
  code: string;
}

export interface StorageLocationsTable {
  id: Generated<string>;
  name: string;
  kind: string;
  region: string;
  uri: string;
}

export interface LabelSchemasTable {
  id: Generated<string>;
  name: string;
  created_at: Timestamptz;
  /** The shipped template the schema started from (migration 0840), or null. */
  template_id: string | null;
  template_version: number | null;
}

/** Migration 0841: the recipe of each derived structure of an annotation. */
export interface DerivedStructuresTable {
  annotation_id: string;
  target: string;
  recipe: unknown;
  computed_version: number;
  edited_version: number | null;
  recipe_version: Generated<number>;
  stale_version: number | null;
  detached_version: number | null;
  created_at: Timestamptz;
  updated_at: Timestamptz;
}

export interface LabelSchemaVersionsTable {
  schema_id: string;
  version: number;
  labels: Json<unknown[]>;
  created_at: Timestamptz;
}

export interface ReviewProtocolsTable {
  id: Generated<string>;
  name: string;
  created_at: Timestamptz;
}

export interface ReviewProtocolVersionsTable {
  protocol_id: string;
  version: number;
  checklist: Json<unknown[]>;
  created_at: Timestamptz;
}

export interface ProjectsTable {
  id: Generated<string>;
  name: string;
  modality: string;
  oversight_model: string;
  region: string;
  purpose: string;
  legal_basis: string;
  label_schema_id: string;
  label_schema_version: number;
  review_protocol_id: string;
  review_protocol_version: number;
  agreement_fraction: number;
  agreement_readers: number;
  agreement_blinded: boolean;
  deid_profile: string;
  deid_options: Json<string[]>;
  created_at: Timestamptz;
  /** Modalities ingest accepts besides `modality` (migration 0600); null for none. */
  accepted_modalities: ColumnType<string[] | null, string | null | undefined, string | null>;
}

export interface SubjectsTable {
  id: Generated<string>;
  project_id: string;
  pseudonym: string;
  age_band: string;
  sex: string;
  site_pseudonym: string | null;
  created_at: Timestamptz;
}

export interface StudiesTable {
  id: Generated<string>;
  subject_id: string;
  study_instance_uid: string;
  created_at: Timestamptz;
}

export interface SeriesTable {
  id: Generated<string>;
  study_id: string;
  series_instance_uid: string;
  modality: string;
  manufacturer: string | null;
  model: string | null;
  field_strength: number | null;
  slice_thickness: number | null;
  instance_count: Generated<number>;
  created_at: Timestamptz;
  /** Voxel grid (0020_series_geometry); null until the series is ingested as a volume. */
  rows: number | null;
  columns: number | null;
  slices: number | null;
  spacing: number[] | null;
  origin: number[] | null;
  direction: number[] | null;
  /** The Modality the files name (0330_study_objects); `modality` holds the vocabulary's value. */
  dicom_modality: Generated<string | null>;
  /** One multi-frame instance as a volume: the frame index of each grid slice (0330_study_objects). */
  frame_order: Generated<number[] | null>;
}

export interface InstancesTable {
  id: Generated<string>;
  series_id: string;
  sop_instance_uid: string;
  instance_number: number | null;
  blob_hash: string;
  /** SOP Class UID (0330_study_objects): images and non-image objects of a study. */
  sop_class_uid: Generated<string | null>;
}

export interface SlidesTable {
  id: Generated<string>;
  subject_id: string;
  stain: string | null;
  scanner: string | null;
  width: number;
  height: number;
  mpp: number | null;
  pyramid_hash: string;
  created_at: Timestamptz;
  /** Blob of the slide's tile index (layout and per-tile SHA-256); null until indexed (0770). */
  tile_index_hash: ColumnType<string | null, string | null | undefined, string | null>;
  /** Migration 0760: the pyramid's levels (SlideLevel[]), tile size, vertical µm/px, objective. */
  levels: ColumnType<unknown, string | undefined, string>;
  tile_width: Generated<number>;
  tile_height: Generated<number>;
  mpp_y: number | null;
  magnification: number | null;
  source_format: string | null;
}

export interface VideosTable {
  id: Generated<string>;
  subject_id: string;
  frame_count: number;
  frames_per_second: number;
  blob_hash: string;
  created_at: Timestamptz;
}

export interface ItemsTable {
  id: Generated<string>;
  project_id: string;
  subject_id: string;
  kind: string;
  series_id: string | null;
  slide_id: string | null;
  video_id: string | null;
  region_x: number | null;
  region_y: number | null;
  region_width: number | null;
  region_height: number | null;
  first_frame: number | null;
  last_frame: number | null;
  created_at: Timestamptz;
}

export interface UsersTable {
  id: Generated<string>;
  username: string;
  display_name: string;
  disabled: Generated<boolean>;
  created_at: Timestamptz;
}

export interface CredentialsTable {
  id: Generated<string>;
  user_id: string;
  kind: string;
  secret: string;
  created_at: Timestamptz;
}

export interface QualificationsTable {
  id: Generated<string>;
  user_id: string;
  kind: string;
  modality: string | null;
  verified_by: string | null;
  valid_until: NullableTimestamptz;
  created_at: Timestamptz;
}

export interface MembershipsTable {
  id: Generated<string>;
  user_id: string;
  project_id: string;
  role: string;
  created_at: Timestamptz;
}

export interface TasksTable {
  id: Generated<string>;
  project_id: string;
  kind: string;
  item_id: string;
  assignee_id: string | null;
  status: string;
  magnification: number | null;
  blinded: Generated<boolean>;
  created_at: Timestamptz;
  updated_at: Timestamptz;
}

export interface AnnotationsTable {
  id: Generated<string>;
  project_id: string;
  item_id: string;
  task_id: string | null;
  label_schema_id: string;
  label_schema_version: number;
  head_version: Generated<number>;
  created_at: Timestamptz;
  /** The user who created it (migration 0320); null only for older rows nobody has saved to. */
  created_by: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface RevisionsTable {
  annotation_id: string;
  version: number;
  parent_version: number | null;
  author_user_id: string | null;
  author_model_name: string | null;
  author_model_version: string | null;
  source: string;
  mask_hash: string;
  mask_encoding: string;
  idempotency_key: string | null;
  created_at: Timestamptz;
  /** The tile index (migration 0400); null for a revision kept as one whole-volume blob. */
  tile_index: ColumnType<Uint8Array | null, Uint8Array | null | undefined, never>;
  tile_index_hash: ColumnType<string | null, string | null | undefined, never>;
  /** Migration 0410: the version whose full index this row's delta chain starts from; null when `tile_index` is full. */
  tile_index_base: ColumnType<number | null, number | null | undefined, never>;
}

export interface ReviewsTable {
  id: Generated<string>;
  annotation_id: string;
  version: number;
  reviewer_id: string;
  protocol_id: string;
  protocol_version: number;
  answers: Json<unknown[]>;
  decision: string;
  corrections: Json<unknown[]>;
  signed_at: RequiredTimestamptz;
  created_at: Timestamptz;
}

export interface DeidRecordsTable {
  id: Generated<string>;
  project_id: string;
  source_hash: string;
  output_hash: string | null;
  profile: string;
  options: Json<string[]>;
  actions: Json<unknown[]>;
  pixel_regions: Json<unknown[]>;
  findings: Json<unknown[]>;
  status: string;
  created_at: Timestamptz;
  /** Migration 0730: the ingest batch (one ingest call) the record came in; null before it. */
  ingest_batch_id: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface ModelsTable {
  id: Generated<string>;
  name: string;
  version: string;
  label_keys: Json<string[]>;
  runtime: string;
  region: string;
  created_at: Timestamptz;
  /** Migration 0830: the registering project, manifest, pinned weights and who registered it (null on older rows). */
  project_id: ColumnType<string | null, string | null | undefined, string | null>;
  manifest: ColumnType<unknown | null, string | null | undefined, string | null>;
  weights_hash: ColumnType<string | null, string | null | undefined, string | null>;
  created_by: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface JobsTable {
  id: Generated<string>;
  kind: string;
  region: string;
  payload: Json<Record<string, unknown>>;
  status: string;
  attempts: Generated<number>;
  max_attempts: number;
  run_at: RequiredTimestamptz;
  locked_by: string | null;
  locked_at: NullableTimestamptz;
  last_error: string | null;
  created_at: RequiredTimestamptz;
  finished_at: NullableTimestamptz;
  /** Migration 0760: where a running job is ({ stage, percent }), null until it reports. */
  progress: ColumnType<JobProgress | null, string | null | undefined, string | null>;
}

export interface JobProgress {
  readonly stage: string;
  readonly percent: number;
}

export interface ReleasesTable {
  id: Generated<string>;
  project_id: string;
  name: string;
  status: string;
  manifest: Json<unknown>;
  manifest_hash: string | null;
  documents: ColumnType<unknown[], string | undefined, string>;
  created_at: Timestamptz;
  frozen_at: NullableTimestamptz;
}

export interface SchemaMigrationsTable {
  id: string;
  applied_at: Timestamptz;
}

/** The whole database as Kysely sees it. Later migrations extend this interface's tables. */
export interface ProjectDeidSecretsTable {
  project_id: string;
  secret_blob_hash: string;
  created_at: Timestamptz;
}

export interface SubjectIdentitiesTable {
  project_id: string;
  pseudonym: string;
  identity_blob_hash: string;
  created_at: Timestamptz;
}

export interface DB {
  subject_identities: SubjectIdentitiesTable;
  project_deid_secrets: ProjectDeidSecretsTable;
  regions: RegionsTable;
  storage_locations: StorageLocationsTable;
  label_schemas: LabelSchemasTable;
  derived_structures: DerivedStructuresTable;
  label_schema_versions: LabelSchemaVersionsTable;
  review_protocols: ReviewProtocolsTable;
  review_protocol_versions: ReviewProtocolVersionsTable;
  projects: ProjectsTable;
  subjects: SubjectsTable;
  studies: StudiesTable;
  series: SeriesTable;
  instances: InstancesTable;
  slides: SlidesTable;
  videos: VideosTable;
  items: ItemsTable;
  users: UsersTable;
  credentials: CredentialsTable;
  qualifications: QualificationsTable;
  memberships: MembershipsTable;
  tasks: TasksTable;
  annotations: AnnotationsTable;
  revisions: RevisionsTable;
  reviews: ReviewsTable;
  deid_records: DeidRecordsTable;
  models: ModelsTable;
  jobs: JobsTable;
  releases: ReleasesTable;
  schema_migrations: SchemaMigrationsTable;
}
