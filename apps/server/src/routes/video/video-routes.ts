import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { DelineateError, FrameFlag, FrameFlagsRequest, TrackSaveRequest, VideoFrame, VideoSummary, VideoTrack } from '@delineate/schema';
import { interpolateMask, maskOfRuns, runsOfMask } from '@delineate/core';
import { exportVideoAnnotations, videoForItem, videoFrameTable, VideoTrackStore } from '@delineate/store';
import { requestUserId } from '../../http/actor';
import type { ServerContext } from '../../context';
import { defineRoute, type RouteRegistry } from '../../http/route';

const itemParams = z.object({ itemId: z.uuid() });
const trackParams = itemParams.extend({ trackId: z.uuid() });
const InterpolateRequest = z.object({ fromFrame: z.number().int().min(0), parentVersion: z.number().int().min(1) });
const thumbParams = itemParams.extend({ frame: z.coerce.number().int().min(0) });

/** Parses `bytes=a-b` (one range) against a length; undefined for a missing or unusable header. */
export function byteRange(header: string | undefined, length: number): { start: number; end: number } | undefined {
  const m = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!m || (!m[1] && !m[2])) return undefined;
  const start = m[1] ? Number(m[1]) : Math.max(0, length - Number(m[2]));
  const end = m[1] && m[2] ? Math.min(Number(m[2]), length - 1) : length - 1;
  return start <= end && start < length ? { start, end } : undefined;
}

/**
 * The video routes (issue 21): a video item's grid and frame table, its playable proxy (with byte
 * ranges, so the browser can seek) and thumbnails, its tracks (saved whole, compare-and-set on the
 * version), per-frame flags and the per-frame COCO export. Reads are `image.read`, track saves
 * `revision.save`, as for every other image and mask.
 */
export function registerVideoRoutes(app: FastifyInstance, registry: RouteRegistry, ctx: ServerContext): void {
  const tracks = () => new VideoTrackStore(ctx.database.db, ctx.blobs, ctx.clock);

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/videos/:itemId',
    operationId: 'getVideo',
    summary: "The item's video: size, frame count from the decoded frame table, frame rate, proxy and thumbnails",
    tags: ['video'],
    action: 'image.read',
    resource: 'item',
    params: itemParams,
    responses: { 200: { description: 'The video', schema: VideoSummary } },
    handler: async ({ params }) => {
      const { blobHash: _hash, projectId: _project, ...summary } = await videoForItem(ctx.database.db, params.itemId);
      return summary;
    },
  });

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/videos/:itemId/frames',
    operationId: 'getVideoFrames',
    summary: 'The frame table: each decoded frame by index with its presentation timestamp, key-frame flag and hash',
    tags: ['video'],
    action: 'image.read',
    resource: 'item',
    params: itemParams,
    responses: { 200: { description: 'Frames by index', schema: z.array(VideoFrame) } },
    handler: async ({ params }) => videoFrameTable(ctx.database.db, (await videoForItem(ctx.database.db, params.itemId)).id),
  });

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/videos/:itemId/proxy.mp4',
    operationId: 'getVideoProxy',
    summary: 'The browser-playable proxy (H.264 in MP4, moov first); honours one byte range',
    tags: ['video'],
    action: 'image.read',
    resource: 'item',
    params: itemParams,
    headers: [{ name: 'Range', description: 'One byte range (bytes=a-b)' }],
    responses: { 200: { description: 'video/mp4', binary: 'video/mp4' }, 206: { description: 'The range asked for', binary: 'video/mp4' } },
    handler: async ({ params }, request, reply) => {
      const video = await videoForItem(ctx.database.db, params.itemId);
      const bytes = await ctx.blobs.get(video.blobHash);
      const body = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      reply.header('Accept-Ranges', 'bytes').header('Cache-Control', 'private, max-age=3600').type('video/mp4');
      const range = byteRange(request.headers.range, body.length);
      if (!range) return reply.send(body);
      return reply.code(206).header('Content-Range', `bytes ${range.start}-${range.end}/${body.length}`).send(body.subarray(range.start, range.end + 1));
    },
  });

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/videos/:itemId/thumbnails/:frame',
    operationId: 'getVideoThumbnail',
    summary: 'The JPEG thumbnail made at ingest for a sampled frame',
    tags: ['video'],
    action: 'image.read',
    resource: 'item',
    params: thumbParams,
    responses: { 200: { description: 'image/jpeg', binary: 'image/jpeg' } },
    handler: async ({ params }, _request, reply) => {
      const video = await videoForItem(ctx.database.db, params.itemId);
      const thumbnail = video.thumbnails.find((t) => t.frameIndex === params.frame);
      if (!thumbnail) throw new DelineateError('DLN_NOT_FOUND', 'No thumbnail at that frame');
      const bytes = await ctx.blobs.get(thumbnail.hash);
      return reply.type('image/jpeg').send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    },
  });

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/videos/:itemId/tracks',
    operationId: 'listVideoTracks',
    summary: "The head version of each track of the video, with each frame's state and mask runs",
    tags: ['video'],
    action: 'revision.read',
    resource: 'item',
    params: itemParams,
    responses: { 200: { description: 'Tracks', schema: z.array(VideoTrack) } },
    handler: async ({ params }) => tracks().list(params.itemId),
  });

  defineRoute(app, registry, {
    method: 'POST',
    url: '/api/videos/:itemId/tracks',
    operationId: 'createVideoTrack',
    summary: 'A new track (version 1)',
    tags: ['video'],
    action: 'revision.save',
    resource: 'item',
    params: itemParams,
    body: TrackSaveRequest,
    responses: { 201: { description: 'The saved track', schema: VideoTrack } },
    handler: async ({ params, body }, request, reply) => reply.code(201).send(await tracks().save(params.itemId, undefined, body, requestUserId(request))),
  });

  defineRoute(app, registry, {
    method: 'PUT',
    url: '/api/videos/:itemId/tracks/:trackId',
    operationId: 'saveVideoTrack',
    summary: 'A new version of a track; refused when the track moved past `parentVersion`',
    tags: ['video'],
    action: 'revision.save',
    resource: 'item',
    params: trackParams,
    body: TrackSaveRequest,
    responses: { 200: { description: 'The saved track', schema: VideoTrack } },
    handler: async ({ params, body }, request) => tracks().save(params.itemId, params.trackId, body, requestUserId(request)),
  });

  defineRoute(app, registry, {
    method: 'POST',
    url: '/api/videos/:itemId/tracks/:trackId/interpolate',
    operationId: 'interpolateVideoTrack',
    summary: 'Fills the frames between a keyframe and the next keyframe by shape interpolation (a new version, compare-and-set)',
    tags: ['video'],
    action: 'revision.save',
    resource: 'item',
    params: trackParams,
    body: InterpolateRequest,
    responses: { 200: { description: 'The saved track', schema: VideoTrack } },
    handler: async ({ params, body }, request) => {
      const video = await videoForItem(ctx.database.db, params.itemId);
      const track = (await tracks().list(params.itemId)).find((t) => t.id === params.trackId);
      if (!track) throw new DelineateError('DLN_NOT_FOUND', 'Track not found');
      const keyframes = track.frames.filter((f) => f.status.state === 'keyframe').map((f) => f.frame);
      const next = keyframes.filter((f) => f > body.fromFrame).sort((a, b) => a - b)[0];
      const from = track.frames.find((f) => f.frame === body.fromFrame && f.status.state === 'keyframe');
      const to = track.frames.find((f) => f.frame === next);
      if (!from?.runs || !to?.runs) throw new DelineateError('DLN_VIDEO_TRACK_INVALID', 'Interpolation needs a keyframe at this frame and a later keyframe');
      const pixels = video.width * video.height;
      const a = maskOfRuns(from.runs, pixels);
      const b = maskOfRuns(to.runs, pixels);
      if (!a.ok || !b.ok) throw new DelineateError('DLN_VIDEO_TRACK_INVALID', 'A keyframe mask does not fit the frame');
      const span = to.frame - from.frame;
      // Frames strictly between the two keyframes are replaced; every other frame is kept as it was.
      const kept = track.frames.filter((f) => f.frame <= from.frame || f.frame >= to.frame);
      const filled = Array.from({ length: span - 1 }, (_, i) => {
        const frame = from.frame + i + 1;
        return { frame, status: { state: 'interpolated' as const }, runs: runsOfMask(interpolateMask(a.mask, b.mask, video.width, video.height, (i + 1) / span)) };
      });
      const frames = [...kept, ...filled].sort((x, y) => x.frame - y.frame);
      return tracks().save(params.itemId, params.trackId, { labelValue: track.labelValue, name: track.name, parentVersion: body.parentVersion, frames }, requestUserId(request));
    },
  });

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/videos/:itemId/flags',
    operationId: 'listVideoFrameFlags',
    summary: 'Per-frame quality flags (blur, bubbles, out of body)',
    tags: ['video'],
    action: 'revision.read',
    resource: 'item',
    params: itemParams,
    responses: { 200: { description: 'Flags by frame', schema: z.array(z.object({ frame: z.number().int(), flags: z.array(FrameFlag) })) } },
    handler: async ({ params }) => tracks().flags(params.itemId),
  });

  defineRoute(app, registry, {
    method: 'PUT',
    url: '/api/videos/:itemId/flags',
    operationId: 'setVideoFrameFlags',
    summary: "Sets one frame's quality flags (an empty list clears them)",
    tags: ['video'],
    action: 'revision.save',
    resource: 'item',
    params: itemParams,
    body: FrameFlagsRequest,
    responses: { 200: { description: 'Flags by frame', schema: z.array(z.object({ frame: z.number().int(), flags: z.array(FrameFlag) })) } },
    handler: async ({ params, body }, request) => {
      await tracks().setFlags(params.itemId, body.frame, body.flags, requestUserId(request));
      return tracks().flags(params.itemId);
    },
  });

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/videos/:itemId/export/coco.json',
    operationId: 'exportVideoCoco',
    summary: "Per-frame masks as COCO RLE with each frame's timestamp, and the tracks as JSON",
    tags: ['video'],
    action: 'revision.read',
    resource: 'item',
    params: itemParams,
    responses: { 200: { description: 'COCO and tracks', schema: z.object({ coco: z.unknown(), tracks: z.unknown() }) } },
    handler: async ({ params }) => {
      const project = (await videoForItem(ctx.database.db, params.itemId)).projectId;
      const row = await ctx.database.db
        .selectFrom('projects as p')
        .innerJoin('label_schema_versions as v', (j) => j.onRef('v.schema_id', '=', 'p.label_schema_id').onRef('v.version', '=', 'p.label_schema_version'))
        .select('v.labels')
        .where('p.id', '=', project)
        .executeTakeFirst();
      const labels = new Map(((row?.labels ?? []) as { value: number; name: string }[]).map((l) => [l.value, l.name]));
      return exportVideoAnnotations(ctx.database.db, ctx.blobs, params.itemId, labels);
    },
  });
}
