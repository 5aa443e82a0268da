import type { Generated, Kysely } from 'kysely';
import type { DB, Json, RequiredTimestamptz } from '../sql/tables';

/** Row types of migration 0890_video_frames. */
export type VideoColumns = {
  width: number | null;
  height: number | null;
  duration_seconds: number | null;
  proxy_width: number | null;
  proxy_height: number | null;
  time_base_num: number | null;
  time_base_den: number | null;
  source_format: string | null;
  thumbnails: Json<Array<{ frameIndex: number; hash: string }>>;
};

export type VideoFramesTable = { video_id: string; frame_index: number; pts: string | number; time_seconds: number; key_frame: boolean; sha256: string };
export type VideoRecordsTable = { record_id: string; source_format: string; width: number; height: number; frame_times: Json<number[]> | null; frames_per_second: number | null };
export type VideoTracksTable = { id: Generated<string>; item_id: string; label_value: number; name: string; version: number; created_by: string | null; created_at: RequiredTimestamptz };
export type VideoTrackVersionsTable = {
  track_id: string;
  version: number;
  author_id: string | null;
  label_value: number;
  name: string;
  states: Json<unknown[]>;
  mask_index_hash: string | null;
  created_at: RequiredTimestamptz;
};
export type VideoFrameFlagsTable = { item_id: string; frame_index: number; flag: string; set_by: string | null; set_at: RequiredTimestamptz };

export type VideoTables = {
  videos: DB['videos'] & VideoColumns;
  video_frames: VideoFramesTable;
  video_records: VideoRecordsTable;
  video_tracks: VideoTracksTable;
  video_track_versions: VideoTrackVersionsTable;
  video_frame_flags: VideoFrameFlagsTable;
};

export type VideoDb = Kysely<Omit<DB, 'videos'> & VideoTables>;

/** The platform database seen with the video tables (they live outside the shared row types). */
export function videoDb(db: Kysely<DB>): VideoDb {
  return db.withTables<VideoTables>() as unknown as VideoDb;
}
