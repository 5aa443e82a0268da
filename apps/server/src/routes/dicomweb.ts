import { join } from 'node:path';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { DelineateError, isDelineateError } from '@delineate/schema';
import { AnnotationRepository, DicomwebRepository, ReleaseRepository, releaseSegmentations, writeRevisionSegmentation, type BlobKey, type DicomwebConnection } from '@delineate/store';
import { appendRouteAudit } from '../access';
import { CredentialCipher } from '../access/secret-box';
import type { ServerContext } from '../context';
import { DicomwebClient, type StowOutcome } from '../dicomweb/client';
import { qidoSearchSchema, searchedFields } from '../dicomweb/qido';
import { RetrievalRunner } from '../dicomweb/retrievals';
import { requestUserId } from '../http/actor';
import { defineRoute, type RouteRegistry } from '../http/route';
import type { IngestRunner } from './ingest';

const tags = ['dicomweb'];
const projectParams = z.object({ projectId: z.uuid() });
const uid = z.string().regex(/^[0-9.]{1,64}$/, 'a DICOM UID');

const connectionBody = z
  .object({
    baseUrl: z.url({ protocol: /^https?$/ }).max(2048).transform((u) => u.replace(/\/+$/, '')),
    username: z.string().min(1).max(128).nullable().default(null),
    /** Omitted: keep the stored password; null: remove it. */
    password: z.string().min(1).max(256).nullable().optional(),
    timeoutMs: z.number().int().min(100).max(600_000).default(30_000),
    maxInstanceBytes: z.number().int().min(1024).max(4 * 1024 ** 3).default(512 * 1024 ** 2),
  })
  .strict();

const retrievalBody = z.object({ targets: z.array(z.object({ studyInstanceUid: uid, seriesInstanceUid: uid.optional() }).strict()).min(1).max(50) }).strict();

const sendBody = z.discriminatedUnion('source', [
  z.object({ source: z.literal('release'), releaseId: z.uuid(), exportId: z.uuid() }).strict(),
  /** Without a version: the annotation's accepted revision. */
  z.object({ source: z.literal('revision'), annotationId: z.uuid(), version: z.number().int().min(1).optional() }).strict(),
]);

/** What the settings page shows: never the password, only whether one is stored. */
function connectionView(c: DicomwebConnection | undefined) {
  if (!c) return { configured: false as const };
  return { configured: true as const, baseUrl: c.baseUrl, username: c.username, hasPassword: c.sealedPassword !== null, timeoutMs: c.timeoutMs, maxInstanceBytes: c.maxInstanceBytes, updatedAt: c.updatedAt };
}

/**
 * DICOMweb (issue 14): a project's PACS connection (set by project admins; the password sealed
 * with the server's credential key), QIDO-RS searches (before de-identification: stewards and
 * project admins only; each leaves an audit event naming the fields searched, never the values),
 * WADO-RS retrievals through the ingest gate as jobs with progress, and STOW-RS sends of
 * accepted revisions and release SEG exports, each recorded with the PACS's answer.
 */
export function registerDicomwebRoutes(app: FastifyInstance, registry: RouteRegistry, ctx: ServerContext, ingest: IngestRunner | undefined, key: BlobKey | undefined): RetrievalRunner {
  const repository = new DicomwebRepository(ctx.database.db, { clock: ctx.clock });
  let cipher: Promise<CredentialCipher> | undefined;
  const credentials = () => (cipher ??= CredentialCipher.load(ctx.config.dataDir));

  const clientOf = async (projectId: string): Promise<DicomwebClient> => {
    const c = await repository.connection(projectId);
    if (!c) throw new DelineateError('DLN_DICOMWEB_NOT_CONFIGURED', 'This project has no PACS connection; a project admin sets one on the PACS page');
    const password = c.sealedPassword === null ? null : (await credentials()).open(c.sealedPassword);
    return new DicomwebClient({ baseUrl: c.baseUrl, username: c.username, password, timeoutMs: c.timeoutMs, maxInstanceBytes: c.maxInstanceBytes });
  };
  const runner = new RetrievalRunner({
    database: ctx.database,
    repository,
    ingest,
    key,
    stagingDir: join(ctx.config.dataDir, 'dicomweb-staging'),
    clock: ctx.clock,
    region: ctx.config.region,
    clientOf,
  });
  // Retrievals left by a server that stopped are taken up once this one is ready.
  app.addHook('onReady', async () => runner.wake());
  app.addHook('onClose', () => runner.stop());

  /** An event of its own beside the access layer's per-request one, for what the request did. */
  const audit = (request: FastifyRequest, projectId: string, action: string, objectId: string | null, outcome: 'success' | 'error') =>
    appendRouteAudit(request, { action, objectType: 'project', objectId, projectId, purpose: 'annotation_project', outcome });

  defineRoute(app, registry, {
    method: 'GET', url: '/api/projects/:projectId/dicomweb/connection', operationId: 'getDicomwebConnection', tags,
    summary: "The project's PACS connection (never its password)",
    action: 'dicomweb.connection.read', resource: 'project', params: projectParams,
    responses: { 200: { description: 'The connection, or { configured: false }' } },
    handler: async ({ params }) => connectionView(await repository.connection(params.projectId)),
  });

  defineRoute(app, registry, {
    method: 'PUT', url: '/api/projects/:projectId/dicomweb/connection', operationId: 'setDicomwebConnection', tags,
    summary: "Sets the project's PACS connection: DICOMweb root, credentials (stored encrypted) and limits",
    action: 'dicomweb.connection.update', resource: 'project', params: projectParams, body: connectionBody,
    responses: { 200: { description: 'The connection as stored (never its password)' } },
    handler: async ({ params, body }, request) => {
      const previous = await repository.connection(params.projectId);
      const sealedPassword = body.password === undefined ? (previous?.sealedPassword ?? null) : body.password === null ? null : (await credentials()).seal(body.password);
      const saved = await repository.saveConnection({ projectId: params.projectId, baseUrl: body.baseUrl, username: body.username, sealedPassword, timeoutMs: body.timeoutMs, maxInstanceBytes: body.maxInstanceBytes, updatedBy: requestUserId(request) });
      return connectionView(saved);
    },
  });

  defineRoute(app, registry, {
    method: 'POST', url: '/api/projects/:projectId/dicomweb/search', operationId: 'searchDicomweb', tags,
    summary: 'Searches the PACS (QIDO-RS) for studies or series: identifying results, for stewards and project admins only',
    action: 'dicomweb.search', resource: 'project', params: projectParams, body: qidoSearchSchema,
    responses: { 200: { description: 'The matches' }, 502: { description: 'DLN_DICOMWEB_UNREACHABLE, DLN_DICOMWEB_UNAUTHORIZED, DLN_DICOMWEB_ANSWER' } },
    handler: async ({ params, body }, request, reply) => {
      const fields = searchedFields(body);
      const record = (matches: number | null, errorCode: string | null) =>
        Promise.all([
          repository.recordQuery({ projectId: params.projectId, userId: requestUserId(request), level: body.level, fields, matches, errorCode }),
          audit(request, params.projectId, `dicomweb.search.${body.level}.${fields.length > 0 ? fields.join('+') : 'all'}`, null, errorCode ? 'error' : 'success'),
        ]);
      try {
        const matches = await (await clientOf(params.projectId)).search(body);
        await record(matches.length, null);
        // Identifying values: never kept by a browser or a proxy.
        reply.header('cache-control', 'no-store');
        return { matches };
      } catch (error) {
        await record(null, isDelineateError(error) ? error.code : 'DLN_INTERNAL');
        throw error;
      }
    },
  });

  defineRoute(app, registry, {
    method: 'POST', url: '/api/projects/:projectId/dicomweb/retrievals', operationId: 'startDicomwebRetrieval', tags,
    summary: 'Retrieves studies or series from the PACS (WADO-RS) through the de-identification gate, as a job with progress',
    action: 'dicomweb.retrieve', resource: 'project', params: projectParams, body: retrievalBody,
    responses: { 202: { description: 'The retrieval, running' }, 409: { description: 'DLN_DICOMWEB_NOT_CONFIGURED' }, 503: { description: 'DLN_INGEST_UNAVAILABLE' } },
    handler: async ({ params, body }, request, reply) => {
      await clientOf(params.projectId);
      const retrieval = await runner.start({ projectId: params.projectId, requestedBy: requestUserId(request), targets: body.targets });
      await audit(request, params.projectId, `dicomweb.retrieve.${body.targets.length}`, retrieval.id, 'success');
      return reply.status(202).send(retrieval);
    },
  });

  defineRoute(app, registry, {
    method: 'GET', url: '/api/projects/:projectId/dicomweb/retrievals', operationId: 'listDicomwebRetrievals', tags,
    summary: "The project's latest retrievals with their progress",
    action: 'dicomweb.retrieval.read', resource: 'project', params: projectParams,
    responses: { 200: { description: 'Retrievals, newest first' } },
    handler: async ({ params }) => ({ retrievals: await repository.retrievals(params.projectId) }),
  });

  defineRoute(app, registry, {
    method: 'GET', url: '/api/projects/:projectId/dicomweb/retrievals/:retrievalId', operationId: 'getDicomwebRetrieval', tags,
    summary: "One retrieval's progress: instances received, passed, quarantined and rejected",
    action: 'dicomweb.retrieval.read', resource: 'project', params: projectParams.extend({ retrievalId: z.uuid() }),
    responses: { 200: { description: 'The retrieval' }, 404: { description: 'DLN_DICOMWEB_RETRIEVAL_NOT_FOUND' } },
    handler: async ({ params }) => repository.retrieval(params.projectId, params.retrievalId),
  });

  defineRoute(app, registry, {
    method: 'POST', url: '/api/projects/:projectId/dicomweb/sends', operationId: 'sendToDicomweb', tags,
    summary: "Sends an accepted revision's DICOM SEG, or a release export's SEG objects, to the PACS (STOW-RS)",
    action: 'dicomweb.send', resource: 'project', params: projectParams, body: sendBody,
    responses: { 200: { description: 'The send as recorded, with the PACS answer' }, 409: { description: 'DLN_DICOMWEB_REVISION_NOT_ACCEPTED, DLN_DICOMWEB_RELEASE_NO_SEG' }, 502: { description: 'DLN_DICOMWEB_*' } },
    handler: async ({ params, body }, request) => {
      const client = await clientOf(params.projectId);
      let instances: Uint8Array[];
      let revisionVersion: number | null = null;
      if (body.source === 'revision') {
        const annotation = await new AnnotationRepository(ctx.database.db, { blobs: ctx.blobs, clock: ctx.clock }).get(body.annotationId);
        if (annotation.projectId !== params.projectId) throw new DelineateError('DLN_NOT_FOUND', 'Annotation not found');
        const seg = await writeRevisionSegmentation(ctx.database.db, ctx.blobs, { annotationId: body.annotationId, version: body.version }, ctx.clock);
        instances = [seg.bytes];
        revisionVersion = seg.version;
      } else {
        const release = await new ReleaseRepository(ctx.database.db, { clock: ctx.clock }).get(body.releaseId);
        if (release.projectId !== params.projectId) throw new DelineateError('DLN_NOT_FOUND', 'Release not found');
        instances = await releaseSegmentations(ctx.database.db, ctx.blobs, body.releaseId, body.exportId);
      }
      const base = {
        projectId: params.projectId,
        sentBy: requestUserId(request),
        source: body.source,
        releaseId: body.source === 'release' ? body.releaseId : null,
        exportId: body.source === 'release' ? body.exportId : null,
        annotationId: body.source === 'revision' ? body.annotationId : null,
        revisionVersion,
        instances: instances.length,
      };
      const objectId = body.source === 'release' ? body.releaseId : body.annotationId;
      let outcome: StowOutcome;
      try {
        outcome = await client.store(instances);
      } catch (error) {
        const code = isDelineateError(error) ? error.code : 'DLN_INTERNAL';
        const httpStatus = isDelineateError(error) && typeof error.details?.httpStatus === 'number' ? error.details.httpStatus : null;
        await repository.recordSend({ ...base, status: 'failed', httpStatus, stored: 0, failed: instances.length, errorCode: code });
        await audit(request, params.projectId, `dicomweb.send.${body.source}`, objectId, 'error');
        throw error;
      }
      const send = await repository.recordSend({ ...base, status: outcome.failed > 0 ? 'partial' : 'stored', httpStatus: outcome.httpStatus, stored: outcome.stored, failed: outcome.failed, errorCode: null });
      await audit(request, params.projectId, `dicomweb.send.${body.source}`, objectId, 'success');
      return send;
    },
  });

  defineRoute(app, registry, {
    method: 'GET', url: '/api/projects/:projectId/dicomweb/sends', operationId: 'listDicomwebSends', tags,
    summary: 'What was sent to the PACS, newest first, with its answers',
    action: 'dicomweb.send.list', resource: 'project', params: projectParams,
    responses: { 200: { description: 'Sends' } },
    handler: async ({ params }) => ({ sends: await repository.sends(params.projectId) }),
  });

  return runner;
}
