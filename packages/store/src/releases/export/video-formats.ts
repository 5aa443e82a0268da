import { DelineateError } from '@delineate/schema';
import { videoAnnotationsOf } from '../../video/exports';
import type { ExportItemInput, ReleaseExportFormat } from './formats';

const json = (value: unknown) => new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`);

/** The released tracks over the frame table, as COCO and as tracks JSON. */
async function annotationsOf(input: ExportItemInput) {
  const video = input.item.video;
  if (!video || !input.video) throw new DelineateError('DLN_RELEASE_EXPORT_SOURCE', 'This release item is not a video');
  const { frames, tracks } = await input.video();
  const names = new Map(input.labelSchema.labels.map((l) => [l.value, l.name]));
  return videoAnnotationsOf({ itemId: input.item.itemId, width: video.width, height: video.height, framesPerSecond: video.framesPerSecond, frameCount: video.decodedFrames }, frames, tracks, names);
}

/** Per-frame masks as COCO RLE, each image with its frame's presentation time from the decoded frame table. */
export const videoCocoFormat: ReleaseExportFormat = {
  key: 'video-coco',
  title: 'Endoscopy video: per-frame masks as COCO RLE with each frame’s timestamp',
  itemKinds: ['video'],
  async itemFiles(input) {
    return [{ path: `${input.folder}/coco.json`, bytes: json((await annotationsOf(input)).coco) }];
  },
};

/** The tracks: per frame keyframe, propagated (method, confidence), interpolated or outside, with its timestamp. */
export const videoTracksFormat: ReleaseExportFormat = {
  key: 'video-tracks',
  title: 'Endoscopy video: tracks as JSON (per-frame states and timestamps)',
  itemKinds: ['video'],
  async itemFiles(input) {
    return [{ path: `${input.folder}/tracks.json`, bytes: json((await annotationsOf(input)).tracks) }];
  },
};
