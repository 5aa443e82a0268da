/**
 * Server state of the workspace through TanStack Query (the app's one client, data/query-client.ts):
 * what the opened work is (item, workflow task, review context, annotation), revisions, kept marks,
 * and the invalidation after a save or a submission. Label volumes are not cached here: they are
 * large, edited in place and loaded tile by tile (mask-loader.ts).
 */
import { useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { useCallback } from 'react';
import { api, ApiError, type AnnotationInfo, type ItemView } from '../api';
import { useApplyChange } from '../data/changes';
import { itemHash } from '../routes/links';
import { workflowApi, type ReviewContext, type SignificantRegionMark, type WorkflowTask } from '../workflow-api';

export const workspaceKeys = {
  item: (itemId: string) => ['item', itemId] as const,
  opened: (itemId: string, taskId: string | null, annotationId: string | null) => ['workspace', 'opened', itemId, taskId, annotationId] as const,
  revisions: (annotationId: string) => ['annotation', annotationId, 'revisions'] as const,
  keptMarks: (taskId: string) => ['workflow', 'task', taskId, 'kept-marks'] as const,
};

export interface OpenedWork {
  item: ItemView;
  annotation: AnnotationInfo;
  /** The workflow task (null for a task outside the clinical workflow, or none). */
  task: WorkflowTask | null;
  /** Review stages: labels present, checklist, marks, earlier reviews; an annotator's returned work. */
  context: ReviewContext | null;
}

const lockedStatuses = ['submitted', 'done', 'cancelled'];

export function isLocked(task: WorkflowTask): boolean {
  return lockedStatuses.includes(task.status);
}

const itemQuery = (itemId: string) => ({ queryKey: workspaceKeys.item(itemId), queryFn: () => api.item(itemId), staleTime: Infinity });

/** The item alone, known before the rest of the opened work: the viewer starts fetching its image then. */
export function useItem(itemId: string) {
  return useQuery(itemQuery(itemId));
}

/** Resolves what a workspace opens; creates the annotation of a task on its first opening. */
async function openWork(client: QueryClient, itemId: string, taskId: string | null, annotationId: string | null): Promise<OpenedWork> {
  const item = await client.ensureQueryData(itemQuery(itemId));
  const task = taskId ? await workflowApi.task(taskId) : null;
  let context: ReviewContext | null = null;
  let id = annotationId;
  if (task && task.stage !== 'annotate') {
    // A review screen shows the work under review: the annotator's annotation.
    if (!task.annotationId || !task.revisionVersion) throw new ApiError('DLN_CONFLICT', 'This review task has no submitted work yet', 409);
    id = task.annotationId;
    context = await workflowApi.reviewContext(task.id);
  } else if (task?.annotationId) {
    // Work submitted before (and returned): its marks and the reviews it had.
    context = await workflowApi.reviewContext(task.id).catch(() => null);
  }
  if (!id) {
    const own = item.annotations.find((a) => a.mine && (taskId === null || a.taskId === taskId));
    id = own?.id ?? (await api.createAnnotation(item.id, { id: item.labelSchema.id, version: item.labelSchema.version }, taskId)).id;
    window.history.replaceState(null, '', itemHash(item.id, taskId, id));
  }
  return { item, task, context, annotation: await api.annotation(id) };
}

/** The opened work; read once per opening (edits live in the page, not in this cache). */
export function useOpenedWork(itemId: string, taskId: string | null, annotationId: string | null) {
  const client = useQueryClient();
  return useQuery({ queryKey: workspaceKeys.opened(itemId, taskId, annotationId), queryFn: () => openWork(client, itemId, taskId, annotationId), staleTime: Infinity, gcTime: 0, retry: false });
}

export function useRevisions(annotationId: string | null) {
  return useQuery({ queryKey: workspaceKeys.revisions(annotationId ?? ''), queryFn: () => api.revisions(annotationId!), enabled: annotationId !== null, staleTime: 0 });
}

/** Marks made before a reload on an open task (kept on the server until submitted). */
export function useKeptMarks(task: WorkflowTask | null) {
  return useQuery<SignificantRegionMark[]>({
    queryKey: workspaceKeys.keptMarks(task?.id ?? ''),
    queryFn: () => workflowApi.keptMarks(task!.id).catch(() => []),
    enabled: task !== null && !isLocked(task),
    staleTime: Infinity,
    gcTime: 0,
  });
}

/** After a save, a submission or a signature: the revision list and the task lists are stale. */
export function useInvalidateAfterSave(annotationId: string | null, taskId: string | null) {
  const client = useQueryClient();
  const applyChange = useApplyChange();
  return useCallback(() => {
    if (annotationId) void client.invalidateQueries({ queryKey: workspaceKeys.revisions(annotationId) });
    void applyChange({ kind: 'task-worked', taskId });
  }, [client, applyChange, annotationId, taskId]);
}
