import type { ChecklistItem, Label, Role, WorkflowConfig, WorkflowStage, WorkflowTask } from '@delineate/schema';
import { json, post, put } from './api';

/** Client of the project, workflow-configuration and QA routes used by the project pages. */

export interface ProjectListEntry {
  id: string;
  name: string;
  modality: string;
  oversightModel: 'direct_clinical' | 'supervised_technologist';
  roles: Role[];
}

export interface ProjectSummary extends ProjectListEntry {
  region: string;
  purpose: string;
  legalBasis: string;
  labelSchema: { id: string; version: number; name: string | null };
  reviewProtocol: { id: string; version: number; name: string | null };
  agreementSampling: { fraction: number; readersPerItem: number; blinded: boolean };
  createdAt: string;
  tasks: Record<WorkflowStage, number>;
  frozen: boolean;
}

export interface LabelSchemaVersion {
  id: string;
  name: string;
  version: number;
  labels: Label[];
  createdAt: string;
}

export interface ReviewProtocolVersion {
  id: string;
  name: string;
  version: number;
  checklist: ChecklistItem[];
  createdAt: string;
}

export interface DocumentChoices {
  labelSchemas: LabelSchemaVersion[];
  reviewProtocols: ReviewProtocolVersion[];
}

export interface Member {
  userId: string;
  username: string;
  displayName: string;
  disabled: boolean;
  roles: Role[];
  qualifications: { kind: string; modality: string | null; validUntil: string | null }[];
}

/** What an item is (GET …/items/names), for naming it on a page; see data/item-words.ts. */
export interface ItemName {
  id: string;
  kind: string;
  modality: string | null;
  slices: number | null;
  rows: number | null;
  columns: number | null;
  subjectPseudonym: string;
}

export interface SampleRecord {
  itemId: string;
  sampled: boolean;
  readers: number;
  seed: number;
  batch: number;
  drawPosition: number;
}

export interface Summary {
  n: number;
  mean: number | null;
  sd: number | null;
  median: number | null;
  min: number | null;
  max: number | null;
}

export interface CorrectionSizeRecord {
  labelKey: string;
  voxelsAdded: number;
  voxelsRemoved: number;
  dice: number | null;
  hd95Mm: number | null;
  /** True while the job that measures HD95 after the signature has not finished. */
  hd95Computing?: boolean;
  reviewId: string;
  stage: 'review' | 'expert_review';
}

export interface QualityReport {
  perAnnotator: { annotatorId: string; annotatorName: string | null; reviews: number; accepted: number; corrected: number; rejected: number; errorRate: number }[];
  perLabel: { labelKey: string; answered: number; failed: number; errorRate: number }[];
  perErrorType: { errorType: string; count: number; share: number }[];
  expertReviews: { reviews: number; accepted: number; corrected: number };
  corrections: { sizes: CorrectionSizeRecord[]; voxelsChanged: Summary; dice: Summary; hd95Mm: Summary };
  rework: { total: number; distribution: { reworks: number; tasks: number }[] };
  timePerTask: { stage: WorkflowStage; seconds: number[]; summary: Summary }[];
  agreementPerLabel: { labelKey: string; dice: number[]; hd95Mm: number[]; diceSummary: Summary; hd95Summary: Summary }[];
}

export interface AgreementReport {
  thresholds: { dice: number; fleissKappa: number };
  labels: { labelKey: string; items: number; meanDice: number | null; meanFleissKappa: number | null; category: 'high' | 'low' }[];
  items: {
    id: string;
    itemId: string;
    labelKey: string;
    labelValue: number;
    pairs: { a: number; b: number; dice: number | null; hd95Mm: number | null }[];
    fleissKappa: number | null;
    meanDice: number | null;
    createdAt: string;
  }[];
}

const base = (projectId: string) => `/api/projects/${projectId}`;

export const projectApi = {
  list: () => json<{ projects: ProjectListEntry[] }>('/api/projects'),
  get: (projectId: string) => json<ProjectSummary>(base(projectId)),
  config: (projectId: string) => json<WorkflowConfig>(`${base(projectId)}/workflow/config`),
  saveConfig: (projectId: string, config: WorkflowConfig) => put<WorkflowConfig>(`${base(projectId)}/workflow/config`, config),
  documents: (projectId: string) => json<DocumentChoices>(`${base(projectId)}/workflow/documents`),
  members: (projectId: string) => json<{ members: Member[] }>(`${base(projectId)}/members`),
  createTasks: (projectId: string) => post<{ sample: SampleRecord[]; created: WorkflowTask[] }>(`${base(projectId)}/workflow/tasks`),
  tasks: (projectId: string) => json<{ tasks: WorkflowTask[] }>(`${base(projectId)}/workflow/tasks`),
  sample: (projectId: string) => json<{ sample: SampleRecord[] }>(`${base(projectId)}/workflow/sample`),
  itemNames: (projectId: string) => json<{ items: ItemName[] }>(`${base(projectId)}/items/names`),
  reassign: (taskId: string, assigneeId: string) => post<WorkflowTask>(`/api/workflow/tasks/${taskId}/reassign`, { assigneeId }),
  quality: (projectId: string) => json<QualityReport>(`${base(projectId)}/workflow/quality`),
  agreement: (projectId: string) => json<AgreementReport>(`${base(projectId)}/workflow/agreement`),
};

/** Roles that may read the QA statistics and the agreement report (policy action `quality.read`). */
export const qualityRoles: readonly Role[] = ['reviewer', 'expert_reviewer', 'project_admin', 'data_steward'];
