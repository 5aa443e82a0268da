import type { Generated, Kysely } from 'kysely';
import type { DB, Json, Timestamptz } from '../sql/tables';

/** Row types of migration 0880_cardiac_cine. */
export type CineSeriesTable = {
  series_id: string;
  slices: number;
  phases: number;
  trigger_times: Json<(number | null)[]>;
};

export type CardiacPhaseDesignationsTable = {
  id: Generated<string>;
  annotation_id: string;
  ed_phase: number;
  es_phase: number;
  source: string;
  set_by: string | null;
  set_at: Timestamptz;
};

export type CardiacLabelConventionsTable = {
  schema_id: string;
  version: number;
  label_map: string;
  papillary_muscles: string;
  basal_slice_rule: string;
  created_at: Timestamptz;
};

export type CardiacTables = {
  cine_series: CineSeriesTable;
  cardiac_phase_designations: CardiacPhaseDesignationsTable;
  cardiac_label_conventions: CardiacLabelConventionsTable;
};

export type CardiacDb = Kysely<DB & CardiacTables>;

/** The platform database seen with the cardiac tables (they live outside the shared row types). */
export function cardiacDb(db: Kysely<DB>): CardiacDb {
  return db.withTables<CardiacTables>() as unknown as CardiacDb;
}
