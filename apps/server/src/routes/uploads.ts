import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  DelineateError,
  UPLOAD_GATE_JOB_KIND,
  UploadBatchStatus,
  UploadFileStatus,
  uploadFileStateWords,
  type UploadCounts,
  type UploadGateJobPayload,
} from '@delineate/schema';
import { JobQueue, ProjectRepository, UploadStaging, type BlobKey, type UploadBatch, type UploadFile } from '@delineate/store';
import { appendRouteAudit, requestAccess } from '../access';
import type { ServerContext } from '../context';
import { requestUserId } from '../http/actor';
import { binaryBody, defineRoute, type RouteRegistry } from '../http/route';

/** The largest chunk a client sends in one request; the route's body limit bounds it too. */
export const UPLOAD_CHUNK_BYTES = 8 * 1024 * 1024;
/** The largest file one upload session takes (a zip of a study, a multi-frame volume). */
export const UPLOAD_MAX_FILE_BYTES = 4 * 1024 * 1024 * 1024;

const projectParams = z.object({ projectId: z.uuid() });
const idParams = z.object({ id: z.uuid() });
const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'expected a SHA-256 in lowercase hex');

const CreateUploadFile = z.object({
  /** The file's path in the folder dropped, as the browser gives it; kept sealed at rest. */
  name: z.string().min(1).max(1024),
  size: z.number().int().positive(),
  sha256: Sha256.optional(),
  /** The eye of a plain photograph (PNG, JPEG) for a fundus project: OD right, OS left. */
  laterality: z.enum(['OD', 'OS']).optional(),
});

const uploadSession = z.object({ id: z.uuid(), received: z.number().int(), size: z.number().int(), state: z.string(), chunkBytes: z.number().int() });

function fileStatus(file: UploadFile): UploadFileStatus {
  return {
    id: file.id,
    name: file.name,
    size: file.size,
    received: file.received,
    state: file.state,
    stateWords: uploadFileStateWords[file.state],
    code: file.code,
    reason: file.reason,
    outcome: file.outcome,
  };
}

/** Counts over the files the gate took; an archive counts each of its files. */
function countsOf(files: readonly UploadFile[]): UploadCounts {
  const counts: UploadCounts = { files: files.length, uploading: 0, waiting: 0, gating: 0, passed: 0, quarantined: 0, rejected: 0, duplicates: 0 };
  for (const file of files) {
    if (file.state === 'uploading' || file.state === 'waiting' || file.state === 'gating') counts[file.state] += 1;
    else if (file.outcome) {
      counts.passed += file.outcome.passed;
      counts.quarantined += file.outcome.quarantined;
      counts.rejected += file.outcome.rejected;
      counts.duplicates += file.outcome.duplicates;
    } else counts[file.state === 'duplicate' ? 'duplicates' : file.state] += 1;
  }
  return counts;
}

function batchStatus(batch: UploadBatch, files: readonly UploadFile[]): UploadBatchStatus {
  return {
    id: batch.id,
    projectId: batch.projectId,
    createdAt: batch.createdAt.toISOString(),
    closedAt: batch.closedAt?.toISOString() ?? null,
    finished: batch.closedAt !== null && files.every((f) => f.state !== 'uploading' && f.state !== 'waiting' && f.state !== 'gating'),
    files: files.map(fileStatus),
    counts: countsOf(files),
  };
}

/**
 * Resumable browser upload into a project (issue 14), for project admins and data stewards. A
 * batch holds the files dropped together; each file is an upload session taking chunks at the
 * offset the server reports (GET or HEAD gives it after an interruption). Closing the batch
 * enqueues one gate job for its files in the project's region: the HTTP requests only stage
 * sealed bytes, the gate runs in the worker.
 */
export function registerUploadRoutes(app: FastifyInstance, registry: RouteRegistry, ctx: ServerContext, key: BlobKey | undefined): void {
  const chunkBytes = Math.min(UPLOAD_CHUNK_BYTES, ctx.config.maxMaskBytes);
  const staging = (db = ctx.database.db) => {
    if (!key) throw new DelineateError('DLN_UPLOAD_UNAVAILABLE', 'This server takes no uploads (it was started without the blob key)');
    return new UploadStaging(db, { key, clock: ctx.clock, maxFileBytes: UPLOAD_MAX_FILE_BYTES });
  };
  const session = (file: UploadFile) => ({ id: file.id, received: file.received, size: file.size, state: file.state, chunkBytes });
  /** Completes a file from its last chunk's request, audited as the complete route is (who, which file, when, how it ended). */
  const completeFile = async (stage: UploadStaging, fileId: string, request: FastifyRequest): Promise<UploadFileStatus> => {
    const access = requestAccess(request);
    const projectId = access.resource.kind === 'object' ? access.resource.projectId : null;
    const event = { action: 'upload.write', objectType: 'upload_file', objectId: fileId, projectId, purpose: 'annotation_project' } as const;
    try {
      const file = fileStatus(await stage.complete(fileId));
      await appendRouteAudit(request, { ...event, outcome: 'success' });
      return file;
    } catch (error) {
      await appendRouteAudit(request, { ...event, outcome: 'error' });
      throw error;
    }
  };

  defineRoute(app, registry, {
    method: 'POST',
    url: '/api/projects/:projectId/uploads',
    operationId: 'createUploadBatch',
    summary: 'Start an upload batch (the files dropped together) into the project',
    tags: ['ingest'],
    action: 'upload.create',
    resource: 'project',
    params: projectParams,
    responses: { 201: { description: 'The batch', schema: z.object({ id: z.uuid(), chunkBytes: z.number().int() }) } },
    handler: async ({ params }, request, reply) => {
      const batch = await staging().createBatch({ projectId: params.projectId, userId: requestUserId(request) });
      return reply.status(201).send({ id: batch.id, chunkBytes });
    },
  });

  defineRoute(app, registry, {
    method: 'POST',
    url: '/api/upload-batches/:id/files',
    operationId: 'createUploadFile',
    summary: 'Open an upload session for one file of a batch (name, size, optional SHA-256)',
    tags: ['ingest'],
    action: 'upload.write',
    resource: 'upload_batch',
    params: idParams,
    body: CreateUploadFile,
    responses: { 201: { description: 'The session: where to send bytes from, and in what chunks', schema: uploadSession } },
    handler: async ({ params, body }, _request, reply) => {
      const file = await staging().createFile({ batchId: params.id, name: body.name, size: body.size, sha256: body.sha256, laterality: body.laterality });
      return reply.status(201).send(session(file));
    },
  });

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/upload-files/:id',
    operationId: 'getUploadFile',
    summary: 'How many bytes of a file the server has (also as the Upload-Offset header, for HEAD)',
    tags: ['ingest'],
    action: 'upload.read',
    resource: 'upload_file',
    params: idParams,
    responses: { 200: { description: 'The session', schema: uploadSession } },
    handler: async ({ params }, _request, reply) => {
      const file = await staging().file(params.id);
      return reply.header('upload-offset', String(file.received)).header('cache-control', 'no-store').send(session(file));
    },
  });

  defineRoute(app, registry, {
    method: 'PATCH',
    url: '/api/upload-files/:id',
    operationId: 'appendUploadChunk',
    summary: 'Send the bytes of a file from `offset`, which must be what the server has; `complete=true` on the last chunk also ends the file’s upload',
    tags: ['ingest'],
    // Audited per file and session (a count of chunks), not per chunk: opening and completing the file are audited each.
    action: 'upload.append',
    resource: 'upload_file',
    params: idParams,
    query: z.object({ offset: z.coerce.number().int().min(0), complete: z.enum(['true', 'false']).optional() }),
    body: binaryBody,
    responses: { 200: { description: 'The new offset, and the file’s state once completed', schema: z.object({ received: z.number().int(), file: UploadFileStatus.optional() }) } },
    handler: async ({ params, query, body }, request, reply) => {
      if (body.length > chunkBytes) throw new DelineateError('DLN_REQUEST_TOO_LARGE', `A chunk is at most ${chunkBytes} bytes`, { limit: chunkBytes });
      const stage = staging();
      const received = await stage.appendChunk(params.id, query.offset, body);
      reply.header('upload-offset', String(received));
      // One request less per file: most DICOM slices are one chunk, so a file costs two requests, not three.
      if (query.complete !== 'true') return { received };
      const file = await completeFile(stage, params.id, request);
      return { received, file };
    },
  });

  defineRoute(app, registry, {
    method: 'POST',
    url: '/api/upload-files/:id/complete',
    operationId: 'completeUploadFile',
    summary: 'End a file’s upload: all bytes there and matching its SHA-256; a file already in the project is a duplicate',
    tags: ['ingest'],
    action: 'upload.write',
    resource: 'upload_file',
    params: idParams,
    responses: { 200: { description: 'The file’s state', schema: UploadFileStatus } },
    handler: async ({ params }) => fileStatus(await staging().complete(params.id)),
  });

  defineRoute(app, registry, {
    method: 'POST',
    url: '/api/upload-batches/:id/close',
    operationId: 'closeUploadBatch',
    summary: 'Close a batch whose files are all uploaded and queue its gate job',
    tags: ['ingest'],
    action: 'upload.write',
    resource: 'upload_batch',
    params: idParams,
    responses: { 202: { description: 'Queued', schema: UploadBatchStatus } },
    handler: async ({ params }, _request, reply) => {
      const status = await ctx.database.db.transaction().execute(async (tx) => {
        const stage = staging(tx);
        const batch = await stage.batch(params.id);
        const files = await stage.files(batch.id);
        const uploading = files.filter((f) => f.state === 'uploading').length;
        if (uploading > 0) throw new DelineateError('DLN_UPLOAD_INCOMPLETE', `${uploading} file(s) of the batch are still uploading; finish them first`, { uploading });
        const waiting = files.some((f) => f.state === 'waiting');
        const project = await new ProjectRepository(tx).get(batch.projectId);
        const payload: UploadGateJobPayload = { projectId: batch.projectId, batchId: batch.id };
        // The gate runs in the project's region only (data residency); a batch of duplicates needs none.
        const job = waiting ? await new JobQueue(tx, { clock: ctx.clock }).enqueue({ kind: UPLOAD_GATE_JOB_KIND, region: project.region, payload, maxAttempts: 2 }) : undefined;
        return batchStatus(await stage.close(batch.id, job?.id ?? null), files);
      });
      return reply.status(202).send(status);
    },
  });

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/upload-batches/:id',
    operationId: 'getUploadBatch',
    summary: 'Each file of a batch with its state (uploading, waiting, in the gate, passed, quarantined, rejected, duplicate), reason and counts',
    tags: ['ingest'],
    action: 'upload.read',
    resource: 'upload_batch',
    params: idParams,
    responses: { 200: { description: 'The batch', schema: UploadBatchStatus } },
    handler: async ({ params }, _request, reply) => {
      const stage = staging();
      const batch = await stage.batch(params.id);
      return reply.header('cache-control', 'no-store').send(batchStatus(batch, await stage.files(batch.id)));
    },
  });
}
