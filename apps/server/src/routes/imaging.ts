import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { DelineateError, LabelSchema } from '@delineate/schema';
import { framesHounsfield, ItemRepository, LabelSchemaRepository, sliceHounsfield, videoForItem } from '@delineate/store';
import type { ServerContext } from '../context';
import { requestUserId } from '../http/actor';
import { defineRoute, type RouteRegistry } from '../http/route';
import { requestAccess } from '../access';

const itemParams = z.object({ itemId: z.uuid() });
const instanceParams = z.object({ itemId: z.uuid(), instanceId: z.uuid() });
const volumeQuery = z.object({
  first: z.coerce.number().int().min(0).default(0),
  count: z.coerce.number().int().min(1).max(4096).optional(),
});

export const ItemGrid = z.object({
  rows: z.number().int(),
  columns: z.number().int(),
  slices: z.number().int(),
  /** Column spacing, row spacing, slice spacing in mm. */
  spacing: z.array(z.number()).length(3),
  origin: z.array(z.number()).length(3),
  /** Row direction, column direction, slice direction (nine numbers). */
  direction: z.array(z.number()).length(9),
});
export type ItemGrid = z.infer<typeof ItemGrid>;

const annotationSummary = z.object({
  id: z.uuid(),
  taskId: z.uuid().nullable(),
  authorId: z.uuid().nullable(),
  mine: z.boolean(),
  headVersion: z.number().int(),
});

export const ItemView = z.object({
  id: z.uuid(),
  projectId: z.uuid(),
  kind: z.string(),
  modality: z.string(),
  grid: ItemGrid,
  labelSchema: LabelSchema,
  /** The annotations of this item the caller may open (others' only when not blinded). */
  annotations: z.array(annotationSummary),
});

const instanceView = z.object({ id: z.uuid(), sliceIndex: z.number().int(), instanceNumber: z.number().int().nullable(), sopInstanceUid: z.string() });

interface SeriesGeometry {
  seriesId: string;
  projectId: string;
  kind: string;
  grid: ItemGrid;
  /** One multi-frame instance holds the volume: the frame index of each slice. */
  frameOrder: number[] | null;
}

async function seriesOfItem(ctx: ServerContext, itemId: string): Promise<SeriesGeometry> {
  const row = await ctx.database.db
    .selectFrom('items')
    .leftJoin('series', 'series.id', 'items.series_id')
    .select(['items.kind', 'items.project_id', 'series.id as series_id', 'series.rows', 'series.columns', 'series.slices', 'series.spacing', 'series.origin', 'series.direction', 'series.frame_order'])
    .where('items.id', '=', itemId)
    .executeTakeFirst();
  if (!row) throw new DelineateError('DLN_NOT_FOUND', 'Item not found');
  if ((row.kind !== 'series_volume' && row.kind !== 'photo' && row.kind !== 'cine_volume') || !row.series_id || !row.rows || !row.columns || !row.slices || !row.spacing || !row.origin || !row.direction) {
    throw new DelineateError('DLN_CONFLICT', 'This item is not an ingested image volume');
  }
  return {
    seriesId: row.series_id,
    projectId: row.project_id,
    kind: row.kind,
    grid: { rows: row.rows, columns: row.columns, slices: row.slices, spacing: row.spacing, origin: row.origin, direction: row.direction },
    frameOrder: row.frame_order,
  };
}

/**
 * What the workspace opens: a series volume, or a slide region as one slice of its pixels (spacing
 * in mm from the slide's µm per pixel; 1 when the scanner recorded none).
 */
async function viewedGeometryOfItem(ctx: ServerContext, itemId: string): Promise<Omit<SeriesGeometry, 'seriesId' | 'frameOrder'> & { seriesId: string | null }> {
  const slide = await ctx.database.db
    .selectFrom('items')
    .leftJoin('slides', 'slides.id', 'items.slide_id')
    .select(['items.kind', 'items.project_id', 'items.region_width', 'items.region_height', 'slides.mpp', 'slides.mpp_y'])
    .where('items.id', '=', itemId)
    .where('items.kind', '=', 'slide_region')
    .executeTakeFirst();
  if (!slide?.region_width || !slide.region_height) {
    const kind = await ctx.database.db.selectFrom('items').select('kind').where('id', '=', itemId).executeTakeFirst();
    if (kind?.kind !== 'frame_range') return seriesOfItem(ctx, itemId);
    // A video is viewed as its frames stacked: one slice per decoded frame, in pixels.
    const video = await videoForItem(ctx.database.db, itemId);
    return {
      seriesId: null,
      projectId: video.projectId,
      kind: 'frame_range',
      grid: { rows: video.height, columns: video.width, slices: video.frameCount, spacing: [1, 1, 1], origin: [0, 0, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] },
    };
  }
  const x = slide.mpp ? slide.mpp / 1000 : 1;
  const y = slide.mpp_y ? slide.mpp_y / 1000 : x;
  return {
    seriesId: null,
    projectId: slide.project_id,
    kind: slide.kind,
    grid: { rows: slide.region_height, columns: slide.region_width, slices: 1, spacing: [x, y, 1], origin: [0, 0, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] },
  };
}

/**
 * Decoded slices, kept for the most recently read series only (a 512×512×128 CT is 64 MiB):
 * an annotator's viewer reads the volume in slabs right after opening it.
 */
class SliceCache {
  #seriesId: string | undefined;
  #slices = new Map<number, Int16Array>();

  get(seriesId: string, index: number): Int16Array | undefined {
    return this.#seriesId === seriesId ? this.#slices.get(index) : undefined;
  }

  set(seriesId: string, index: number, voxels: Int16Array): void {
    if (this.#seriesId !== seriesId) {
      this.#seriesId = seriesId;
      this.#slices = new Map();
    }
    this.#slices.set(index, voxels);
  }
}

/** Item geometry, label schema, instances, de-identified DICOM and HU volume slabs for the viewer. */
export function registerImagingRoutes(app: FastifyInstance, registry: RouteRegistry, ctx: ServerContext): void {
  const items = new ItemRepository(ctx.database.db);
  const labelSchemas = new LabelSchemaRepository(ctx.database.db);
  const cache = new SliceCache();

  const instancesOf = async (seriesId: string) => (await items.listInstances(seriesId)).map((instance, sliceIndex) => ({ ...instance, sliceIndex }));

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/items/:itemId',
    operationId: 'getItem',
    summary: "An item's voxel grid, its project's label schema and the annotations the caller may open",
    tags: ['imaging'],
    action: 'item.read',
    resource: 'item',
    params: itemParams,
    responses: { 200: { description: 'The item', schema: ItemView } },
    handler: async ({ params }, request) => {
      const geometry = await viewedGeometryOfItem(ctx, params.itemId);
      const project = await ctx.database.db
        .selectFrom('projects')
        .select(['modality', 'label_schema_id', 'label_schema_version', 'agreement_blinded'])
        .where('id', '=', geometry.projectId)
        .executeTakeFirstOrThrow();
      const labelSchema = await labelSchemas.get(project.label_schema_id, project.label_schema_version);
      const annotations = await visibleAnnotations(ctx, request, params.itemId, project.agreement_blinded);
      // The item's own modality (its series'), which a project accepting several may differ from: the viewer's presets and units follow it.
      const series = geometry.seriesId ? await ctx.database.db.selectFrom('series').select('modality').where('id', '=', geometry.seriesId).executeTakeFirst() : undefined;
      return { id: params.itemId, projectId: geometry.projectId, kind: geometry.kind, modality: series?.modality ?? project.modality, grid: geometry.grid, labelSchema, annotations };
    },
  });

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/items/:itemId/instances',
    operationId: 'listItemInstances',
    summary: "The item's de-identified instances in slice order (slice index = grid z)",
    tags: ['imaging'],
    action: 'image.header.read',
    resource: 'item',
    params: itemParams,
    responses: { 200: { description: 'Instances', schema: z.object({ instances: z.array(instanceView) }) } },
    handler: async ({ params }) => {
      const geometry = await seriesOfItem(ctx, params.itemId);
      const instances = await instancesOf(geometry.seriesId);
      return { instances: instances.map((i) => ({ id: i.id, sliceIndex: i.sliceIndex, instanceNumber: i.instanceNumber, sopInstanceUid: i.sopInstanceUid })) };
    },
  });

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/items/:itemId/instances/:instanceId/dicom',
    operationId: 'getInstanceDicom',
    summary: 'The de-identified DICOM Part 10 file of one instance of the item',
    tags: ['imaging'],
    action: 'image.read',
    resource: 'item',
    params: instanceParams,
    responses: { 200: { description: 'application/dicom', binary: true } },
    handler: async ({ params }, _request, reply) => {
      const geometry = await seriesOfItem(ctx, params.itemId);
      const instance = await ctx.database.db
        .selectFrom('instances')
        .select(['blob_hash'])
        .where('id', '=', params.instanceId)
        .where('series_id', '=', geometry.seriesId)
        .executeTakeFirst();
      if (!instance) throw new DelineateError('DLN_NOT_FOUND', 'Instance not found');
      const bytes = await ctx.blobs.get(instance.blob_hash);
      return reply.type('application/dicom').header('Cache-Control', 'private, no-store').send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    },
  });

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/items/:itemId/volume',
    operationId: 'getItemVolume',
    summary: 'A slab of the volume as little-endian int16 Hounsfield units (x fastest, then y, then slice)',
    tags: ['imaging'],
    action: 'image.read',
    resource: 'item',
    params: itemParams,
    query: volumeQuery,
    responses: { 200: { description: 'application/octet-stream; X-Volume-First and X-Volume-Count name the slab', binary: true } },
    handler: async ({ params, query }, _request, reply) => {
      const geometry = await seriesOfItem(ctx, params.itemId);
      const { rows, columns, slices } = geometry.grid;
      const first = Math.min(query.first, slices);
      const count = Math.min(query.count ?? slices, slices - first);
      if (count <= 0) throw new DelineateError('DLN_REQUEST_INVALID', 'The slab lies outside the volume');
      const instances = await instancesOf(geometry.seriesId);
      const out = Buffer.allocUnsafe(rows * columns * count * 2);
      const target = new Int16Array(out.buffer, out.byteOffset, rows * columns * count);
      const frameOrder = geometry.frameOrder;
      if (frameOrder) {
        if (instances.length !== 1 || frameOrder.length !== slices) throw new DelineateError('DLN_CONFLICT', 'The volume is not one multi-frame instance');
        const slab = new Map<number, Int16Array>();
        for (let z = first; z < first + count; z++) {
          const cached = cache.get(geometry.seriesId, z);
          if (cached) slab.set(z, cached);
        }
        const missing = Array.from({ length: count }, (_, k) => first + k).filter((z) => !slab.has(z));
        if (missing.length > 0) {
          // One read of the instance for the whole slab: every frame lives in the same blob.
          const bytes = await ctx.blobs.get(instances[0]!.blobHash);
          const decoded = framesHounsfield(bytes, rows, columns, missing.map((z) => frameOrder[z]!));
          missing.forEach((z, k) => {
            slab.set(z, decoded[k]!);
            cache.set(geometry.seriesId, z, decoded[k]!);
          });
        }
        for (const [z, voxels] of slab) target.set(voxels, (z - first) * rows * columns);
      } else {
        if (instances.length !== slices) throw new DelineateError('DLN_CONFLICT', 'The series does not hold one instance per slice');
        await Promise.all(
          Array.from({ length: count }, async (_, k) => {
            const z = first + k;
            let voxels = cache.get(geometry.seriesId, z);
            if (!voxels) {
              const bytes = await ctx.blobs.get(instances[z]!.blobHash);
              voxels = sliceHounsfield(bytes, rows, columns);
              cache.set(geometry.seriesId, z, voxels);
            }
            target.set(voxels, k * rows * columns);
          }),
        );
      }
      return reply
        .type('application/octet-stream')
        .header('Cache-Control', 'private, no-store')
        .header('X-Volume-First', String(first))
        .header('X-Volume-Count', String(count))
        .send(out);
    },
  });
}

/** Own annotations always; others' only when the project is not blinded and the caller's tasks on the item are not. */
async function visibleAnnotations(ctx: ServerContext, request: FastifyRequest, itemId: string, projectBlinded: boolean) {
  const me = requestUserId(request);
  const rows = await ctx.database.db
    .selectFrom('annotations')
    .leftJoin('tasks', 'tasks.id', 'annotations.task_id')
    .select(['annotations.id', 'annotations.task_id', 'annotations.head_version', 'tasks.assignee_id'])
    .where('annotations.item_id', '=', itemId)
    .orderBy('annotations.created_at')
    .execute();
  const firstAuthors = await ctx.database.db
    .selectFrom('revisions')
    .select(['annotation_id', 'author_user_id'])
    .where('version', '=', 1)
    .where(
      'annotation_id',
      'in',
      rows.length ? rows.map((r) => r.id) : ['00000000-0000-0000-0000-000000000000'],
    )
    .execute();
  const authorOf = new Map(firstAuthors.map((r) => [r.annotation_id, r.author_user_id]));
  const myBlindedTask = await ctx.database.db
    .selectFrom('tasks')
    .select('id')
    .where('item_id', '=', itemId)
    .where('assignee_id', '=', me)
    .where('blinded', '=', true)
    .executeTakeFirst();
  const access = requestAccess(request);
  const role = access.decision.allowed ? access.decision.role : null;
  const isReviewer = role === 'reviewer' || role === 'expert_reviewer' || role === 'project_admin';
  const blinded = !isReviewer && (projectBlinded || myBlindedTask !== undefined);
  return rows
    .map((r) => {
      const authorId = r.assignee_id ?? authorOf.get(r.id) ?? null;
      return { id: r.id, taskId: r.task_id, authorId, mine: authorId === me, headVersion: r.head_version };
    })
    .filter((a) => a.mine || !blinded);
}
