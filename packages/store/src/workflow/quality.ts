import { summarize } from '@delineate/core';
import type { CorrectionSize, ErrorType, FailedItem, ReviewDecision, WorkflowStage } from '@delineate/schema';
import type { Kysely } from 'kysely';
import type { DB } from '../sql/tables';
import { listAgreements } from './agreement';
import { finiteOrNull } from './metrics';
import { workflowDb } from './tables';

/** A distribution summary with null where a value is undefined (no data) or infinite. */
export interface SummaryJson {
  readonly n: number;
  readonly mean: number | null;
  readonly sd: number | null;
  readonly median: number | null;
  readonly min: number | null;
  readonly max: number | null;
}

export function summaryOf(values: readonly number[]): SummaryJson {
  const s = summarize(values);
  return { n: s.n, mean: finiteOrNull(s.mean), sd: finiteOrNull(s.sd), median: finiteOrNull(s.median), min: finiteOrNull(s.min), max: finiteOrNull(s.max) };
}

export interface CorrectionRecord extends CorrectionSize {
  readonly reviewId: string;
  readonly stage: Exclude<WorkflowStage, 'annotate'>;
}

/**
 * QA statistics of a project (issue 7 §6). Error rates count standard reviews (the first line
 * of oversight): per annotator, reviews with a correct or reject decision over all their reviews;
 * per label, failed checklist items over items answered for that label; per error type, failed
 * items of that type and their share of all failed items. Corrections come from both review
 * stages. Time per task runs from assignment to the last submission (or the review's signing).
 */
export interface QualityReport {
  readonly perAnnotator: Array<{ annotatorId: string; annotatorName: string | null; reviews: number; accepted: number; corrected: number; rejected: number; errorRate: number }>;
  readonly perLabel: Array<{ labelKey: string; answered: number; failed: number; errorRate: number }>;
  readonly perErrorType: Array<{ errorType: ErrorType; count: number; share: number }>;
  readonly expertReviews: { reviews: number; accepted: number; corrected: number };
  readonly corrections: { sizes: CorrectionRecord[]; voxelsChanged: SummaryJson; dice: SummaryJson; hd95Mm: SummaryJson };
  readonly rework: { total: number; distribution: Array<{ reworks: number; tasks: number }> };
  readonly timePerTask: Array<{ stage: WorkflowStage; seconds: number[]; summary: SummaryJson }>;
  readonly agreementPerLabel: Array<{ labelKey: string; dice: number[]; hd95Mm: number[]; diceSummary: SummaryJson; hd95Summary: SummaryJson }>;
}

/** Which items a report covers: the whole project, or only some (a release's items). */
export interface QualityScope {
  readonly itemIds?: readonly string[];
}

export async function qualityReport(db: Kysely<DB>, projectId: string, scope: QualityScope = {}): Promise<QualityReport> {
  const w = workflowDb(db);
  // An empty item list covers nothing; a nil uuid keeps the SQL valid (`in ()` is not).
  const itemIds = scope.itemIds ? (scope.itemIds.length ? [...scope.itemIds] : ['00000000-0000-0000-0000-000000000000']) : null;
  const reviews = await w
    .selectFrom('workflow_reviews as wr')
    .innerJoin('reviews as r', 'r.id', 'wr.review_id')
    .select(['wr.review_id', 'wr.stage', 'wr.annotator_id', 'wr.failed_items', 'wr.label_answers', 'wr.correction_sizes', 'r.decision'])
    .where('wr.project_id', '=', projectId)
    .$if(itemIds !== null, (q) => q.where('wr.annotate_task_id', 'in', w.selectFrom('workflow_tasks').select('task_id').where('item_id', 'in', itemIds!)))
    .orderBy('wr.created_at')
    .orderBy('wr.review_id')
    .execute();

  const annotators = new Map<string, { reviews: number; accepted: number; corrected: number; rejected: number }>();
  const labels = new Map<string, { answered: number; failed: number }>();
  const errorTypes = new Map<ErrorType, number>();
  const expertReviews = { reviews: 0, accepted: 0, corrected: 0 };
  const sizes: CorrectionRecord[] = [];
  let failedTotal = 0;
  for (const r of reviews) {
    const decision = r.decision as ReviewDecision;
    const stage = r.stage as Exclude<WorkflowStage, 'annotate'>;
    for (const size of r.correction_sizes as CorrectionSize[]) sizes.push({ reviewId: r.review_id, stage, ...size });
    if (stage === 'expert_review') {
      expertReviews.reviews++;
      if (decision === 'accept') expertReviews.accepted++;
      if (decision === 'correct') expertReviews.corrected++;
      continue;
    }
    const a = annotators.get(r.annotator_id ?? '') ?? { reviews: 0, accepted: 0, corrected: 0, rejected: 0 };
    a.reviews++;
    if (decision === 'accept') a.accepted++;
    else if (decision === 'correct') a.corrected++;
    else a.rejected++;
    annotators.set(r.annotator_id ?? '', a);
    for (const la of r.label_answers as Array<{ labelKey: string; answered: number; failed: number }>) {
      const l = labels.get(la.labelKey) ?? { answered: 0, failed: 0 };
      l.answered += la.answered;
      l.failed += la.failed;
      labels.set(la.labelKey, l);
    }
    for (const f of r.failed_items as FailedItem[]) {
      errorTypes.set(f.errorType, (errorTypes.get(f.errorType) ?? 0) + 1);
      failedTotal++;
    }
  }

  const annotateTasks = await w
    .selectFrom('workflow_tasks')
    .select(['rework_count'])
    .where('project_id', '=', projectId)
    .where('stage', '=', 'annotate')
    .$if(itemIds !== null, (q) => q.where('item_id', 'in', itemIds!))
    .execute();
  const reworkHistogram = new Map<number, number>();
  for (const t of annotateTasks) reworkHistogram.set(t.rework_count, (reworkHistogram.get(t.rework_count) ?? 0) + 1);

  const timed = await w
    .selectFrom('workflow_tasks')
    .select(['stage', 'started_at', 'submitted_at'])
    .where('project_id', '=', projectId)
    .where('submitted_at', 'is not', null)
    .$if(itemIds !== null, (q) => q.where('item_id', 'in', itemIds!))
    .orderBy('started_at')
    .execute();
  const seconds = new Map<WorkflowStage, number[]>();
  for (const t of timed) {
    const stage = t.stage as WorkflowStage;
    const s = (new Date(t.submitted_at!).getTime() - new Date(t.started_at).getTime()) / 1000;
    seconds.set(stage, [...(seconds.get(stage) ?? []), s]);
  }

  const inScope = itemIds ? new Set(itemIds) : null;
  const agreements = (await listAgreements(db, { projectId })).filter((a) => !inScope || inScope.has(a.itemId));
  const perLabelAgreement = new Map<string, { dice: number[]; hd95Mm: number[] }>();
  for (const a of agreements) {
    const entry = perLabelAgreement.get(a.labelKey) ?? { dice: [], hd95Mm: [] };
    for (const p of a.pairs) {
      if (p.dice !== null) entry.dice.push(p.dice);
      if (p.hd95Mm !== null) entry.hd95Mm.push(p.hd95Mm);
    }
    perLabelAgreement.set(a.labelKey, entry);
  }

  // Display names of the annotators (colleagues in the project; never patient data).
  const annotatorIds = [...annotators.keys()].filter((id) => id !== '');
  const names = new Map(
    annotatorIds.length === 0
      ? []
      : (await db.selectFrom('users').select(['id', 'display_name']).where('id', 'in', annotatorIds).execute()).map((u) => [u.id, u.display_name] as const),
  );

  return {
    perAnnotator: [...annotators.entries()]
      .map(([annotatorId, a]) => ({ annotatorId, annotatorName: names.get(annotatorId) ?? null, ...a, errorRate: (a.corrected + a.rejected) / a.reviews }))
      .sort((x, y) => (x.annotatorId < y.annotatorId ? -1 : 1)),
    perLabel: [...labels.entries()]
      .map(([labelKey, l]) => ({ labelKey, ...l, errorRate: l.answered ? l.failed / l.answered : 0 }))
      .sort((x, y) => (x.labelKey < y.labelKey ? -1 : 1)),
    perErrorType: [...errorTypes.entries()]
      .map(([errorType, count]) => ({ errorType, count, share: count / failedTotal }))
      .sort((x, y) => (x.errorType < y.errorType ? -1 : 1)),
    expertReviews,
    corrections: {
      sizes,
      voxelsChanged: summaryOf(sizes.map((s) => s.voxelsAdded + s.voxelsRemoved)),
      dice: summaryOf(sizes.flatMap((s) => (s.dice === null ? [] : [s.dice]))),
      hd95Mm: summaryOf(sizes.flatMap((s) => (s.hd95Mm === null ? [] : [s.hd95Mm]))),
    },
    rework: {
      total: annotateTasks.reduce((s, t) => s + t.rework_count, 0),
      distribution: [...reworkHistogram.entries()].map(([reworks, tasks]) => ({ reworks, tasks })).sort((x, y) => x.reworks - y.reworks),
    },
    timePerTask: (['annotate', 'review', 'expert_review'] as const)
      .filter((stage) => seconds.has(stage))
      .map((stage) => ({ stage, seconds: seconds.get(stage)!, summary: summaryOf(seconds.get(stage)!) })),
    agreementPerLabel: [...perLabelAgreement.entries()].map(([labelKey, v]) => ({
      labelKey,
      dice: v.dice,
      hd95Mm: v.hd95Mm,
      diceSummary: summaryOf(v.dice),
      hd95Summary: summaryOf(v.hd95Mm),
    })),
  };
}
