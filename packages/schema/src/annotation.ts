import { z } from 'zod';
import { Id, Magnification, Sha256Hex, Slug, Timestamp, VersionNumber, VersionRef } from './common';
import { parseOrThrow } from './validate';
import { ErrorType, MaskEncoding, ReviewDecision, RevisionSource, TaskKind, TaskStatus } from './vocabularies';

export const Task = z.object({
  id: Id,
  projectId: Id,
  kind: TaskKind,
  itemId: Id,
  assigneeId: Id.nullable(),
  status: TaskStatus,
  /** Slides only: the magnification the task is done at. */
  magnification: Magnification.nullable(),
  /** The assignee does not see other readers' masks. */
  blinded: z.boolean(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Task = z.infer<typeof Task>;

/** One reader's mask of one item under one label-schema version; its content lives in revisions. */
export const Annotation = z.object({
  id: Id,
  projectId: Id,
  itemId: Id,
  taskId: Id.nullable(),
  labelSchema: VersionRef,
  /** 0 until the first revision is saved. */
  headVersion: z.number().int().min(0),
  createdAt: Timestamp,
});
export type Annotation = z.infer<typeof Annotation>;

/** Who drew a revision: a person, or a registered model with its exact version. */
export const RevisionAuthor = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('user'), userId: Id }),
  z.object({ kind: z.literal('model'), name: z.string().min(1).max(128), version: z.string().min(1).max(64) }),
]);
export type RevisionAuthor = z.infer<typeof RevisionAuthor>;

export const IdempotencyKey = z.string().min(1).max(128).regex(/^[\x21-\x7e]+$/, 'expected printable ASCII without spaces');

/** AI revisions come from a model; every other source is a person's act. */
function authorMatchesSource(value: { author: RevisionAuthor; source: RevisionSource }, ctx: z.RefinementCtx): void {
  if (value.source === 'ai' && value.author.kind !== 'model') {
    ctx.addIssue({ code: 'custom', message: 'an AI revision needs a model name and version', path: ['author'] });
  }
  if (value.source !== 'ai' && value.author.kind !== 'user') {
    ctx.addIssue({ code: 'custom', message: 'only an AI revision may be authored by a model', path: ['author'] });
  }
}

export const Revision = z
  .object({
    annotationId: Id,
    version: VersionNumber,
    /** null for version 1; otherwise version - 1 (one chain per annotation). */
    parentVersion: VersionNumber.nullable(),
    author: RevisionAuthor,
    source: RevisionSource,
    maskHash: Sha256Hex,
    maskEncoding: MaskEncoding,
    createdAt: Timestamp,
    idempotencyKey: IdempotencyKey.nullable(),
  })
  .superRefine(authorMatchesSource)
  .superRefine((r, ctx) => {
    const expected = r.version === 1 ? null : r.version - 1;
    if (r.parentVersion !== expected) ctx.addIssue({ code: 'custom', message: 'parentVersion must be version - 1', path: ['parentVersion'] });
  });
export type Revision = z.infer<typeof Revision>;

/** Builds a revision, refusing e.g. an AI revision without its model name and version. */
export function buildRevision(input: z.input<typeof Revision>): Revision {
  return parseOrThrow(Revision, input);
}

/** What a writer hands to the store to append a revision. */
export const NewRevision = z
  .object({
    annotationId: Id,
    /** The head version the writer saw (0 before the first revision): the compare-and-set operand. */
    expectedVersion: z.number().int().min(0),
    idempotencyKey: IdempotencyKey.optional(),
    author: RevisionAuthor,
    source: RevisionSource,
    maskHash: Sha256Hex,
    maskEncoding: MaskEncoding,
  })
  .superRefine(authorMatchesSource);
export type NewRevision = z.infer<typeof NewRevision>;

export function buildNewRevision(input: z.input<typeof NewRevision>): NewRevision {
  return parseOrThrow(NewRevision, input);
}

export const RevisionRef = z.object({ annotationId: Id, version: VersionNumber });
export type RevisionRef = z.infer<typeof RevisionRef>;

export const ChecklistAnswer = z.object({
  itemKey: Slug,
  passed: z.boolean(),
  note: z.string().max(2000).optional(),
});
export type ChecklistAnswer = z.infer<typeof ChecklistAnswer>;

export const ReviewCorrection = z.object({
  labelKey: Slug,
  errorType: ErrorType,
  note: z.string().max(2000).optional(),
  /** The correction revision the reviewer saved, when the decision is `correct`. */
  correctedVersion: VersionNumber.optional(),
});
export type ReviewCorrection = z.infer<typeof ReviewCorrection>;

export const Review = z
  .object({
    id: Id,
    revision: RevisionRef,
    reviewerId: Id,
    protocol: VersionRef,
    answers: z.array(ChecklistAnswer),
    decision: ReviewDecision,
    corrections: z.array(ReviewCorrection),
    /** When the reviewer re-authenticated to sign this review. */
    signedAt: Timestamp,
    createdAt: Timestamp,
  })
  .superRefine((r, ctx) => {
    if (r.decision === 'correct' && r.corrections.length === 0) {
      ctx.addIssue({ code: 'custom', message: 'a correct decision needs at least one correction', path: ['corrections'] });
    }
    if (r.decision === 'accept' && r.answers.some((a) => !a.passed)) {
      ctx.addIssue({ code: 'custom', message: 'cannot accept with failed checklist items', path: ['decision'] });
    }
  });
export type Review = z.infer<typeof Review>;
