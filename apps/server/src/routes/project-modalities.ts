import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { Modality, Project } from '@delineate/schema';
import { ProjectRepository } from '@delineate/store';
import type { ServerContext } from '../context';
import { defineRoute, type RouteRegistry } from '../http/route';

/**
 * The modalities a project's ingest accepts: its own always, plus those a project admin lists
 * (an MR series into a CT project is refused with DLN_INGEST_MODALITY until MR is listed).
 */
export function registerProjectModalityRoutes(app: FastifyInstance, registry: RouteRegistry, ctx: ServerContext): void {
  defineRoute(app, registry, {
    method: 'PUT',
    url: '/api/projects/:projectId/accepted-modalities',
    operationId: 'setAcceptedModalities',
    summary: 'Set the modalities ingest accepts besides the project’s own',
    tags: ['projects'],
    action: 'project.update',
    resource: 'project',
    params: z.object({ projectId: z.uuid() }),
    body: z.object({ modalities: z.array(Modality).max(20) }),
    responses: { 200: { description: 'The project', schema: Project } },
    handler: async ({ params, body }) => new ProjectRepository(ctx.database.db).setAcceptedModalities(params.projectId, body.modalities),
  });
}
