import type { Generated, Kysely } from 'kysely';
import type { DB, Json, RequiredTimestamptz } from '../sql/tables';

/** Row types of migration 0860_oct. */
export type OctVolumesTable = {
  series_id: string;
  bscans: number;
  ascans: number;
  rows: number;
  ascan_spacing_um: number;
  bscan_spacing_um: number;
  axial_um_per_pixel: number;
  laterality: 'OD' | 'OS';
  source: 'dicom' | 'heyex_vol' | 'heyex_xml';
  fovea_bscan: number | null;
  fovea_ascan: number | null;
  /** Migration 0945: bumped by every fovea change (If-Match). */
  fovea_version: Generated<number>;
  created_at: RequiredTimestamptz;
};

export type OctBoundaryRevisionsTable = {
  annotation_id: string;
  version: number;
  parent_version: number | null;
  author_user_id: string | null;
  source: 'human' | 'correction' | 'import';
  blob_hash: string;
  measures: Json<unknown>;
  idempotency_key: string | null;
  created_at: RequiredTimestamptz;
};

export type OctTables = { oct_volumes: OctVolumesTable; oct_boundary_revisions: OctBoundaryRevisionsTable };

export type OctDb = Kysely<DB & OctTables>;

/** The platform database seen with the OCT tables (they live outside the shared row types). */
export function octDb(db: Kysely<DB>): OctDb {
  return db.withTables<OctTables>() as unknown as OctDb;
}
