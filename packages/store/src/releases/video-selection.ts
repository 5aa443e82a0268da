import { createHash } from 'node:crypto';
import type { ManifestTrack, ManifestVideo, UnreviewedWork, VideoFrame } from '@delineate/schema';
import type { Kysely } from 'kysely';
import type { DB } from '../sql/tables';
import { videoDb } from '../video/tables';
import { videoForItem, videoFrameTable } from '../video/videos';

/**
 * SHA-256 over the decoded frame table, one line per frame (index, pts, time, key frame, frame
 * hash): what a release freezes of the frames its masks are addressed by.
 */
export function frameTableHash(frames: readonly VideoFrame[]): string {
  const hash = createHash('sha256');
  for (const f of frames) hash.update(`${f.index} ${f.pts} ${f.timeSeconds} ${f.keyFrame ? 1 : 0} ${f.sha256}\n`);
  return hash.digest('hex');
}

/** The head version of every track of a video item, as a manifest names it. */
export async function trackHeads(db: Kysely<DB>, itemId: string): Promise<ManifestTrack[]> {
  const rows = await videoDb(db)
    .selectFrom('video_tracks as t')
    .innerJoin('video_track_versions as v', (j) => j.onRef('v.track_id', '=', 't.id').onRef('v.version', '=', 't.version'))
    .select(['t.id', 't.version', 'v.author_id', 'v.label_value', 'v.name', 'v.mask_index_hash'])
    .where('t.item_id', '=', itemId)
    .orderBy('t.created_at')
    .orderBy('t.id')
    .execute();
  return rows.map((r) => ({ trackId: r.id, version: r.version, authorId: r.author_id, labelValue: r.label_value, name: r.name, maskIndexHash: r.mask_index_hash }));
}

export type VideoSelection =
  | { readonly video: ManifestVideo }
  | { readonly excluded: 'not_gated' | 'not_annotated' }
  | { readonly unreviewed: UnreviewedWork[] };

/**
 * A video item as a release takes it: gated (a passed DeidRecord for its proxy), annotated (a
 * track with a mask), and its work finished (annotate tasks, all done: tracks have no revision
 * review of their own, so a track on an item without such tasks is free work). Tracks are taken
 * at their head version; frames by the decoded frame table.
 */
export async function selectVideoItem(db: Kysely<DB>, projectId: string, itemId: string, annotateStatuses: readonly string[]): Promise<VideoSelection> {
  const video = await videoForItem(db, itemId);
  const record = await db
    .selectFrom('deid_records')
    .select('id')
    .where('project_id', '=', projectId)
    .where('output_hash', '=', video.blobHash)
    .where('status', '=', 'passed')
    .orderBy('created_at')
    .executeTakeFirst();
  if (!record) return { excluded: 'not_gated' };
  const tracks = await trackHeads(db, itemId);
  if (!tracks.some((t) => t.maskIndexHash !== null)) return { excluded: 'not_annotated' };
  if (annotateStatuses.length === 0 || annotateStatuses.some((s) => s !== 'done')) {
    const reason = annotateStatuses.length === 0 ? 'free_annotation' : 'not_signed';
    return { unreviewed: tracks.map((t) => ({ itemId, annotationId: t.trackId, version: t.version, reason })) };
  }
  const frames = await videoFrameTable(db, video.id);
  return {
    video: {
      videoId: video.id,
      width: video.width,
      height: video.height,
      framesPerSecond: video.framesPerSecond,
      decodedFrames: frames.length,
      frameTableHash: frameTableHash(frames),
      proxyHash: video.blobHash,
      deidRecordId: record.id,
      tracks,
    },
  };
}
