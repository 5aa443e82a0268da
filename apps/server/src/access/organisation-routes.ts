import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AdmitOrganisationRequest, CreateOrganisationRequest, DelineateError, ProjectGovernanceUpdate } from '@delineate/schema';
import { OrganisationRepository, type Database } from '@delineate/store';
import { defineRoute, type RouteRegistry } from '../http/route';
import { requestAccess, type AccessRuntime } from './plugin';
import { requiredAgreementKinds } from './agreement-policy';

const projectParams = z.object({ projectId: z.uuid() });
const admissionParams = z.object({ projectId: z.uuid(), organisationId: z.uuid() });
const userParams = z.object({ userId: z.uuid() });
const userOrganisationBody = z.object({ organisationId: z.uuid() });

export function signedInUserId(request: FastifyRequest): string {
  const principal = requestAccess(request).principal;
  if (principal.kind !== 'user') throw new DelineateError('DLN_AUTH_REQUIRED', 'Sign in to do this');
  return principal.userId;
}

/** Organisations, each account's organisation, and a project's owner, required agreements and admitted organisations (issue 24). */
export function registerOrganisationRoutes(app: FastifyInstance, registry: RouteRegistry, runtime: AccessRuntime, database: Database): void {
  const organisations = new OrganisationRepository(database.db);

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/organisations',
    operationId: 'listOrganisations',
    summary: 'Every organisation (the platform operator, hospitals, research groups, annotation services, partners) with how many accounts belong to it',
    tags: ['governance'],
    action: 'organisation.list',
    resource: 'organisation',
    responses: { 200: { description: 'Organisations' } },
    handler: async () => ({ organisations: await organisations.list(), users: Object.fromEntries(await organisations.organisationsOfUsers()) }),
  });

  defineRoute(app, registry, {
    method: 'POST',
    url: '/api/organisations',
    operationId: 'createOrganisation',
    summary: 'A platform administrator records an organisation',
    tags: ['governance'],
    action: 'organisation.create',
    resource: 'organisation',
    body: CreateOrganisationRequest,
    responses: { 201: { description: 'Created' }, 409: { description: 'DLN_ORGANISATION_NAME_TAKEN' } },
    handler: async ({ body }, request, reply) => {
      const created = await organisations.create({ name: body.name, kind: body.kind, now: runtime.now() });
      requestAccess(request).auditObjectId = created.id;
      return reply.status(201).send(created);
    },
  });

  defineRoute(app, registry, {
    method: 'PUT',
    url: '/api/users/:userId/organisation',
    operationId: 'setUserOrganisation',
    summary: 'A platform administrator sets the organisation a person works for',
    tags: ['governance'],
    action: 'user.organisation.set',
    resource: 'user',
    params: userParams,
    body: userOrganisationBody,
    responses: { 204: { description: 'Set' } },
    handler: async ({ params, body }, _request, reply) => {
      if (!(await organisations.setUserOrganisation(params.userId, body.organisationId))) throw new DelineateError('DLN_NOT_FOUND', 'No such user');
      return reply.status(204).send();
    },
  });

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/projects/:projectId/governance',
    operationId: 'getProjectGovernance',
    summary: 'The project’s owning organisation, the agreement kinds it requires of other organisations (its own list or the defaults by region) and the organisations it admits, in which roles',
    tags: ['governance'],
    action: 'project.governance.read',
    resource: 'project',
    params: projectParams,
    responses: { 200: { description: 'Governance' } },
    handler: async ({ params }) => {
      const governance = (await organisations.projectGovernance(params.projectId))!;
      return { ...governance, effectiveRequiredAgreements: requiredAgreementKinds(governance) };
    },
  });

  defineRoute(app, registry, {
    method: 'PUT',
    url: '/api/projects/:projectId/governance',
    operationId: 'updateProjectGovernance',
    summary: 'A platform administrator sets the owning organisation and the agreement kinds required (null: the defaults by region)',
    tags: ['governance'],
    action: 'project.governance.update',
    resource: 'project',
    params: projectParams,
    body: ProjectGovernanceUpdate,
    responses: { 204: { description: 'Updated' } },
    handler: async ({ params, body }, _request, reply) => {
      await organisations.updateProjectGovernance(params.projectId, body);
      return reply.status(204).send();
    },
  });

  defineRoute(app, registry, {
    method: 'PUT',
    url: '/api/projects/:projectId/organisations/:organisationId',
    operationId: 'admitOrganisation',
    summary: 'Admits an organisation to the project in the given roles (its people then also need the agreements the project requires)',
    tags: ['governance'],
    action: 'project.organisation.admit',
    resource: 'project',
    params: admissionParams,
    body: AdmitOrganisationRequest,
    responses: { 204: { description: 'Admitted' } },
    handler: async ({ params, body }, request, reply) => {
      await organisations.admit({ projectId: params.projectId, organisationId: params.organisationId, roles: body.roles, admittedBy: signedInUserId(request), now: runtime.now() });
      return reply.status(204).send();
    },
  });

  defineRoute(app, registry, {
    method: 'DELETE',
    url: '/api/projects/:projectId/organisations/:organisationId',
    operationId: 'withdrawOrganisation',
    summary: 'Withdraws an organisation from the project: its people lose access at once (nothing to do when it was not admitted)',
    tags: ['governance'],
    action: 'project.organisation.withdraw',
    resource: 'project',
    params: admissionParams,
    responses: { 204: { description: 'Withdrawn' } },
    handler: async ({ params }, _request, reply) => {
      await organisations.withdraw(params.projectId, params.organisationId);
      return reply.status(204).send();
    },
  });
}
