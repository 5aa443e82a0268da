import { decodeRle8 } from '@delineate/core';
import type { ChecklistItem, CorrectionSize, ErrorType, FailedItem, ReviewAnswerInput, SignificantRegionMark, VoxelBox, WorkflowTask } from '@delineate/schema';
import { ApiError, json, post, put, request } from './api';

// The clinical workflow API (apps/server/src/routes/workflow/README.md) as the web app uses it.

export type { ChecklistItem, CorrectionSize, ErrorType, FailedItem, ReviewAnswerInput, SignificantRegionMark, VoxelBox, WorkflowTask };

export type Decision = 'accept' | 'correct' | 'reject';
export type ReviewStage = 'review' | 'expert_review';

/** Re-authentication that signs a review. */
export type Signature = { password: string } | { totpCode: string };

export interface StoredMark {
  labelKey: string;
  box: VoxelBox | null;
  note: string | null;
  markedBy: string;
  version: number;
}

export interface ReviewHistoryEntry {
  reviewId: string;
  stage: ReviewStage;
  decision: Decision;
  reviewerId: string;
  reviewedVersion: number;
  correctedVersion: number | null;
  failedItems: FailedItem[];
  correctionSizes: CorrectionSize[];
  signedAt: string;
}

export interface ReviewContext {
  task: WorkflowTask;
  labels: { key: string; value: number; name: string; requiresExpertReview: boolean; present: boolean }[];
  checklist: ChecklistItem[];
  significantRegions: StoredMark[];
  history: ReviewHistoryEntry[];
}

export interface ReviewResult {
  review: { id: string; decision: Decision; signedAt: string; answers: unknown[] };
  signedAt: string;
  failedItems: FailedItem[];
  correctionSizes: CorrectionSize[];
  created: WorkflowTask[];
  sessionToken?: string;
}

export interface ReviewSubmission {
  decision: Decision;
  answers: ReviewAnswerInput[];
  correctedVersion?: number;
  significantRegions?: SignificantRegionMark[];
  signature: Signature;
}

export const stageNames: Record<string, string> = {
  annotate: 'Annotate',
  review: 'Review',
  expert_review: 'Expert review',
  roi_pass: 'Region pass',
};

export const errorTypeNames: Record<ErrorType, string> = {
  over_segmentation: 'Over-segmentation',
  under_segmentation: 'Under-segmentation',
  missed_finding: 'Missed finding',
  false_finding: 'False finding',
  wrong_label: 'Wrong label',
  wrong_side: 'Wrong side',
  other: 'Other (comment needed)',
};

/** Overlay values of GET correction-overlay. */
export const OVERLAY_ADDED = 1;
export const OVERLAY_REMOVED = 2;
export const OVERLAY_RELABELLED = 3;

export function countOverlay(overlay: Uint8Array): { added: number; removed: number; relabelled: number } {
  let added = 0;
  let removed = 0;
  let relabelled = 0;
  for (let i = 0; i < overlay.length; i++) {
    const v = overlay[i];
    if (v === OVERLAY_ADDED) added++;
    else if (v === OVERLAY_REMOVED) removed++;
    else if (v === OVERLAY_RELABELLED) relabelled++;
  }
  return { added, removed, relabelled };
}

/** The same overlay computed on this computer, between the reviewed mask and the current edits (before a review is signed). */
export function diffOverlay(before: Uint8Array, after: Uint8Array, out?: Uint8Array): Uint8Array {
  const overlay = out ?? new Uint8Array(before.length);
  for (let i = 0; i < before.length; i++) {
    const a = before[i]!;
    const b = after[i]!;
    overlay[i] = a === b ? 0 : a === 0 ? OVERLAY_ADDED : b === 0 ? OVERLAY_REMOVED : OVERLAY_RELABELLED;
  }
  return overlay;
}

export const workflowApi = {
  /** The workflow task, or null when the task is not part of a workflow. */
  async task(taskId: string): Promise<WorkflowTask | null> {
    try {
      return await json<WorkflowTask>(`/api/workflow/tasks/${taskId}`);
    } catch (e) {
      if (e instanceof ApiError && e.code === 'DLN_NOT_FOUND') return null;
      throw e;
    }
  },
  reviewContext: (taskId: string) => json<ReviewContext>(`/api/workflow/tasks/${taskId}/review-context`),
  async correctionOverlay(taskId: string, voxels: number): Promise<Uint8Array> {
    const res = await request(`/api/workflow/tasks/${taskId}/correction-overlay`);
    const decoded = decodeRle8(new Uint8Array(await res.arrayBuffer()), voxels);
    if (!decoded.ok) throw new ApiError('DLN_REVISION_MASK_INVALID', 'The correction overlay does not fit this image', 0);
    return decoded.voxels;
  },
  submit: (taskId: string, annotationId: string, significantRegions: SignificantRegionMark[]) =>
    // The marks on screen, always: they replace what was kept on the server (even when none are left).
    post<{ task: WorkflowTask; created: WorkflowTask[]; agreementJobId: string | null }>(`/api/workflow/tasks/${taskId}/submit`, { annotationId, significantRegions }),
  /** The marks made on one's open task and not yet submitted (kept on the server across reloads). */
  keptMarks: (taskId: string) => json<{ significantRegions: SignificantRegionMark[] }>(`/api/workflow/tasks/${taskId}/significant-regions`).then((r) => r.significantRegions),
  keepMarks: (taskId: string, significantRegions: SignificantRegionMark[]) =>
    put<{ significantRegions: SignificantRegionMark[] }>(`/api/workflow/tasks/${taskId}/significant-regions`, { significantRegions }),
  review: (taskId: string, stage: ReviewStage, body: ReviewSubmission) =>
    post<ReviewResult>(`/api/workflow/tasks/${taskId}/${stage === 'review' ? 'review' : 'expert-review'}`, body),
};
