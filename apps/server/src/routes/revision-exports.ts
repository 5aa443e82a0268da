import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { zipFolder } from '@delineate/formats';
import { writeRevisionOmeZarr } from '@delineate/store';
import type { ServerContext } from '../context';
import { defineRoute, type RouteRegistry } from '../http/route';
import { assertBlindingAllows } from './workflow/blinding';

const revisionParams = z.object({ annotationId: z.uuid(), version: z.coerce.number().int().min(1) });
const exportQuery = z.object({ codec: z.enum(['gzip', 'zstd']).default('gzip') });

export function registerRevisionExportRoutes(app: FastifyInstance, registry: RouteRegistry, ctx: ServerContext): void {
  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/annotations/:annotationId/revisions/:version/ome-zarr',
    operationId: 'getRevisionOmeZarr',
    summary: "A revision's mask as an OME-Zarr (zarr v3) label image, zipped; chunks are the mask's tiles",
    tags: ['annotations'],
    action: 'mask.read',
    resource: 'annotation',
    params: revisionParams,
    query: exportQuery,
    responses: { 200: { description: 'The zipped zarr v3 store (zarr.json at the root)', binary: 'application/zip' } },
    handler: async ({ params, query }, request, reply) => {
      await assertBlindingAllows(ctx, request, params.annotationId);
      const revision = await ctx.annotations.getRevision(params.annotationId, params.version);
      // Written whole before anything is sent, so a failure is an error answer, never a cut archive.
      const work = await mkdtemp(join(tmpdir(), 'dln-ome-zarr-'));
      try {
        const store = join(work, 'labels.ome.zarr');
        await writeRevisionOmeZarr(ctx.database.db, ctx.blobs, { annotationId: params.annotationId, version: params.version }, store, { codec: query.codec });
        const pieces: Uint8Array[] = [];
        for await (const piece of zipFolder(store)) pieces.push(piece);
        return reply
          .type('application/zip')
          .header('ETag', `"sha256:${revision.maskHash}:${query.codec}"`)
          .header('Content-Disposition', `attachment; filename="revision-${params.version}.ome.zarr.zip"`)
          .send(Buffer.concat(pieces));
      } finally {
        await rm(work, { recursive: true, force: true });
      }
    },
  });
}
