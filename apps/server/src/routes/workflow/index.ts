import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  ChecklistItem,
  CorrectionSize,
  DelineateError,
  FailedItem,
  Id,
  Review,
  ReviewAnswerInput,
  SignificantRegionMark,
  VersionNumber,
  VoxelBox,
  WorkflowConfig,
  WorkflowStage,
  WorkflowTask,
} from '@delineate/schema';
import { RLE8 } from '@delineate/core';
import { agreementReport, projectTimeAgreement, qualityReport, readsBlindedIn, WorkflowRepository, type AuditEntry } from '@delineate/store';
import { requestAccess } from '../../access';
import { setSessionCookie } from '../../access/plugin';
import type { ServerContext } from '../../context';
import { defineRoute, type RouteRegistry } from '../../http/route';

const projectParams = z.object({ projectId: z.uuid() });
const taskParams = z.object({ taskId: z.uuid() });
const tasksQuery = z.object({ assigneeId: z.uuid().optional(), stage: WorkflowStage.optional() });

const Sample = z.object({
  itemId: Id,
  sampled: z.boolean(),
  readers: z.number().int(),
  seed: z.number().int(),
  batch: z.number().int(),
  drawPosition: z.number().int(),
});
const submitBody = z.object({
  annotationId: z.uuid(),
  significantRegions: z.array(SignificantRegionMark).max(100).optional(),
});
/** Marks made on an open task and not submitted yet (kept so a reload does not lose them). */
const regionDraft = z.object({ significantRegions: z.array(SignificantRegionMark).max(100) });
/**
 * Signing re-authenticates: the reviewer's password, or a TOTP code (which, like every second-factor
 * verification, rotates the session token: the new one comes back in the result and the cookie).
 */
const Signature = z.union([z.object({ password: z.string().min(1).max(1024) }), z.object({ totpCode: z.string().regex(/^\d{6}$/) })]);
const reviewBody = z.object({
  decision: z.enum(['accept', 'correct', 'reject']),
  answers: z.array(ReviewAnswerInput).max(500),
  correctedVersion: VersionNumber.optional(),
  significantRegions: z.array(SignificantRegionMark).max(100).optional(),
  signature: Signature,
});
const expertReviewBody = reviewBody.extend({ decision: z.enum(['accept', 'correct']) });
const reassignBody = z.object({ assigneeId: z.uuid() });
const reviewResult = z.object({
  review: Review,
  signedAt: z.iso.datetime(),
  failedItems: z.array(FailedItem),
  correctionSizes: z.array(CorrectionSize),
  created: z.array(WorkflowTask),
  /** Only after a TOTP signature: the rotated session token. */
  sessionToken: z.string().optional(),
});
const ReviewContext = z.object({
  task: WorkflowTask,
  labels: z.array(z.object({ key: z.string(), value: z.number().int(), name: z.string(), requiresExpertReview: z.boolean(), present: z.boolean() })),
  checklist: z.array(ChecklistItem),
  significantRegions: z.array(z.object({ labelKey: z.string(), box: VoxelBox.nullable(), note: z.string().nullable(), markedBy: Id, version: VersionNumber })),
  history: z.array(
    z.object({
      reviewId: Id,
      stage: z.enum(['review', 'expert_review']),
      decision: z.enum(['accept', 'correct', 'reject']),
      reviewerId: Id,
      reviewedVersion: VersionNumber,
      correctedVersion: VersionNumber.nullable(),
      failedItems: z.array(FailedItem),
      correctionSizes: z.array(CorrectionSize),
      signedAt: z.iso.datetime(),
    }),
  ),
});
const nullableNumber = z.number().nullable();
const summary = z.object({ n: z.number(), mean: nullableNumber, sd: nullableNumber, median: nullableNumber, min: nullableNumber, max: nullableNumber });
const agreementItem = z.object({
  id: Id,
  itemId: Id,
  labelKey: z.string(),
  labelValue: z.number().int(),
  inputs: z.array(z.object({ annotationId: Id, version: VersionNumber })),
  pairs: z.array(z.object({ a: z.number().int(), b: z.number().int(), dice: nullableNumber, hd95Mm: nullableNumber })),
  fleissKappa: nullableNumber,
  krippendorffAlpha: nullableNumber,
  meanDice: nullableNumber,
  consensusHash: z.string(),
  softHash: z.string(),
  maskEncoding: z.string(),
  staple: z.object({ sensitivity: z.array(z.number()), specificity: z.array(z.number()), iterations: z.number(), converged: z.boolean(), fieldOfViewVoxels: z.number() }),
  jobId: Id.nullable(),
  createdAt: z.iso.datetime(),
});
const AgreementReport = z.object({
  thresholds: z.object({ dice: z.number(), fleissKappa: z.number() }),
  labels: z.array(z.object({ labelKey: z.string(), items: z.number(), meanDice: nullableNumber, meanFleissKappa: nullableNumber, category: z.enum(['high', 'low']) })),
  items: z.array(agreementItem),
});
const QualityReport = z.object({
  perAnnotator: z.array(z.object({ annotatorId: z.string(), annotatorName: z.string().nullable(), reviews: z.number(), accepted: z.number(), corrected: z.number(), rejected: z.number(), errorRate: z.number() })),
  perLabel: z.array(z.object({ labelKey: z.string(), answered: z.number(), failed: z.number(), errorRate: z.number() })),
  perErrorType: z.array(z.object({ errorType: z.string(), count: z.number(), share: z.number() })),
  expertReviews: z.object({ reviews: z.number(), accepted: z.number(), corrected: z.number() }),
  corrections: z.object({
    sizes: z.array(CorrectionSize.extend({ reviewId: Id, stage: z.enum(['review', 'expert_review']) })),
    voxelsChanged: summary,
    dice: summary,
    hd95Mm: summary,
  }),
  rework: z.object({ total: z.number(), distribution: z.array(z.object({ reworks: z.number(), tasks: z.number() })) }),
  timePerTask: z.array(z.object({ stage: WorkflowStage, seconds: z.array(z.number()), summary })),
  agreementPerLabel: z.array(z.object({ labelKey: z.string(), dice: z.array(z.number()), hd95Mm: z.array(z.number()), diceSummary: summary, hd95Summary: summary })),
  /** Cines read by two or more readers (issue 21): per pair Dice/HD95 at ED/ES and frame disagreement; clinical indices' bias, limits and CoV. */
  cardiac: z.object({ conventions: z.string(), items: z.array(z.record(z.string(), z.unknown())), indices: z.array(z.record(z.string(), z.unknown())) }).optional(),
  /** Videos whose tracks two readers drew (issue 21): sampled-frame Dice, temporal consistency, presence IoU, lesion F1. */
  video: z.object({ items: z.array(z.record(z.string(), z.unknown())) }).optional(),
});

function signedIn(request: FastifyRequest) {
  const principal = requestAccess(request).principal;
  if (principal.kind !== 'user') throw new DelineateError('DLN_AUTH_REQUIRED', 'Sign in to do this');
  return principal;
}

/**
 * The clinical workflow API (issue 7): project configuration, task generation and listing,
 * submission, structured and expert review (signed by re-authentication), reassignment,
 * QA statistics and the agreement report. Each state change also leaves explicit audit events
 * beside the one the access layer writes per request.
 */
export function registerWorkflowRoutes(app: FastifyInstance, registry: RouteRegistry, ctx: ServerContext): void {
  const runtime = app.accessRuntime;
  const workflow = new WorkflowRepository(ctx.database.db, { blobs: ctx.blobs, clock: ctx.clock, requirements: runtime.policy.roleQualifications });

  const audit = async (request: FastifyRequest, projectId: string, events: ReadonlyArray<{ action: string; objectType: string; objectId: string | null }>) => {
    if (events.length === 0) return;
    const access = requestAccess(request);
    const principal = signedIn(request);
    const role = access.decision.allowed ? access.decision.role : null;
    await runtime.audit.appendMany(
      events.map(
        (e): AuditEntry => ({
          actorId: principal.userId,
          role,
          sessionId: principal.sessionId,
          address: request.ip ?? null,
          action: e.action,
          objectType: e.objectType,
          objectId: e.objectId,
          projectId,
          subjectPseudonym: null,
          purpose: 'annotation_project',
          outcome: 'success',
        }),
      ),
    );
  };
  const createdEvents = (tasks: readonly WorkflowTask[]) => tasks.map((t) => ({ action: `workflow.task.created.${t.stage}`, objectType: 'task', objectId: t.id }));

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/projects/:projectId/workflow/config',
    operationId: 'getWorkflowConfig',
    summary: "The project's workflow: oversight model, pinned versions, agreement sampling, expert-review rules, thresholds",
    tags: ['workflow'],
    action: 'project.workflow.read',
    resource: 'project',
    params: projectParams,
    responses: { 200: { description: 'The configuration', schema: WorkflowConfig } },
    handler: async ({ params }) => workflow.config(params.projectId),
  });

  defineRoute(app, registry, {
    method: 'PUT',
    url: '/api/projects/:projectId/workflow/config',
    operationId: 'updateWorkflowConfig',
    summary: 'Set the workflow configuration (validated; oversight and pinned versions freeze once tasks exist)',
    tags: ['workflow'],
    action: 'project.workflow.update',
    resource: 'project',
    params: projectParams,
    body: WorkflowConfig,
    responses: { 200: { description: 'The stored configuration', schema: WorkflowConfig }, 409: { description: 'Frozen once tasks exist' } },
    handler: async ({ params, body }, request) => {
      const config = await workflow.updateConfig(params.projectId, body, signedIn(request).userId);
      await audit(request, params.projectId, [{ action: 'workflow.config.updated', objectType: 'project', objectId: params.projectId }]);
      return config;
    },
  });

  defineRoute(app, registry, {
    method: 'POST',
    url: '/api/projects/:projectId/workflow/tasks',
    operationId: 'generateWorkflowTasks',
    summary: 'Create annotation tasks for items past the de-identification gate, drawing the agreement sample',
    tags: ['workflow'],
    action: 'task.create',
    resource: 'project',
    params: projectParams,
    responses: { 201: { description: 'The sample drawn and the tasks created', schema: z.object({ sample: z.array(Sample), created: z.array(WorkflowTask) }) } },
    handler: async ({ params }, request, reply) => {
      const result = await workflow.generateTasks(params.projectId);
      await audit(request, params.projectId, [
        ...result.sample.map((s) => ({ action: s.sampled ? 'workflow.sample.included' : 'workflow.sample.excluded', objectType: 'item', objectId: s.itemId })),
        ...createdEvents(result.created),
      ]);
      return reply.status(201).send(result);
    },
  });

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/projects/:projectId/workflow/tasks',
    operationId: 'listWorkflowTasks',
    summary: "The project's workflow tasks, optionally one assignee's or one stage's",
    tags: ['workflow'],
    action: 'task.list',
    resource: 'project',
    params: projectParams,
    query: tasksQuery,
    responses: { 200: { description: 'Tasks, oldest first', schema: z.object({ tasks: z.array(WorkflowTask) }) } },
    handler: async ({ params, query }, request) => ({ tasks: await workflow.listTasks(params.projectId, query, signedIn(request).userId) }),
  });

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/projects/:projectId/workflow/sample',
    operationId: 'getAgreementSample',
    summary: 'The recorded agreement sample: per item whether it was drawn, with seed, batch and position',
    tags: ['workflow'],
    action: 'task.list',
    resource: 'project',
    params: projectParams,
    responses: { 200: { description: 'The sample', schema: z.object({ sample: z.array(Sample) }) } },
    handler: async ({ params }) => ({ sample: await workflow.sample(params.projectId) }),
  });

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/workflow/tasks/:taskId',
    operationId: 'getWorkflowTask',
    summary: 'One workflow task, with the failed items of its last rejection',
    tags: ['workflow'],
    action: 'task.read',
    resource: 'task',
    params: taskParams,
    responses: { 200: { description: 'The task', schema: WorkflowTask } },
    handler: async ({ params }, request) => workflow.getTask(params.taskId, signedIn(request).userId),
  });

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/workflow/tasks/:taskId/review-context',
    operationId: 'getReviewContext',
    summary: 'For the review screen: labels present, the checklist to answer, significant regions and earlier reviews of the work',
    tags: ['workflow'],
    action: 'task.read',
    resource: 'task',
    params: taskParams,
    responses: { 200: { description: 'The context', schema: ReviewContext } },
    handler: async ({ params }, request) => workflow.reviewContext(params.taskId, signedIn(request).userId),
  });

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/workflow/tasks/:taskId/correction-overlay',
    operationId: 'getCorrectionOverlay',
    summary: "A review task's correction as an rle volume: 1 added, 2 removed, 3 relabelled voxels",
    tags: ['workflow'],
    action: 'mask.read',
    resource: 'task',
    params: taskParams,
    responses: { 200: { description: 'The overlay (see X-Mask-Encoding)', binary: true } },
    handler: async ({ params }, request, reply) => {
      const bytes = await workflow.correctionOverlayRle(params.taskId, signedIn(request).userId);
      return reply.type('application/octet-stream').header('X-Mask-Encoding', RLE8).send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    },
  });

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/workflow/tasks/:taskId/significant-regions',
    operationId: 'getSignificantRegionDraft',
    summary: 'The significant-region marks you made on your open task and have not submitted yet',
    tags: ['workflow'],
    action: 'task.read',
    resource: 'task',
    params: taskParams,
    responses: { 200: { description: 'The marks', schema: regionDraft } },
    handler: async ({ params }, request) => ({ significantRegions: await workflow.regionDraft(params.taskId, signedIn(request).userId) }),
  });

  defineRoute(app, registry, {
    method: 'PUT',
    url: '/api/workflow/tasks/:taskId/significant-regions',
    operationId: 'saveSignificantRegionDraft',
    summary: 'Keep your significant-region marks on your open task (replaces the list); submitting or signing records them',
    tags: ['workflow'],
    action: 'task.submit',
    resource: 'task',
    params: taskParams,
    body: regionDraft,
    responses: { 200: { description: 'The marks kept', schema: regionDraft } },
    handler: async ({ params, body }, request) => ({
      significantRegions: await workflow.saveRegionDraft(params.taskId, signedIn(request).userId, body.significantRegions),
    }),
  });

  defineRoute(app, registry, {
    method: 'POST',
    url: '/api/workflow/tasks/:taskId/submit',
    operationId: 'submitWorkflowTask',
    summary: 'Submit the head revision of your annotation of the task; creates its review',
    tags: ['workflow'],
    action: 'task.submit',
    resource: 'task',
    params: taskParams,
    body: submitBody,
    responses: {
      200: { description: 'Submitted', schema: z.object({ task: WorkflowTask, created: z.array(WorkflowTask), agreementJobId: Id.nullable() }) },
    },
    handler: async ({ params, body }, request) => {
      const result = await workflow.submitAnnotation({ taskId: params.taskId, userId: signedIn(request).userId, ...body });
      await audit(request, result.task.projectId, [
        { action: 'workflow.task.submitted', objectType: 'task', objectId: result.task.id },
        ...(body.significantRegions ?? []).map(() => ({ action: 'workflow.region.marked_significant', objectType: 'annotation', objectId: body.annotationId })),
        ...createdEvents(result.created),
        ...(result.agreementJobId ? [{ action: 'workflow.agreement.enqueued', objectType: 'job', objectId: result.agreementJobId }] : []),
      ]);
      return result;
    },
  });

  const review = (stage: 'review' | 'expert_review') => async (input: { params: { taskId: string }; body: z.infer<typeof reviewBody> }, request: FastifyRequest, reply: FastifyReply) => {
    const principal = signedIn(request);
    const submission = {
      taskId: input.params.taskId,
      reviewerId: principal.userId,
      stage,
      decision: input.body.decision,
      answers: input.body.answers,
      ...(input.body.correctedVersion !== undefined ? { correctedVersion: input.body.correctedVersion } : {}),
      ...(input.body.significantRegions ? { significantRegions: input.body.significantRegions } : {}),
    };
    // An invalid review is refused before the signature (a TOTP signature rotates the session).
    await workflow.checkReview(submission);
    // The signature: re-authentication now, recorded as the signing time.
    const signature = input.body.signature;
    let sessionToken: string | undefined;
    if ('password' in signature) await runtime.auth.reauthenticate(principal, signature.password);
    else {
      sessionToken = (await runtime.auth.verifySecondFactor(principal, { code: signature.totpCode })).token;
      setSessionCookie(reply, sessionToken, runtime.settings);
    }
    const signedAt = ctx.clock();
    const result = await workflow.recordReview({ ...submission, signedAt });
    const task = await workflow.getTask(input.params.taskId);
    await audit(request, task.projectId, [
      { action: `workflow.${stage}.signed.${input.body.decision}`, objectType: 'review', objectId: result.review.id },
      ...(input.body.decision === 'reject' && task.reviewsTaskId ? [{ action: 'workflow.task.returned', objectType: 'task', objectId: task.reviewsTaskId }] : []),
      ...createdEvents(result.created),
    ]);
    return { ...result, signedAt: signedAt.toISOString(), ...(sessionToken ? { sessionToken } : {}) };
  };

  defineRoute(app, registry, {
    method: 'POST',
    url: '/api/workflow/tasks/:taskId/review',
    operationId: 'submitReview',
    summary: 'Review the submitted work: every checklist item of every label present; accept, correct or reject; signed by password or TOTP',
    tags: ['workflow'],
    action: 'review.create',
    resource: 'task',
    params: taskParams,
    body: reviewBody,
    responses: { 200: { description: 'The signed review', schema: reviewResult }, 401: { description: 'The signature password is wrong' } },
    handler: async (input, request, reply) => review('review')(input, request, reply),
  });

  defineRoute(app, registry, {
    method: 'POST',
    url: '/api/workflow/tasks/:taskId/expert-review',
    operationId: 'submitExpertReview',
    summary: 'Expert review of flagged work: the same checklist; accept or correct; signed by password or TOTP',
    tags: ['workflow'],
    action: 'expert_review.create',
    resource: 'task',
    params: taskParams,
    body: expertReviewBody,
    responses: { 200: { description: 'The signed expert review', schema: reviewResult } },
    handler: async (input, request, reply) => review('expert_review')(input, request, reply),
  });

  defineRoute(app, registry, {
    method: 'POST',
    url: '/api/workflow/tasks/:taskId/reassign',
    operationId: 'reassignWorkflowTask',
    summary: 'Move an open task to another qualified member (never onto their own work); audited',
    tags: ['workflow'],
    action: 'task.assign',
    resource: 'task',
    params: taskParams,
    body: reassignBody,
    responses: { 200: { description: 'The reassigned task', schema: WorkflowTask } },
    handler: async ({ params, body }, request) => {
      const { task, previousAssigneeId } = await workflow.reassign(params.taskId, body.assigneeId);
      await audit(request, task.projectId, [
        { action: 'workflow.task.reassigned', objectType: 'task', objectId: task.id },
        ...(previousAssigneeId ? [{ action: 'workflow.task.assignee_removed', objectType: 'user', objectId: previousAssigneeId }] : []),
        { action: 'workflow.task.assignee_added', objectType: 'user', objectId: body.assigneeId },
      ]);
      return task;
    },
  });

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/projects/:projectId/workflow/quality',
    operationId: 'getQualityStatistics',
    summary: 'QA statistics: error rates per annotator, label and error type; correction sizes; rework; time per task; agreement per label',
    tags: ['workflow'],
    action: 'quality.read',
    resource: 'project',
    params: projectParams,
    responses: { 200: { description: 'The statistics', schema: QualityReport } },
    handler: async ({ params }, request) => {
      // Per-annotator and per-label figures come from others' work: not for a reader still blinded.
      if (await readsBlindedIn(ctx.database.db, signedIn(request).userId, params.projectId)) {
        throw new DelineateError('DLN_AUTH_FORBIDDEN', "Blinded reading: the QA statistics stay hidden until every reader of your items has submitted");
      }
      return { ...(await qualityReport(ctx.database.db, params.projectId)), ...(await projectTimeAgreement(ctx.database.db, ctx.blobs, params.projectId)) };
    },
  });

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/projects/:projectId/workflow/agreement',
    operationId: 'getAgreementReport',
    summary: 'Agreement per sampled item and label (with the revisions used) and the high/low category per label',
    tags: ['workflow'],
    action: 'quality.read',
    resource: 'project',
    params: projectParams,
    responses: { 200: { description: 'The report', schema: AgreementReport } },
    handler: async ({ params }, request) => {
      if (await readsBlindedIn(ctx.database.db, signedIn(request).userId, params.projectId)) {
        throw new DelineateError('DLN_AUTH_FORBIDDEN', "Blinded reading: the agreement report stays hidden until every reader of your items has submitted");
      }
      return agreementReport(ctx.database.db, params.projectId);
    },
  });
}
