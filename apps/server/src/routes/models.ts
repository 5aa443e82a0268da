import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { CorrectionEffort, DelineateError, EditingActivity, Model, parseOrThrow, PreannotateJobPayload, PreannotationPrompt, PreannotationRun, PreannotationSettings, Region, Sha256Hex } from '@delineate/schema';
import {
  correctionEffortOf,
  DraftRepository,
  effortByModel,
  JobQueue,
  maskReadableBy,
  ModelRepository,
  PREANNOTATE_JOB_KIND,
  readPreannotationSettings,
  recordEditingActivity,
  updatePreannotationSettings,
} from '@delineate/store';
import type { ServerContext } from '../context';
import { requestUserId } from '../http/actor';
import { binaryBody, defineRoute, type RouteRegistry } from '../http/route';

const projectParams = z.object({ projectId: z.uuid() });
const weightsParams = z.object({ projectId: z.uuid(), sha256: Sha256Hex });
const jobParams = z.object({ taskId: z.uuid(), jobId: z.uuid() });
const taskParams = z.object({ taskId: z.uuid() });
const annotationParams = z.object({ annotationId: z.uuid() });
const runBody = z.object({ modelId: z.uuid(), prompt: PreannotationPrompt });
const MeanOf = z.object({ n: z.number().int(), mean: z.number().nullable() });
const EffortSummary = z.object({
  modelId: z.uuid(),
  name: z.string(),
  version: z.string(),
  tasks: z.number().int(),
  labels: z.array(
    z.object({
      labelKey: z.string(),
      tasks: z.number().int(),
      acceptedAsIs: z.number().int(),
      dice: MeanOf,
      hd95Mm: MeanOf,
      surfaceDice: MeanOf,
      addedPathLengthMm: MeanOf,
      falseNegativePathLengthMm: MeanOf,
      voxelsAdded: z.number().int(),
      voxelsRemoved: z.number().int(),
    }),
  ),
  editing: z.object({ tasks: z.number().int(), activeEditingMs: MeanOf, strokes: MeanOf, clicks: MeanOf, undos: MeanOf }),
});
const previewBody = z.object({ modelId: z.uuid(), prompt: PreannotationPrompt });
const SlicePreview = z.object({
  slice: z.number().int(),
  runs: z.array(z.number().int()).describe('Pairs [start, end) of in-plane voxel offsets (x + columns·y), row by row'),
  voxels: z.number().int(),
});

/** A promptable model's decoder mask for one prompt on one slice (the worker's `promptPreviews`, wired by `delineate start`). */
export type PromptPreviewRunner = (request: { readonly taskId: string; readonly modelId: string; readonly prompt: z.infer<typeof PreannotationPrompt> }) => Promise<z.infer<typeof SlicePreview>>;

const JobState = z.object({ id: z.uuid(), status: z.string(), error: z.string().nullable(), annotationId: z.uuid().nullable() });

/** The model registry, pre-annotation runs and their provenance, and correction effort (issue 18). */
export function registerModelRoutes(app: FastifyInstance, registry: RouteRegistry, ctx: ServerContext, preview?: PromptPreviewRunner): void {
  const models = new ModelRepository(ctx.database.db, { blobs: ctx.blobs, clock: ctx.clock });
  const drafts = new DraftRepository(ctx.database.db, { blobs: ctx.blobs, clock: ctx.clock });
  const jobs = new JobQueue(ctx.database.db, { clock: ctx.clock });
  /** The task, when it is open and `userId` is its assignee: only they ask models about it. */
  const openTaskOf = async (taskId: string, userId: string) => {
    const task = await ctx.database.db.selectFrom('tasks').select(['assignee_id', 'status', 'project_id']).where('id', '=', taskId).executeTakeFirst();
    if (!task) throw new DelineateError('DLN_NOT_FOUND', 'Task not found');
    if (task.assignee_id !== userId) throw new DelineateError('DLN_AUTH_FORBIDDEN', "Only the task's assignee asks models about it");
    if (task.status !== 'assigned' && task.status !== 'in_progress') throw new DelineateError('DLN_MODEL_TASK_NOT_OPEN', 'The task is not open');
    return task;
  };

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/projects/:projectId/models',
    operationId: 'listProjectModels',
    summary: 'The pre-annotation models registered for the project, with their manifests',
    tags: ['models'],
    action: 'model.list',
    resource: 'project',
    params: projectParams,
    responses: { 200: { description: 'Models by name and version', schema: z.object({ models: z.array(Model) }) } },
    handler: async ({ params }) => ({ models: await models.listForProject(params.projectId) }),
  });

  defineRoute(app, registry, {
    method: 'PUT',
    url: '/api/projects/:projectId/model-weights/:sha256',
    operationId: 'uploadModelWeights',
    summary: 'Upload ONNX weights ahead of their manifest; refused unless their SHA-256 is the one in the path',
    tags: ['models'],
    action: 'model.weights.upload',
    resource: 'project',
    params: weightsParams,
    body: binaryBody,
    responses: { 201: { description: 'Stored', schema: z.object({ sha256: Sha256Hex, bytes: z.number().int() }) } },
    handler: async ({ params, body }, _request, reply) => reply.status(201).send(await models.uploadWeights(body, params.sha256)),
  });

  defineRoute(app, registry, {
    method: 'POST',
    url: '/api/projects/:projectId/models',
    operationId: 'registerProjectModel',
    summary: "Register a model from its manifest; its outputs must name codes of the project's label schema",
    tags: ['models'],
    action: 'model.register',
    resource: 'project',
    params: projectParams,
    body: z.object({ manifest: z.unknown() }),
    responses: { 201: { description: 'Registered', schema: Model } },
    handler: async ({ params, body }, request, reply) => {
      const model = await models.registerManifest({ projectId: params.projectId, manifest: body.manifest, createdBy: requestUserId(request) });
      return reply.status(201).send(model);
    },
  });

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/projects/:projectId/preannotation-settings',
    operationId: 'getPreannotationSettings',
    summary: 'The model that drafts new annotation tasks, and the tolerance of the correction-effort measures',
    tags: ['models'],
    action: 'preannotation.settings.read',
    resource: 'project',
    params: projectParams,
    responses: { 200: { description: 'Settings', schema: PreannotationSettings } },
    handler: async ({ params }) => readPreannotationSettings(ctx.database.db, params.projectId),
  });

  defineRoute(app, registry, {
    method: 'PUT',
    url: '/api/projects/:projectId/preannotation-settings',
    operationId: 'updatePreannotationSettings',
    summary: 'Set the model that drafts every new annotation task (or none) and the effort tolerance',
    tags: ['models'],
    action: 'preannotation.settings.update',
    resource: 'project',
    params: projectParams,
    body: PreannotationSettings,
    responses: { 200: { description: 'Settings', schema: PreannotationSettings } },
    handler: async ({ params, body }) => updatePreannotationSettings(ctx.database.db, params.projectId, body, ctx.clock),
  });

  defineRoute(app, registry, {
    method: 'POST',
    url: '/api/tasks/:taskId/preannotations',
    operationId: 'runPreannotation',
    summary: "Ask a registered model for a draft of your open task: the item, a slice, a box or a click; it becomes an ai revision",
    tags: ['models'],
    action: 'preannotation.run',
    resource: 'task',
    params: taskParams,
    body: runBody,
    responses: { 202: { description: 'Queued', schema: z.object({ jobId: z.uuid() }) } },
    handler: async ({ params, body }, request, reply) => {
      const me = requestUserId(request);
      const task = await openTaskOf(params.taskId, me);
      // Refused now rather than in the job: a model of another project, or one without a manifest.
      await drafts.context(body.modelId, { kind: 'task', taskId: params.taskId });
      const payload: PreannotateJobPayload = { projectId: task.project_id, modelId: body.modelId, target: { kind: 'task', taskId: params.taskId }, prompt: body.prompt, requestedBy: me };
      const project = await ctx.database.db.selectFrom('projects').select('region').where('id', '=', task.project_id).executeTakeFirstOrThrow();
      // One attempt: a refusal is an answer to show the annotator, not a fault to retry.
      const job = await jobs.enqueue({ kind: PREANNOTATE_JOB_KIND, region: parseOrThrow(Region, project.region), payload, maxAttempts: 1 });
      return reply.status(202).send({ jobId: job.id });
    },
  });

  defineRoute(app, registry, {
    method: 'POST',
    url: '/api/tasks/:taskId/preannotations/preview',
    operationId: 'previewPreannotation',
    summary: "A promptable model's mask for a click or a box on one slice, answered at once and never saved: the workspace's live outline while a prompt is dragged",
    tags: ['models'],
    action: 'preannotation.preview',
    resource: 'task',
    params: taskParams,
    body: previewBody,
    responses: { 200: { description: "The decoder's mask on the slice, as runs", schema: SlicePreview } },
    handler: async ({ params, body }, request) => {
      await openTaskOf(params.taskId, requestUserId(request));
      if (!preview) throw new DelineateError('DLN_MODEL_PREVIEW_UNAVAILABLE', 'This server runs no model previews (start it with `delineate start`)');
      return preview({ taskId: params.taskId, modelId: body.modelId, prompt: body.prompt });
    },
  });

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/tasks/:taskId/preannotations/:jobId',
    operationId: 'getPreannotationJob',
    summary: 'Where a requested draft stands: queued, running, succeeded (its annotation) or failed (its coded reason)',
    tags: ['models'],
    action: 'preannotation.read',
    resource: 'task',
    params: jobParams,
    responses: { 200: { description: 'The job', schema: JobState } },
    handler: async ({ params }) => {
      const job = await jobs.get(params.jobId);
      const payload = PreannotateJobPayload.safeParse(job.payload);
      const target = payload.success ? payload.data.target : undefined;
      if (job.kind !== PREANNOTATE_JOB_KIND || target?.kind !== 'task' || target.taskId !== params.taskId) throw new DelineateError('DLN_NOT_FOUND', 'Job not found');
      const annotation = job.status === 'succeeded' ? await ctx.database.db.selectFrom('annotations').select('id').where('task_id', '=', params.taskId).executeTakeFirst() : undefined;
      return { id: job.id, status: job.status, error: job.lastError, annotationId: annotation?.id ?? null };
    },
  });

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/annotations/:annotationId/preannotations',
    operationId: 'listPreannotationRuns',
    summary: 'The model runs that drew revisions of the annotation, with their full provenance',
    tags: ['models'],
    action: 'preannotation.read',
    resource: 'annotation',
    params: annotationParams,
    responses: { 200: { description: 'Runs by version', schema: z.object({ runs: z.array(PreannotationRun) }) } },
    handler: async ({ params }, request) => {
      if (!(await maskReadableBy(ctx.database.db, requestUserId(request), params.annotationId))) {
        throw new DelineateError('DLN_AUTH_FORBIDDEN', "Blinded reading: other readers' work stays hidden until every reader has submitted");
      }
      return { runs: await drafts.runs(params.annotationId) };
    },
  });

  defineRoute(app, registry, {
    method: 'PUT',
    url: '/api/tasks/:taskId/editing-activity',
    operationId: 'recordEditingActivity',
    summary: 'What the workspace counted while you corrected the draft: active editing time, strokes, clicks, undos',
    tags: ['models'],
    action: 'editing_activity.record',
    resource: 'task',
    params: taskParams,
    body: EditingActivity,
    responses: { 200: { description: 'Recorded', schema: EditingActivity } },
    handler: async ({ params, body }, request) => {
      const task = await ctx.database.db.selectFrom('tasks').select(['assignee_id', 'status']).where('id', '=', params.taskId).executeTakeFirst();
      if (!task) throw new DelineateError('DLN_NOT_FOUND', 'Task not found');
      if (task.assignee_id !== requestUserId(request)) throw new DelineateError('DLN_AUTH_FORBIDDEN', "Only the task's assignee reports its editing");
      if (task.status !== 'assigned' && task.status !== 'in_progress') throw new DelineateError('DLN_CONFLICT', 'The task is submitted: its editing figures are closed');
      return recordEditingActivity(ctx.database.db, params.taskId, body, ctx.clock);
    },
  });

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/tasks/:taskId/correction-effort',
    operationId: 'getCorrectionEffort',
    summary: "How much the annotator changed the model's draft, per label (measured after submission)",
    tags: ['models', 'quality'],
    action: 'correction_effort.read',
    resource: 'task',
    params: taskParams,
    responses: { 200: { description: 'The effort', schema: CorrectionEffort } },
    handler: async ({ params }) => {
      const effort = await correctionEffortOf(ctx.database.db, params.taskId);
      if (!effort) throw new DelineateError('DLN_NOT_FOUND', 'No correction effort has been measured for this task');
      return effort;
    },
  });

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/projects/:projectId/quality/correction-effort',
    operationId: 'getCorrectionEffortByModel',
    summary: 'Correction effort per model version for the QA dashboard: per label means, accepted-as-is counts, editing figures',
    tags: ['quality'],
    action: 'correction_effort.read',
    resource: 'project',
    params: projectParams,
    responses: { 200: { description: 'Per model version', schema: z.object({ models: z.array(EffortSummary) }) } },
    handler: async ({ params }) => ({ models: await effortByModel(ctx.database.db, params.projectId) }),
  });
}
