import { useQueries } from '@tanstack/react-query';
import type { FieldProgress } from '@delineate/schema';
import { keys } from '../../data/keys';
import { pathologyApi } from './pathology-api';

/**
 * Field progress of the caller's slide-region tasks, by task id, for the work list (issue 17 §1):
 * one pathology work-list request per project that has slide tasks, asked anew each time.
 */
export function useFieldProgress(tasks: readonly { id: string; projectId: string; item: { kind: string } }[]): ReadonlyMap<string, FieldProgress> {
  const projects = [...new Set(tasks.filter((t) => t.item.kind === 'slide_region').map((t) => t.projectId))];
  return useQueries({
    queries: projects.map((projectId) => ({
      queryKey: [...keys.project(projectId).tasks, 'pathology'],
      queryFn: () => pathologyApi.workList(projectId),
      staleTime: 0,
      gcTime: 0,
    })),
    combine: (results) => new Map(results.flatMap((r) => r.data?.tasks.map((row) => [row.task.id, row.progress] as const) ?? [])),
  });
}
