import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { Revision } from '@delineate/schema';
import { importMaskRevision } from '@delineate/store';
import type { ServerContext } from '../context';
import { requestUserId } from '../http/actor';
import { binaryBody, defineRoute, type RouteRegistry } from '../http/route';
import { expectedVersion, idempotencyKey } from './revisions';
import { assertWorkflowAllowsWrite } from './workflow/blinding';

const annotationParams = z.object({ annotationId: z.uuid() });

/** The media types an import takes: a DICOM SEG, or a NIfTI-1 label map (`.nii.gz` or `.nii`). */
export const MASK_IMPORT_TYPES = ['application/dicom', 'application/gzip', 'application/octet-stream'] as const;

const importResult = z.object({
  revision: Revision,
  replayed: z.boolean(),
  format: z.enum(['dicom-seg', 'nifti', 'rtstruct']),
  segments: z.array(z.object({ fileSegment: z.number().int(), labelKey: z.string(), labelValue: z.number().int(), voxels: z.number().int() })),
});

export function registerMaskImportRoutes(app: FastifyInstance, registry: RouteRegistry, ctx: ServerContext): void {
  defineRoute(app, registry, {
    method: 'POST',
    url: '/api/annotations/:annotationId/import',
    operationId: 'importMask',
    summary: "Import a DICOM SEG or NIfTI label map on the item's grid as a new revision (source import)",
    tags: ['annotations'],
    action: 'annotation.import',
    resource: 'annotation',
    params: annotationParams,
    body: binaryBody,
    binaryMediaType: MASK_IMPORT_TYPES,
    headers: [
      { name: 'If-Match', description: 'The head version the importer saw ("0" before the first revision)', required: true },
      { name: 'Idempotency-Key', description: 'Makes a retried import return the same revision' },
    ],
    responses: {
      201: { description: 'Imported', schema: importResult },
      200: { description: 'A retried import: the revision made the first time', schema: importResult },
      412: { description: 'Someone saved first: the body carries currentVersion' },
    },
    handler: async ({ params, body }, request, reply) => {
      const expected = expectedVersion(request);
      const key = idempotencyKey(request);
      // The workflow decides before the file is parsed: only who may write the annotation may import into it.
      await assertWorkflowAllowsWrite(ctx, request, params.annotationId, 'import');
      const result = await importMaskRevision(ctx.database.db, ctx.annotations, {
        annotationId: params.annotationId,
        expectedVersion: expected,
        idempotencyKey: key,
        author: { kind: 'user', userId: requestUserId(request) },
        bytes: body,
      });
      return reply
        .status(result.replayed ? 200 : 201)
        .header('ETag', `"${result.revision.version}"`)
        .send({ revision: result.revision, replayed: result.replayed, format: result.format, segments: result.segments });
    },
  });
}
