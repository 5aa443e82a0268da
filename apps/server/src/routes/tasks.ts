import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { Task } from '@delineate/schema';
import { TaskRepository } from '@delineate/store';
import type { ServerContext } from '../context';
import { requestUserId } from '../http/actor';
import { defineRoute, type RouteRegistry } from '../http/route';

const openStatuses = ['assigned', 'in_progress', 'submitted'] as const;

export const MyTask = Task.extend({
  item: z.object({ id: z.uuid(), kind: z.string(), subjectPseudonym: z.string(), slices: z.number().int().nullable(), modality: z.string().nullable() }),
  projectName: z.string(),
  /** The caller's annotation of the task, once started. */
  annotation: z.object({ id: z.uuid(), headVersion: z.number().int() }).nullable(),
});
export type MyTask = z.infer<typeof MyTask>;

/** The signed-in user's work list. */
export function registerTaskRoutes(app: FastifyInstance, registry: RouteRegistry, ctx: ServerContext): void {
  const tasks = new TaskRepository(ctx.database.db, { clock: ctx.clock });

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/tasks/mine',
    operationId: 'listMyTasks',
    summary: "The signed-in user's assigned, started and submitted tasks with their items",
    tags: ['tasks'],
    action: 'task.list_mine',
    resource: 'task',
    responses: { 200: { description: 'Tasks, oldest first', schema: z.object({ tasks: z.array(MyTask) }) } },
    handler: async (_input, request) => {
      const me = requestUserId(request);
      const mine = await tasks.listForAssignee(me, openStatuses);
      if (mine.length === 0) return { tasks: [] };
      // Only tasks in projects where the user still holds a role.
      const projects = await ctx.database.db.selectFrom('memberships').select('project_id').where('user_id', '=', me).execute();
      const allowed = new Set(projects.map((p) => p.project_id));
      const visible = mine.filter((t) => allowed.has(t.projectId));
      if (visible.length === 0) return { tasks: [] };
      const itemRows = await ctx.database.db
        .selectFrom('items')
        .innerJoin('subjects', 'subjects.id', 'items.subject_id')
        .innerJoin('projects', 'projects.id', 'items.project_id')
        .leftJoin('series', 'series.id', 'items.series_id')
        .select(['items.id', 'items.kind', 'subjects.pseudonym', 'series.slices', 'series.modality', 'projects.name'])
        .where(
          'items.id',
          'in',
          visible.map((t) => t.itemId),
        )
        .execute();
      const annotations = await ctx.database.db
        .selectFrom('annotations')
        .select(['id', 'task_id', 'head_version'])
        .where(
          'task_id',
          'in',
          visible.map((t) => t.id),
        )
        .execute();
      const itemById = new Map(itemRows.map((r) => [r.id, r]));
      const annotationByTask = new Map(annotations.map((a) => [a.task_id, a]));
      return {
        tasks: visible.flatMap((t) => {
          const item = itemById.get(t.itemId);
          if (!item) return [];
          const annotation = annotationByTask.get(t.id);
          return [
            {
              ...t,
              item: { id: item.id, kind: item.kind, subjectPseudonym: item.pseudonym, slices: item.slices, modality: item.modality },
              projectName: item.name,
              annotation: annotation ? { id: annotation.id, headVersion: annotation.head_version } : null,
            },
          ];
        }),
      };
    },
  });
}
