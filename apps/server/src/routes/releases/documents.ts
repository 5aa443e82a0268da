import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { DelineateError, releaseDocumentFormats, ReleaseTrace } from '@delineate/schema';
import { parseVoxel, releaseDocumentFile, ReleaseRepository, traceVoxel } from '@delineate/store';
import type { ServerContext } from '../../context';
import { defineRoute, type RouteRegistry } from '../../http/route';

type Audit = (request: FastifyRequest, release: { id: string; projectId: string }, action: string) => Promise<void>;

const idParams = z.object({ id: z.uuid() });
const fileParams = z.object({ id: z.uuid(), file: z.string().min(3).max(80) });
const traceQuery = z.object({ item: z.uuid(), voxel: z.string().min(5).max(40) });
const DocumentEntry = z.object({ kind: z.string(), format: z.enum(releaseDocumentFormats), hash: z.string(), url: z.string() });
const tags = ['releases'];

/**
 * A document shown in the web app's sandboxed frame: nothing may load or run (its styles are
 * inline, its plots inline SVG), it is sandboxed even when opened directly, and only this origin
 * may frame it.
 */
export const documentContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'; sandbox";

const contentTypes = { html: 'text/html; charset=utf-8', pdf: 'application/pdf', json: 'application/json' } as const;

/** Release documents (list, download, HTML for the sandboxed frame) and the voxel trace, audited. */
export function registerReleaseDocumentRoutes(app: FastifyInstance, registry: RouteRegistry, ctx: ServerContext, audit: Audit): void {
  const releases = new ReleaseRepository(ctx.database.db);

  defineRoute(app, registry, {
    method: 'GET', url: '/api/releases/:id/documents', operationId: 'listReleaseDocuments', tags,
    summary: "A frozen release's documents (annotation protocol, inter-observer variability, dataset composition, QA results) in HTML, PDF and JSON",
    action: 'document.read', resource: 'release', params: idParams,
    responses: { 200: { description: 'Documents with their recorded hashes', schema: z.object({ documents: z.array(DocumentEntry) }) } },
    handler: async ({ params }) => {
      const release = await releases.get(params.id);
      return {
        documents: release.documents.flatMap((d) => {
          const dot = d.kind.lastIndexOf('.');
          const format = z.enum(releaseDocumentFormats).safeParse(d.kind.slice(dot + 1));
          if (dot < 0 || !format.success) return [];
          return [{ kind: d.kind.slice(0, dot), format: format.data, hash: d.hash, url: `/api/releases/${release.id}/documents/${d.kind}` }];
        }),
      };
    },
  });

  defineRoute(app, registry, {
    method: 'GET', url: '/api/releases/:id/documents/:file', operationId: 'getReleaseDocument', tags,
    summary: 'One document as recorded at freeze, e.g. qa_results.pdf (HTML is served sandboxed, for a frame of this origin)',
    action: 'document.read', resource: 'release', params: fileParams,
    responses: { 200: { description: 'The document', binary: 'application/octet-stream' }, 404: { description: 'No such document' } },
    handler: async ({ params }, request, reply) => {
      const dot = params.file.lastIndexOf('.');
      if (dot < 1) throw new DelineateError('DLN_DOCUMENT_FORMAT_UNKNOWN', 'A document is named kind.format, e.g. qa_results.pdf');
      const { release, bytes, format } = await releaseDocumentFile(ctx.database.db, ctx.blobs, params.id, params.file.slice(0, dot), params.file.slice(dot + 1));
      await audit(request, release, `release.document.read.${format}`);
      reply.type(contentTypes[format]).header('cache-control', 'no-store');
      if (format === 'html') reply.header('content-security-policy', documentContentSecurityPolicy).header('x-frame-options', 'SAMEORIGIN');
      else reply.header('content-disposition', `attachment; filename="${params.file}"`);
      return reply.send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    },
  });

  defineRoute(app, registry, {
    method: 'GET', url: '/api/releases/:id/trace', operationId: 'traceReleaseVoxel', tags,
    summary: 'Who drew one voxel of a released item: the label, the revision that set it, its author, chain and review, STAPLE figures, the DeidRecord',
    action: 'release.trace', resource: 'release', params: idParams, query: traceQuery,
    responses: { 200: { description: 'The trace', schema: ReleaseTrace }, 404: { description: 'DLN_TRACE_ITEM_NOT_RELEASED' }, 422: { description: 'DLN_TRACE_VOXEL_OUT_OF_GRID' } },
    handler: async ({ params, query }, request) => {
      const trace = await traceVoxel(ctx.database.db, ctx.blobs, params.id, query.item, parseVoxel(query.voxel));
      await audit(request, await releases.get(params.id), 'release.traced');
      return trace;
    },
  });
}
