import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { RLE8, checkTiles, cutRle8, decodeTileSet, encodeTileSet, isOnGrid, type Tile, type TileGrid, type TilePosition } from '@delineate/core';
import { Annotation, DelineateError, DerivedRefreshState, IdempotencyKey, Revision, VersionRef, type RevisionSource } from '@delineate/schema';
import { assertLabelsDefinedIn, assertRegionEdit, blobAddress, refreshAfterSave, SlideRegionRepository } from '@delineate/store';
import type { ServerContext } from '../context';
import { requestUserId } from '../http/actor';
import { binaryBody, defineRoute, type RouteRegistry, type RouteSpec } from '../http/route';
import { assertBlindingAllows, assertWorkflowAllowsWrite } from './workflow/blinding';

const annotationParams = z.object({ annotationId: z.uuid() });
const revisionParams = z.object({ annotationId: z.uuid(), version: z.coerce.number().int().min(1) });
const itemParams = z.object({ itemId: z.uuid() });

const createAnnotationBody = z.object({ labelSchema: VersionRef, taskId: z.uuid().optional() });
const saveQuery = z.object({
  source: z.enum(['human', 'correction']).default('human'),
  /** Slide-region tasks: the viewer's magnification at the edit (checked against the task's zoom band). */
  magnification: z.coerce.number().positive().max(200).optional(),
});
/** `tiles=slice/row/column,…`: the tiles wanted (at most 4096); all non-empty tiles when absent. */
const tilesQuery = z.object({
  tiles: z
    .string()
    .regex(/^\d{1,9}\/\d{1,9}\/\d{1,9}(?:,\d{1,9}\/\d{1,9}\/\d{1,9}){0,4095}$/, 'tiles lists slice/tileRow/tileColumn triples, comma-separated')
    .optional(),
});

/** The media type of a set of tiles (see `encodeTileSet` in @delineate/core). */
export const TILE_SET_TYPE = 'application/vnd.delineate.tiles';
const revertBody = z.object({ toVersion: z.number().int().min(1) });

const annotationWithHead = Annotation.extend({ head: Revision.nullable() });
const saveResult = z.object({
  revision: Revision,
  replayed: z.boolean(),
  /** Derived structures recomputed after the save (issue 23): their revision follows the save's and is the new head. */
  derived: z.object({ revision: Revision.nullable(), structures: z.array(z.object({ target: z.string(), state: DerivedRefreshState })) }).optional(),
});

const ifMatchHeader = { name: 'If-Match', description: 'The head version the client saw ("0" before the first revision)', required: true };
const idempotencyHeader = { name: 'Idempotency-Key', description: 'Makes a retried save return the same revision' };

/** `If-Match: "3"`, `If-Match: 3` or `W/"3"`; required on every write to a revision chain. */
export function expectedVersion(request: FastifyRequest): number {
  const raw = request.headers['if-match'];
  if (raw === undefined) {
    throw new DelineateError('DLN_REVISION_PRECONDITION_REQUIRED', 'Saving a revision needs If-Match with the version you edited');
  }
  const match = /^\s*(?:W\/)?"?(\d{1,9})"?\s*$/.exec(String(raw));
  if (!match) throw new DelineateError('DLN_REQUEST_INVALID', 'If-Match must be a revision version number');
  return Number(match[1]);
}

export function idempotencyKey(request: FastifyRequest): string | undefined {
  const raw = request.headers['idempotency-key'];
  if (raw === undefined) return undefined;
  const parsed = IdempotencyKey.safeParse(String(raw));
  if (!parsed.success) throw new DelineateError('DLN_REQUEST_INVALID', 'Idempotency-Key must be 1–128 printable ASCII characters');
  return parsed.data;
}

function sendSaved(reply: FastifyReply, result: { revision: Revision; replayed: boolean; derived?: z.infer<typeof saveResult>['derived'] }) {
  return reply
    .status(result.replayed ? 200 : 201)
    .header('ETag', reply.getHeader('ETag') ?? `"${result.revision.version}"`)
    .header('Idempotent-Replayed', String(result.replayed))
    .send(result);
}

/** What the two save routes (whole mask, tile delta) share: the action, body, preconditions and answers. */
const saveRoute = {
  tags: ['annotations'],
  action: 'annotation.save' as const,
  resource: 'annotation',
  params: annotationParams,
  query: saveQuery,
  body: binaryBody,
  headers: [ifMatchHeader, idempotencyHeader],
  responses: {
    201: { description: 'Saved', schema: saveResult },
    200: { description: 'A retried save: the revision saved the first time', schema: saveResult },
    412: { description: 'Someone saved first: the body carries currentVersion' },
  },
} satisfies Partial<RouteSpec<z.infer<typeof annotationParams>, z.infer<typeof saveQuery>, Uint8Array>>;

export function registerRevisionRoutes(app: FastifyInstance, registry: RouteRegistry, ctx: ServerContext): void {
  const slideRegions = new SlideRegionRepository(ctx.database.db, { blobs: ctx.blobs, clock: ctx.clock, requirements: app.accessRuntime.policy.roleQualifications });
  /**
   * One save path for whole masks and tile deltas: the workflow check, then `tilesOf` turns the
   * body into checked tiles on the item's grid (refusing before anything is stored), then the
   * pack is written and the index committed by compare-and-set on If-Match.
   */
  async function saveTiles(
    request: FastifyRequest,
    reply: FastifyReply,
    annotationId: string,
    source: RevisionSource,
    whole: boolean,
    tilesOf: (grid: TileGrid, labels: unknown) => readonly Tile[],
    magnification?: number,
  ) {
    const author = { kind: 'user' as const, userId: requestUserId(request) };
    const expected = expectedVersion(request);
    const key = idempotencyKey(request);
    // One query: the annotation, its grid, the project's labels and the write rule (403 before decoding).
    const context = await ctx.annotations.saveContext(annotationId, author, source);
    const tiles = tilesOf(context.grid, context.labels);
    // A slide region's task paints only inside its region and zoom band (one query for the region, only on a region's item).
    const region = context.inSlideRegion ? await slideRegions.ofItem(context.annotation.itemId) : undefined;
    if (region) assertRegionEdit(region, magnification, context.grid, tiles);
    const { derivedStructuresActive, ...result } = await ctx.annotations.saveTiledRevision({
      annotationId,
      expectedVersion: expected,
      idempotencyKey: key,
      author,
      source,
      grid: context.grid,
      tiles,
      whole,
      checked: { writeFacts: context.writeFacts, headVersion: context.annotation.headVersion },
    });
    // Derived structures follow their sources in the same request, so the answer names the head the annotator continues from.
    const refreshes = !result.replayed && (source === 'human' || source === 'correction');
    const derived = refreshes ? await refreshAfterSave(ctx.database.db, ctx.annotations, { annotationId, savedVersion: result.revision.version, author, source, active: derivedStructuresActive }) : null;
    if (derived?.revision) reply.header('ETag', `"${derived.revision.version}"`);
    return sendSaved(reply, derived ? { ...result, derived } : result);
  }

  defineRoute(app, registry, {
    method: 'POST',
    url: '/api/items/:itemId/annotations',
    operationId: 'createAnnotation',
    summary: 'Start an annotation of an item under a label-schema version',
    tags: ['annotations'],
    action: 'annotation.create',
    resource: 'item',
    params: itemParams,
    body: createAnnotationBody,
    responses: { 201: { description: 'Created', schema: Annotation } },
    handler: async ({ params, body }, request, reply) => {
      const item = await ctx.database.db.selectFrom('items').select(['project_id']).where('id', '=', params.itemId).executeTakeFirst();
      if (!item) throw new DelineateError('DLN_NOT_FOUND', 'Item not found');
      const annotation = await ctx.annotations.create({
        projectId: item.project_id,
        itemId: params.itemId,
        taskId: body.taskId,
        labelSchema: body.labelSchema,
        createdBy: requestUserId(request),
      });
      return reply.status(201).send(annotation);
    },
  });

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/annotations/:annotationId',
    operationId: 'getAnnotation',
    summary: 'An annotation and its head revision',
    tags: ['annotations'],
    action: 'annotation.read',
    resource: 'annotation',
    params: annotationParams,
    responses: { 200: { description: 'The annotation', schema: annotationWithHead } },
    handler: async ({ params }, request, reply) => {
      await assertBlindingAllows(ctx, request, params.annotationId);
      const annotation = await ctx.annotations.get(params.annotationId);
      const head = annotation.headVersion === 0 ? null : await ctx.annotations.getRevision(annotation.id, annotation.headVersion);
      return reply.header('ETag', `"${annotation.headVersion}"`).send({ ...annotation, head });
    },
  });

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/annotations/:annotationId/revisions',
    operationId: 'listRevisions',
    summary: 'The revision history of an annotation, oldest first',
    tags: ['annotations'],
    action: 'annotation.read',
    resource: 'annotation',
    params: annotationParams,
    responses: { 200: { description: 'Every revision', schema: z.array(Revision) } },
    handler: async ({ params }, request) => {
      await assertBlindingAllows(ctx, request, params.annotationId);
      return ctx.annotations.history(params.annotationId);
    },
  });

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/annotations/:annotationId/revisions/:version',
    operationId: 'getRevision',
    summary: 'One revision',
    tags: ['annotations'],
    action: 'annotation.read',
    resource: 'annotation',
    params: revisionParams,
    responses: { 200: { description: 'The revision', schema: Revision } },
    handler: async ({ params }, request) => {
      await assertBlindingAllows(ctx, request, params.annotationId);
      return ctx.annotations.getRevision(params.annotationId, params.version);
    },
  });

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/annotations/:annotationId/revisions/:version/mask',
    operationId: 'getRevisionMask',
    summary: "A revision's label volume in its stored encoding",
    tags: ['annotations'],
    action: 'mask.read',
    resource: 'annotation',
    params: revisionParams,
    responses: { 200: { description: 'The encoded mask (see X-Mask-Encoding)', binary: true } },
    handler: async ({ params }, request, reply) => {
      await assertBlindingAllows(ctx, request, params.annotationId);
      const revision = await ctx.annotations.getRevision(params.annotationId, params.version);
      const bytes = await ctx.annotations.readMask(params.annotationId, params.version);
      // The hash of the bytes served: a tiled revision's mask_hash names its tile index instead.
      return reply
        .type('application/octet-stream')
        .header('ETag', `"sha256:${blobAddress(bytes)}"`)
        .header('X-Mask-Encoding', revision.maskEncoding)
        .send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    },
  });

  defineRoute(app, registry, {
    method: 'POST',
    url: '/api/annotations/:annotationId/revisions',
    operationId: 'saveRevision',
    summary: 'Save a new revision (compare-and-set on If-Match; idempotent with Idempotency-Key)',
    ...saveRoute,
    handler: ({ params, query, body }, request, reply) =>
      saveTiles(request, reply, params.annotationId, query.source as RevisionSource, true, (grid, labels) => {
        // The server cuts the whole mask into tiles; only tiles not already stored are written.
        const cut = cutRle8(grid, body);
        if (!cut.ok) throw new DelineateError('DLN_REVISION_MASK_INVALID', `The mask is not a valid ${RLE8} volume of this item's grid (${cut.reason})`);
        assertLabelsDefinedIn(labels, cut.labels);
        return cut.tiles;
      }, query.magnification),
  });

  defineRoute(app, registry, {
    method: 'POST',
    url: '/api/annotations/:annotationId/revert',
    operationId: 'revertRevision',
    summary: 'Revert to an earlier version: appends a new revision with that mask',
    tags: ['annotations'],
    action: 'annotation.save',
    resource: 'annotation',
    params: annotationParams,
    body: revertBody,
    headers: [ifMatchHeader, { ...idempotencyHeader, required: true }],
    responses: { 201: { description: 'Reverted', schema: saveResult }, 200: { description: 'A retried revert', schema: saveResult } },
    handler: async ({ params, body }, request, reply) => {
      const author = { kind: 'user' as const, userId: requestUserId(request) };
      const key = idempotencyKey(request);
      if (!key) throw new DelineateError('DLN_REQUEST_INVALID', 'A revert needs an Idempotency-Key');
      await assertWorkflowAllowsWrite(ctx, request, params.annotationId, 'revert');
      const result = await ctx.annotations.revert({
        annotationId: params.annotationId,
        toVersion: body.toVersion,
        expectedVersion: expectedVersion(request),
        idempotencyKey: key,
        author,
      });
      return sendSaved(reply, result);
    },
  });

  defineRoute(app, registry, {
    method: 'PUT',
    url: '/api/annotations/:annotationId/tiles',
    operationId: 'saveRevisionTiles',
    summary: `Save a new revision from the tiles an edit changed (${TILE_SET_TYPE}); other tiles stay as in the If-Match version`,
    ...saveRoute,
    binaryMediaType: TILE_SET_TYPE,
    handler: ({ params, query, body }, request, reply) =>
      saveTiles(request, reply, params.annotationId, query.source as RevisionSource, false, (grid, labels) => {
        const decoded = decodeTileSet(body);
        if (!decoded.ok) throw new DelineateError('DLN_REVISION_MASK_INVALID', `The body is not a tile set (${decoded.reason})`);
        if (decoded.tiles.length === 0) throw new DelineateError('DLN_REVISION_MASK_INVALID', 'A tile save carries at least one tile');
        // Every tile is decoded against its place on the item's grid before anything is stored.
        const checked = checkTiles(grid, decoded.tiles);
        if (!checked.ok) throw new DelineateError('DLN_REVISION_MASK_INVALID', `A tile is not a valid ${RLE8} tile of this item's grid (${checked.reason})`);
        assertLabelsDefinedIn(labels, checked.labels);
        return decoded.tiles;
      }, query.magnification),
  });

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/annotations/:annotationId/revisions/:version/tiles',
    operationId: 'getRevisionTiles',
    summary: `Tiles of a revision's mask (${TILE_SET_TYPE}); empty tiles are left out`,
    tags: ['annotations'],
    action: 'mask.read',
    resource: 'annotation',
    params: revisionParams,
    query: tilesQuery,
    responses: { 200: { description: 'The tile set (see X-Tile-Grid: columns,rows,slices,tileSize)', binary: TILE_SET_TYPE } },
    handler: async ({ params, query }, request, reply) => {
      await assertBlindingAllows(ctx, request, params.annotationId);
      const revision = await ctx.annotations.getRevision(params.annotationId, params.version);
      const grid = await ctx.annotations.tileGrid(params.annotationId);
      const positions = query.tiles === undefined ? undefined : parsePositions(grid, query.tiles);
      const { tiles } = await ctx.annotations.readTiles(params.annotationId, params.version, positions);
      const bytes = encodeTileSet(tiles);
      return reply
        .type(TILE_SET_TYPE)
        .header('ETag', `"sha256:${revision.maskHash}"`)
        .header('X-Mask-Encoding', revision.maskEncoding)
        .header('X-Tile-Grid', `${grid.columns},${grid.rows},${grid.slices},${grid.tileSize}`)
        .send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    },
  });
}

function parsePositions(grid: TileGrid, list: string): TilePosition[] {
  const positions = list.split(',').map((triple) => {
    const [slice, tileRow, tileColumn] = triple.split('/').map(Number) as [number, number, number];
    return { slice, tileRow, tileColumn };
  });
  if (!positions.every((p) => isOnGrid(grid, p))) throw new DelineateError('DLN_REQUEST_INVALID', "A tile asked for is not on this item's tile grid");
  return positions;
}
