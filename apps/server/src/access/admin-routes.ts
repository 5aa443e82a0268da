import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { CreateProjectRequest, DelineateError, regions } from '@delineate/schema';
import { ProjectRepository, type Database, type StorageRegions } from '@delineate/store';
import { defineRoute, type RouteRegistry } from '../http/route';
import { requestAccess } from './plugin';

const choice = z.object({ id: z.uuid(), name: z.string(), version: z.number().int() });

/**
 * What a platform administrator needs beside users and memberships: creating a project in a
 * region its data may live in, the regions, and the label-schema and review-protocol versions a
 * new project can pin.
 */
export function registerAdminRoutes(app: FastifyInstance, registry: RouteRegistry, database: Database, storage: StorageRegions): void {
  const projects = new ProjectRepository(database.db);
  const storageRegions = [...new Set([storage.database, ...storage.blobStores])];

  defineRoute(app, registry, {
    method: 'POST',
    url: '/api/projects',
    operationId: 'createProject',
    summary: 'Create a project; its region must be where this installation stores data (DLN_REGION_MISMATCH otherwise)',
    tags: ['projects'],
    action: 'project.create',
    resource: 'project',
    body: CreateProjectRequest,
    responses: { 201: { description: 'Created' }, 409: { description: 'DLN_REGION_MISMATCH or DLN_PROJECT_NAME_TAKEN' } },
    handler: async ({ body }, request, reply) => {
      // The server refuses to start with a project outside its stores' region: never create one.
      if (storageRegions.length !== 1 || storageRegions[0] !== body.region) {
        throw new DelineateError('DLN_REGION_MISMATCH', `This installation stores data in ${storageRegions.join(' and ')}: a project there cannot be in another region`, {
          projectRegion: body.region,
          storeRegion: storageRegions.join(','),
        });
      }
      if (await projects.findByName(body.name)) throw new DelineateError('DLN_PROJECT_NAME_TAKEN', 'A project with this name exists');
      const project = await projects.create(body);
      requestAccess(request).auditObjectId = project.id;
      return reply.status(201).send(project);
    },
  });

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/regions',
    operationId: 'listRegions',
    summary: 'The regions data may be kept in, where this installation’s database and blob stores are, and each project’s region',
    tags: ['projects'],
    action: 'region.list',
    resource: 'system',
    responses: { 200: { description: 'Regions' } },
    handler: async () => ({
      regions: [...regions],
      storage: { database: storage.database, blobStores: [...storage.blobStores] },
      projects: (await projects.list()).map((p) => ({ id: p.id, name: p.name, region: p.region })),
    }),
  });

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/label-schemas',
    operationId: 'listLabelSchemas',
    summary: 'Every label-schema version, by name then version',
    tags: ['projects'],
    action: 'label_schema.list',
    resource: 'label_schema',
    responses: { 200: { description: 'Versions', schema: z.object({ labelSchemas: z.array(choice) }) } },
    handler: async () => ({
      labelSchemas: await database.db
        .selectFrom('label_schema_versions as v')
        .innerJoin('label_schemas as s', 's.id', 'v.schema_id')
        .select(['s.id', 's.name', 'v.version'])
        .orderBy('s.name')
        .orderBy('v.version')
        .execute(),
    }),
  });

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/review-protocols',
    operationId: 'listReviewProtocols',
    summary: 'Every review-protocol version, by name then version',
    tags: ['projects'],
    action: 'review_protocol.list',
    resource: 'review_protocol',
    responses: { 200: { description: 'Versions', schema: z.object({ reviewProtocols: z.array(choice) }) } },
    handler: async () => ({
      reviewProtocols: await database.db
        .selectFrom('review_protocol_versions as v')
        .innerJoin('review_protocols as p', 'p.id', 'v.protocol_id')
        .select(['p.id', 'p.name', 'v.version'])
        .orderBy('p.name')
        .orderBy('v.version')
        .execute(),
    }),
  });
}
