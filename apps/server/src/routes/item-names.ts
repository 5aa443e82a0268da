import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ServerContext } from '../context';
import { defineRoute, type RouteRegistry } from '../http/route';

const projectParams = z.object({ projectId: z.uuid() });

/** What an item is, in the words a page names it by (no identifying value: the subject's pseudonym only). */
export const ItemName = z.object({
  id: z.uuid(),
  kind: z.string(),
  /** The series' modality (CT, MR…); null for items that are not series. */
  modality: z.string().nullable(),
  slices: z.number().int().nullable(),
  rows: z.number().int().nullable(),
  columns: z.number().int().nullable(),
  subjectPseudonym: z.string(),
});
export type ItemName = z.infer<typeof ItemName>;

/**
 * The project's items named by what they are, for the pages that list tasks, samples and
 * releases: the same people who may list the project's tasks may read these.
 */
export function registerItemNameRoutes(app: FastifyInstance, registry: RouteRegistry, ctx: ServerContext): void {
  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/projects/:projectId/items/names',
    operationId: 'listItemNames',
    summary: "The project's items by modality, size and subject pseudonym",
    tags: ['tasks'],
    action: 'task.list',
    resource: 'project',
    params: projectParams,
    responses: { 200: { description: 'Items, oldest first', schema: z.object({ items: z.array(ItemName) }) } },
    handler: async ({ params }) => {
      const rows = await ctx.database.db
        .selectFrom('items')
        .innerJoin('subjects', 'subjects.id', 'items.subject_id')
        .leftJoin('series', 'series.id', 'items.series_id')
        .select(['items.id', 'items.kind', 'subjects.pseudonym', 'series.modality', 'series.slices', 'series.rows', 'series.columns'])
        .where('items.project_id', '=', params.projectId)
        .orderBy('items.created_at')
        .orderBy('items.id')
        .execute();
      return {
        items: rows.map((r) => ({ id: r.id, kind: r.kind, modality: r.modality, slices: r.slices, rows: r.rows, columns: r.columns, subjectPseudonym: r.pseudonym })),
      };
    },
  });
}
