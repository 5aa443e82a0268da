import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { encodeCineNifti, niftiAffineFromGeometry } from '@delineate/formats';
import { CardiacLabelMap, CardiacPhaseDesignation, CardiacSliceContoursInput, CineShape, Revision } from '@delineate/schema';
import { cardiacItemAgreement, cardiacReading, cineOfItem, cineStackAt, designatePhases, saveCardiacContours } from '@delineate/store';
import type { ServerContext } from '../../context';
import { requestUserId } from '../../http/actor';
import { defineRoute, type RouteRegistry } from '../../http/route';
import { expectedVersion, idempotencyKey } from '../revisions';
import { assertBlindingAllows, assertWorkflowAllowsWrite } from '../workflow/blinding';

const itemParams = z.object({ itemId: z.uuid() });
const annotationParams = z.object({ annotationId: z.uuid() });
const ifMatch = { name: 'If-Match', description: 'The head version the reader saw', required: true };
const perPhase = z.array(z.number());
const Curves = z.object({ lv_blood_pool: perPhase, lv_myocardium: perPhase, rv_blood_pool: perPhase });
const Ventricle = z.object({ edv: z.number(), esv: z.number(), sv: z.number(), ef: z.number() });
const Reading = z.object({
  annotationId: z.uuid(),
  version: z.number().int(),
  curves: Curves,
  designation: CardiacPhaseDesignation.nullable(),
  measures: z.object({ lv: Ventricle, rv: Ventricle, lvMyocardialVolumeEd: z.number(), lvMassEd: z.number(), conventions: z.record(z.string(), z.unknown()) }).nullable(),
  labelConventions: z.record(z.string(), z.string()),
});

/** Cardiac cine (issue 21): the 4-D shape, a reader's contours, ED/ES, measures and the 4-D NIfTI export. */
export function registerCardiacRoutes(app: FastifyInstance, registry: RouteRegistry, ctx: ServerContext): void {
  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/items/:itemId/cine',
    operationId: 'getCine',
    summary: "A cine item's 4-D shape: slices, phases, trigger times and slice spacing (from positions)",
    tags: ['cardiac'],
    action: 'item.read',
    resource: 'item',
    params: itemParams,
    responses: { 200: { description: 'The cine', schema: CineShape } },
    handler: async ({ params }) => (await cineOfItem(ctx.database.db, params.itemId)).shape,
  });

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/annotations/:annotationId/cardiac',
    operationId: 'getCardiacReading',
    summary: "A reader's volume curves, ED/ES (with who set them) and EDV, ESV, SV, EF and LV mass, each with its conventions",
    tags: ['cardiac'],
    action: 'mask.read',
    resource: 'annotation',
    params: annotationParams,
    responses: { 200: { description: 'The reading', schema: Reading } },
    handler: async ({ params }, request) => {
      await assertBlindingAllows(ctx, request, params.annotationId);
      const reading = await cardiacReading(ctx.database.db, ctx.annotations, params.annotationId);
      return { ...reading, designation: reading.designation ?? null, measures: reading.measures ?? null };
    },
  });

  defineRoute(app, registry, {
    method: 'POST',
    url: '/api/annotations/:annotationId/cardiac/contours',
    operationId: 'saveCardiacContours',
    summary: 'Save contours (LV endocardium, LV epicardium, RV endocardium) of slices and phases, rasterised to labels, as the next revision',
    tags: ['cardiac'],
    action: 'annotation.save',
    resource: 'annotation',
    params: annotationParams,
    body: z.object({ contours: z.array(CardiacSliceContoursInput).min(1).max(4096) }),
    headers: [ifMatch, { name: 'Idempotency-Key', description: 'Makes a retried request return the same revision' }],
    responses: { 201: { description: 'Saved', schema: z.object({ revision: Revision }) }, 412: { description: 'Someone saved first' } },
    handler: async ({ params, body }, request, reply) => {
      const expected = expectedVersion(request);
      await assertWorkflowAllowsWrite(ctx, request, params.annotationId, 'human');
      const result = await saveCardiacContours(
        ctx.database.db,
        ctx.annotations,
        { annotationId: params.annotationId, expectedVersion: expected, idempotencyKey: idempotencyKey(request), author: { kind: 'user', userId: requestUserId(request) }, contours: body.contours },
        ctx.clock(),
      );
      return reply.status(result.replayed ? 200 : 201).header('ETag', `"${result.revision.version}"`).send({ revision: result.revision });
    },
  });

  defineRoute(app, registry, {
    method: 'PUT',
    url: '/api/annotations/:annotationId/cardiac/phases',
    operationId: 'designateCardiacPhases',
    summary: 'Set end-diastole and end-systole by hand (recorded with who and when; kept over the automatic choice)',
    tags: ['cardiac'],
    action: 'annotation.save',
    resource: 'annotation',
    params: annotationParams,
    body: z.object({ edPhase: z.number().int().min(0), esPhase: z.number().int().min(0) }),
    responses: { 200: { description: 'The designation', schema: CardiacPhaseDesignation } },
    handler: async ({ params, body }, request) => {
      await assertWorkflowAllowsWrite(ctx, request, params.annotationId, 'human');
      return designatePhases(ctx.database.db, ctx.annotations, params.annotationId, body, requestUserId(request), ctx.clock());
    },
  });

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/annotations/:annotationId/cardiac/nifti',
    operationId: 'exportCardiacNifti',
    summary: "A reader's cine labels as one 4-D NIfTI (x, y, slice, phase) in the label map named (ACDC or M&Ms)",
    tags: ['cardiac'],
    action: 'mask.read',
    resource: 'annotation',
    params: annotationParams,
    query: z.object({ map: CardiacLabelMap }),
    responses: { 200: { description: 'The .nii.gz', binary: 'application/gzip' } },
    handler: async ({ params, query }, request, reply) => {
      await assertBlindingAllows(ctx, request, params.annotationId);
      const annotation = await ctx.annotations.get(params.annotationId);
      const cine = await cineOfItem(ctx.database.db, annotation.itemId);
      const reading = await cardiacReading(ctx.database.db, ctx.annotations, params.annotationId);
      const stack = await cineStackAt(ctx.annotations, cine, params.annotationId, reading.version);
      const series = await ctx.database.db.selectFrom('series').select(['origin', 'direction']).where('id', '=', cine.seriesId).executeTakeFirstOrThrow();
      const times = cine.shape.triggerTimes;
      const step = times.length > 1 && times[0] !== null && times[1] !== null ? (times[1]! - times[0]!) / 1000 : 0;
      const bytes = encodeCineNifti({
        stack,
        from: reading.labelConventions.labelMap,
        to: query.map,
        secondsPerPhase: step,
        gzip: true,
        ...(series.origin && series.direction ? { affine: niftiAffineFromGeometry({ spacing: cine.spacing, origin: series.origin as [number, number, number], direction: series.direction }) } : {}),
      });
      return reply
        .type('application/gzip')
        .header('Content-Disposition', `attachment; filename="cine-${query.map}-v${reading.version}.nii.gz"`)
        .send(Buffer.from(bytes));
    },
  });

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/items/:itemId/cardiac/agreement',
    operationId: 'getCardiacAgreement',
    summary: 'Readers of a cine compared: Dice and HD95 (surfel convention, mm) per structure at the ED and ES phases either chose, and their ED/ES frame disagreement',
    tags: ['cardiac'],
    action: 'quality.read',
    resource: 'item',
    params: itemParams,
    responses: { 200: { description: 'Pairs of readers', schema: z.object({ pairs: z.array(z.record(z.string(), z.unknown())) }) } },
    handler: async ({ params }) => {
      const { pairs } = await cardiacItemAgreement(ctx.database.db, ctx.annotations, params.itemId);
      // JSON has no Infinity or NaN: an empty structure on one side is reported as null.
      const finite = (v: number) => (Number.isFinite(v) ? v : null);
      return { pairs: pairs.map((p) => ({ ...p, structures: p.structures.map((s) => ({ ...s, dice: finite(s.dice), hd95: finite(s.hd95) })) })) };
    },
  });
}
