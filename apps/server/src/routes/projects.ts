import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  ChecklistItem,
  DelineateError,
  Id,
  LabelList,
  Modality,
  OversightModel,
  QualificationKind,
  Role,
  VersionNumber,
  VersionRef,
  WorkflowStage,
  AgreementSampling,
} from '@delineate/schema';
import { ProjectRepository, WorkflowRepository } from '@delineate/store';
import { requestAccess } from '../access';
import type { ServerContext } from '../context';
import { requestUserId } from '../http/actor';
import { defineRoute, type RouteRegistry } from '../http/route';

const projectParams = z.object({ projectId: z.uuid() });

const ProjectListEntry = z.object({
  id: Id,
  name: z.string(),
  modality: Modality,
  oversightModel: OversightModel,
  /** The caller's roles in the project (empty for a platform administrator without one). */
  roles: z.array(Role),
});

const NamedVersion = VersionRef.extend({ name: z.string().nullable() });

const ProjectSummary = z.object({
  id: Id,
  name: z.string(),
  modality: Modality,
  /** The modalities ingest accepts: the project's own and those it lists. */
  acceptedModalities: z.array(Modality),
  oversightModel: OversightModel,
  region: z.string(),
  purpose: z.string(),
  legalBasis: z.string(),
  labelSchema: NamedVersion,
  reviewProtocol: NamedVersion,
  agreementSampling: AgreementSampling,
  createdAt: z.iso.datetime(),
  roles: z.array(Role),
  /** Workflow tasks per stage; once any exist the oversight model and pinned versions are frozen. */
  tasks: z.object({ annotate: z.number().int(), review: z.number().int(), expert_review: z.number().int() }),
  frozen: z.boolean(),
});

const DocumentChoices = z.object({
  labelSchemas: z.array(z.object({ id: Id, name: z.string(), version: VersionNumber, labels: LabelList, createdAt: z.iso.datetime() })),
  reviewProtocols: z.array(z.object({ id: Id, name: z.string(), version: VersionNumber, checklist: z.array(ChecklistItem), createdAt: z.iso.datetime() })),
});

const Member = z.object({
  userId: Id,
  username: z.string(),
  displayName: z.string(),
  disabled: z.boolean(),
  roles: z.array(Role),
  qualifications: z.array(z.object({ kind: QualificationKind, modality: Modality.nullable(), validUntil: z.iso.datetime().nullable() })),
});

function principalOf(request: FastifyRequest) {
  const principal = requestAccess(request).principal;
  if (principal.kind !== 'user') throw new DelineateError('DLN_AUTH_REQUIRED', 'Sign in to do this');
  return principal;
}

function rolesIn(request: FastifyRequest, projectId: string): Role[] {
  const roles = principalOf(request)
    .roles.filter((r) => r.projectId === projectId)
    .map((r) => r.role as Role);
  return [...new Set(roles)].sort();
}

const iso = (value: Date | string) => (value instanceof Date ? value : new Date(value)).toISOString();

/**
 * Project reads for the web app's project pages (issue 7): the caller's projects, one project's
 * settings summary, the label-schema and review-protocol versions a configuration may pin, and
 * the members with their roles and qualifications (for reassignment).
 */
export function registerProjectRoutes(app: FastifyInstance, registry: RouteRegistry, ctx: ServerContext): void {
  const db = ctx.database.db;
  const projects = new ProjectRepository(db);
  const runtime = app.accessRuntime;
  const workflow = new WorkflowRepository(db, { blobs: ctx.blobs, clock: ctx.clock, requirements: runtime.policy.roleQualifications });

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/projects',
    operationId: 'listProjects',
    summary: 'The projects where the caller holds a role (every project for a platform administrator), with the caller’s roles',
    tags: ['projects'],
    action: 'project.list',
    resource: 'project',
    responses: { 200: { description: 'Projects, oldest first', schema: z.object({ projects: z.array(ProjectListEntry) }) } },
    handler: async (_input, request) => {
      const principal = principalOf(request);
      const mine = new Set(principal.roles.map((r) => r.projectId));
      const all = await projects.list();
      return {
        projects: all
          .filter((p) => principal.platformAdmin || mine.has(p.id))
          .map((p) => ({ id: p.id, name: p.name, modality: p.modality, oversightModel: p.oversightModel, roles: rolesIn(request, p.id) })),
      };
    },
  });

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/projects/:projectId',
    operationId: 'getProject',
    summary: "One project's settings summary: pinned documents with their names, sampling, task counts and whether the workflow is frozen",
    tags: ['projects'],
    action: 'project.read',
    resource: 'project',
    params: projectParams,
    responses: { 200: { description: 'The project', schema: ProjectSummary } },
    handler: async ({ params }, request) => {
      const p = await projects.get(params.projectId);
      const schemaName = await db.selectFrom('label_schemas').select('name').where('id', '=', p.labelSchema.id).executeTakeFirst();
      const protocolName = await db.selectFrom('review_protocols').select('name').where('id', '=', p.reviewProtocol.id).executeTakeFirst();
      const tasks = { annotate: 0, review: 0, expert_review: 0 };
      // Counted over the tasks the caller may see: a blinded reader learns nothing of others' progress.
      for (const t of await workflow.listTasks(p.id, {}, requestUserId(request))) tasks[t.stage satisfies WorkflowStage] += 1;
      return {
        id: p.id,
        name: p.name,
        modality: p.modality,
        acceptedModalities: p.acceptedModalities,
        oversightModel: p.oversightModel,
        region: p.region,
        purpose: p.purpose,
        legalBasis: p.legalBasis,
        labelSchema: { ...p.labelSchema, name: schemaName?.name ?? null },
        reviewProtocol: { ...p.reviewProtocol, name: protocolName?.name ?? null },
        agreementSampling: p.agreementSampling,
        createdAt: p.createdAt,
        roles: rolesIn(request, p.id),
        tasks,
        frozen: tasks.annotate + tasks.review + tasks.expert_review > 0,
      };
    },
  });

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/projects/:projectId/workflow/documents',
    operationId: 'listWorkflowDocumentVersions',
    summary: 'The label-schema versions (labels with keys) and review-protocol versions (checklist items) a workflow configuration may pin',
    tags: ['workflow'],
    action: 'project.workflow.read',
    resource: 'project',
    params: projectParams,
    responses: { 200: { description: 'Every stored version, by name then version', schema: DocumentChoices } },
    handler: async () => {
      const schemas = await db
        .selectFrom('label_schema_versions as v')
        .innerJoin('label_schemas as s', 's.id', 'v.schema_id')
        .select(['s.id', 's.name', 'v.version', 'v.labels', 'v.created_at'])
        .orderBy('s.name')
        .orderBy('s.id')
        .orderBy('v.version')
        .execute();
      const protocols = await db
        .selectFrom('review_protocol_versions as v')
        .innerJoin('review_protocols as p', 'p.id', 'v.protocol_id')
        .select(['p.id', 'p.name', 'v.version', 'v.checklist', 'v.created_at'])
        .orderBy('p.name')
        .orderBy('p.id')
        .orderBy('v.version')
        .execute();
      return {
        labelSchemas: schemas.map((s) => ({ id: s.id, name: s.name, version: s.version, labels: LabelList.parse(s.labels), createdAt: iso(s.created_at) })),
        reviewProtocols: protocols.map((p) => ({ id: p.id, name: p.name, version: p.version, checklist: z.array(ChecklistItem).parse(p.checklist), createdAt: iso(p.created_at) })),
      };
    },
  });

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/projects/:projectId/members',
    operationId: 'listProjectMembers',
    summary: "The project's members with display names, roles and qualifications (to choose whom to reassign work to)",
    tags: ['projects'],
    action: 'membership.list',
    resource: 'project',
    params: projectParams,
    responses: { 200: { description: 'Members, by display name', schema: z.object({ members: z.array(Member) }) } },
    handler: async ({ params }) => {
      const memberships = await runtime.repo.membershipsOfProject(params.projectId);
      const byUser = new Map<string, Role[]>();
      for (const m of memberships) byUser.set(m.user_id, [...(byUser.get(m.user_id) ?? []), m.role as Role]);
      const members: z.infer<typeof Member>[] = [];
      for (const [userId, roles] of byUser) {
        const user = await runtime.repo.getUser(userId);
        if (!user) continue;
        const qualifications = await runtime.repo.qualificationsOfUser(userId);
        members.push({
          userId,
          username: user.username,
          displayName: user.displayName,
          disabled: user.disabled,
          roles: [...new Set(roles)].sort(),
          qualifications: qualifications.map((q) => ({
            kind: q.kind as QualificationKind,
            modality: q.modality as Modality | null,
            validUntil: q.valid_until ? iso(q.valid_until) : null,
          })),
        });
      }
      return { members: members.sort((a, b) => a.displayName.localeCompare(b.displayName) || a.userId.localeCompare(b.userId)) };
    },
  });
}
