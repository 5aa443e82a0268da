import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  ConsensusMethod,
  DelineateError,
  Id,
  isManifestV2,
  Release,
  ReleaseBuildRequest,
  ReleaseExport,
  ReleasePreview,
  ReleaseVerification,
  type Release as ReleaseType,
} from '@delineate/schema';
import {
  enqueueReleaseExport,
  freezeRelease,
  getReleaseExport,
  listReleaseExports,
  ReleaseBuilder,
  releaseExportArchive,
  releaseExportFormats,
  ReleaseRepository,
  verifyRelease,
} from '@delineate/store';
import { appendRouteAudit, requestAccess } from '../../access';
import type { ServerContext } from '../../context';
import { defineRoute, type RouteRegistry } from '../../http/route';
import { registerReleaseDocumentRoutes } from './documents';

const projectParams = z.object({ projectId: z.uuid() });
const releaseParams = z.object({ projectId: z.uuid(), releaseId: z.uuid() });
const exportParams = z.object({ id: z.uuid(), exportId: z.uuid() });
const ReleaseSummary = z.object({
  id: Id,
  name: z.string(),
  status: z.enum(['draft', 'frozen']),
  manifestHash: z.string().nullable(),
  items: z.number().int(),
  excluded: z.number().int(),
  documents: z.number().int(),
  createdAt: z.iso.datetime(),
  frozenAt: z.iso.datetime().nullable(),
});
const settingsBody = z.object({ consensusMethod: ConsensusMethod });
const exportBody = z.object({ format: z.string().min(1).max(64) });
const tags = ['releases'];

function userIdOf(request: FastifyRequest): string | null {
  const principal = requestAccess(request).principal;
  return principal.kind === 'user' ? principal.userId : null;
}

function summaryOf(r: ReleaseType): z.infer<typeof ReleaseSummary> {
  const m = r.manifest;
  return {
    id: r.id,
    name: r.name,
    status: r.status,
    manifestHash: r.manifestHash,
    items: m.items.length,
    excluded: isManifestV2(m) ? m.excluded.length : 0,
    documents: r.documents.length,
    createdAt: r.createdAt,
    frozenAt: r.frozenAt,
  };
}

/**
 * Releases (issue 13): preview and build from a filter with splits, freeze, read, verify, and
 * exports as jobs with a download. Project admins build and export; auditors read. Every request
 * is audited by the access layer; building, freezing, verifying, exporting and downloading also
 * leave an event naming the release.
 */
export function registerReleaseRoutes(app: FastifyInstance, registry: RouteRegistry, ctx: ServerContext): void {
  const releases = new ReleaseRepository(ctx.database.db, { clock: ctx.clock });
  const builder = new ReleaseBuilder(ctx.database.db, ctx.blobs, { clock: ctx.clock });
  /** An explicit event naming the release, beside the access layer's per-request one (which names the route's object). */
  const audit = (request: FastifyRequest, release: { id: string; projectId: string }, action: string) =>
    appendRouteAudit(request, { action, objectType: 'release', objectId: release.id, projectId: release.projectId, purpose: 'release', outcome: 'success' });
  /** A release of the project in the URL (another project's release is not found here). */
  const releaseOf = async (projectId: string, releaseId: string) => {
    const release = await releases.get(releaseId);
    if (release.projectId !== projectId) throw new DelineateError('DLN_NOT_FOUND', 'Release not found');
    return release;
  };

  defineRoute(app, registry, {
    method: 'GET', url: '/api/projects/:projectId/releases', operationId: 'listReleases', tags,
    summary: "The project's releases, oldest first",
    action: 'release.list', resource: 'project', params: projectParams,
    responses: { 200: { description: 'Releases', schema: z.object({ releases: z.array(ReleaseSummary) }) } },
    handler: async ({ params }) => ({ releases: (await releases.listForProject(params.projectId)).map(summaryOf) }),
  });

  defineRoute(app, registry, {
    method: 'GET', url: '/api/projects/:projectId/releases/settings', operationId: 'getReleaseSettings', tags,
    summary: 'How multi-reader items are combined in releases (the consensus method)',
    action: 'release.read', resource: 'project', params: projectParams,
    responses: { 200: { description: 'Settings', schema: settingsBody } },
    handler: async ({ params }) => ({ consensusMethod: await builder.consensusMethod(params.projectId) }),
  });

  defineRoute(app, registry, {
    method: 'PUT', url: '/api/projects/:projectId/releases/settings', operationId: 'updateReleaseSettings', tags,
    summary: 'Set the consensus method of multi-reader items: STAPLE, multi-label STAPLE or majority vote',
    action: 'release.create', resource: 'project', params: projectParams, body: settingsBody,
    responses: { 200: { description: 'Settings', schema: settingsBody } },
    handler: async ({ params, body }, request) => ({ consensusMethod: await builder.setConsensusMethod(params.projectId, body.consensusMethod, userIdOf(request)) }),
  });

  defineRoute(app, registry, {
    method: 'POST', url: '/api/projects/:projectId/releases/preview', operationId: 'previewRelease', tags,
    summary: 'What a filter and splits would release: items, exclusions with reasons, unreviewed work, subjects in two splits',
    action: 'release.create', resource: 'project', params: projectParams, body: ReleaseBuildRequest,
    responses: { 200: { description: 'The preview (nothing is written)', schema: ReleasePreview } },
    handler: async ({ params, body }) => builder.preview(params.projectId, body),
  });

  defineRoute(app, registry, {
    method: 'POST', url: '/api/projects/:projectId/releases', operationId: 'buildRelease', tags,
    summary: 'Build a draft release (refused on unreviewed work, a subject in two splits or an item without a split)',
    action: 'release.create', resource: 'project', params: projectParams, body: ReleaseBuildRequest,
    responses: {
      201: { description: 'The draft with its manifest', schema: Release },
      409: { description: 'DLN_RELEASE_UNREVIEWED, with the unreviewed work listed' },
      422: { description: 'DLN_RELEASE_SPLIT_OVERLAP, DLN_RELEASE_SPLIT_MISSING or DLN_RELEASE_EMPTY' },
    },
    handler: async ({ params, body }, request, reply) => {
      const release = await builder.build(params.projectId, body);
      await audit(request, release, 'release.built');
      return reply.status(201).send(release);
    },
  });

  defineRoute(app, registry, {
    method: 'GET', url: '/api/projects/:projectId/releases/:releaseId', operationId: 'getRelease', tags,
    summary: 'One release with its manifest and documents',
    action: 'release.read', resource: 'release', params: releaseParams,
    responses: { 200: { description: 'The release', schema: Release } },
    handler: async ({ params }) => releaseOf(params.projectId, params.releaseId),
  });

  defineRoute(app, registry, {
    method: 'POST', url: '/api/projects/:projectId/releases/:releaseId/freeze', operationId: 'freezeRelease', tags,
    summary: 'Freeze a draft: its canonical manifest is hashed and never changes again; its four documents are generated and their hashes recorded',
    action: 'release.freeze', resource: 'release', params: releaseParams,
    responses: { 200: { description: 'The frozen release', schema: Release }, 409: { description: 'Already frozen' } },
    handler: async ({ params }, request) => {
      await releaseOf(params.projectId, params.releaseId);
      const frozen = await freezeRelease(ctx.database.db, ctx.blobs, params.releaseId, ctx.clock);
      await audit(request, frozen, 'release.frozen');
      return frozen;
    },
  });

  defineRoute(app, registry, {
    method: 'POST', url: '/api/projects/:projectId/releases/:releaseId/verify', operationId: 'verifyRelease', tags,
    summary: 'Re-hash every blob and document of a frozen release against its manifest',
    action: 'release.read', resource: 'release', params: releaseParams,
    responses: { 200: { description: 'What differs, if anything', schema: ReleaseVerification } },
    handler: async ({ params }, request) => {
      const release = await releaseOf(params.projectId, params.releaseId);
      const result = await verifyRelease(ctx.database.db, ctx.blobs, params.releaseId);
      await audit(request, release, result.ok ? 'release.verified' : 'release.verify.mismatch');
      return result;
    },
  });

  defineRoute(app, registry, {
    method: 'GET', url: '/api/projects/:projectId/releases/:releaseId/exports', operationId: 'listReleaseExports', tags,
    summary: "A release's exports with their progress, and the formats it can be exported in",
    action: 'export.read', resource: 'release', params: releaseParams,
    responses: { 200: { description: 'Exports', schema: z.object({ formats: z.array(z.object({ key: z.string(), title: z.string() })), exports: z.array(ReleaseExport) }) } },
    handler: async ({ params }) => {
      await releaseOf(params.projectId, params.releaseId);
      return {
        formats: Object.values(releaseExportFormats).map((f) => ({ key: f.key, title: f.title })),
        exports: await listReleaseExports(ctx.database.db, params.releaseId),
      };
    },
  });

  defineRoute(app, registry, {
    method: 'POST', url: '/api/projects/:projectId/releases/:releaseId/exports', operationId: 'exportRelease', tags,
    summary: 'Queue an export of a frozen release in one format (a job with progress)',
    action: 'export.create', resource: 'release', params: releaseParams, body: exportBody,
    responses: { 202: { description: 'The queued export', schema: ReleaseExport }, 400: { description: 'DLN_RELEASE_EXPORT_FORMAT' }, 409: { description: 'DLN_RELEASE_NOT_FROZEN' } },
    handler: async ({ params, body }, request, reply) => {
      const release = await releaseOf(params.projectId, params.releaseId);
      const queued = await enqueueReleaseExport(ctx.database.db, { releaseId: params.releaseId, format: body.format, userId: userIdOf(request) }, ctx.clock);
      await audit(request, release, `release.export.queued.${queued.format}`);
      return reply.status(202).send(queued);
    },
  });

  defineRoute(app, registry, {
    method: 'GET', url: '/api/releases/:id/exports/:exportId', operationId: 'getReleaseExport', tags,
    summary: "One export's state and progress",
    action: 'export.read', resource: 'release', params: exportParams,
    responses: { 200: { description: 'The export', schema: ReleaseExport } },
    handler: async ({ params }) => getReleaseExport(ctx.database.db, params.id, params.exportId),
  });

  defineRoute(app, registry, {
    method: 'GET', url: '/api/releases/:id/exports/:exportId/download', operationId: 'downloadReleaseExport', tags,
    summary: 'The archive of a finished export (tar: dataset.json, manifest.json, per item the format files and provenance.json)',
    action: 'export.read', resource: 'release', params: exportParams,
    responses: { 200: { description: 'The archive', binary: 'application/x-tar' }, 409: { description: 'DLN_RELEASE_EXPORT_NOT_READY' } },
    handler: async ({ params }, request, reply) => {
      const { export: e, bytes } = await releaseExportArchive(ctx.database.db, ctx.blobs, params.id, params.exportId);
      await audit(request, await releases.get(params.id), `release.export.downloaded.${e.format}`);
      return reply
        .type('application/x-tar')
        .header('content-disposition', `attachment; filename="release-${params.id}-${e.format}.tar"`)
        .send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    },
  });

  registerReleaseDocumentRoutes(app, registry, ctx, audit);
}
