import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { z } from 'zod';
import { defineRoute, type RouteRegistry } from '../http/route';
import { buildOpenApiDocument } from '../http/openapi';
import type { ServerContext } from '../context';

export const healthSchema = z.object({
  status: z.enum(['ok', 'degraded']),
  version: z.string(),
  region: z.string(),
  database: z.object({ kind: z.enum(['pglite', 'postgres']), ok: z.boolean() }),
  blobs: z.object({ kind: z.string(), ok: z.boolean() }),
  time: z.string().datetime(),
});

export function registerSystemRoutes(app: FastifyInstance, registry: RouteRegistry, ctx: ServerContext): void {
  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/health',
    operationId: 'getHealth',
    summary: 'Liveness and readiness of the server, its database and blob store',
    tags: ['system'],
    action: 'system.health',
    resource: 'system',
    authenticated: false,
    responses: { 200: { description: 'Healthy', schema: healthSchema }, 503: { description: 'A dependency is down', schema: healthSchema } },
    handler: async (_input, _request, reply) => {
      const database = await sql`select 1`.execute(ctx.database.db).then(
        () => true,
        () => false,
      );
      const blobs = await ctx.blobs.has('0'.repeat(64)).then(
        () => true,
        () => false,
      );
      const body: z.infer<typeof healthSchema> = {
        status: database && blobs ? 'ok' : 'degraded',
        version: ctx.version,
        region: ctx.config.region,
        database: { kind: ctx.database.kind, ok: database },
        blobs: { kind: ctx.blobs.location.startsWith('s3://') ? 's3' : 'local', ok: blobs },
        time: ctx.clock().toISOString(),
      };
      return reply.status(body.status === 'ok' ? 200 : 503).send(body);
    },
  });

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/openapi.json',
    operationId: 'getOpenApi',
    summary: 'This API described as OpenAPI 3.1, generated from its zod schemas',
    tags: ['system'],
    action: 'system.openapi',
    resource: 'system',
    authenticated: false,
    responses: { 200: { description: 'The OpenAPI document' } },
    handler: async () => buildOpenApiDocument(registry, { title: 'Delineate API', version: ctx.version }),
  });
}
