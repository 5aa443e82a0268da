import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { DelineateError } from '@delineate/schema';
import { BlobPyramidSource } from '@delineate/store';
import { deepZoomDescriptor, deepZoomMaxLevel, iiifInfo, LruCache, planDeepZoomTile, planIiifTile, SlideTileServer, type PyramidSource, type TilePlan } from '@delineate/wsi';
import { grantTileView } from '../access';
import type { ServerContext } from '../context';
import { defineRoute, type RouteRegistry } from '../http/route';

const sha256 = z.string().regex(/^[0-9a-f]{64}$/);
const itemParams = z.object({ itemId: z.uuid() });
const pyramidParams = z.object({ itemId: z.uuid(), pyramidHash: sha256 });
const index = z.coerce.number().int().min(0).max(1_000_000);
const tileParams = pyramidParams.extend({ level: index, column: index, row: index });
const deepZoomParams = pyramidParams.extend({ level: index, tile: z.string().regex(/^\d{1,7}_\d{1,7}\.jpeg$/) });
const iiifParams = pyramidParams.extend({ region: z.string().max(64), size: z.string().max(32), rotation: z.string().max(8), quality: z.string().max(32) });

/** Tiles, descriptors and info.json are addressed by the pyramid's hash: they never change. */
const IMMUTABLE = 'private, max-age=31536000, immutable';

const SlideView = z.object({
  itemId: z.uuid(),
  slideId: z.uuid(),
  pyramidHash: sha256,
  width: z.number().int(),
  height: z.number().int(),
  /** Microns per pixel at full resolution, when the scanner recorded it. */
  mpp: z.number().nullable(),
  /** The part of the slide this item is about, in full-resolution pixels. */
  region: z.object({ x: z.number().int(), y: z.number().int(), width: z.number().int(), height: z.number().int() }),
  tileSize: z.number().int(),
  /** Stored levels, full resolution first; tiles of level n are at `tiles/{n}/{column}/{row}.jpg`. */
  levels: z.array(z.object({ width: z.number().int(), height: z.number().int(), columns: z.number().int(), rows: z.number().int(), downsample: z.number() })),
  tileUrlTemplate: z.string(),
  deepZoomUrl: z.string(),
  iiifUrl: z.string(),
  /**
   * The slide view's tile capability (also set as a cookie on the tile URLs): tile requests that
   * carry it are not authorised against the database one by one. Null when the caller may not read tiles.
   */
  tileCapability: z.object({ header: z.string(), token: z.string(), expiresAt: z.string() }).nullable(),
});

interface ServedSlide {
  slideId: string;
  projectId: string;
  pyramidHash: string;
  width: number;
  height: number;
  mpp: number | null;
  region: { x: number; y: number; width: number; height: number };
  /** The pyramid in the blob store, made once per served slide rather than per tile. */
  source: PyramidSource;
}

/**
 * The slide routes (issue 16): the slide of a slide-region item, its tiles by passthrough at
 * immutable URLs, and Deep Zoom and IIIF Image API 3 for outside viewers. Authorised per item
 * like every image route; tile reads are audited as `image.tile.read`, counted per item and
 * session by the access layer (one event per slide view, not one per tile).
 */
export function registerSlideRoutes(app: FastifyInstance, registry: RouteRegistry, ctx: ServerContext): void {
  const tiles = new SlideTileServer();
  // An item's slide and its gate never change once served; the lookup is skipped for each tile.
  const served = new LruCache<string, ServedSlide>(4096);

  async function slideOf(itemId: string): Promise<ServedSlide> {
    const cached = served.get(itemId);
    if (cached) return cached;
    const row = await ctx.database.db
      .selectFrom('items')
      .leftJoin('slides', 'slides.id', 'items.slide_id')
      .select(['items.kind', 'items.project_id', 'items.region_x', 'items.region_y', 'items.region_width', 'items.region_height'])
      .select(['slides.id as slide_id', 'slides.pyramid_hash', 'slides.tile_index_hash', 'slides.width', 'slides.height', 'slides.mpp'])
      .where('items.id', '=', itemId)
      .executeTakeFirst();
    if (!row) throw new DelineateError('DLN_NOT_FOUND', 'Item not found');
    if (row.kind !== 'slide_region' || !row.slide_id || !row.pyramid_hash || !row.width || !row.height) throw new DelineateError('DLN_CONFLICT', 'This item is not a slide');
    // The gate (ARCHITECTURE §1.1): no tile leaves before its pyramid passed de-identification in this project.
    const passed = await ctx.database.db
      .selectFrom('deid_records')
      .select('id')
      .where('output_hash', '=', row.pyramid_hash)
      .where('project_id', '=', row.project_id)
      .where('status', '=', 'passed')
      .executeTakeFirst();
    if (!passed) throw new DelineateError('DLN_DEID_QUARANTINED', 'This slide has not passed de-identification');
    if (!row.tile_index_hash) throw new DelineateError('DLN_CONFLICT', 'This slide has no tile index yet and cannot be served');
    const slide: ServedSlide = {
      slideId: row.slide_id,
      projectId: row.project_id,
      pyramidHash: row.pyramid_hash,
      width: row.width,
      height: row.height,
      mpp: row.mpp,
      region: { x: row.region_x ?? 0, y: row.region_y ?? 0, width: row.region_width ?? row.width, height: row.region_height ?? row.height },
      source: new BlobPyramidSource(ctx.blobs, row.pyramid_hash, row.tile_index_hash),
    };
    served.set(itemId, slide);
    return slide;
  }

  /** The pyramid the URL names: a URL of a pyramid the item does not have is not found. */
  async function sourceOf(itemId: string, pyramidHash: string): Promise<PyramidSource> {
    const slide = await slideOf(itemId);
    if (slide.pyramidHash !== pyramidHash) throw new DelineateError('DLN_NOT_FOUND', 'This slide has no such pyramid');
    return slide.source;
  }

  /** Answers 304 when the client holds this immutable resource; otherwise sets its validators. */
  function notModified(request: FastifyRequest, reply: FastifyReply, etag: string): boolean {
    reply.header('ETag', etag).header('Cache-Control', IMMUTABLE);
    const held = request.headers['if-none-match'];
    if (held === undefined) return false;
    return held.split(',').some((tag) => tag.trim() === etag || tag.trim() === '*');
  }

  async function sendTile(request: FastifyRequest, reply: FastifyReply, source: PyramidSource, plan: TilePlan, etag: string): Promise<unknown> {
    if (notModified(request, reply, etag)) return reply.code(304).send();
    const jpeg = await tiles.render(source, plan);
    return reply.type('image/jpeg').send(Buffer.from(jpeg.buffer, jpeg.byteOffset, jpeg.byteLength));
  }

  const base = (itemId: string, pyramidHash: string): string => `/api/slides/${itemId}/${pyramidHash}`;

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/slides/:itemId',
    operationId: 'getSlide',
    summary: "The item's slide: size, microns per pixel, stored levels and where its tiles are",
    tags: ['slides'],
    action: 'image.header.read',
    resource: 'item',
    params: itemParams,
    responses: { 200: { description: 'The slide', schema: SlideView } },
    handler: async ({ params }, request, reply) => {
      const slide = await slideOf(params.itemId);
      const layout = await tiles.layout(slide.source);
      const root = base(params.itemId, slide.pyramidHash);
      return {
        itemId: params.itemId,
        slideId: slide.slideId,
        pyramidHash: slide.pyramidHash,
        width: layout.width,
        height: layout.height,
        mpp: slide.mpp,
        region: slide.region,
        tileSize: layout.levels[0]!.tileWidth,
        levels: layout.levels.map((l) => ({ width: l.width, height: l.height, columns: l.columns, rows: l.rows, downsample: layout.width / l.width })),
        tileUrlTemplate: `${root}/tiles/{level}/{column}/{row}.jpg`,
        deepZoomUrl: `${root}/slide.dzi`,
        iiifUrl: `${root}/iiif`,
        tileCapability: grantTileView(request, reply, { itemId: params.itemId, pyramidHash: slide.pyramidHash }) ?? null,
      };
    },
  });

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/slides/:itemId/:pyramidHash/tiles/:level/:column/:row.jpg',
    operationId: 'getSlideTile',
    summary: 'One stored tile as a JPEG (level 0 is full resolution), passed through without decoding',
    tags: ['slides'],
    action: 'image.tile.read',
    resource: 'item',
    params: tileParams,
    headers: [{ name: 'If-None-Match', description: 'The ETag held: answered 304 without reading the tile' }],
    responses: { 200: { description: 'image/jpeg', binary: 'image/jpeg' }, 304: { description: 'The held tile is current' } },
    handler: async ({ params }, request, reply) => {
      const source = await sourceOf(params.itemId, params.pyramidHash);
      const plan: TilePlan = { kind: 'stored', level: params.level, column: params.column, row: params.row };
      return sendTile(request, reply, source, plan, `"${params.pyramidHash.slice(0, 16)}:t:${params.level}/${params.column}/${params.row}"`);
    },
  });

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/slides/:itemId/:pyramidHash/slide.dzi',
    operationId: 'getSlideDeepZoom',
    summary: 'The Deep Zoom (DZI) descriptor of the slide, for outside viewers such as OpenSeadragon',
    tags: ['slides'],
    action: 'image.header.read',
    resource: 'item',
    params: pyramidParams,
    responses: { 200: { description: 'application/xml', binary: 'application/xml' }, 304: { description: 'The held descriptor is current' } },
    handler: async ({ params }, request, reply) => {
      const layout = await tiles.layout(await sourceOf(params.itemId, params.pyramidHash));
      if (notModified(request, reply, `"${params.pyramidHash.slice(0, 16)}:dzi"`)) return reply.code(304).send();
      return reply.type('application/xml; charset=utf-8').send(deepZoomDescriptor(layout));
    },
  });

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/slides/:itemId/:pyramidHash/slide_files/:level/:tile',
    operationId: 'getSlideDeepZoomTile',
    summary: "A Deep Zoom tile (`{column}_{row}.jpeg`, Deep Zoom's level numbering): stored tiles pass through, edge and small-level tiles are re-cut",
    tags: ['slides'],
    action: 'image.tile.read',
    resource: 'item',
    params: deepZoomParams,
    responses: { 200: { description: 'image/jpeg', binary: 'image/jpeg' }, 304: { description: 'The held tile is current' } },
    handler: async ({ params }, request, reply) => {
      const source = await sourceOf(params.itemId, params.pyramidHash);
      const [column, row] = params.tile.slice(0, -'.jpeg'.length).split('_').map(Number) as [number, number];
      const layout = await tiles.layout(source);
      if (params.level > deepZoomMaxLevel(layout)) throw new DelineateError('DLN_SLIDE_TILE_NOT_FOUND', 'No such tile in this slide');
      const plan = planDeepZoomTile(layout, params.level, column, row);
      return sendTile(request, reply, source, plan, `"${params.pyramidHash.slice(0, 16)}:dz:${params.level}/${column}/${row}"`);
    },
  });

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/slides/:itemId/:pyramidHash/iiif/info.json',
    operationId: 'getSlideIiifInfo',
    summary: 'The IIIF Image API 3 (level 0) description of the slide: its size and stored tiles',
    tags: ['slides'],
    action: 'image.header.read',
    resource: 'item',
    params: pyramidParams,
    responses: { 200: { description: 'IIIF info.json', schema: z.record(z.string(), z.unknown()) }, 304: { description: 'The held description is current' } },
    handler: async ({ params }, request, reply) => {
      const layout = await tiles.layout(await sourceOf(params.itemId, params.pyramidHash));
      if (notModified(request, reply, `"${params.pyramidHash.slice(0, 16)}:iiif"`)) return reply.code(304).send();
      const id = `${request.protocol}://${request.host}${base(params.itemId, params.pyramidHash)}/iiif`;
      return reply.type('application/ld+json;profile="http://iiif.io/api/image/3/context.json"').send(JSON.stringify(iiifInfo(layout, id)));
    },
  });

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/slides/:itemId/:pyramidHash/iiif/:region/:size/:rotation/:quality',
    operationId: 'getSlideIiifImage',
    summary: 'A IIIF Image API 3 image request that is one stored tile (else DLN_SLIDE_REGION_UNSUPPORTED)',
    tags: ['slides'],
    action: 'image.tile.read',
    resource: 'item',
    params: iiifParams,
    responses: { 200: { description: 'image/jpeg', binary: 'image/jpeg' }, 304: { description: 'The held tile is current' } },
    handler: async ({ params }, request, reply) => {
      const source = await sourceOf(params.itemId, params.pyramidHash);
      const plan = planIiifTile(await tiles.layout(source), params.region, params.size, params.rotation, params.quality);
      const etag = `"${params.pyramidHash.slice(0, 16)}:iiif:${params.region}/${params.size}"`;
      return sendTile(request, reply, source, plan, etag);
    },
  });
}
