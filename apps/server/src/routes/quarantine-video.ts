import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { DelineateError, type RedactionRegion } from '@delineate/schema';
import { quarantinedVideo, type Database, type HeldVideo } from '@delineate/store';
import type { ServerContext } from '../context';
import { defineRoute, type RouteRegistry } from '../http/route';
import { byteRange } from './video/video-routes';

/** A held video as its steward's page shows it: size, the decoded frames' times, the rate. */
export const HeldVideoView = z.object({
  width: z.number().int(),
  height: z.number().int(),
  /** Decoded frames (the frame table's count, never a header's claim). */
  frames: z.number().int(),
  /** Presentation time in seconds of each frame, by index, to step the playable copy frame by frame. */
  frameTimes: z.array(z.number()),
  framesPerSecond: z.number().nullable(),
  /** Where the clip came from: an MP4 or MOV file, or a DICOM video. */
  source: z.enum(['file', 'dicom']),
});
export type HeldVideoView = z.infer<typeof HeldVideoView>;

export async function heldVideoView(database: Database, recordId: string): Promise<HeldVideoView | null> {
  const held = await quarantinedVideo(database.db, recordId);
  return held ? viewOf(held) : null;
}

function viewOf(held: HeldVideo): HeldVideoView {
  return { width: held.width, height: held.height, frames: held.frameTimes.length, frameTimes: [...held.frameTimes], framesPerSecond: held.framesPerSecond, source: held.format.startsWith('dicom') ? 'dicom' : 'file' };
}

/** Every rectangle must lie on the video, and a frame or frame range must be among its decoded frames. */
export function assertInsideVideo(regions: readonly RedactionRegion[], video: HeldVideoView): void {
  regions.forEach((r, index) => {
    if (r.x + r.width > video.width || r.y + r.height > video.height) {
      throw new DelineateError('DLN_DEID_REGION_OUTSIDE', `Rectangle ${index + 1} reaches outside the ${video.width} × ${video.height} video`, { rectangle: index + 1 });
    }
    if (r.lastFrame !== undefined && (r.frame === undefined || r.lastFrame < r.frame)) {
      throw new DelineateError('DLN_DEID_REGION_OUTSIDE', `Rectangle ${index + 1} names a frame range that ends before it starts`, { rectangle: index + 1 });
    }
    const last = r.lastFrame ?? r.frame;
    if (last !== undefined && video.frames > 0 && last >= video.frames) {
      throw new DelineateError('DLN_DEID_REGION_OUTSIDE', `Rectangle ${index + 1} names frame ${last + 1}; the video has ${video.frames}`, { rectangle: index + 1 });
    }
  });
}

/** The item a released video became: the passed record for the same source, its video's item. */
export async function releasedVideoItem(database: Database, projectId: string, sourceHash: string): Promise<string | null> {
  const row = await database.db
    .selectFrom('deid_records as p')
    .innerJoin('videos as v', 'v.blob_hash', 'p.output_hash')
    .innerJoin('items as it', 'it.video_id', 'v.id')
    .select('it.id')
    .where('p.project_id', '=', projectId)
    .where('p.source_hash', '=', sourceHash)
    .where('p.status', '=', 'passed')
    .where('it.project_id', '=', projectId)
    .executeTakeFirst();
  return row?.id ?? null;
}

const recordParams = z.object({ id: z.uuid() });

/**
 * The playable copy of a held video for its steward (burned-in text visible; never cached outside
 * the session), with byte ranges so the page can seek frame by frame. Audited as every read of a
 * held file.
 */
export function registerHeldVideoRoute(app: FastifyInstance, registry: RouteRegistry, ctx: ServerContext): void {
  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/deid-records/:id/video.mp4',
    operationId: 'getQuarantinedVideo',
    summary: 'The playable copy of a held video, to step its frames and draw redaction rectangles on (may show burned-in PHI); honours one byte range',
    tags: ['deid'],
    action: 'deid.quarantine.read',
    resource: 'deid_record',
    params: recordParams,
    headers: [{ name: 'Range', description: 'One byte range (bytes=a-b)' }],
    responses: { 200: { description: 'video/mp4', binary: 'video/mp4' }, 206: { description: 'The range asked for', binary: 'video/mp4' } },
    handler: async ({ params }, request, reply) => {
      const row = await ctx.database.db.selectFrom('deid_records').select(['status', 'output_hash']).where('id', '=', params.id).executeTakeFirst();
      if (!row) throw new DelineateError('DLN_NOT_FOUND', 'De-identification record not found');
      if (row.status !== 'quarantined' || !row.output_hash || !(await quarantinedVideo(ctx.database.db, params.id))) throw new DelineateError('DLN_DEID_NOT_QUARANTINED', 'Only a held video can be played here');
      const bytes = await ctx.blobs.get(row.output_hash);
      const body = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      reply.header('Accept-Ranges', 'bytes').header('Cache-Control', 'no-store').type('video/mp4');
      const range = byteRange(request.headers.range, body.length);
      if (!range) return reply.send(body);
      return reply.code(206).header('Content-Range', `bytes ${range.start}-${range.end}/${body.length}`).send(body.subarray(range.start, range.end + 1));
    },
  });
}
