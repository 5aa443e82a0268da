import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { DelineateError, REDACTION_JOB_KIND, RedactionRequest, type RedactionJobPayload } from '@delineate/schema';
import { JobQueue, ProjectRepository } from '@delineate/store';
import type { ServerContext } from '../context';
import { defineRoute, type RouteRegistry } from '../http/route';
import { QuarantinedFile, quarantineQueue } from './quarantine-queue';
import { assertInsideVideo, heldVideoView } from './quarantine-video';

const projectParams = z.object({ projectId: z.uuid() });
const recordParams = z.object({ id: z.uuid() });

/**
 * The quarantine, for data stewards: files the gate did not pass and that no later run has
 * passed; a view of one to draw rectangles on; and the redaction, which runs the file through
 * the whole gate again in the worker of the project's region.
 */
export function registerQuarantineRoutes(app: FastifyInstance, registry: RouteRegistry, ctx: ServerContext): void {
  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/projects/:projectId/quarantine',
    operationId: 'listQuarantine',
    summary: 'Files of the project held in quarantine by the de-identification gate',
    tags: ['deid'],
    action: 'deid.quarantine.list',
    resource: 'project',
    params: projectParams,
    responses: { 200: { description: 'Unresolved quarantined files', schema: z.array(QuarantinedFile) } },
    handler: async ({ params }) => quarantineQueue(ctx.database, [params.projectId]),
  });

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/deid-records/:id/view',
    operationId: 'getQuarantinedView',
    summary: 'A quarantined file with its attributes de-identified, to draw redaction rectangles on (may show burned-in PHI)',
    tags: ['deid'],
    action: 'deid.quarantine.read',
    resource: 'deid_record',
    params: recordParams,
    responses: { 200: { description: 'DICOM Part 10 bytes', binary: true } },
    handler: async ({ params }, _request, reply) => {
      const row = await ctx.database.db.selectFrom('deid_records').select(['status', 'output_hash']).where('id', '=', params.id).executeTakeFirst();
      if (!row) throw new DelineateError('DLN_NOT_FOUND', 'De-identification record not found');
      if (row.status !== 'quarantined' || !row.output_hash) throw new DelineateError('DLN_CONFLICT', 'Only a quarantined file with a de-identified view can be viewed here');
      const bytes = await ctx.blobs.get(row.output_hash);
      return reply.type('application/dicom').send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    },
  });

  defineRoute(app, registry, {
    method: 'POST',
    url: '/api/deid-records/:id/redactions',
    operationId: 'redactQuarantined',
    summary: 'Blank rectangles on a quarantined file and run it through the gate again (asynchronous)',
    tags: ['deid'],
    action: 'deid.quarantine.redact',
    resource: 'deid_record',
    params: recordParams,
    body: RedactionRequest,
    responses: { 202: { description: 'Queued', schema: z.object({ jobId: z.uuid() }) } },
    handler: async ({ params, body }, _request, reply) => {
      const row = await ctx.database.db.selectFrom('deid_records').select(['status', 'project_id']).where('id', '=', params.id).executeTakeFirst();
      if (!row) throw new DelineateError('DLN_NOT_FOUND', 'De-identification record not found');
      if (row.status !== 'quarantined') throw new DelineateError('DLN_CONFLICT', 'Only a quarantined file can be redacted');
      // A frame range is a video's (issue 21); a DICOM image's rectangles name single frames.
      const video = await heldVideoView(ctx.database, params.id);
      if (video) assertInsideVideo(body.regions, video);
      else if (body.regions.some((r) => r.lastFrame !== undefined)) throw new DelineateError('DLN_DEID_REGION_OUTSIDE', 'Only a video’s rectangles may name a frame range');
      const project = await new ProjectRepository(ctx.database.db).get(row.project_id);
      const payload: RedactionJobPayload = { projectId: row.project_id, recordId: params.id, regions: body.regions };
      // The job runs in the project's region only (data residency).
      const job = await new JobQueue(ctx.database.db, { clock: ctx.clock }).enqueue({ kind: REDACTION_JOB_KIND, region: project.region, payload, maxAttempts: 2 });
      return reply.status(202).send({ jobId: job.id });
    },
  });
}
