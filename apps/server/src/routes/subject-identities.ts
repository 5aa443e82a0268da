import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { readSubjectIdentities } from '@delineate/store';
import type { ServerContext } from '../context';
import { defineRoute, type RouteRegistry } from '../http/route';

const identity = z.object({
  pseudonym: z.string(),
  patientId: z.string(),
  issuerOfPatientId: z.string().nullable(),
  patientName: z.string().nullable(),
});

/** The re-identification key, for data stewards only; every read leaves an audit event. */
export function registerSubjectIdentityRoutes(app: FastifyInstance, registry: RouteRegistry, ctx: ServerContext): void {
  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/projects/:projectId/subject-identities',
    operationId: 'listSubjectIdentities',
    summary: 'Which patient each subject pseudonym of the project stands for (PHI: data stewards only)',
    tags: ['deid'],
    action: 'subject.identity.read',
    resource: 'project',
    params: z.object({ projectId: z.uuid() }),
    responses: { 200: { description: 'The pseudonym map', schema: z.array(identity) } },
    handler: async ({ params }) => readSubjectIdentities(ctx, params.projectId),
  });
}
