import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { Revision } from '@delineate/schema';
import { importMaskRevision, LabelSchemaRepository, rtStructRoiMatches } from '@delineate/store';
import type { ServerContext } from '../context';
import { requestUserId } from '../http/actor';
import { binaryBody, defineRoute, type RouteRegistry } from '../http/route';
import { expectedVersion, idempotencyKey } from './revisions';
import { assertWorkflowAllowsWrite } from './workflow/blinding';

const annotationParams = z.object({ annotationId: z.uuid() });
/** An RT Structure Set's ROIs given labels in the review step: `3:gtv_primary,5:parotid_left` (ROI number:label key). */
const importQuery = z.object({ roiLabels: z.string().regex(/^\d{1,9}:[a-z0-9_]{1,64}(,\d{1,9}:[a-z0-9_]{1,64}){0,199}$/, 'expected ROI number:label key pairs separated by commas').optional() });

function roiLabelsOf(raw: string | undefined): Map<number, string> | undefined {
  return raw === undefined ? undefined : new Map(raw.split(',').map((pair) => [Number(pair.split(':')[0]), pair.split(':')[1]!] as const));
}

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
    query: importQuery,
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
    handler: async ({ params, query, body }, request, reply) => {
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
        roiLabels: roiLabelsOf(query.roiLabels),
      });
      return reply
        .status(result.replayed ? 200 : 201)
        .header('ETag', `"${result.revision.version}"`)
        .send({ revision: result.revision, replayed: result.replayed, format: result.format, segments: result.segments });
    },
  });

  defineRoute(app, registry, {
    method: 'POST',
    url: '/api/annotations/:annotationId/import/rtstruct-review',
    operationId: 'reviewRtStructImport',
    summary: "The review step of an RT Structure Set import: each ROI with area and the label of the annotation's schema it matches by code, name or type (null: to be chosen); nothing is written",
    tags: ['annotations'],
    action: 'annotation.import',
    resource: 'annotation',
    params: annotationParams,
    body: binaryBody,
    binaryMediaType: MASK_IMPORT_TYPES,
    responses: { 200: { description: 'The ROIs', schema: z.object({ rois: z.array(z.object({ roiNumber: z.number().int(), name: z.string(), labelKey: z.string().nullable() })) }) } },
    handler: async ({ params, body }, request) => {
      await assertWorkflowAllowsWrite(ctx, request, params.annotationId, 'import');
      const annotation = await ctx.annotations.get(params.annotationId);
      const schema = await new LabelSchemaRepository(ctx.database.db).get(annotation.labelSchema.id, annotation.labelSchema.version);
      return { rois: rtStructRoiMatches(body, schema.labels) };
    },
  });
}
