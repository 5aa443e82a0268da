import { z } from 'zod';
import { Id, plainText, Slug, Timestamp, VersionNumber, VersionRef } from './common';
import { AgreementSampling } from './project';
import { ErrorType, OversightModel, TaskKind, TaskStatus } from './vocabularies';

/** Which reviewed work also goes to an expert reviewer (issue 7 §4). */
export const ExpertReviewRules = z.object({
  /** Labels whose presence in the reviewed mask requires expert review. */
  labelKeys: z.array(Slug).refine((k) => new Set(k).size === k.length, { message: 'duplicate label key' }),
  /** A region an annotator or reviewer marks as diagnostically significant sends the item to an expert. */
  significantRegions: z.boolean(),
});
export type ExpertReviewRules = z.infer<typeof ExpertReviewRules>;

/** Where a label's agreement counts as high: mean pairwise Dice and Fleiss' kappa both at or above. */
export const AgreementThresholds = z.object({
  dice: z.number().min(0).max(1),
  fleissKappa: z.number().min(-1).max(1),
});
export type AgreementThresholds = z.infer<typeof AgreementThresholds>;

export const defaultAgreementThresholds: AgreementThresholds = { dice: 0.8, fleissKappa: 0.6 };

/** A project's clinical workflow: oversight, pinned documents, sampling and expert review. */
export const WorkflowConfig = z.object({
  oversightModel: OversightModel,
  labelSchema: VersionRef,
  reviewProtocol: VersionRef,
  agreementSampling: AgreementSampling,
  expertReview: ExpertReviewRules,
  agreementThresholds: AgreementThresholds,
  /** Seed of the generator that draws the agreement sample (recorded with every draw). */
  samplingSeed: z.number().int().min(0).max(0xffffffff),
});
export type WorkflowConfig = z.infer<typeof WorkflowConfig>;

export const workflowStages = ['annotate', 'review', 'expert_review'] as const;
export const WorkflowStage = z.enum(workflowStages);
export type WorkflowStage = z.infer<typeof WorkflowStage>;

const VoxelIndex = z.tuple([z.number().int().min(0), z.number().int().min(0), z.number().int().min(0)]);

/** An inclusive voxel box [x, y, z] on the item's grid. */
export const VoxelBox = z
  .object({ min: VoxelIndex, max: VoxelIndex })
  .refine((b) => b.min.every((v, i) => v <= (b.max[i] ?? -1)), { message: 'min must not exceed max', path: ['max'] });
export type VoxelBox = z.infer<typeof VoxelBox>;

/** A region of a label an annotator or reviewer marks as diagnostically significant. */
export const SignificantRegionMark = z.object({
  labelKey: Slug,
  /** Where, when the mark is a region rather than the whole label. */
  box: VoxelBox.optional(),
  note: plainText(2000).optional(),
});
export type SignificantRegionMark = z.infer<typeof SignificantRegionMark>;

/** One checklist answer as a reviewer gives it: a failure names its error type; `other` needs a comment. */
export const ReviewAnswerInput = z
  .object({
    itemKey: Slug,
    passed: z.boolean(),
    errorType: ErrorType.optional(),
    note: plainText(2000).optional(),
  })
  .superRefine((a, ctx) => {
    if (!a.passed && !a.errorType) ctx.addIssue({ code: 'custom', message: 'a failed item needs an error type', path: ['errorType'] });
    if (a.passed && a.errorType) ctx.addIssue({ code: 'custom', message: 'a passed item has no error type', path: ['errorType'] });
    if (a.errorType === 'other' && !a.note?.trim()) ctx.addIssue({ code: 'custom', message: 'error type other needs a comment', path: ['note'] });
  });
export type ReviewAnswerInput = z.infer<typeof ReviewAnswerInput>;

/** A failed checklist item as returned to the annotator and counted by QA statistics. */
export const FailedItem = z.object({
  itemKey: Slug,
  labelKey: Slug,
  errorType: ErrorType,
  note: plainText(2000).optional(),
});
export type FailedItem = z.infer<typeof FailedItem>;

/** The size of a reviewer's correction of one label; distances in mm, null where undefined. */
export const CorrectionSize = z.object({
  labelKey: Slug,
  voxelsAdded: z.number().int().min(0),
  voxelsRemoved: z.number().int().min(0),
  dice: z.number().min(0).max(1).nullable(),
  hd95Mm: z.number().min(0).nullable(),
  /** True while a job computes the HD95 after the review was signed (hd95Mm is null until then). */
  hd95Computing: z.boolean().optional(),
});
export type CorrectionSize = z.infer<typeof CorrectionSize>;

/** A task with its place in the workflow. */
export const WorkflowTask = z.object({
  id: Id,
  projectId: Id,
  itemId: Id,
  kind: TaskKind,
  stage: WorkflowStage,
  status: TaskStatus,
  assigneeId: Id.nullable(),
  blinded: z.boolean(),
  sampled: z.boolean(),
  /** Review stages: the annotate task whose work is reviewed. */
  reviewsTaskId: Id.nullable(),
  annotationId: Id.nullable(),
  /** Annotate: the version submitted; review stages: the version under review. */
  revisionVersion: VersionNumber.nullable(),
  startedAt: Timestamp,
  submittedAt: Timestamp.nullable(),
  reworkCount: z.number().int().min(0),
  /** Failed items of the last rejection, for the annotator to fix. */
  returnedItems: z.array(FailedItem),
});
export type WorkflowTask = z.infer<typeof WorkflowTask>;
