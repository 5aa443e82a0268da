import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { WorkflowConfig } from '@delineate/schema';
import { projectApi } from '../project-api';
import { hd95RefetchMs } from '../review-rules';
import { itemWords } from './item-words';
import { useApplyChange } from './changes';
import { keys } from './keys';

// Queries and mutations of the project pages, one per server resource, over `project-api.ts`.

export const useProjects = () => useQuery({ queryKey: keys.projects(), queryFn: async () => (await projectApi.list()).projects });

export const useProjectSummary = (projectId: string) => useQuery({ queryKey: keys.project(projectId).summary, queryFn: () => projectApi.get(projectId) });

export const useWorkflowConfig = (projectId: string) => useQuery({ queryKey: keys.project(projectId).config, queryFn: () => projectApi.config(projectId) });

export const useDocumentChoices = (projectId: string) => useQuery({ queryKey: keys.project(projectId).documents, queryFn: () => projectApi.documents(projectId) });

export const useProjectMembers = (projectId: string) => useQuery({ queryKey: keys.project(projectId).members, queryFn: async () => (await projectApi.members(projectId)).members });

export const useProjectTasks = (projectId: string) => useQuery({ queryKey: keys.project(projectId).tasks, queryFn: async () => (await projectApi.tasks(projectId)).tasks });

export const useRecordedSample = (projectId: string) => useQuery({ queryKey: keys.project(projectId).sample, queryFn: async () => (await projectApi.sample(projectId)).sample });

/** The project's items by name; a page that cannot read them names items by id instead. */
export const useItemNames = (projectId: string) =>
  useQuery({ queryKey: keys.project(projectId).itemNames, queryFn: async () => new Map((await projectApi.itemNames(projectId)).items.map((i) => [i.id, i])), retry: false });

/** An item's name for a page (its id's start while the names load or cannot be read). */
export function useItemName(projectId: string): (itemId: string) => string {
  const names = useItemNames(projectId).data;
  return (itemId) => {
    const item = names?.get(itemId);
    return item ? itemWords(item) : `item ${itemId.slice(0, 8)}`;
  };
}

/** While a correction's HD95 is still computed by its job, the report is asked again every 2 s until it is there. */
export const useQualityReport = (projectId: string) =>
  useQuery({
    queryKey: keys.project(projectId).quality,
    queryFn: () => projectApi.quality(projectId),
    refetchInterval: (query) => hd95RefetchMs(query.state.data?.corrections.sizes),
  });

export const useAgreementReport = (projectId: string) => useQuery({ queryKey: keys.project(projectId).agreement, queryFn: () => projectApi.agreement(projectId) });

/** Saves the workflow configuration; the stored one replaces the cached one at once. */
export function useSaveConfig(projectId: string) {
  const client = useQueryClient();
  const applyChange = useApplyChange();
  return useMutation({
    mutationFn: (config: WorkflowConfig) => projectApi.saveConfig(projectId, config),
    onSuccess: async (stored) => {
      client.setQueryData(keys.project(projectId).config, stored);
      await applyChange({ kind: 'config-saved', projectId });
    },
  });
}

export function useCreateTasks(projectId: string) {
  const applyChange = useApplyChange();
  return useMutation({
    mutationFn: () => projectApi.createTasks(projectId),
    onSuccess: () => applyChange({ kind: 'tasks-created', projectId }),
  });
}

export function useReassignTask(projectId: string) {
  const applyChange = useApplyChange();
  return useMutation({
    mutationFn: ({ taskId, assigneeId }: { taskId: string; assigneeId: string }) => projectApi.reassign(taskId, assigneeId),
    onSuccess: (task) => applyChange({ kind: 'task-reassigned', projectId, taskId: task.id }),
  });
}
