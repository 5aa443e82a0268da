import { useQueries, useQuery } from '@tanstack/react-query';
import { api } from '../api';
import { workflowApi } from '../workflow-api';
import { keys } from './keys';

/**
 * How the work list is kept: asked anew each time it shows and forgotten once it is off screen.
 * Work in the workspace moves tasks on (a review done, a task returned), and a remembered list
 * would offer those rows to click until the new answer came.
 */
const alwaysCurrent = { staleTime: 0, gcTime: 0 } as const;

/** The caller's tasks. */
export function useMyTasks() {
  return useQuery({ queryKey: keys.myTasks(), queryFn: async () => (await api.myTasks()).tasks, ...alwaysCurrent });
}

/** A task's place in the clinical workflow (stage, returned items), or null for a task outside it. */
function workflowTaskQuery(taskId: string) {
  return { queryKey: keys.workflowTask(taskId), queryFn: () => workflowApi.task(taskId) };
}

/** One task's workflow state, for the workspace shell's header and panels (shares its cache with the work list). */
export function useWorkflowTask(taskId: string | null) {
  return useQuery({ ...workflowTaskQuery(taskId ?? ''), enabled: taskId !== null });
}

/**
 * The workflow task of each of the given tasks, in their order (undefined while loading). One task
 * whose workflow cannot be read does not hide the others: it shows as outside the workflow.
 */
export function useWorkflowTasks(taskIds: readonly string[]) {
  return useQueries({
    queries: taskIds.map((id) => ({ ...workflowTaskQuery(id), ...alwaysCurrent })),
    combine: (results) => results.map((r) => (r.isError ? null : r.data)),
  });
}
