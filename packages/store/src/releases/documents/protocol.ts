import type { ConsensusMethod } from '@delineate/schema';
import { workflowDb } from '../../workflow/tables';
import { documentRelease, type DocumentRelease } from './input';
import { word, yesNo, type DocumentLayout } from './layout';
import type { ReleaseRecords } from './records';

export interface AnnotationProtocolJson {
  readonly kind: 'annotation_protocol';
  readonly release: DocumentRelease;
  readonly intendedTask: { readonly project: string; readonly purpose: string; readonly modality: string; readonly items: number };
  readonly labelSchema: {
    readonly name: string;
    readonly version: number;
    readonly labels: ReadonlyArray<{
      key: string;
      value: number;
      name: string;
      concept: { scheme: string; value: string; meaning: string };
      category: { scheme: string; value: string; meaning: string };
      definition: string;
      inclusion: string[];
      exclusion: string[];
      referenceStandard: { title: string; citation: string };
      requiresExpertReview: boolean;
    }>;
  };
  readonly oversightModel: string;
  readonly people: {
    readonly annotators: number;
    readonly reviewers: number;
    readonly expertReviewers: number;
    readonly roles: ReadonlyArray<{ role: string; people: number }>;
    readonly qualifications: ReadonlyArray<{ kind: string; modality: string | null; people: number; verified: number }>;
  };
  readonly reviewChecklist: { readonly name: string; readonly version: number; readonly items: ReadonlyArray<{ label: string; question: string; errorType: string }> };
  readonly blindingAndSampling: { readonly fraction: number; readersPerItem: number; blinded: boolean; seed: number; readItemsInRelease: number };
  readonly adjudication: {
    readonly consensusMethods: ReadonlyArray<{ method: ConsensusMethod; items: number }>;
    readonly expertReviewLabels: string[];
    readonly expertReviewOnSignificantRegions: boolean;
    readonly agreementThresholds: { dice: number; fleissKappa: number };
  };
  readonly preAnnotation: { readonly used: boolean; readonly models: ReadonlyArray<{ name: string; version: string; runtime: string | null; revisions: number }> };
  readonly tool: { readonly name: string; readonly version: string };
}

export async function annotationProtocol(records: ReleaseRecords, tool: { name: string; version: string }): Promise<AnnotationProtocolJson> {
  const { db, input, project, config, labelSchema, reviewProtocol, annotationIds, itemIds } = records;
  const w = workflowDb(db);
  const annotateTasks = itemIds.length
    ? await w.selectFrom('workflow_tasks as wt').innerJoin('tasks as t', 't.id', 'wt.task_id').select(['t.assignee_id', 'wt.stage']).where('wt.item_id', 'in', itemIds).execute()
    : [];
  const reviews = annotationIds.length
    ? await w
        .selectFrom('reviews as r')
        .leftJoin('workflow_reviews as wr', 'wr.review_id', 'r.id')
        .select(['r.reviewer_id', 'wr.stage'])
        .where('r.annotation_id', 'in', annotationIds)
        .execute()
    : [];
  const revisions = annotationIds.length
    ? await db.selectFrom('revisions').select(['author_user_id', 'author_model_name', 'author_model_version']).where('annotation_id', 'in', annotationIds).execute()
    : [];
  const annotators = new Set<string>();
  for (const t of annotateTasks) if (t.stage === 'annotate' && t.assignee_id) annotators.add(t.assignee_id);
  for (const r of revisions) if (r.author_user_id) annotators.add(r.author_user_id);
  const reviewers = new Set(reviews.filter((r) => r.stage !== 'expert_review').map((r) => r.reviewer_id));
  const experts = new Set(reviews.filter((r) => r.stage === 'expert_review').map((r) => r.reviewer_id));
  for (const id of [...reviewers, ...experts]) annotators.delete(id);
  const people = [...new Set([...annotators, ...reviewers, ...experts])];

  const memberships = people.length
    ? await db.selectFrom('memberships').select(['user_id', 'role']).where('project_id', '=', project.id).where('user_id', 'in', people).execute()
    : [];
  const qualifications = people.length
    ? await db.selectFrom('qualifications').select(['user_id', 'kind', 'modality', 'verified_by']).where('user_id', 'in', people).execute()
    : [];

  const models = new Map<string, { name: string; version: string; revisions: number }>();
  for (const r of revisions) {
    if (!r.author_model_name || !r.author_model_version) continue;
    const key = `${r.author_model_name}\u0000${r.author_model_version}`;
    const m = models.get(key) ?? { name: r.author_model_name, version: r.author_model_version, revisions: 0 };
    m.revisions++;
    models.set(key, m);
  }
  const registered = models.size ? await db.selectFrom('models').select(['name', 'version', 'runtime']).where('name', 'in', [...models.values()].map((m) => m.name)).execute() : [];

  const methods = new Map<ConsensusMethod, number>();
  for (const item of input.items) if (item.consensus) methods.set(item.consensus.method, (methods.get(item.consensus.method) ?? 0) + 1);
  const labelName = new Map(labelSchema.labels.map((l) => [l.key, l.name]));

  return {
    kind: 'annotation_protocol',
    release: documentRelease(input),
    intendedTask: { project: project.name, purpose: project.purpose, modality: project.modality, items: input.items.length },
    labelSchema: {
      name: labelSchema.name,
      version: labelSchema.version,
      labels: labelSchema.labels.map((l) => ({
        key: l.key,
        value: l.value,
        name: l.name,
        concept: l.concept,
        category: l.category,
        definition: l.definition,
        inclusion: l.inclusion,
        exclusion: l.exclusion,
        referenceStandard: l.referenceStandard,
        requiresExpertReview: l.requiresExpertReview,
      })),
    },
    oversightModel: config.oversightModel,
    people: {
      annotators: annotators.size,
      reviewers: reviewers.size,
      expertReviewers: experts.size,
      roles: countBy(memberships.map((m) => m.role)).map(([role, n]) => ({ role, people: n })),
      qualifications: countQualifications(qualifications),
    },
    reviewChecklist: {
      name: reviewProtocol.name,
      version: reviewProtocol.version,
      items: reviewProtocol.checklist.map((c) => ({ label: labelName.get(c.labelKey) ?? c.labelKey, question: c.question, errorType: c.errorType })),
    },
    blindingAndSampling: {
      fraction: config.agreementSampling.fraction,
      readersPerItem: config.agreementSampling.readersPerItem,
      blinded: config.agreementSampling.blinded,
      seed: config.samplingSeed,
      readItemsInRelease: input.items.filter((i) => i.consensus).length,
    },
    adjudication: {
      consensusMethods: [...methods.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([method, items]) => ({ method, items })),
      expertReviewLabels: config.expertReview.labelKeys.map((k) => labelName.get(k) ?? k),
      expertReviewOnSignificantRegions: config.expertReview.significantRegions,
      agreementThresholds: config.agreementThresholds,
    },
    preAnnotation: {
      used: models.size > 0,
      models: [...models.values()]
        .sort((a, b) => (a.name + a.version < b.name + b.version ? -1 : 1))
        .map((m) => ({ ...m, runtime: registered.find((r) => r.name === m.name && r.version === m.version)?.runtime ?? null })),
    },
    tool,
  };
}

function countBy(values: readonly string[]): Array<[string, number]> {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
}

function countQualifications(rows: ReadonlyArray<{ user_id: string; kind: string; modality: string | null; verified_by: string | null }>) {
  const byKey = new Map<string, { kind: string; modality: string | null; people: Set<string>; verified: Set<string> }>();
  for (const q of rows) {
    const key = `${q.kind}\u0000${q.modality ?? ''}`;
    const entry = byKey.get(key) ?? { kind: q.kind, modality: q.modality, people: new Set<string>(), verified: new Set<string>() };
    entry.people.add(q.user_id);
    if (q.verified_by) entry.verified.add(q.user_id);
    byKey.set(key, entry);
  }
  return [...byKey.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([, q]) => ({ kind: q.kind, modality: q.modality, people: q.people.size, verified: q.verified.size }));
}

export function layoutAnnotationProtocol(doc: AnnotationProtocolJson): DocumentLayout {
  const s = doc.blindingAndSampling;
  return {
    title: 'Annotation protocol',
    release: doc.release,
    sections: [
      {
        heading: 'Intended task',
        blocks: [
          { kind: 'facts', rows: [['Project', doc.intendedTask.project], ['Modality', doc.intendedTask.modality], ['Items released', String(doc.intendedTask.items)]] },
          { kind: 'paragraph', text: doc.intendedTask.purpose },
        ],
      },
      {
        heading: `Label schema: ${doc.labelSchema.name}, version ${doc.labelSchema.version}`,
        blocks: doc.labelSchema.labels.flatMap((l) => [
          {
            kind: 'facts' as const,
            rows: [
              ['Label', `${l.name} (value ${l.value})`],
              ['Concept', `${l.concept.meaning} (${l.concept.scheme} ${l.concept.value})`],
              ['Category', `${l.category.meaning} (${l.category.scheme} ${l.category.value})`],
              ['Definition', l.definition],
              ['Include', l.inclusion.join('; ') || '—'],
              ['Exclude', l.exclusion.join('; ') || '—'],
              ['Reference standard', `${l.referenceStandard.title}. ${l.referenceStandard.citation}`],
              ['Expert review required', yesNo(l.requiresExpertReview)],
            ] as const,
          },
        ]),
      },
      {
        heading: 'Oversight and people',
        blocks: [
          { kind: 'facts', rows: [['Oversight model', word(doc.oversightModel)], ['Annotators', String(doc.people.annotators)], ['Reviewers', String(doc.people.reviewers)], ['Expert reviewers', String(doc.people.expertReviewers)]] },
          { kind: 'table', caption: 'Project roles of the people who worked on the released items', columns: ['Role', 'People'], rows: doc.people.roles.map((r) => [word(r.role), String(r.people)]) },
          {
            kind: 'table',
            caption: 'Their recorded qualifications',
            columns: ['Qualification', 'Modality', 'People', 'Verified'],
            rows: doc.people.qualifications.map((q) => [word(q.kind), q.modality ?? 'any', String(q.people), String(q.verified)]),
          },
        ],
      },
      {
        heading: `Review checklist: ${doc.reviewChecklist.name}, version ${doc.reviewChecklist.version}`,
        blocks: [{ kind: 'table', caption: 'Each item a reviewer checks, and the error type a failure records', columns: ['Label', 'Question', 'Error type if failed'], rows: doc.reviewChecklist.items.map((c) => [c.label, c.question, word(c.errorType)]) }],
      },
      {
        heading: 'Blinding and sampling',
        blocks: [
          {
            kind: 'facts',
            rows: [
              ['Items read by several readers', `${(s.fraction * 100).toFixed(1)} % of each batch, drawn by a seeded generator (seed ${s.seed})`],
              ['Readers per sampled item', String(s.readersPerItem)],
              ['Readers blinded to each other', yesNo(s.blinded)],
              ['Multiply-read items in this release', String(s.readItemsInRelease)],
            ],
          },
        ],
      },
      {
        heading: 'Adjudication and consensus',
        blocks: [
          {
            kind: 'facts',
            rows: [
              ['Consensus of multiply-read items', doc.adjudication.consensusMethods.map((m) => `${word(m.method)}: ${m.items} items`).join('; ') || 'none (no multiply-read items)'],
              ['Expert review for labels', doc.adjudication.expertReviewLabels.join(', ') || 'none'],
              ['Expert review of significant regions', yesNo(doc.adjudication.expertReviewOnSignificantRegions)],
              ['High agreement', `mean Dice ≥ ${doc.adjudication.agreementThresholds.dice} and Fleiss κ ≥ ${doc.adjudication.agreementThresholds.fleissKappa}`],
            ],
          },
        ],
      },
      {
        heading: 'AI pre-annotation',
        blocks: doc.preAnnotation.used
          ? [{ kind: 'table', caption: 'Models that drew revisions of the released annotations', columns: ['Model', 'Version', 'Runtime', 'Revisions'], rows: doc.preAnnotation.models.map((m) => [m.name, m.version, m.runtime ?? '—', String(m.revisions)]) }]
          : [{ kind: 'paragraph', text: 'No AI pre-annotation was used for the released annotations.' }],
      },
      { heading: 'Tool', blocks: [{ kind: 'facts', rows: [['Annotation platform', `${doc.tool.name} ${doc.tool.version}`]] }] },
    ],
  };
}
