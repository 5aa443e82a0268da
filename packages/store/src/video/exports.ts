import type { Kysely } from 'kysely';
import { maskOfRuns, type TrackMasks } from '@delineate/core';
import type { VideoFrame, VideoTrack } from '@delineate/schema';
import type { BlobStore } from '../blob/types';
import { cocoRle, type CocoRle } from '../pathology/coco-rle';
import type { DB } from '../sql/tables';
import { VideoTrackStore } from './tracks';
import { videoForItem, videoFrameTable } from './videos';

/** A video item's annotations as COCO: one image per frame (with its timestamp), one RLE annotation per track and frame. */
export interface VideoCocoExport {
  readonly info: { readonly description: string; readonly videoItemId: string; readonly framesPerSecond: number };
  readonly images: readonly { id: number; frame_index: number; width: number; height: number; timestamp: number; pts: number; key_frame: boolean; frame_sha256: string }[];
  readonly categories: readonly { id: number; name: string }[];
  readonly annotations: readonly { id: number; image_id: number; category_id: number; track_id: string; state: string; segmentation: CocoRle; area: number; iscrowd: 0; timestamp: number }[];
}

/**
 * Per-frame masks as COCO RLE (pycocotools' compressed counts, column-major) with each frame's
 * presentation time in seconds from the frame table, and the tracks as JSON (their per-frame
 * states, no pixels), for a release's export folder.
 */
export async function exportVideoAnnotations(db: Kysely<DB>, blobs: BlobStore, itemId: string, labelNames: ReadonlyMap<number, string>): Promise<{ coco: VideoCocoExport; tracks: unknown }> {
  const video = await videoForItem(db, itemId);
  const frames = await videoFrameTable(db, video.id);
  const tracks = await new VideoTrackStore(db, blobs).list(itemId);
  return videoAnnotationsOf(video, frames, tracks, labelNames);
}

/** The COCO and tracks JSON of given tracks (the heads, or a release's versions) over the decoded frame table. */
export function videoAnnotationsOf(
  video: { readonly itemId: string; readonly width: number; readonly height: number; readonly framesPerSecond: number; readonly frameCount: number },
  frames: readonly VideoFrame[],
  tracks: readonly VideoTrack[],
  labelNames: ReadonlyMap<number, string>,
): { coco: VideoCocoExport; tracks: unknown } {
  const { itemId } = video;
  const annotations: VideoCocoExport['annotations'][number][] = [];
  for (const track of tracks) {
    for (const f of track.frames) {
      if (!f.runs) continue;
      const decoded = maskOfRuns(f.runs, video.width * video.height);
      if (!decoded.ok) continue;
      let area = 0;
      for (const v of decoded.mask) area += v;
      if (area === 0) continue;
      annotations.push({
        id: annotations.length + 1,
        image_id: f.frame + 1,
        category_id: track.labelValue,
        track_id: track.id,
        state: f.status.state,
        segmentation: cocoRle(decoded.mask, video.width, video.height, (v) => v !== 0),
        area,
        iscrowd: 0,
        timestamp: frames[f.frame]!.timeSeconds,
      });
    }
  }
  const coco: VideoCocoExport = {
    info: { description: 'Delineate video annotations: per-frame masks with their presentation time', videoItemId: itemId, framesPerSecond: video.framesPerSecond },
    images: frames.map((fr) => ({ id: fr.index + 1, frame_index: fr.index, width: video.width, height: video.height, timestamp: fr.timeSeconds, pts: fr.pts, key_frame: fr.keyFrame, frame_sha256: fr.sha256 })),
    categories: [...new Set(tracks.map((t) => t.labelValue))].sort((a, b) => a - b).map((id) => ({ id, name: labelNames.get(id) ?? `label ${id}` })),
    annotations,
  };
  const trackJson = {
    videoItemId: itemId,
    frameCount: video.frameCount,
    tracks: tracks.map((t) => ({ id: t.id, name: t.name, label: labelNames.get(t.labelValue) ?? `label ${t.labelValue}`, labelValue: t.labelValue, version: t.version, frames: t.frames.map((f) => ({ frame: f.frame, timestamp: frames[f.frame]!.timeSeconds, ...f.status })) })),
  };
  return { coco, tracks: trackJson };
}

/** A stored track's masks by frame, as the agreement functions of core read them. */
export function trackMasksOf(track: VideoTrack, width: number, height: number): TrackMasks {
  const masks = new Map<number, Uint8Array>();
  for (const f of track.frames) {
    if (!f.runs) continue;
    const decoded = maskOfRuns(f.runs, width * height);
    if (decoded.ok) masks.set(f.frame, decoded.mask);
  }
  return { frames: masks };
}
