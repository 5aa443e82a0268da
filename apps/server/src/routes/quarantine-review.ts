import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { encodePng, stewardFinding, toGreyImage } from '@delineate/deid';
import { decodePixels, loadWasmCodecs, readPixelSource, type PixelSource } from '@delineate/formats';
import {
  DelineateError,
  GATE_CHECK_JOB_KIND,
  QuarantineDecisionRequest,
  QuarantineRejectRequest,
  REDACTION_JOB_KIND,
  RedactionRequest,
  type GateCheckJobPayload,
  type RedactionJobPayload,
  type RedactionRegion,
} from '@delineate/schema';
import { JobQueue, ProjectRepository, QuarantineReviewRepository, type GateCheck } from '@delineate/store';
import { requestAccess } from '../access';
import type { ServerContext } from '../context';
import { defineRoute, type RouteRegistry } from '../http/route';
import { QuarantinedFile, quarantineQueue } from './quarantine-queue';
import { assertInsideVideo, heldVideoView, HeldVideoView, registerHeldVideoRoute, releasedVideoItem } from './quarantine-video';

const recordParams = z.object({ id: z.uuid() });
const frameParams = z.object({ id: z.uuid(), frame: z.coerce.number().int().min(0) });

const GateCheckView = z.object({
  id: z.uuid(),
  regions: z.array(z.unknown()),
  /** queued or running until the job has run; then passes or fails (or failed when the gate could not run). */
  state: z.enum(['queued', 'running', 'passes', 'fails', 'failed']),
  findings: z.array(z.unknown()),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
});
const QuarantineRecordView = z.object({
  file: QuarantinedFile.nullable(),
  id: z.uuid(),
  projectId: z.uuid(),
  /** quarantined (held), rejected by a steward, released (its release job's state and item), or passed. */
  status: z.enum(['held', 'rejected', 'releasing', 'released', 'release-failed']),
  findings: z.array(z.unknown()),
  createdAt: z.string(),
  image: z.object({ rows: z.number().int(), columns: z.number().int(), frames: z.number().int(), modality: z.string().nullable() }).nullable(),
  /** A held video (issue 21): its decoded frames, played from its playable copy; null for a DICOM image. */
  video: HeldVideoView.nullable(),
  latestCheck: GateCheckView.nullable(),
  decision: z.object({ decision: z.enum(['released', 'rejected']), note: z.string(), decidedAt: z.string(), itemId: z.uuid().nullable() }).nullable(),
});

function userIdOf(request: FastifyRequest): string {
  const principal = requestAccess(request).principal;
  if (principal.kind !== 'user') throw new DelineateError('DLN_AUTH_REQUIRED', 'Sign in to do this');
  return principal.userId;
}

/**
 * The data steward's review of one held file: its record (reasons, never values), its pixels
 * frame by frame (the only place burned-in text can be seen), trials of the gate with drawn
 * rectangles, and the release (the same rectangles through the real ingest) or rejection, each
 * with the steward's note. Every request is audited by the access layer.
 */
export function registerQuarantineReviewRoutes(app: FastifyInstance, registry: RouteRegistry, ctx: ServerContext): void {
  const db = ctx.database.db;
  const reviews = new QuarantineReviewRepository(db);
  const jobs = new JobQueue(db, { clock: ctx.clock });
  registerHeldVideoRoute(app, registry, ctx);

  async function heldRecord(id: string) {
    const row = await db.selectFrom('deid_records').select(['id', 'project_id', 'status', 'output_hash', 'source_hash', 'findings', 'created_at']).where('id', '=', id).executeTakeFirst();
    if (!row) throw new DelineateError('DLN_NOT_FOUND', 'De-identification record not found');
    return row;
  }

  async function pixelsOf(outputHash: string | null): Promise<PixelSource | undefined> {
    return outputHash ? readPixelSource(await ctx.blobs.get(outputHash)) : undefined;
  }

  async function checkView(check: GateCheck): Promise<z.infer<typeof GateCheckView>> {
    let state: z.infer<typeof GateCheckView>['state'] = check.outcome ?? 'queued';
    if (!check.outcome && check.jobId) {
      const job = await jobs.get(check.jobId);
      state = job.status === 'failed' ? 'failed' : job.status === 'running' ? 'running' : 'queued';
    }
    return { id: check.id, regions: check.regions, state, findings: check.findings, createdAt: check.createdAt.toISOString(), finishedAt: check.finishedAt?.toISOString() ?? null };
  }

  /** Refuses anything but a held record: quarantined, not passed since, not decided. */
  async function assertHeld(row: { id: string; project_id: string; status: string; source_hash: string }): Promise<void> {
    const decision = await reviews.decision(row.id);
    const passed = await db.selectFrom('deid_records').select('id').where('project_id', '=', row.project_id).where('source_hash', '=', row.source_hash).where('status', '=', 'passed').executeTakeFirst();
    const releaseFailed = decision?.decision === 'released' && decision.releaseJobId !== null && (await jobs.get(decision.releaseJobId)).status === 'failed';
    if (row.status !== 'quarantined' || passed || (decision && !releaseFailed)) {
      throw new DelineateError('DLN_DEID_NOT_QUARANTINED', 'This file is not held in quarantine any more (released, rejected or passed)');
    }
  }

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/quarantine',
    operationId: 'listMyQuarantine',
    summary: 'Files held by the de-identification gate in every project where the caller is a data steward, oldest first',
    tags: ['deid'],
    action: 'deid.quarantine.mine',
    resource: 'project',
    responses: { 200: { description: 'Unresolved quarantined files', schema: z.object({ files: z.array(QuarantinedFile), projects: z.number().int() }) } },
    handler: async (_input, request) => {
      const principal = requestAccess(request).principal;
      const projects = principal.kind === 'user' ? [...new Set(principal.roles.filter((r) => r.role === 'data_steward').map((r) => r.projectId))] : [];
      return { files: await quarantineQueue(ctx.database, projects), projects: projects.length };
    },
  });

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/deid-records/:id',
    operationId: 'getQuarantinedRecord',
    summary: 'A held file for its steward: reasons (never values), image size and frames, the latest trial of the gate and any decision',
    tags: ['deid'],
    action: 'deid.quarantine.read',
    resource: 'deid_record',
    params: recordParams,
    responses: { 200: { description: 'The record', schema: QuarantineRecordView } },
    handler: async ({ params }) => {
      const row = await heldRecord(params.id);
      const video = await heldVideoView(ctx.database, row.id);
      const source = video ? undefined : await pixelsOf(row.output_hash);
      const check = await reviews.latestCheck(row.id);
      const decision = await reviews.decision(row.id);
      let status: z.infer<typeof QuarantineRecordView>['status'] = 'held';
      let itemId: string | null = null;
      if (decision?.decision === 'rejected') status = 'rejected';
      else if (decision?.decision === 'released' && decision.releaseJobId) {
        const job = await jobs.get(decision.releaseJobId);
        itemId = video ? await releasedVideoItem(ctx.database, row.project_id, row.source_hash) : await releasedItem(row.project_id, row.source_hash);
        status = itemId ? 'released' : job.status === 'failed' ? 'release-failed' : 'releasing';
      }
      const [file = null] = await quarantineQueue(ctx.database, [row.project_id], row.id);
      return {
        file,
        id: row.id,
        projectId: row.project_id,
        status,
        findings: (row.findings as unknown[]).map(stewardFinding),
        createdAt: new Date(row.created_at).toISOString(),
        image: video
          ? { rows: video.height, columns: video.width, frames: video.frames, modality: null }
          : source
            ? { rows: source.description.rows, columns: source.description.columns, frames: source.description.numberOfFrames, modality: source.signature.modality?.trim() || null }
            : null,
        video,
        latestCheck: check ? await checkView(check) : null,
        decision: decision ? { decision: decision.decision, note: decision.note, decidedAt: decision.decidedAt.toISOString(), itemId } : null,
      };
    },
  });

  /** The item a released file became: the passed record for the same source, its instance's series. */
  async function releasedItem(projectId: string, sourceHash: string): Promise<string | null> {
    const row = await db
      .selectFrom('deid_records as p')
      .innerJoin('instances as i', 'i.blob_hash', 'p.output_hash')
      .innerJoin('items as it', 'it.series_id', 'i.series_id')
      .select('it.id')
      .where('p.project_id', '=', projectId)
      .where('p.source_hash', '=', sourceHash)
      .where('p.status', '=', 'passed')
      .where('it.project_id', '=', projectId)
      .executeTakeFirst();
    return row?.id ?? null;
  }

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/deid-records/:id/frames/:frame',
    operationId: 'getQuarantinedFrame',
    summary: 'One frame of a held file as an 8-bit grey PNG, to draw redaction rectangles on (may show burned-in PHI)',
    tags: ['deid'],
    action: 'deid.quarantine.read',
    resource: 'deid_record',
    params: frameParams,
    responses: { 200: { description: 'PNG', binary: 'image/png' } },
    handler: async ({ params }, _request, reply) => {
      const row = await heldRecord(params.id);
      if (row.status !== 'quarantined') throw new DelineateError('DLN_DEID_NOT_QUARANTINED', 'Only a quarantined file can be viewed here');
      if (await heldVideoView(ctx.database, row.id)) throw new DelineateError('DLN_REQUEST_INVALID', 'A held video is played from its playable copy (video.mp4), not read as frames here');
      const source = await pixelsOf(row.output_hash);
      if (!source) throw new DelineateError('DLN_NOT_FOUND', 'This file has no pixels to show');
      if (params.frame >= source.description.numberOfFrames) throw new DelineateError('DLN_NOT_FOUND', 'The file has no such frame');
      await loadWasmCodecs();
      const png = encodePng(toGreyImage(decodePixels(source, [params.frame]), 0));
      // Burned-in text may be visible: never cached outside the steward's session.
      return reply.type('image/png').header('cache-control', 'no-store').send(Buffer.from(png.buffer, png.byteOffset, png.byteLength));
    },
  });

  defineRoute(app, registry, {
    method: 'POST',
    url: '/api/deid-records/:id/gate-checks',
    operationId: 'checkQuarantinedGate',
    summary: 'Run the gate again on a held file with these rectangles blanked, recording only the outcome (asynchronous)',
    tags: ['deid'],
    action: 'deid.quarantine.redact',
    resource: 'deid_record',
    params: recordParams,
    body: RedactionRequest,
    responses: { 202: { description: 'Queued', schema: z.object({ checkId: z.uuid(), jobId: z.uuid() }) } },
    handler: async ({ params, body }, request, reply) => {
      const row = await heldRecord(params.id);
      await assertHeld(row);
      const video = await heldVideoView(ctx.database, row.id);
      if (video) assertInsideVideo(body.regions, video);
      else {
        const source = await pixelsOf(row.output_hash);
        if (!source) throw new DelineateError('DLN_REQUEST_INVALID', 'The file has no pixels to redact');
        assertInside(body.regions, source);
      }
      const latest = await reviews.latestCheck(row.id);
      if (latest && !latest.outcome && latest.jobId && ['queued', 'running'].includes((await jobs.get(latest.jobId)).status)) {
        throw new DelineateError('DLN_DEID_GATE_CHECK_RUNNING', 'The gate is still running on this file; wait for its result');
      }
      const project = await new ProjectRepository(db).get(row.project_id);
      const checkId = await reviews.createCheck({ recordId: row.id, regions: body.regions, requestedBy: userIdOf(request), now: ctx.clock() });
      const payload: GateCheckJobPayload = { projectId: row.project_id, recordId: row.id, checkId, regions: body.regions };
      // The job runs in the project's region only (data residency).
      const job = await jobs.enqueue({ kind: GATE_CHECK_JOB_KIND, region: project.region, payload, maxAttempts: 1 });
      await reviews.attachJob(checkId, job.id);
      return reply.status(202).send({ checkId, jobId: job.id });
    },
  });

  defineRoute(app, registry, {
    method: 'POST',
    url: '/api/deid-records/:id/release',
    operationId: 'releaseQuarantined',
    summary: 'Release a held file the gate now passes: its last checked rectangles go through the real ingest and it becomes an item (asynchronous)',
    tags: ['deid'],
    action: 'deid.quarantine.release',
    resource: 'deid_record',
    params: recordParams,
    body: QuarantineDecisionRequest,
    responses: { 202: { description: 'Queued', schema: z.object({ jobId: z.uuid() }) } },
    handler: async ({ params, body }, request, reply) => {
      const row = await heldRecord(params.id);
      await assertHeld(row);
      const check = await reviews.latestCheck(row.id);
      if (check?.outcome !== 'passes') throw new DelineateError('DLN_DEID_GATE_NOT_PASSED', 'The gate does not pass this file yet: redact it and run the gate again first');
      const project = await new ProjectRepository(db).get(row.project_id);
      const payload: RedactionJobPayload = { projectId: row.project_id, recordId: row.id, regions: check.regions as RedactionRegion[] };
      const job = await jobs.enqueue({ kind: REDACTION_JOB_KIND, region: project.region, payload, maxAttempts: 2 });
      await reviews.decide({ recordId: row.id, decision: 'released', note: body.note ?? '', checkId: check.id, releaseJobId: job.id, decidedBy: userIdOf(request), now: ctx.clock() });
      return reply.status(202).send({ jobId: job.id });
    },
  });

  defineRoute(app, registry, {
    method: 'POST',
    url: '/api/deid-records/:id/reject',
    operationId: 'rejectQuarantined',
    summary: 'Reject a held file for good, with the steward’s note; it leaves the queue and never becomes an item',
    tags: ['deid'],
    action: 'deid.quarantine.reject',
    resource: 'deid_record',
    params: recordParams,
    body: QuarantineRejectRequest,
    responses: { 200: { description: 'Rejected', schema: z.object({ id: z.uuid(), status: z.literal('rejected') }) } },
    handler: async ({ params, body }, request) => {
      const row = await heldRecord(params.id);
      await assertHeld(row);
      await reviews.decide({ recordId: row.id, decision: 'rejected', note: body.note, checkId: null, releaseJobId: null, decidedBy: userIdOf(request), now: ctx.clock() });
      return { id: row.id, status: 'rejected' as const };
    },
  });
}

/** Every rectangle must lie on the image, and name one of its frames when it names one. */
function assertInside(regions: readonly RedactionRegion[], source: PixelSource): void {
  const { rows, columns, numberOfFrames } = source.description;
  regions.forEach((r, index) => {
    if (r.x + r.width > columns || r.y + r.height > rows) {
      throw new DelineateError('DLN_DEID_REGION_OUTSIDE', `Rectangle ${index + 1} reaches outside the ${columns} × ${rows} image`, { rectangle: index + 1 });
    }
    if (r.lastFrame !== undefined) {
      throw new DelineateError('DLN_DEID_REGION_OUTSIDE', `Rectangle ${index + 1} names a frame range; only a video's rectangles may`, { rectangle: index + 1 });
    }
    if (r.frame !== undefined && r.frame >= numberOfFrames) {
      throw new DelineateError('DLN_DEID_REGION_OUTSIDE', `Rectangle ${index + 1} names frame ${r.frame + 1}; the image has ${numberOfFrames}`, { rectangle: index + 1 });
    }
  });
}
