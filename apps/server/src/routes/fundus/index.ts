import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { DelineateError, FundusPhotoView, FundusRevisionView, SaveFundusAnnotation } from '@delineate/schema';
import { fundusAgreement, FundusPhotoRepository, FundusRevisionRepository, ItemRepository } from '@delineate/store';
import type { ServerContext } from '../../context';
import { requestUserId } from '../../http/actor';
import { defineRoute, type RouteRegistry } from '../../http/route';
import { expectedVersion, idempotencyKey } from '../revisions';
import { assertBlindingAllows } from '../workflow/blinding';
import { registerFoveaRoutes } from './fovea';
import { levelCount, PhotoLevelCache } from './photo-levels';

const itemParams = z.object({ itemId: z.uuid() });
const annotationParams = z.object({ annotationId: z.uuid() });
const revisionParams = z.object({ annotationId: z.uuid(), version: z.coerce.number().int().min(1) });
const projectParams = z.object({ projectId: z.uuid() });
const levelQuery = z.object({ level: z.coerce.number().int().min(0).max(16).default(0) });

/** Fundus photographs (issue 20): the photo and its levels, disc/cup saves and their measures. */
export function registerFundusRoutes(app: FastifyInstance, registry: RouteRegistry, ctx: ServerContext): void {
  const photos = new FundusPhotoRepository(ctx.database.db);
  const items = new ItemRepository(ctx.database.db);
  const fundus = new FundusRevisionRepository(ctx.database.db, ctx.annotations);
  const cache = new PhotoLevelCache();
  registerFoveaRoutes(app, registry, ctx);

  const instanceOf = async (itemId: string) => {
    const item = await items.getItem(itemId);
    if (item.target.kind !== 'photo') throw new DelineateError('DLN_FUNDUS_NOT_A_PHOTO', 'This item is not a fundus photograph');
    const [instance] = await items.listInstances(item.target.seriesId);
    if (!instance) throw new DelineateError('DLN_NOT_FOUND', 'The photograph has no stored image');
    return instance;
  };

  const projectLabels = async (annotationId: string) => {
    const row = await ctx.database.db
      .selectFrom('annotations as a')
      .innerJoin('projects as p', 'p.id', 'a.project_id')
      .innerJoin('label_schema_versions as v', (join) => join.onRef('v.schema_id', '=', 'p.label_schema_id').onRef('v.version', '=', 'p.label_schema_version'))
      .select('v.labels')
      .where('a.id', '=', annotationId)
      .executeTakeFirst();
    return row?.labels ?? null;
  };

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/items/:itemId/photo',
    operationId: 'getFundusPhoto',
    summary: 'A fundus photograph item: size, eye (laterality), pixel spacing when known, and its display levels',
    tags: ['fundus'],
    action: 'item.read',
    resource: 'item',
    params: itemParams,
    responses: { 200: { description: 'The photograph', schema: FundusPhotoView } },
    handler: async ({ params }) => {
      const photo = await photos.get(params.itemId);
      return { itemId: photo.itemId, width: photo.width, height: photo.height, laterality: photo.laterality, pixelSpacingMm: photo.pixelSpacingMm ? [photo.pixelSpacingMm[0], photo.pixelSpacingMm[1]] : null, levels: levelCount(photo.width, photo.height) };
    },
  });

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/items/:itemId/photo/image',
    operationId: 'getFundusPhotoImage',
    summary: 'The photograph as an RGB PNG at a level (0 full size, each level halves the one before)',
    tags: ['fundus'],
    action: 'image.read',
    resource: 'item',
    params: itemParams,
    query: levelQuery,
    responses: { 200: { description: 'image/png', binary: true } },
    handler: async ({ params, query }, _request, reply) => {
      const instance = await instanceOf(params.itemId);
      const png = await cache.png(instance.blobHash, query.level, () => ctx.blobs.get(instance.blobHash));
      return reply.type('image/png').header('Cache-Control', 'private, no-store').send(Buffer.from(png.buffer, png.byteOffset, png.byteLength));
    },
  });

  defineRoute(app, registry, {
    method: 'POST',
    url: '/api/annotations/:annotationId/fundus',
    operationId: 'saveFundusAnnotation',
    summary: 'Save disc and cup contours and the fovea as a new revision (cup inside disc enforced; compare-and-set on If-Match)',
    tags: ['fundus'],
    action: 'annotation.save',
    resource: 'annotation',
    params: annotationParams,
    body: SaveFundusAnnotation,
    headers: [
      { name: 'If-Match', description: 'The head version the client saw ("0" before the first revision)', required: true },
      { name: 'Idempotency-Key', description: 'Makes a retried save return the same revision' },
    ],
    responses: {
      201: { description: 'Saved, with the measures computed from the stored mask', schema: FundusRevisionView },
      200: { description: 'A retried save', schema: FundusRevisionView },
      422: { description: 'The cup reaches outside the disc (DLN_FUNDUS_CUP_OUTSIDE_DISC), or a contour encloses nothing' },
    },
    handler: async ({ params, body }, request, reply) => {
      const saved = await fundus.save({
        annotationId: params.annotationId,
        expectedVersion: expectedVersion(request),
        idempotencyKey: idempotencyKey(request),
        author: { kind: 'user', userId: requestUserId(request) },
        source: 'human',
        body,
      });
      const view = saved.replayed ? await fundus.get(params.annotationId, saved.revision.version, await projectLabels(params.annotationId)) : saved.fundus;
      return reply.status(saved.replayed ? 200 : 201).header('ETag', `"${saved.revision.version}"`).send(view);
    },
  });

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/annotations/:annotationId/revisions/:version/fundus',
    operationId: 'getFundusRevision',
    summary: "A revision's disc and cup contours, fovea and measures (each cup-to-disc convention named)",
    tags: ['fundus'],
    action: 'annotation.read',
    resource: 'annotation',
    params: revisionParams,
    responses: { 200: { description: 'Contours and measures', schema: FundusRevisionView } },
    handler: async ({ params }, request) => {
      await assertBlindingAllows(ctx, request, params.annotationId);
      return fundus.get(params.annotationId, params.version, await projectLabels(params.annotationId));
    },
  });

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/projects/:projectId/fundus/agreement',
    operationId: 'fundusAgreement',
    summary: 'Per pair of readers of each fundus photograph: disc and cup Dice and HD95 (px, mm when known), |ΔvCDR| per convention; Bland–Altman of the vCDR over all pairs',
    tags: ['fundus'],
    action: 'quality.read',
    resource: 'project',
    params: projectParams,
    responses: { 200: { description: 'Fundus agreement' } },
    handler: async ({ params }) => {
      const row = await ctx.database.db
        .selectFrom('projects as p')
        .innerJoin('label_schema_versions as v', (join) => join.onRef('v.schema_id', '=', 'p.label_schema_id').onRef('v.version', '=', 'p.label_schema_version'))
        .select('v.labels')
        .where('p.id', '=', params.projectId)
        .executeTakeFirst();
      return fundusAgreement(ctx.database.db, ctx.annotations, params.projectId, row?.labels ?? null);
    },
  });
}
