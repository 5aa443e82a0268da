import { runStatements, sqlList, type Migration } from '../migration';

const fieldStates = ['unseen', 'seen', 'done'] as const;
const boundaryStates = ['unseen', 'seen', 'accepted', 'edited'] as const;

/**
 * The pathology workflow (issue 17): regions drawn on a slide with their task template, each
 * task's fields and their state, the task's cells (a columnar blob per version, every version
 * kept) and boundary reviews with their fields.
 */
export const pathology: Migration = {
  id: '0820_pathology',
  up: (db) =>
    runStatements(db, [
      `create table pathology_regions (
        id uuid primary key default gen_random_uuid(),
        project_id uuid not null references projects(id),
        slide_item_id uuid not null references items(id),
        item_id uuid not null unique references items(id),
        polygon jsonb not null check (jsonb_typeof(polygon) = 'array'),
        template jsonb not null check (jsonb_typeof(template) = 'object'),
        slide_mpp double precision not null check (slide_mpp > 0),
        target_downsample double precision not null check (target_downsample > 0),
        zoom_min double precision not null,
        zoom_max double precision not null check (zoom_max > zoom_min),
        field_size_px integer not null check (field_size_px > 0),
        created_by uuid references users(id),
        created_at timestamptz not null
      )`,
      `create index pathology_regions_slide on pathology_regions (slide_item_id)`,
      `create table pathology_task_fields (
        task_id uuid not null references tasks(id),
        field_index integer not null check (field_index >= 0),
        x integer not null,
        y integer not null,
        width integer not null check (width > 0),
        height integer not null check (height > 0),
        state text not null check (state in (${sqlList(fieldStates)})),
        changed_by uuid references users(id),
        changed_at timestamptz,
        primary key (task_id, field_index)
      )`,
      `create table pathology_cell_versions (
        task_id uuid not null references tasks(id),
        version integer not null check (version >= 1),
        blob_hash text not null check (blob_hash ~ '^[0-9a-f]{64}$'),
        cell_count integer not null check (cell_count >= 0),
        edited_by uuid references users(id),
        created_at timestamptz not null,
        primary key (task_id, version)
      )`,
      `create table pathology_boundary_reviews (
        id uuid primary key default gen_random_uuid(),
        task_id uuid not null references tasks(id),
        annotation_id uuid not null references annotations(id),
        version integer not null,
        label_a text not null,
        label_b text not null,
        band_um double precision not null check (band_um > 0),
        field_size_px integer not null check (field_size_px > 0),
        created_by uuid references users(id),
        created_at timestamptz not null,
        signed_by uuid references users(id),
        signed_at timestamptz,
        foreign key (annotation_id, version) references revisions(annotation_id, version)
      )`,
      `create table pathology_boundary_fields (
        review_id uuid not null references pathology_boundary_reviews(id),
        field_index integer not null check (field_index >= 0),
        x integer not null,
        y integer not null,
        width integer not null check (width > 0),
        height integer not null check (height > 0),
        band_pixels integer not null check (band_pixels > 0),
        state text not null check (state in (${sqlList(boundaryStates)})),
        changed_by uuid references users(id),
        changed_at timestamptz,
        primary key (review_id, field_index)
      )`,
    ]),
};
