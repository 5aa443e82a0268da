import {
  ageBands,
  credentialKinds,
  deidProfiles,
  deidStatuses,
  itemKinds,
  jobStatuses,
  legalBases,
  maskEncodings,
  modalities,
  modelRuntimes,
  oversightModels,
  qualificationKinds,
  regions,
  releaseStatuses,
  reviewDecisions,
  revisionSources,
  roles,
  sexes,
  storageLocationKinds,
  taskKinds,
  taskStatuses,
} from '@delineate/schema';
import { runStatements, sqlList, type Migration } from '../migration';

const sha256 = (column: string) => `${column} text check (${column} ~ '^[0-9a-f]{64}$')`;
const oneOf = (column: string, values: readonly string[]) => `${column} text not null check (${column} in (${sqlList(values)}))`;

/** The foundation tables of ARCHITECTURE §4, with the schema's vocabularies as CHECK constraints. */
export const foundation: Migration = {
  id: '0001_foundation',
  async up(db) {
    await runStatements(db, [
      `create table regions (code text primary key check (code in (${sqlList(regions)})))`,
      `insert into regions (code) values ${regions.map((r) => `('${r}')`).join(', ')}`,
      `create table storage_locations (
        id uuid primary key default gen_random_uuid(),
        name text not null unique,
        ${oneOf('kind', storageLocationKinds)},
        region text not null references regions(code),
        uri text not null
      )`,

      `create table label_schemas (
        id uuid primary key default gen_random_uuid(),
        name text not null,
        created_at timestamptz not null default now()
      )`,
      `create table label_schema_versions (
        schema_id uuid not null references label_schemas(id),
        version integer not null check (version >= 1),
        labels jsonb not null check (jsonb_typeof(labels) = 'array'),
        created_at timestamptz not null default now(),
        primary key (schema_id, version)
      )`,
      `create table review_protocols (
        id uuid primary key default gen_random_uuid(),
        name text not null,
        created_at timestamptz not null default now()
      )`,
      `create table review_protocol_versions (
        protocol_id uuid not null references review_protocols(id),
        version integer not null check (version >= 1),
        checklist jsonb not null check (jsonb_typeof(checklist) = 'array'),
        created_at timestamptz not null default now(),
        primary key (protocol_id, version)
      )`,

      `create table projects (
        id uuid primary key default gen_random_uuid(),
        name text not null unique,
        ${oneOf('modality', modalities)},
        ${oneOf('oversight_model', oversightModels)},
        region text not null references regions(code),
        purpose text not null,
        ${oneOf('legal_basis', legalBases)},
        label_schema_id uuid not null,
        label_schema_version integer not null,
        review_protocol_id uuid not null,
        review_protocol_version integer not null,
        agreement_fraction double precision not null check (agreement_fraction >= 0 and agreement_fraction <= 1),
        agreement_readers integer not null check (agreement_readers >= 1),
        agreement_blinded boolean not null,
        ${oneOf('deid_profile', deidProfiles)},
        deid_options jsonb not null check (jsonb_typeof(deid_options) = 'array'),
        created_at timestamptz not null default now(),
        foreign key (label_schema_id, label_schema_version) references label_schema_versions(schema_id, version),
        foreign key (review_protocol_id, review_protocol_version) references review_protocol_versions(protocol_id, version)
      )`,

      `create table subjects (
        id uuid primary key default gen_random_uuid(),
        project_id uuid not null references projects(id),
        pseudonym text not null,
        ${oneOf('age_band', ageBands)},
        ${oneOf('sex', sexes)},
        site_pseudonym text,
        created_at timestamptz not null default now(),
        unique (project_id, pseudonym)
      )`,
      `create table studies (
        id uuid primary key default gen_random_uuid(),
        subject_id uuid not null references subjects(id),
        study_instance_uid text not null unique,
        created_at timestamptz not null default now()
      )`,
      `create table series (
        id uuid primary key default gen_random_uuid(),
        study_id uuid not null references studies(id),
        series_instance_uid text not null unique,
        ${oneOf('modality', modalities)},
        manufacturer text,
        model text,
        field_strength double precision,
        slice_thickness double precision,
        instance_count integer not null default 0 check (instance_count >= 0),
        created_at timestamptz not null default now()
      )`,
      `create table instances (
        id uuid primary key default gen_random_uuid(),
        series_id uuid not null references series(id),
        sop_instance_uid text not null unique,
        instance_number integer,
        ${sha256('blob_hash')} not null
      )`,
      `create index instances_series on instances (series_id, instance_number)`,
      `create table slides (
        id uuid primary key default gen_random_uuid(),
        subject_id uuid not null references subjects(id),
        stain text,
        scanner text,
        width integer not null check (width > 0),
        height integer not null check (height > 0),
        mpp double precision,
        ${sha256('pyramid_hash')} not null,
        created_at timestamptz not null default now()
      )`,
      `create table videos (
        id uuid primary key default gen_random_uuid(),
        subject_id uuid not null references subjects(id),
        frame_count integer not null check (frame_count > 0),
        frames_per_second double precision not null check (frames_per_second > 0),
        ${sha256('blob_hash')} not null,
        created_at timestamptz not null default now()
      )`,
      `create table items (
        id uuid primary key default gen_random_uuid(),
        project_id uuid not null references projects(id),
        subject_id uuid not null references subjects(id),
        ${oneOf('kind', itemKinds)},
        series_id uuid references series(id),
        slide_id uuid references slides(id),
        video_id uuid references videos(id),
        region_x integer, region_y integer, region_width integer, region_height integer,
        first_frame integer, last_frame integer,
        created_at timestamptz not null default now(),
        check (
          (kind = 'series_volume' and series_id is not null and slide_id is null and video_id is null)
          or (kind = 'slide_region' and slide_id is not null and series_id is null and video_id is null
              and region_x >= 0 and region_y >= 0 and region_width > 0 and region_height > 0)
          or (kind = 'frame_range' and video_id is not null and series_id is null and slide_id is null
              and first_frame >= 0 and last_frame >= first_frame)
        )
      )`,
      `create index items_project on items (project_id, created_at)`,

      `create table users (
        id uuid primary key default gen_random_uuid(),
        username text not null unique,
        display_name text not null,
        disabled boolean not null default false,
        created_at timestamptz not null default now()
      )`,
      `create table credentials (
        id uuid primary key default gen_random_uuid(),
        user_id uuid not null references users(id),
        ${oneOf('kind', credentialKinds)},
        secret text not null,
        created_at timestamptz not null default now()
      )`,
      `create table qualifications (
        id uuid primary key default gen_random_uuid(),
        user_id uuid not null references users(id),
        ${oneOf('kind', qualificationKinds)},
        modality text check (modality in (${sqlList(modalities)})),
        verified_by uuid references users(id),
        valid_until timestamptz,
        created_at timestamptz not null default now()
      )`,
      `create table memberships (
        id uuid primary key default gen_random_uuid(),
        user_id uuid not null references users(id),
        project_id uuid not null references projects(id),
        ${oneOf('role', roles)},
        created_at timestamptz not null default now(),
        unique (user_id, project_id, role)
      )`,

      `create table tasks (
        id uuid primary key default gen_random_uuid(),
        project_id uuid not null references projects(id),
        ${oneOf('kind', taskKinds)},
        item_id uuid not null references items(id),
        assignee_id uuid references users(id),
        ${oneOf('status', taskStatuses)},
        magnification double precision check (magnification > 0),
        blinded boolean not null default false,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      )`,
      `create index tasks_assignee on tasks (assignee_id, status)`,
      `create table annotations (
        id uuid primary key default gen_random_uuid(),
        project_id uuid not null references projects(id),
        item_id uuid not null references items(id),
        task_id uuid references tasks(id),
        label_schema_id uuid not null,
        label_schema_version integer not null,
        head_version integer not null default 0 check (head_version >= 0),
        created_at timestamptz not null default now(),
        foreign key (label_schema_id, label_schema_version) references label_schema_versions(schema_id, version)
      )`,
      `create index annotations_item on annotations (item_id)`,
      `create table revisions (
        annotation_id uuid not null references annotations(id),
        version integer not null check (version >= 1),
        parent_version integer,
        author_user_id uuid references users(id),
        author_model_name text,
        author_model_version text,
        ${oneOf('source', revisionSources)},
        ${sha256('mask_hash')} not null,
        ${oneOf('mask_encoding', maskEncodings)},
        idempotency_key text,
        created_at timestamptz not null default now(),
        primary key (annotation_id, version),
        unique (annotation_id, idempotency_key),
        check ((version = 1 and parent_version is null) or parent_version = version - 1),
        check (
          (source = 'ai' and author_user_id is null and author_model_name is not null and author_model_version is not null)
          or (source <> 'ai' and author_user_id is not null and author_model_name is null and author_model_version is null)
        )
      )`,
      `create table reviews (
        id uuid primary key default gen_random_uuid(),
        annotation_id uuid not null,
        version integer not null,
        reviewer_id uuid not null references users(id),
        protocol_id uuid not null,
        protocol_version integer not null,
        answers jsonb not null,
        ${oneOf('decision', reviewDecisions)},
        corrections jsonb not null,
        signed_at timestamptz not null,
        created_at timestamptz not null default now(),
        foreign key (annotation_id, version) references revisions(annotation_id, version),
        foreign key (protocol_id, protocol_version) references review_protocol_versions(protocol_id, version)
      )`,

      `create table deid_records (
        id uuid primary key default gen_random_uuid(),
        project_id uuid not null references projects(id),
        ${sha256('source_hash')} not null,
        ${sha256('output_hash')},
        ${oneOf('profile', deidProfiles)},
        options jsonb not null,
        actions jsonb not null,
        pixel_regions jsonb not null,
        findings jsonb not null,
        ${oneOf('status', deidStatuses)},
        created_at timestamptz not null default now(),
        check (status <> 'passed' or output_hash is not null)
      )`,
      `create index deid_records_output on deid_records (output_hash)`,
      `create index deid_records_source on deid_records (project_id, source_hash)`,

      `create table models (
        id uuid primary key default gen_random_uuid(),
        name text not null,
        version text not null,
        label_keys jsonb not null,
        ${oneOf('runtime', modelRuntimes)},
        region text not null references regions(code),
        created_at timestamptz not null default now(),
        unique (name, version)
      )`,
      `create table jobs (
        id uuid primary key default gen_random_uuid(),
        kind text not null,
        region text not null references regions(code),
        payload jsonb not null,
        ${oneOf('status', jobStatuses)},
        attempts integer not null default 0,
        max_attempts integer not null check (max_attempts >= 1),
        run_at timestamptz not null,
        locked_by text,
        locked_at timestamptz,
        last_error text,
        created_at timestamptz not null,
        finished_at timestamptz
      )`,
      `create index jobs_claimable on jobs (region, run_at) where status = 'queued'`,
      `create table releases (
        id uuid primary key default gen_random_uuid(),
        project_id uuid not null references projects(id),
        name text not null,
        ${oneOf('status', releaseStatuses)},
        manifest jsonb not null,
        ${sha256('manifest_hash')},
        documents jsonb not null default '[]',
        created_at timestamptz not null default now(),
        frozen_at timestamptz,
        unique (project_id, name),
        check (status <> 'frozen' or (manifest_hash is not null and frozen_at is not null))
      )`,

      // Revisions are append-only (ARCHITECTURE §1, provenance).
      `create function refuse_revision_change() returns trigger language plpgsql as $$
       begin
         raise exception 'DLN_REVISION_IMMUTABLE: revisions are append-only' using errcode = 'P0001';
       end $$`,
      `create trigger revisions_append_only before update or delete on revisions
         for each row execute function refuse_revision_change()`,
      `create trigger revisions_no_truncate before truncate on revisions
         for each statement execute function refuse_revision_change()`,

      // A label-schema version is frozen once any revision was drawn under it.
      `create function label_schema_version_in_use(p_schema uuid, p_version integer) returns boolean
         language sql stable as $$
         select exists (
           select 1 from annotations a join revisions r on r.annotation_id = a.id
            where a.label_schema_id = p_schema and a.label_schema_version = p_version
         ) $$`,
      `create function refuse_used_label_schema_change() returns trigger language plpgsql as $$
       begin
         if label_schema_version_in_use(old.schema_id, old.version) then
           raise exception 'DLN_SCHEMA_IMMUTABLE: label schema version is used by a revision' using errcode = 'P0001';
         end if;
         if tg_op = 'DELETE' then return old; end if;
         return new;
       end $$`,
      `create trigger label_schema_versions_frozen before update or delete on label_schema_versions
         for each row execute function refuse_used_label_schema_change()`,

      // A review-protocol version is frozen once a review used it or a project with revisions points at it.
      `create function review_protocol_version_in_use(p_protocol uuid, p_version integer) returns boolean
         language sql stable as $$
         select exists (
           select 1 from reviews where protocol_id = p_protocol and protocol_version = p_version
         ) or exists (
           select 1 from projects p join annotations a on a.project_id = p.id join revisions r on r.annotation_id = a.id
            where p.review_protocol_id = p_protocol and p.review_protocol_version = p_version
         ) $$`,
      `create function refuse_used_review_protocol_change() returns trigger language plpgsql as $$
       begin
         if review_protocol_version_in_use(old.protocol_id, old.version) then
           raise exception 'DLN_SCHEMA_IMMUTABLE: review protocol version is used by a revision' using errcode = 'P0001';
         end if;
         if tg_op = 'DELETE' then return old; end if;
         return new;
       end $$`,
      `create trigger review_protocol_versions_frozen before update or delete on review_protocol_versions
         for each row execute function refuse_used_review_protocol_change()`,
    ]);
  },
};
