import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { readsBlindedIn, targetAgreementReport } from '@delineate/store';
import { DelineateError } from '@delineate/schema';
import type { ServerContext } from '../context';
import { requestUserId } from '../http/actor';
import { defineRoute, type RouteRegistry } from '../http/route';

const nullableNumber = z.number().nullable();
const TargetAgreement = z.object({
  itemId: z.uuid(),
  labelKey: z.string(),
  labelName: z.string(),
  volumesMl: z.array(z.number()),
  conformityCommon: nullableNumber,
  conformityGeneralised: nullableNumber,
  pairs: z.array(z.object({ a: z.number().int(), b: z.number().int(), volumeRatio: nullableNumber, conformityIndex: nullableNumber, addedPathLengthMm: nullableNumber })),
});

/** Target agreement for the QA page (issue 23): the agreement sample's targets measured as radiotherapy papers report them. */
export function registerTargetAgreementRoutes(app: FastifyInstance, registry: RouteRegistry, ctx: ServerContext): void {
  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/projects/:projectId/workflow/target-agreement',
    operationId: 'getTargetAgreement',
    summary: 'Per sampled item and target label (GTV, CTV, ITV, PTV): volume ratio, conformity index and added path length per reader pair, and the common and generalised conformity over all readers',
    tags: ['workflow'],
    action: 'quality.read',
    resource: 'project',
    params: z.object({ projectId: z.uuid() }),
    responses: { 200: { description: 'The targets', schema: z.object({ targets: z.array(TargetAgreement) }) } },
    handler: async ({ params }, request) => {
      // As the agreement report: others' work stays hidden from a reader still blinded.
      if (await readsBlindedIn(ctx.database.db, requestUserId(request), params.projectId)) {
        throw new DelineateError('DLN_AUTH_FORBIDDEN', 'Blinded reading: the agreement report stays hidden until every reader of your items has submitted');
      }
      return { targets: await targetAgreementReport(ctx.database.db, ctx.annotations, params.projectId) };
    },
  });
}
