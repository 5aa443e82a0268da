import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  BoundaryReview,
  Cell,
  CellEditBatch,
  CreateSlideRegionRequest,
  DelineateError,
  FieldProgress,
  FieldState,
  SlideRegion,
  StartBoundaryReviewRequest,
  TaskField,
  WorkflowTask,
} from '@delineate/schema';
import {
  BoundaryReviewRepository,
  CellStore,
  cocoPerField,
  itemGrid,
  LabelSchemaRepository,
  readWorkflowConfig,
  readLabelVolume,
  regionAgreement,
  regionGeoJson,
  cellsOf,
  SlideRegionRepository,
  WorkflowRepository,
} from '@delineate/store';
import { appendRouteAudit, requestAccess } from '../../access';
import type { ServerContext } from '../../context';
import { defineRoute, type RouteRegistry } from '../../http/route';

const itemParams = z.object({ itemId: z.uuid() });
const taskParams = z.object({ taskId: z.uuid() });
const projectParams = z.object({ projectId: z.uuid() });
const fieldParams = taskParams.extend({ index: z.coerce.number().int().min(0) });
const reviewParams = taskParams.extend({ reviewId: z.uuid() });
const reviewFieldParams = reviewParams.extend({ index: z.coerce.number().int().min(0) });
const viewportQuery = z.object({ x0: z.coerce.number(), y0: z.coerce.number(), x1: z.coerce.number(), y1: z.coerce.number() });
const pickQuery = z.object({ x: z.coerce.number(), y: z.coerce.number(), tolerance: z.coerce.number().min(0).max(100).default(6) });
const cocoQuery = z.object({ version: z.coerce.number().int().min(1).optional() });
const Signature = z.object({ password: z.string().min(1).max(1024) });
const ifMatch = { name: 'If-Match', description: 'The cell-set version the edits were made on ("0" before the first)', required: true };

function userOf(request: FastifyRequest): string {
  const principal = requestAccess(request).principal;
  if (principal.kind !== 'user') throw new DelineateError('DLN_AUTH_REQUIRED', 'Sign in to do this');
  return principal.userId;
}

function expectedVersion(request: FastifyRequest): number {
  const header = request.headers['if-match'];
  const match = typeof header === 'string' ? /^"?(\d+)"?$/.exec(header.trim()) : null;
  if (!match) throw new DelineateError('DLN_REVISION_PRECONDITION_REQUIRED', 'Send If-Match with the cell-set version the edits were made on');
  return Number(match[1]);
}

/**
 * The pathology workflow API (issue 17): regions become tasks, fields are tracked, cells are
 * edited in batches and read by viewport, boundary bands are reviewed and signed, and a task
 * exports as QuPath GeoJSON and COCO RLE. The browser's slide viewer calls these.
 */
export function registerPathologyRoutes(app: FastifyInstance, registry: RouteRegistry, ctx: ServerContext): void {
  const db = ctx.database.db;
  const workflowOptions = { blobs: ctx.blobs, clock: ctx.clock, requirements: app.accessRuntime.policy.roleQualifications };
  const regions = new SlideRegionRepository(db, workflowOptions);
  const workflow = new WorkflowRepository(db, workflowOptions);
  const cells = new CellStore(db, ctx.blobs, ctx.clock);
  const boundaries = new BoundaryReviewRepository(db, ctx.blobs, ctx.clock);

  /** The task's region, after the blinding rule (a blinded co-reader is refused another's task). */
  const regionOfTask = async (request: FastifyRequest, taskId: string) => {
    const task = await workflow.getTask(taskId, userOf(request));
    const region = await regions.ofTask(taskId);
    if (!region) throw new DelineateError('DLN_NOT_FOUND', 'The task is not a slide-region task');
    return { task, region };
  };
  const audit = (request: FastifyRequest, projectId: string, action: string, objectType: string, objectId: string) =>
    appendRouteAudit(request, { action, objectType, objectId, projectId, purpose: 'annotation_project', outcome: 'success' });

  defineRoute(app, registry, {
    method: 'POST',
    url: '/api/items/:itemId/pathology/regions',
    operationId: 'createSlideRegion',
    summary: 'Draw a region on a slide with a task template: its tasks are created by the workflow (oversight, sampling, qualified assignment) with their fields',
    tags: ['pathology'],
    action: 'task.create',
    resource: 'item',
    params: itemParams,
    body: CreateSlideRegionRequest,
    responses: { 201: { description: 'The region and its tasks', schema: z.object({ region: SlideRegion, tasks: z.array(z.object({ task: WorkflowTask, fields: z.number() })) }) } },
    handler: async ({ params, body }, request, reply) => {
      const created = await regions.create(params.itemId, body, userOf(request));
      await audit(request, created.region.projectId, 'pathology.region.created', 'item', created.region.itemId);
      for (const { task } of created.tasks) await audit(request, task.projectId, `workflow.task.created.${task.stage}`, 'task', task.id);
      return reply.status(201).send(created);
    },
  });

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/items/:itemId/pathology/regions',
    operationId: 'listSlideRegions',
    summary: 'The regions drawn on a slide item',
    tags: ['pathology'],
    action: 'item.read',
    resource: 'item',
    params: itemParams,
    responses: { 200: { description: 'Regions, oldest first', schema: z.object({ regions: z.array(SlideRegion) }) } },
    handler: async ({ params }) => ({ regions: await regions.listForSlide(params.itemId) }),
  });

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/projects/:projectId/pathology/work-list',
    operationId: 'pathologyWorkList',
    summary: 'Slide-region tasks visible to the caller, with field progress (unseen, seen, done)',
    tags: ['pathology'],
    action: 'task.list',
    resource: 'project',
    params: projectParams,
    query: z.object({ assigneeId: z.uuid().optional() }),
    responses: { 200: { description: 'Tasks with progress', schema: z.object({ tasks: z.array(z.object({ task: WorkflowTask, magnification: z.number(), progress: FieldProgress })) }) } },
    handler: async ({ params, query }, request) => {
      const tasks = await workflow.listTasks(params.projectId, query.assigneeId ? { assigneeId: query.assigneeId } : {}, userOf(request));
      const progress = await regions.progress(tasks.map((t) => t.id));
      const out = [];
      for (const task of tasks) {
        const p = progress.get(task.id);
        const region = p ? await regions.ofItem(task.itemId) : undefined;
        if (p && region) out.push({ task, magnification: region.template.magnification, progress: p });
      }
      return { tasks: out };
    },
  });

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/workflow/tasks/:taskId/pathology',
    operationId: 'getSlideTask',
    summary: "A slide-region task: its region, target magnification, zoom band, fields and progress",
    tags: ['pathology'],
    action: 'task.read',
    resource: 'task',
    params: taskParams,
    responses: { 200: { description: 'The task', schema: z.object({ task: WorkflowTask, region: SlideRegion, fields: z.array(TaskField), progress: FieldProgress }) } },
    handler: async ({ params }, request) => {
      const { task, region } = await regionOfTask(request, params.taskId);
      const fields = await regions.fields(params.taskId);
      const progress = (await regions.progress([params.taskId])).get(params.taskId) ?? { unseen: 0, seen: 0, done: 0, total: 0 };
      return { task, region, fields, progress };
    },
  });

  defineRoute(app, registry, {
    method: 'PUT',
    url: '/api/workflow/tasks/:taskId/pathology/fields/:index',
    operationId: 'setSlideTaskField',
    summary: "Record a field as seen or done (the assignee; states only move forward)",
    tags: ['pathology'],
    action: 'task.submit',
    resource: 'task',
    params: fieldParams,
    body: z.object({ state: FieldState }),
    responses: { 200: { description: 'The field, with who and when', schema: TaskField } },
    handler: async ({ params, body }, request) => {
      const { task } = await regionOfTask(request, params.taskId);
      const field = await regions.setFieldState(params.taskId, params.index, body.state, userOf(request));
      await audit(request, task.projectId, `pathology.field.${body.state}`, 'task', params.taskId);
      return field;
    },
  });

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/workflow/tasks/:taskId/pathology/cells',
    operationId: 'getSlideTaskCells',
    summary: 'The cells of a task whose extent meets the viewport (full-resolution px), with the cell-set version as ETag',
    tags: ['pathology'],
    action: 'task.read',
    resource: 'task',
    params: taskParams,
    query: viewportQuery,
    responses: { 200: { description: 'Cells in the viewport', schema: z.object({ version: z.number(), cells: z.array(Cell) }) } },
    handler: async ({ params, query }, request, reply) => {
      const { region } = await regionOfTask(request, params.taskId);
      const result = await cells.viewport(params.taskId, region, query);
      return reply.header('ETag', `"${result.version}"`).send(result);
    },
  });

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/workflow/tasks/:taskId/pathology/cells/pick',
    operationId: 'pickSlideTaskCell',
    summary: 'The cell under a point: the nucleus outline containing it or a point cell within the tolerance (px)',
    tags: ['pathology'],
    action: 'task.read',
    resource: 'task',
    params: taskParams,
    query: pickQuery,
    responses: { 200: { description: 'The cell, or null', schema: z.object({ version: z.number(), cell: Cell.nullable() }) } },
    handler: async ({ params, query }, request) => {
      const { region } = await regionOfTask(request, params.taskId);
      return cells.pick(params.taskId, region, query.x, query.y, query.tolerance);
    },
  });

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/workflow/tasks/:taskId/pathology/cells/columns',
    operationId: 'getSlideTaskCellColumns',
    summary: "All of a task's cells in the columnar binary form (docs in packages/store/src/pathology/cell-codec.ts)",
    tags: ['pathology'],
    action: 'task.read',
    resource: 'task',
    params: taskParams,
    responses: { 200: { description: 'The cell set', binary: 'application/vnd.delineate.cells' } },
    handler: async ({ params }, request, reply) => {
      const { region } = await regionOfTask(request, params.taskId);
      const { version, bytes } = await cells.readEncoded(params.taskId, region);
      return reply.type('application/vnd.delineate.cells').header('ETag', `"${version}"`).send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    },
  });

  defineRoute(app, registry, {
    method: 'POST',
    url: '/api/workflow/tasks/:taskId/pathology/cells',
    operationId: 'editSlideTaskCells',
    summary: 'Add, move, delete, reclassify or review cells in one batch on top of the If-Match version (all or nothing)',
    tags: ['pathology'],
    action: 'task.submit',
    resource: 'task',
    params: taskParams,
    body: CellEditBatch,
    headers: [ifMatch],
    responses: { 200: { description: 'The new version', schema: z.object({ version: z.number(), count: z.number(), added: z.array(z.number()) }) }, 412: { description: 'Someone changed the cells first' } },
    handler: async ({ params, body }, request, reply) => {
      const { task, region } = await regionOfTask(request, params.taskId);
      const result = await cells.edit(params.taskId, region, expectedVersion(request), body, userOf(request));
      await audit(request, task.projectId, 'pathology.cells.edited', 'task', params.taskId);
      return reply.header('ETag', `"${result.version}"`).send(result);
    },
  });

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/workflow/tasks/:taskId/pathology/export/geojson',
    operationId: 'exportSlideTaskGeoJson',
    summary: "The task's region and cells as QuPath-compatible GeoJSON (full-resolution px, µm per pixel stated)",
    tags: ['pathology'],
    action: 'mask.read',
    resource: 'task',
    params: taskParams,
    responses: { 200: { description: 'A GeoJSON FeatureCollection' } },
    handler: async ({ params }, request, reply) => {
      const { region } = await regionOfTask(request, params.taskId);
      const view = await cells.read(params.taskId, region);
      return reply.type('application/geo+json').send(JSON.stringify(regionGeoJson(region, cellsOf(view.columns))));
    },
  });

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/workflow/tasks/:taskId/pathology/export/coco',
    operationId: 'exportSlideTaskCoco',
    summary: "The task's tissue mask as COCO: one image per field, one RLE annotation per label present",
    tags: ['pathology'],
    action: 'mask.read',
    resource: 'task',
    params: taskParams,
    query: cocoQuery,
    responses: { 200: { description: 'COCO JSON' } },
    handler: async ({ params, query }, request) => {
      const { task, region } = await regionOfTask(request, params.taskId);
      const annotation = await db.selectFrom('annotations').select(['id', 'head_version']).where('task_id', '=', params.taskId).executeTakeFirst();
      if (!annotation || annotation.head_version === 0) throw new DelineateError('DLN_NOT_FOUND', 'The task has no saved mask');
      const version = query.version ?? annotation.head_version;
      if (version > annotation.head_version) throw new DelineateError('DLN_NOT_FOUND', 'Revision not found');
      const config = await readWorkflowConfig(db, task.projectId);
      const schema = await new LabelSchemaRepository(db).get(config.labelSchema.id, config.labelSchema.version);
      const mask = await readLabelVolume(db, ctx.blobs, { annotationId: annotation.id, version }, await itemGrid(db, region.itemId));
      return cocoPerField(region, await regions.fields(params.taskId), schema.labels.filter((l) => region.template.labelKeys.includes(l.key)), mask);
    },
  });

  defineRoute(app, registry, {
    method: 'POST',
    url: '/api/workflow/tasks/:taskId/pathology/boundary-reviews',
    operationId: 'startBoundaryReview',
    summary: "Split the band of ±N µm around the boundary between two classes of the task's mask into fields for expert review",
    tags: ['pathology'],
    action: 'expert_review.create',
    resource: 'task',
    params: taskParams,
    body: StartBoundaryReviewRequest.omit({ taskId: true }),
    responses: { 201: { description: 'The review with its fields', schema: BoundaryReview } },
    handler: async ({ params, body }, request, reply) => {
      const { task, region } = await regionOfTask(request, params.taskId);
      const review = await boundaries.start(region, { ...body, taskId: params.taskId }, userOf(request));
      await audit(request, task.projectId, 'pathology.boundary_review.started', 'task', params.taskId);
      return reply.status(201).send(review);
    },
  });

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/workflow/tasks/:taskId/pathology/boundary-reviews',
    operationId: 'listBoundaryReviews',
    summary: "The boundary reviews started on a task's mask, oldest first",
    tags: ['pathology'],
    action: 'task.read',
    resource: 'task',
    params: taskParams,
    responses: { 200: { description: 'The reviews', schema: z.object({ reviews: z.array(BoundaryReview) }) } },
    handler: async ({ params }, request) => {
      await regionOfTask(request, params.taskId);
      return { reviews: await boundaries.listForTask(params.taskId) };
    },
  });

  const reviewOf = async (request: FastifyRequest, taskId: string, reviewId: string) => {
    const { task } = await regionOfTask(request, taskId);
    if ((await boundaries.taskOf(reviewId)) !== taskId) throw new DelineateError('DLN_NOT_FOUND', 'Boundary review not found');
    return task;
  };

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/workflow/tasks/:taskId/pathology/boundary-reviews/:reviewId',
    operationId: 'getBoundaryReview',
    summary: 'A boundary review: its fields, their states and the coverage',
    tags: ['pathology'],
    action: 'task.read',
    resource: 'task',
    params: reviewParams,
    responses: { 200: { description: 'The review', schema: BoundaryReview } },
    handler: async ({ params }, request) => {
      await reviewOf(request, params.taskId, params.reviewId);
      return boundaries.get(params.reviewId);
    },
  });

  defineRoute(app, registry, {
    method: 'PUT',
    url: '/api/workflow/tasks/:taskId/pathology/boundary-reviews/:reviewId/fields/:index',
    operationId: 'setBoundaryReviewField',
    summary: 'The expert marks a field of the band seen, accepted or edited',
    tags: ['pathology'],
    action: 'expert_review.create',
    resource: 'task',
    params: reviewFieldParams,
    body: z.object({ state: z.enum(['seen', 'accepted', 'edited']) }),
    responses: { 200: { description: 'The review', schema: BoundaryReview } },
    handler: async ({ params, body }, request) => {
      await reviewOf(request, params.taskId, params.reviewId);
      return boundaries.setField(params.reviewId, params.index, body.state, userOf(request));
    },
  });

  defineRoute(app, registry, {
    method: 'POST',
    url: '/api/workflow/tasks/:taskId/pathology/boundary-reviews/:reviewId/sign',
    operationId: 'signBoundaryReview',
    summary: 'Sign the boundary review (re-authentication); refused until every field of the band was seen',
    tags: ['pathology'],
    action: 'expert_review.create',
    resource: 'task',
    params: reviewParams,
    body: z.object({ signature: Signature }),
    responses: { 200: { description: 'The signed review', schema: BoundaryReview }, 409: { description: 'Fields of the band not seen yet' } },
    handler: async ({ params, body }, request) => {
      const task = await reviewOf(request, params.taskId, params.reviewId);
      const userId = userOf(request);
      // Coverage is checked before the signature, so an incomplete review never asks for the password.
      await boundaries.assertSignable(params.reviewId, userId);
      const principal = requestAccess(request).principal;
      if (principal.kind !== 'user') throw new DelineateError('DLN_AUTH_REQUIRED', 'Sign in to do this');
      await app.accessRuntime.auth.reauthenticate(principal, body.signature.password);
      const review = await boundaries.sign(params.reviewId, userId, ctx.clock());
      await audit(request, task.projectId, 'pathology.boundary_review.signed', 'task', params.taskId);
      return review;
    },
  });

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/projects/:projectId/pathology/agreement',
    operationId: 'pathologyAgreement',
    summary: "Per region: detection F1 per reader pair and cell class (matched within the class's radius), count ICC(A,1) over fields, majority consensus points, tissue Dice at the task magnification",
    tags: ['pathology'],
    action: 'quality.read',
    resource: 'project',
    params: projectParams,
    responses: { 200: { description: 'Agreement per region' } },
    handler: async ({ params }) => {
      const rows = await db.selectFrom('items').select('id').where('project_id', '=', params.projectId).where('kind', '=', 'slide_region').orderBy('created_at').orderBy('id').execute();
      const out = [];
      for (const row of rows) {
        const region = await regions.ofItem(row.id);
        if (region) out.push(await regionAgreement(db, ctx.blobs, region, async (taskId) => cellsOf((await cells.read(taskId, region)).columns), (taskId) => regions.fields(taskId)));
      }
      return { regions: out };
    },
  });
}
