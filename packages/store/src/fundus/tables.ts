import type { Generated, Kysely } from 'kysely';
import type { DB, Json } from '../sql/tables';

/** Row types of migration 0870_fundus. */
export type FundusPhotosTable = {
  item_id: string;
  laterality: string | null;
  pixel_spacing: Json<[number, number]> | null;
  width: number;
  height: number;
  /** Migration 0945: the fovea (x, y in pixels) and its version. */
  fovea: Json<[number, number]> | null;
  fovea_version: Generated<number>;
  created_at: Generated<Date>;
};

export type FundusRevisionsTable = {
  annotation_id: string;
  version: number;
  disc: Json<unknown> | null;
  cup: Json<unknown> | null;
  fovea: Json<unknown> | null;
  measures: Json<unknown>;
  created_at: Generated<Date>;
};

export type FundusTables = {
  fundus_photos: FundusPhotosTable;
  fundus_revisions: FundusRevisionsTable;
};

export type FundusDb = Kysely<DB & FundusTables>;

/** The platform database seen with the fundus tables (they live outside the shared row types). */
export function fundusDb(db: Kysely<DB>): FundusDb {
  return db.withTables<FundusTables>() as unknown as FundusDb;
}
