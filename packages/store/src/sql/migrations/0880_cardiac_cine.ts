import { runStatements, sqlList, type Migration } from '../migration';

/**
 * Cardiac cine (issue 21). Items gain the kind `cine_volume`: a series whose planes are slices ×
 * phases, stacked phase by phase in `series.slices`; `cine_series` keeps the 4-D shape. ED and ES
 * designations are append-only rows per annotation (who set them, when, and whether the LV
 * volume curve or a reader chose them). A label schema's cardiac conventions (label map,
 * papillary muscles, basal slice rule) sit beside its version. Lists are written out so this
 * migration means the same thing forever; they keep the `photo` kind migration 0870 added.
 */
export const cardiacCine: Migration = {
  id: '0880_cardiac_cine',
  async up(db) {
    await runStatements(db, [
      'alter table items drop constraint if exists items_kind_check',
      `alter table items add constraint items_kind_check check (kind in (${sqlList(['series_volume', 'slide_region', 'frame_range', 'photo', 'cine_volume'])}))`,
      'alter table items drop constraint if exists items_check',
      `alter table items add constraint items_check check (
        ((kind = 'series_volume' or kind = 'cine_volume') and series_id is not null and slide_id is null and video_id is null)
        or (kind = 'slide_region' and slide_id is not null and series_id is null and video_id is null
            and region_x >= 0 and region_y >= 0 and region_width > 0 and region_height > 0)
        or (kind = 'frame_range' and video_id is not null and series_id is null and slide_id is null
            and first_frame >= 0 and last_frame >= first_frame)
        or (kind = 'photo' and series_id is not null and slide_id is null and video_id is null)
      )`,
      `create table cine_series (
        series_id uuid primary key references series(id),
        slices integer not null check (slices >= 1),
        phases integer not null check (phases >= 2),
        trigger_times jsonb not null check (jsonb_typeof(trigger_times) = 'array')
      )`,
      `create table cardiac_phase_designations (
        id bigint generated always as identity primary key,
        annotation_id uuid not null references annotations(id),
        ed_phase integer not null check (ed_phase >= 0),
        es_phase integer not null check (es_phase >= 0),
        source text not null check (source in (${sqlList(['lv_volume_curve', 'reader'])})),
        set_by uuid references users(id),
        set_at timestamptz not null default now(),
        check (ed_phase <> es_phase),
        check ((source = 'reader') = (set_by is not null))
      )`,
      'create index cardiac_phase_designations_annotation on cardiac_phase_designations (annotation_id, id)',
      `create table cardiac_label_conventions (
        schema_id uuid not null,
        version integer not null,
        label_map text not null check (label_map in (${sqlList(['acdc', 'mnms'])})),
        papillary_muscles text not null check (papillary_muscles in (${sqlList(['included_in_cavity', 'excluded_from_cavity'])})),
        basal_slice_rule text not null check (basal_slice_rule in (${sqlList(['half_circumference_myocardium', 'all_contoured_slices'])})),
        created_at timestamptz not null default now(),
        primary key (schema_id, version),
        foreign key (schema_id, version) references label_schema_versions(schema_id, version)
      )`,
    ]);
  },
};
