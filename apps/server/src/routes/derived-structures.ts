import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { DerivedRefreshState, DerivedStructure, DeriveStructureRequest, Revision, Slug } from '@delineate/schema';
import { deriveStructureRevision, detachDerivedStructure, listDerivedStructures, refreshDerivedStructures } from '@delineate/store';
import type { ServerContext } from '../context';
import { requestUserId } from '../http/actor';
import { defineRoute, type RouteRegistry } from '../http/route';
import { expectedVersion, idempotencyKey } from './revisions';
import { assertWorkflowAllowsWrite } from './workflow/blinding';

const annotationParams = z.object({ annotationId: z.uuid() });
const ifMatch = { name: 'If-Match', description: 'The head version the annotator saw', required: true };

/** Derived structures of an annotation (issue 23): CTV from GTV, PTV from CTV, unions, intersections, subtractions. */
export function registerDerivedStructureRoutes(app: FastifyInstance, registry: RouteRegistry, ctx: ServerContext): void {
  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/annotations/:annotationId/derived-structures',
    operationId: 'listDerivedStructures',
    summary: 'The derived structures of an annotation with their recipes, and whether the annotator edited them',
    tags: ['annotations'],
    action: 'annotation.derived.list',
    resource: 'annotation',
    params: annotationParams,
    responses: { 200: { description: 'Derived structures', schema: z.object({ structures: z.array(DerivedStructure) }) } },
    handler: async ({ params }) => ({ structures: await listDerivedStructures(ctx.database.db, params.annotationId) }),
  });

  defineRoute(app, registry, {
    method: 'POST',
    url: '/api/annotations/:annotationId/derived-structures',
    operationId: 'deriveStructure',
    summary: 'Derive a structure from others (margin per direction with clips, union, intersection, subtraction) as a new revision; the recipe is recorded',
    tags: ['annotations'],
    action: 'annotation.derive',
    resource: 'annotation',
    params: annotationParams,
    body: DeriveStructureRequest,
    headers: [ifMatch, { name: 'Idempotency-Key', description: 'Makes a retried request return the same revision' }],
    responses: {
      201: { description: 'Derived', schema: z.object({ revision: Revision, structure: DerivedStructure }) },
      412: { description: 'Someone saved first' },
      422: { description: 'DLN_RT_RECIPE_INVALID' },
    },
    handler: async ({ params, body }, request, reply) => {
      const expected = expectedVersion(request);
      await assertWorkflowAllowsWrite(ctx, request, params.annotationId, 'human');
      const result = await deriveStructureRevision(ctx.database.db, ctx.annotations, {
        annotationId: params.annotationId,
        target: body.target,
        recipe: body.recipe,
        expectedVersion: expected,
        idempotencyKey: idempotencyKey(request),
        author: { kind: 'user', userId: requestUserId(request) },
      });
      return reply.status(result.replayed ? 200 : 201).header('ETag', `"${result.revision.version}"`).send({ revision: result.revision, structure: result.structure });
    },
  });

  defineRoute(app, registry, {
    method: 'POST',
    url: '/api/annotations/:annotationId/derived-structures/refresh',
    operationId: 'refreshDerivedStructures',
    summary: 'Recompute the derived structures from the head after their sources changed (a save does this itself); ones the annotator edited are left as drawn and marked edited, or stale once their sources change after the edit',
    tags: ['annotations'],
    action: 'annotation.derive',
    resource: 'annotation',
    params: annotationParams,
    headers: [ifMatch],
    responses: {
      200: {
        description: 'Recomputed (revision null when nothing changed)',
        schema: z.object({ revision: Revision.nullable(), structures: z.array(z.object({ target: z.string(), state: DerivedRefreshState })) }),
      },
      412: { description: 'Someone saved first' },
    },
    handler: async ({ params }, request) => {
      const expected = expectedVersion(request);
      await assertWorkflowAllowsWrite(ctx, request, params.annotationId, 'human');
      return refreshDerivedStructures(ctx.database.db, ctx.annotations, { annotationId: params.annotationId, expectedVersion: expected, author: { kind: 'user', userId: requestUserId(request) } });
    },
  });

  defineRoute(app, registry, {
    method: 'POST',
    url: '/api/annotations/:annotationId/derived-structures/:target/detach',
    operationId: 'detachDerivedStructure',
    summary: 'Detach a derived structure: from the head on it is drawn by hand and never recomputed (recorded with the head version)',
    tags: ['annotations'],
    action: 'annotation.derive',
    resource: 'annotation',
    params: annotationParams.extend({ target: Slug }),
    responses: { 200: { description: 'Detached', schema: z.object({ structure: DerivedStructure }) }, 404: { description: 'DLN_RT_DERIVED_NOT_FOUND' } },
    handler: async ({ params }, request) => {
      await assertWorkflowAllowsWrite(ctx, request, params.annotationId, 'human');
      return { structure: await detachDerivedStructure(ctx.database.db, ctx.annotations, { annotationId: params.annotationId, target: params.target }) };
    },
  });
}
