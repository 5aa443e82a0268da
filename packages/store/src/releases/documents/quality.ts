import type { ErrorType } from '@delineate/schema';
import { effortByModel, type MeanOf, type ModelEffortSummary } from '../../models/effort-summary';
import { itemGrid } from '../../workflow/grid';
import { readLabelVolume } from '../../workflow/metrics';
import { qualityReport, summaryOf, type SummaryJson } from '../../workflow/quality';
import { workflowDb } from '../../workflow/tables';
import { documentRelease, type DocumentRelease } from './input';
import { num, percent, word, type DocumentLayout } from './layout';
import type { ReleaseRecords } from './records';

export interface QaResultsJson {
  readonly kind: 'qa_results';
  readonly release: DocumentRelease;
  readonly reviewSample: {
    readonly releasedItems: number;
    readonly reviewedItems: number;
    readonly decisions: ReadonlyArray<{ stage: string; decision: string; reviews: number }>;
  };
  readonly perAnnotator: ReadonlyArray<{ annotator: string; reviews: number; accepted: number; corrected: number; rejected: number; errorRate: number }>;
  readonly perLabel: ReadonlyArray<{ label: string; answered: number; failed: number; errorRate: number }>;
  readonly perErrorType: ReadonlyArray<{ errorType: ErrorType; count: number; share: number }>;
  readonly corrections: { readonly count: number; readonly voxelsChanged: SummaryJson; readonly dice: SummaryJson; readonly hd95Mm: SummaryJson };
  readonly expertReview: { readonly reviews: number; readonly accepted: number; readonly corrected: number; readonly rejected: number };
  readonly preAnnotation: {
    readonly used: boolean;
    readonly models: ReadonlyArray<{ name: string; version: string; annotations: number; voxelsAdded: number; voxelsRemoved: number; changedShare: SummaryJson }>;
    /** Correction effort measured at submission (issue 18), per model version and label, over the released annotations. */
    readonly correctionEffort: readonly ModelEffortSummary[];
  };
}

export async function qaResults(records: ReleaseRecords): Promise<QaResultsJson> {
  const { db, input, labelSchema, itemIds } = records;
  const report = await qualityReport(db, input.projectId, { itemIds });
  const labelName = new Map(labelSchema.labels.map((l) => [l.key, l.name]));
  const decisions = itemIds.length
    ? await workflowDb(db)
        .selectFrom('reviews as r')
        .leftJoin('workflow_reviews as wr', 'wr.review_id', 'r.id')
        .innerJoin('annotations as a', 'a.id', 'r.annotation_id')
        .select(['wr.stage', 'r.decision', 'a.item_id'])
        .where('a.item_id', 'in', itemIds)
        .execute()
    : [];
  const decisionCounts = new Map<string, number>();
  for (const d of decisions) {
    const k = `${d.stage ?? 'review'}\u0000${d.decision}`;
    decisionCounts.set(k, (decisionCounts.get(k) ?? 0) + 1);
  }
  const expert = report.expertReviews;
  return {
    kind: 'qa_results',
    release: documentRelease(input),
    reviewSample: {
      releasedItems: input.items.length,
      reviewedItems: new Set(decisions.map((d) => d.item_id)).size,
      decisions: [...decisionCounts.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, reviews]) => {
        const [stage = '', decision = ''] = k.split('\u0000');
        return { stage, decision, reviews };
      }),
    },
    perAnnotator: report.perAnnotator.map((a) => ({ annotator: a.annotatorName ?? 'Unknown annotator', reviews: a.reviews, accepted: a.accepted, corrected: a.corrected, rejected: a.rejected, errorRate: a.errorRate })),
    perLabel: report.perLabel.map((l) => ({ label: labelName.get(l.labelKey) ?? l.labelKey, answered: l.answered, failed: l.failed, errorRate: l.errorRate })),
    perErrorType: report.perErrorType,
    corrections: { count: report.corrections.sizes.length, voxelsChanged: report.corrections.voxelsChanged, dice: report.corrections.dice, hd95Mm: report.corrections.hd95Mm },
    expertReview: { ...expert, rejected: expert.reviews - expert.accepted - expert.corrected },
    preAnnotation: await preAnnotationEffort(records),
  };
}

/**
 * How much people changed what a model drew: for each released revision whose history holds a
 * model's revision, the voxels whose label differs between the model's last revision and the
 * released one, as added (labelled by people, not the model) and removed (model's, taken out).
 */
async function preAnnotationEffort(records: ReleaseRecords): Promise<QaResultsJson['preAnnotation']> {
  const { db, blobs, input } = records;
  const models = new Map<string, { name: string; version: string; annotations: number; voxelsAdded: number; voxelsRemoved: number; shares: number[] }>();
  for (const item of input.items) {
    for (const released of item.revisions) {
      const drafted = await db
        .selectFrom('revisions')
        .select(['version', 'author_model_name', 'author_model_version'])
        .where('annotation_id', '=', released.annotationId)
        .where('version', '<=', released.version)
        .where('source', '=', 'ai')
        .orderBy('version', 'desc')
        .limit(1)
        .executeTakeFirst();
      if (!drafted?.author_model_name || !drafted.author_model_version) continue;
      const grid = await itemGrid(db, item.itemId);
      const before = await readLabelVolume(db, blobs, { annotationId: released.annotationId, version: drafted.version }, grid);
      const after = await readLabelVolume(db, blobs, released, grid);
      let added = 0, removed = 0, drawn = 0;
      for (let i = 0; i < after.length; i++) {
        const a = before[i] ?? 0, b = after[i] ?? 0;
        if (a !== 0) drawn++;
        if (a === b) continue;
        if (b !== 0) added++;
        if (a !== 0) removed++;
      }
      const key = `${drafted.author_model_name}\u0000${drafted.author_model_version}`;
      const m = models.get(key) ?? { name: drafted.author_model_name, version: drafted.author_model_version, annotations: 0, voxelsAdded: 0, voxelsRemoved: 0, shares: [] };
      m.annotations++;
      m.voxelsAdded += added;
      m.voxelsRemoved += removed;
      m.shares.push(drawn === 0 ? (added === 0 ? 0 : 1) : (added + removed) / drawn);
      models.set(key, m);
    }
  }
  const annotationIds = [...new Set(input.items.flatMap((i) => i.revisions.map((r) => r.annotationId)))];
  return {
    used: models.size > 0,
    correctionEffort: await effortByModel(db, input.projectId, annotationIds),
    models: [...models.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([, m]) => ({ name: m.name, version: m.version, annotations: m.annotations, voxelsAdded: m.voxelsAdded, voxelsRemoved: m.voxelsRemoved, changedShare: summaryOf(m.shares) })),
  };
}

function meanText(m: MeanOf, digits: number): string {
  return m.mean === null ? '—' : num(m.mean, digits);
}

function summaryText(s: SummaryJson, digits: number): string {
  return s.n === 0 ? '—' : `mean ${num(s.mean, digits)}, median ${num(s.median, digits)}, range ${num(s.min, digits)}–${num(s.max, digits)} (n = ${s.n})`;
}

export function layoutQaResults(doc: QaResultsJson): DocumentLayout {
  const e = doc.expertReview;
  return {
    title: 'QA results',
    release: doc.release,
    sections: [
      {
        heading: 'Review sample',
        blocks: [
          { kind: 'facts', rows: [['Items released', String(doc.reviewSample.releasedItems)], ['Items with at least one review', String(doc.reviewSample.reviewedItems)]] },
          { kind: 'table', caption: 'Reviews of the released items by stage and decision', columns: ['Stage', 'Decision', 'Reviews'], rows: doc.reviewSample.decisions.map((d) => [word(d.stage), word(d.decision), String(d.reviews)]) },
        ],
      },
      {
        heading: 'Error rates',
        blocks: [
          { kind: 'paragraph', text: 'Per annotator: standard reviews decided "correct" or "reject" over all their standard reviews. Per label: failed checklist items over items answered for that label. Per error type: failed items of that type and their share of all failed items.' },
          { kind: 'table', caption: 'Per annotator', columns: ['Annotator', 'Reviews', 'Accepted', 'Corrected', 'Rejected', 'Error rate'], rows: doc.perAnnotator.map((a) => [a.annotator, String(a.reviews), String(a.accepted), String(a.corrected), String(a.rejected), percent(a.errorRate)]) },
          { kind: 'table', caption: 'Per label', columns: ['Label', 'Checklist answers', 'Failed', 'Error rate'], rows: doc.perLabel.map((l) => [l.label, String(l.answered), String(l.failed), percent(l.errorRate)]) },
          { kind: 'table', caption: 'Per error type', columns: ['Error type', 'Failed items', 'Share'], rows: doc.perErrorType.map((t) => [word(t.errorType), String(t.count), percent(t.share)]) },
        ],
      },
      {
        heading: 'Correction sizes',
        blocks: [
          {
            kind: 'facts',
            rows: [
              ['Corrections', String(doc.corrections.count)],
              ['Voxels changed', summaryText(doc.corrections.voxelsChanged, 0)],
              ['Dice before against after', summaryText(doc.corrections.dice, 3)],
              ['HD95 before against after (mm)', summaryText(doc.corrections.hd95Mm, 2)],
            ],
          },
        ],
      },
      { heading: 'Expert review', blocks: [{ kind: 'facts', rows: [['Expert reviews', String(e.reviews)], ['Accepted', String(e.accepted)], ['Corrected', String(e.corrected)], ['Rejected', String(e.rejected)]] }] },
      {
        heading: 'Pre-annotation correction effort',
        blocks: doc.preAnnotation.used
          ? [
              {
                kind: 'table',
                caption: 'Voxels people changed between the model’s last revision and the released one',
                columns: ['Model', 'Version', 'Annotations', 'Voxels added', 'Voxels removed', 'Changed share of drawn voxels'],
                rows: doc.preAnnotation.models.map((m) => [m.name, m.version, String(m.annotations), String(m.voxelsAdded), String(m.voxelsRemoved), summaryText(m.changedShare, 3)]),
              },
            ]
          : [{ kind: 'paragraph', text: 'No released annotation started from an AI pre-annotation.' }],
      },
      ...(doc.preAnnotation.correctionEffort.length > 0
        ? [
            {
              heading: 'Correction effort per model version',
              blocks: [
                {
                  kind: 'table' as const,
                  caption: 'Means over the submitted tasks that started from a model’s draft (added and false-negative path lengths after Kiser et al. 2021)',
                  columns: ['Model', 'Version', 'Label', 'Tasks', 'Accepted as is', 'Dice', 'HD95 (mm)', 'Surface Dice', 'Added path (mm)', 'False-negative path (mm)', 'Voxels added', 'Voxels removed'],
                  rows: doc.preAnnotation.correctionEffort.flatMap((m) =>
                    m.labels.map((l) => [m.name, m.version, word(l.labelKey), String(l.tasks), String(l.acceptedAsIs), meanText(l.dice, 3), meanText(l.hd95Mm, 2), meanText(l.surfaceDice, 3), meanText(l.addedPathLengthMm, 1), meanText(l.falseNegativePathLengthMm, 1), String(l.voxelsAdded), String(l.voxelsRemoved)]),
                  ),
                },
                {
                  kind: 'table' as const,
                  caption: 'What the workspace recorded while the drafts were corrected (means per task)',
                  columns: ['Model', 'Version', 'Tasks', 'Active editing (s)', 'Strokes', 'Clicks', 'Undos'],
                  rows: doc.preAnnotation.correctionEffort.map((m) => [m.name, m.version, String(m.editing.tasks), meanText({ n: m.editing.activeEditingMs.n, mean: m.editing.activeEditingMs.mean === null ? null : m.editing.activeEditingMs.mean / 1000 }, 1), meanText(m.editing.strokes, 1), meanText(m.editing.clicks, 1), meanText(m.editing.undos, 1)]),
                },
              ],
            },
          ]
        : []),
    ],
  };
}
