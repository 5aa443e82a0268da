import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { FoveaRepository } from '@delineate/store';
import type { ServerContext } from '../../context';
import { defineRoute, type RouteRegistry } from '../../http/route';
import { expectedVersion } from '../revisions';

const itemParams = z.object({ itemId: z.uuid() });
const photoPoint = z.object({ x: z.number().finite(), y: z.number().finite() }).strict();
const octPoint = z.object({ bscan: z.number().int(), ascan: z.number().int() }).strict();
const SetFovea = z.object({ fovea: z.union([photoPoint, octPoint]).nullable() }).strict();
const ItemFoveaView = z.object({ itemId: z.uuid(), kind: z.enum(['photo', 'oct']), fovea: z.union([photoPoint, octPoint]).nullable(), version: z.number().int() });

/**
 * The fovea point of a fundus photograph (pixels) or an OCT volume (the B-scan and A-scan it
 * falls on, as picked on the en-face localizer): read, and set with If-Match on its version.
 * Setting is audited as `item.fovea.set`; the OCT's ETDRS grids of later saves centre on it.
 */
export function registerFoveaRoutes(app: FastifyInstance, registry: RouteRegistry, ctx: ServerContext): void {
  const foveas = new FoveaRepository(ctx.database.db);

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/items/:itemId/fovea',
    operationId: 'getFovea',
    summary: 'The fovea point of a fundus photograph (x, y in pixels) or an OCT volume (B-scan, A-scan), with its version for If-Match',
    tags: ['fundus', 'oct'],
    action: 'item.read',
    resource: 'item',
    params: itemParams,
    responses: { 200: { description: 'The fovea (null until set)', schema: ItemFoveaView }, 409: { description: 'DLN_FOVEA_NOT_SUPPORTED' } },
    handler: async ({ params }, _request, reply) => {
      const fovea = await foveas.get(params.itemId);
      return reply.header('ETag', `"${fovea.version}"`).send(fovea);
    },
  });

  defineRoute(app, registry, {
    method: 'PUT',
    url: '/api/items/:itemId/fovea',
    operationId: 'setFovea',
    summary: 'Set or clear (null) the fovea point; compare-and-set on If-Match with the version last read',
    tags: ['fundus', 'oct'],
    action: 'item.fovea.set',
    resource: 'item',
    params: itemParams,
    body: SetFovea,
    headers: [{ name: 'If-Match', description: 'The fovea version the client saw ("0" before it was first set)', required: true }],
    responses: {
      200: { description: 'The fovea as set', schema: ItemFoveaView },
      409: { description: 'DLN_FOVEA_NOT_SUPPORTED: the item is neither a photograph nor an OCT volume' },
      412: { description: 'DLN_FOVEA_STALE: someone changed it first; the body carries currentVersion' },
      422: { description: 'DLN_FOVEA_OUTSIDE_IMAGE' },
    },
    handler: async ({ params, body }, request, reply) => {
      const set = await foveas.set(params.itemId, body.fovea, expectedVersion(request));
      return reply.header('ETag', `"${set.version}"`).send(set);
    },
  });
}
