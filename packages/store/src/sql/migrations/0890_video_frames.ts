import { runStatements, type Migration } from '../migration';

/**
 * Endoscopy video (issue 21): what ingest decoded (the frame table by presentation timestamp,
 * the grid, the playable proxy and its thumbnails), which quarantined records are videos (their
 * redaction re-encodes rather than rewrites a DICOM file), tracks with their append-only
 * versions (per-frame states, the mask as a tiled index over width × height × frames), and
 * per-frame quality flags. A video is recorded only when a passed de-identification record
 * exists for exactly its proxy's bytes in its subject's project, as for slides.
 */
export const videoFrames: Migration = {
  id: '0890_video_frames',
  up: (db) =>
    runStatements(db, [
      `alter table videos add column width integer check (width > 0)`,
      `alter table videos add column height integer check (height > 0)`,
      `alter table videos add column duration_seconds double precision check (duration_seconds >= 0)`,
      `alter table videos add column proxy_width integer check (proxy_width > 0)`,
      `alter table videos add column proxy_height integer check (proxy_height > 0)`,
      `alter table videos add column time_base_num integer check (time_base_num > 0)`,
      `alter table videos add column time_base_den integer check (time_base_den > 0)`,
      `alter table videos add column source_format text`,
      `alter table videos add column thumbnails jsonb not null default '[]'::jsonb check (jsonb_typeof(thumbnails) = 'array')`,
      `create table video_frames (
        video_id uuid not null references videos(id),
        frame_index integer not null check (frame_index >= 0),
        pts bigint not null,
        time_seconds double precision not null,
        key_frame boolean not null,
        sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
        primary key (video_id, frame_index),
        unique (video_id, pts)
      )`,
      `create table video_records (
        record_id uuid primary key references deid_records(id),
        source_format text not null,
        width integer not null check (width > 0),
        height integer not null check (height > 0)
      )`,
      `create table video_tracks (
        id uuid primary key default gen_random_uuid(),
        item_id uuid not null references items(id),
        label_value integer not null check (label_value between 1 and 255),
        name text not null,
        version integer not null check (version >= 1),
        created_by uuid references users(id),
        created_at timestamptz not null
      )`,
      `create index video_tracks_item on video_tracks (item_id, created_at)`,
      `create table video_track_versions (
        track_id uuid not null references video_tracks(id),
        version integer not null check (version >= 1),
        author_id uuid references users(id),
        label_value integer not null,
        name text not null,
        states jsonb not null check (jsonb_typeof(states) = 'array'),
        mask_index_hash text check (mask_index_hash ~ '^[0-9a-f]{64}$'),
        created_at timestamptz not null,
        primary key (track_id, version)
      )`,
      `create table video_frame_flags (
        item_id uuid not null references items(id),
        frame_index integer not null check (frame_index >= 0),
        flag text not null check (flag in ('blur', 'bubbles', 'out_of_body')),
        set_by uuid references users(id),
        set_at timestamptz not null,
        primary key (item_id, frame_index, flag)
      )`,
      `CREATE FUNCTION videos_require_passed_deid() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF NOT EXISTS (
           SELECT 1 FROM deid_records d
            WHERE d.output_hash = NEW.blob_hash
              AND d.status = 'passed'
              AND d.project_id = (SELECT sub.project_id FROM subjects sub WHERE sub.id = NEW.subject_id)
         ) THEN
           RAISE EXCEPTION 'DLN_DEID_GATE_NOT_PASSED: The video has not passed the de-identification gate'
             USING ERRCODE = 'check_violation';
         END IF;
         RETURN NEW;
       END $$`,
      `CREATE TRIGGER videos_deid_gate BEFORE INSERT OR UPDATE OF blob_hash, subject_id ON videos
         FOR EACH ROW EXECUTE FUNCTION videos_require_passed_deid()`,
    ]),
};
