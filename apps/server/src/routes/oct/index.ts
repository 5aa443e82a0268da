import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { boundaryHeightsCsv, boundaryHeightsJson, decodeBoundarySet, decodeRle8, fluidAgreement, labelVolumesMm3, type FluidAgreement } from '@delineate/core';
import { readDicomFile } from '@delineate/formats';
import { DelineateError, OctBoundaryRevision, OctVolume } from '@delineate/schema';
import { geometryOf, ItemRepository, octAgreementOfProject, OctRepository } from '@delineate/store';
import type { ServerContext } from '../../context';
import { requestUserId } from '../../http/actor';
import { binaryBody, defineRoute, type RouteRegistry } from '../../http/route';
import { expectedVersion, idempotencyKey } from '../revisions';
import { assertBlindingAllows } from '../workflow/blinding';
import { bscanLinesOfOpt } from './localizer';

const itemParams = z.object({ itemId: z.uuid() });
const projectParams = z.object({ projectId: z.uuid() });
const annotationParams = z.object({ annotationId: z.uuid() });
const versionParams = z.object({ annotationId: z.uuid(), version: z.coerce.number().int().min(1) });
const saveQuery = z.object({ source: z.enum(['human', 'correction']).default('human') });
const exportQuery = z.object({ format: z.enum(['csv', 'json']).default('json') });

/** The media type of a boundary set (the core's binary layout, see boundary-codec.ts). */
export const BOUNDARY_SET_TYPE = 'application/vnd.delineate.oct-boundaries';

/** OCT items (issue 20): geometry, boundary revisions with their derived measures, exports and agreement. */
export function registerOctRoutes(app: FastifyInstance, registry: RouteRegistry, ctx: ServerContext): void {
  const oct = new OctRepository(ctx.database.db, ctx.blobs, ctx.clock);
  const items = new ItemRepository(ctx.database.db);

  /** The label volume of an annotation's head mask (fluid, PED, drusen per B-scan), undefined before its first save. */
  async function headLabels(annotationId: string): Promise<Uint8Array | undefined> {
    const annotation = await ctx.annotations.get(annotationId);
    if (annotation.headVersion === 0) return undefined;
    const volume = await oct.volumeOfItem(annotation.itemId);
    const decoded = decodeRle8(await ctx.annotations.readMask(annotationId, annotation.headVersion), volume.bscans * volume.rows * volume.ascans);
    if (!decoded.ok) throw new DelineateError('DLN_INTERNAL', 'A stored mask does not decode');
    return decoded.voxels;
  }

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/annotations/:annotationId/oct/fluid',
    operationId: 'getOctFluidVolumes',
    summary: "Volume in mm³ of each label of the annotation's head mask (fluid, PED, drusen), from the volume's µm sampling",
    tags: ['oct'],
    action: 'annotation.read',
    resource: 'annotation',
    params: annotationParams,
    responses: { 200: { description: 'Volumes per label value' } },
    handler: async ({ params }, request) => {
      await assertBlindingAllows(ctx, request, params.annotationId);
      const labels = await headLabels(params.annotationId);
      const geometry = geometryOf(await oct.volumeOfAnnotation(params.annotationId));
      const volumes = labels ? [...labelVolumesMm3(labels, geometry)].sort((a, b) => a[0] - b[0]) : [];
      return { volumes: volumes.map(([label, mm3]) => ({ label, mm3 })) };
    },
  });

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/items/:itemId/oct',
    operationId: 'getOctVolume',
    summary: 'The sampling of an OCT item in µm (A-scan, B-scan and axial spacing), its eye and its fovea point',
    tags: ['oct'],
    action: 'item.read',
    resource: 'item',
    params: itemParams,
    responses: { 200: { description: 'The OCT volume', schema: OctVolume }, 409: { description: 'DLN_OCT_NOT_OCT_ITEM' } },
    handler: async ({ params }) => oct.volumeOfItem(params.itemId),
  });

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/items/:itemId/oct/localizer',
    operationId: 'getOctLocalizer',
    summary: "Each B-scan's line on the en-face localizer (row, column in localizer pixels) and the localizer's own item in the same project, when it was ingested",
    tags: ['oct'],
    action: 'image.header.read',
    resource: 'item',
    params: itemParams,
    responses: { 200: { description: 'The localizer item (or null), its size, and one line per B-scan' }, 409: { description: 'DLN_OCT_NOT_OCT_ITEM' } },
    handler: async ({ params }) => {
      const volume = await oct.volumeOfItem(params.itemId);
      const [instance] = await items.listInstances(volume.seriesId);
      if (!instance) throw new DelineateError('DLN_NOT_FOUND', 'The OCT volume has no stored instance');
      const { localizerUid, lines } = bscanLinesOfOpt(readDicomFile(await ctx.blobs.get(instance.blobHash)).dataset);
      const project = await ctx.database.db.selectFrom('items').select('project_id').where('id', '=', params.itemId).executeTakeFirstOrThrow();
      const found = localizerUid ? await items.findInstance(localizerUid) : undefined;
      // Only a localizer of the same project is offered: another project's item is not the caller's to see.
      const localizer =
        found && found.projectId === project.project_id
          ? await ctx.database.db
              .selectFrom('items')
              .innerJoin('series', 'series.id', 'items.series_id')
              .select(['items.id', 'series.rows', 'series.columns'])
              .where('items.series_id', '=', found.seriesId)
              .where('items.project_id', '=', project.project_id)
              .executeTakeFirst()
          : undefined;
      return { localizerItemId: localizer?.id ?? null, width: localizer?.columns ?? null, height: localizer?.rows ?? null, lines: lines.length === volume.bscans ? lines : [] };
    },
  });

  defineRoute(app, registry, {
    method: 'POST',
    url: '/api/annotations/:annotationId/oct/boundaries',
    operationId: 'saveOctBoundaries',
    summary: 'Save boundary heights as a new revision (compare-and-set on If-Match; idempotent with Idempotency-Key); boundary order is checked and measures derived',
    tags: ['oct'],
    action: 'annotation.save',
    resource: 'annotation',
    params: annotationParams,
    query: saveQuery,
    body: binaryBody,
    binaryMediaType: ['application/octet-stream', BOUNDARY_SET_TYPE],
    headers: [
      { name: 'If-Match', description: 'The head version the client saw ("0" before the first revision)', required: true },
      { name: 'Idempotency-Key', description: 'Makes a retried save return the same revision' },
    ],
    responses: {
      201: { description: 'Saved, with the derived measures' },
      200: { description: 'A retried save' },
      412: { description: 'Someone saved first: the body carries currentVersion' },
      422: { description: 'DLN_OCT_BOUNDARY_ORDER (names the boundaries and the B-scan) or DLN_OCT_BOUNDARIES_INVALID' },
    },
    handler: async ({ params, query, body }, request, reply) => {
      const saved = await oct.save({
        annotationId: params.annotationId,
        expectedVersion: expectedVersion(request),
        idempotencyKey: idempotencyKey(request),
        authorUserId: requestUserId(request),
        source: query.source,
        bytes: body,
      });
      return reply.status(saved.replayed ? 200 : 201).header('ETag', `"${saved.revision.version}"`).header('Idempotent-Replayed', String(saved.replayed)).send(saved);
    },
  });

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/annotations/:annotationId/oct/boundaries',
    operationId: 'listOctBoundaryRevisions',
    summary: 'The boundary revisions of an annotation, oldest first',
    tags: ['oct'],
    action: 'annotation.read',
    resource: 'annotation',
    params: annotationParams,
    responses: { 200: { description: 'Revisions', schema: z.object({ revisions: z.array(OctBoundaryRevision) }) } },
    handler: async ({ params }, request) => {
      await assertBlindingAllows(ctx, request, params.annotationId);
      return { revisions: await oct.history(params.annotationId) };
    },
  });

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/annotations/:annotationId/oct/boundaries/:version',
    operationId: 'getOctBoundaries',
    summary: "A revision's boundary heights in the binary boundary layout",
    tags: ['oct'],
    action: 'mask.read',
    resource: 'annotation',
    params: versionParams,
    responses: { 200: { description: 'The boundary set', binary: true } },
    handler: async ({ params }, request, reply) => {
      await assertBlindingAllows(ctx, request, params.annotationId);
      const { bytes } = await oct.read(params.annotationId, params.version);
      return reply.type(BOUNDARY_SET_TYPE).send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    },
  });

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/annotations/:annotationId/oct/boundaries/:version/measures',
    operationId: 'getOctMeasures',
    summary: 'The measures derived when the revision was saved: retinal and per-slab thickness, ETDRS grid, central subfield',
    tags: ['oct'],
    action: 'annotation.read',
    resource: 'annotation',
    params: versionParams,
    responses: { 200: { description: 'Measures' } },
    handler: async ({ params }, request) => {
      await assertBlindingAllows(ctx, request, params.annotationId);
      const found = await oct.revision(params.annotationId, params.version);
      if (!found) throw new DelineateError('DLN_NOT_FOUND', 'No such boundary revision');
      return found;
    },
  });

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/annotations/:annotationId/oct/boundaries/:version/export',
    operationId: 'exportOctBoundaries',
    summary: 'Boundary heights as CSV or JSON, in pixels and µm, with each A-scan state',
    tags: ['oct'],
    action: 'mask.read',
    resource: 'annotation',
    params: versionParams,
    query: exportQuery,
    responses: { 200: { description: 'The heights' } },
    handler: async ({ params, query }, request, reply) => {
      await assertBlindingAllows(ctx, request, params.annotationId);
      const { bytes } = await oct.read(params.annotationId, params.version);
      const decoded = decodeBoundarySet(bytes);
      if (!decoded.ok) throw new DelineateError('DLN_INTERNAL', 'A stored boundary set does not decode');
      const geometry = geometryOf(await oct.volumeOfAnnotation(params.annotationId));
      if (query.format === 'csv') return reply.type('text/csv; charset=utf-8').send(boundaryHeightsCsv(decoded.set, geometry));
      return reply.type('application/json').send(boundaryHeightsJson(decoded.set, geometry));
    },
  });

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/projects/:projectId/oct/agreement',
    operationId: 'octAgreement',
    summary: 'Per OCT item and reader pair: per-boundary mean absolute and signed error and its 95th percentile in µm, and the fraction of A-scans where one reader says absent',
    tags: ['oct'],
    action: 'quality.read',
    resource: 'project',
    params: projectParams,
    responses: { 200: { description: 'Agreement per item' } },
    handler: async ({ params }) => {
      const items = await octAgreementOfProject(ctx.database.db, ctx.blobs, params.projectId);
      // Fluid, PED and drusen: Dice and volume difference of each label either reader drew.
      return {
        items: await Promise.all(
          items.map(async (item) => {
            const volume = await oct.volumeOfItem(item.itemId);
            const voxelMm3 = (volume.ascanSpacingUm * volume.axialUmPerPixel * volume.bscanSpacingUm) / 1e9;
            const pairs = await Promise.all(
              item.pairs.map(async (pair) => {
                const [a, b] = await Promise.all([headLabels(pair.a.annotationId), headLabels(pair.b.annotationId)]);
                const fluid: FluidAgreement[] = [];
                if (a && b) {
                  const labels = new Set([...a, ...b].filter((v) => v !== 0));
                  for (const label of [...labels].sort((x, y) => x - y)) fluid.push(fluidAgreement(a, b, label, voxelMm3));
                }
                return { ...pair, fluid };
              }),
            );
            return { ...item, pairs };
          }),
        ),
      };
    },
  });
}
