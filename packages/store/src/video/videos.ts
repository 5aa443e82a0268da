import type { Kysely } from 'kysely';
import { DelineateError, type VideoFrame, type VideoSummary } from '@delineate/schema';
import type { DB } from '../sql/tables';
import { videoDb } from './tables';

/** What ingest decoded and the gate passed, recorded in one transaction with its record. */
export interface IngestedVideo {
  readonly subjectId: string;
  readonly width: number;
  readonly height: number;
  readonly framesPerSecond: number;
  readonly timeBase: readonly [number, number];
  readonly proxyHash: string;
  readonly proxyWidth: number;
  readonly proxyHeight: number;
  readonly sourceFormat: string;
  readonly thumbnails: readonly { frameIndex: number; hash: string }[];
  readonly frames: readonly VideoFrame[];
}

const FRAME_ROWS_PER_INSERT = 1000;

/** Records a video and its frame table (the database refuses it without a passed record for its proxy). */
export async function recordVideo(db: Kysely<DB>, video: IngestedVideo, now: Date): Promise<string> {
  const vdb = videoDb(db);
  const last = video.frames.at(-1);
  if (!last) throw new DelineateError('DLN_VIDEO_UNREADABLE', 'A video needs at least one decoded frame');
  const row = await vdb
    .insertInto('videos')
    .values({
      subject_id: video.subjectId,
      frame_count: video.frames.length,
      frames_per_second: video.framesPerSecond,
      blob_hash: video.proxyHash,
      created_at: now,
      width: video.width,
      height: video.height,
      duration_seconds: last.timeSeconds - video.frames[0]!.timeSeconds + 1 / video.framesPerSecond,
      proxy_width: video.proxyWidth,
      proxy_height: video.proxyHeight,
      time_base_num: video.timeBase[0],
      time_base_den: video.timeBase[1],
      source_format: video.sourceFormat,
      thumbnails: JSON.stringify(video.thumbnails),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  for (let i = 0; i < video.frames.length; i += FRAME_ROWS_PER_INSERT) {
    await vdb
      .insertInto('video_frames')
      .values(video.frames.slice(i, i + FRAME_ROWS_PER_INSERT).map((f) => ({ video_id: row.id, frame_index: f.index, pts: f.pts, time_seconds: f.timeSeconds, key_frame: f.keyFrame, sha256: f.sha256 })))
      .execute();
  }
  return row.id;
}

/** The video an item of kind `frame_range` points at, with its proxy's address. */
export async function videoForItem(db: Kysely<DB>, itemId: string): Promise<VideoSummary & { blobHash: string; projectId: string }> {
  const row = await videoDb(db)
    .selectFrom('items as i')
    .innerJoin('videos as v', 'v.id', 'i.video_id')
    .select(['v.id', 'i.id as item_id', 'i.project_id', 'v.width', 'v.height', 'v.frame_count', 'v.frames_per_second', 'v.duration_seconds', 'v.proxy_width', 'v.proxy_height', 'v.source_format', 'v.thumbnails', 'v.blob_hash'])
    .where('i.id', '=', itemId)
    .where('i.kind', '=', 'frame_range')
    .executeTakeFirst();
  if (!row || !row.width || !row.height || !row.proxy_width || !row.proxy_height) throw new DelineateError('DLN_NOT_FOUND', 'Video item not found');
  return {
    id: row.id,
    itemId: row.item_id,
    projectId: row.project_id,
    width: row.width,
    height: row.height,
    frameCount: row.frame_count,
    framesPerSecond: row.frames_per_second,
    durationSeconds: row.duration_seconds ?? 0,
    proxyWidth: row.proxy_width,
    proxyHeight: row.proxy_height,
    sourceFormat: row.source_format ?? 'unknown',
    thumbnails: row.thumbnails,
    blobHash: row.blob_hash,
  };
}

/** The frame table of a video, by index. */
export async function videoFrameTable(db: Kysely<DB>, videoId: string): Promise<VideoFrame[]> {
  const rows = await videoDb(db).selectFrom('video_frames').selectAll().where('video_id', '=', videoId).orderBy('frame_index').execute();
  return rows.map((r) => ({ index: r.frame_index, pts: Number(r.pts), timeSeconds: r.time_seconds, keyFrame: r.key_frame, sha256: r.sha256 }));
}

/** A held video as its steward's page and its redaction need it. */
export interface HeldVideo {
  readonly format: string;
  readonly width: number;
  readonly height: number;
  /** Presentation time in seconds of each decoded frame, by table index (empty for records kept before they were stored). */
  readonly frameTimes: readonly number[];
  readonly framesPerSecond: number | null;
}

/** Marks a quarantined record as a video's, so its redaction re-encodes the clip; keeps its decoded frame times for the steward. */
export async function recordQuarantinedVideo(db: Kysely<DB>, recordId: string, source: { format: string; width: number; height: number; frameTimes?: readonly number[]; framesPerSecond?: number }): Promise<void> {
  await videoDb(db)
    .insertInto('video_records')
    .values({ record_id: recordId, source_format: source.format, width: source.width, height: source.height, frame_times: source.frameTimes ? JSON.stringify(source.frameTimes) : null, frames_per_second: source.framesPerSecond ?? null })
    .execute();
}

export async function quarantinedVideo(db: Kysely<DB>, recordId: string): Promise<HeldVideo | undefined> {
  const row = await videoDb(db).selectFrom('video_records').selectAll().where('record_id', '=', recordId).executeTakeFirst();
  return row ? { format: row.source_format, width: row.width, height: row.height, frameTimes: (row.frame_times as number[] | null) ?? [], framesPerSecond: row.frames_per_second } : undefined;
}
