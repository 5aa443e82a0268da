import { labelAgreement, overlapCounts, selectLabel, surfaceDistances, surfaceMetrics, type Grid } from '@delineate/core';
import type { ConsensusMethod, RevisionRef } from '@delineate/schema';
import { regionAgreementsOf, type RegionAgreement } from '../../pathology/agreement';
import { listAgreements } from '../../workflow/agreement';
import { itemGrid } from '../../workflow/grid';
import { finiteOrNull, readLabelVolume, valuesPresent, WORKFLOW_SURFACE_CONVENTION } from '../../workflow/metrics';
import { workflowDb } from '../../workflow/tables';
import { documentRelease, type DocumentRelease } from './input';
import { ophthalmicAgreementOf, ophthalmicSection, type OphthalmicAgreement } from './ophthalmic-agreement';
import { num, withCi, word, yesNo, type Block, type DocumentLayout, type StripRow } from './layout';
import { userNames, type ReleaseRecords } from './records';
import { BOOTSTRAP, cohenKappa, meanWithCi, type MeanWithCi } from './statistics';
import { targetMeasurement, targetSection, targetStatistics, TARGET_AGREEMENT_CONVENTIONS, type TargetMeasurement, type TargetStatistics } from './target-agreement';
import { timeAgreement, timeAgreementSections, type CardiacAgreementJson, type VideoAgreementJson } from './time-agreement';

/** Surface Dice tolerance: one millimetre, the core's default, stated in the document. */
export const SURFACE_DICE_TOLERANCE_MM = 1;

export interface PairMeasurement {
  readonly itemId: string;
  readonly labelKey: string;
  readonly readers: readonly [string, string];
  readonly dice: number | null;
  readonly hd95Mm: number | null;
  readonly surfaceDice: number | null;
  readonly cohenKappa: number | null;
}

export interface PairStatistics {
  readonly n: number;
  readonly dice: MeanWithCi;
  readonly hd95Mm: MeanWithCi;
  readonly surfaceDice: MeanWithCi;
  readonly cohenKappa: MeanWithCi;
}

export interface InterObserverVariabilityJson {
  readonly kind: 'inter_observer_variability';
  readonly release: DocumentRelease;
  readonly sampling: { fraction: number; readersPerItem: number; blinded: boolean; seed: number; multiplyReadItems: number; drawnBySample: number };
  readonly conventions: { surfaceDistance: string; surfaceDiceToleranceMm: number; hd95: string; kappa: string; confidenceInterval: string };
  readonly thresholds: { dice: number; fleissKappa: number };
  readonly labels: ReadonlyArray<{ labelKey: string; labelName: string; fleissKappa: MeanWithCi; meanPairDice: MeanWithCi; category: 'high' | 'low' } & PairStatistics>;
  readonly pairs: ReadonlyArray<{ labelKey: string; labelName: string; readers: readonly [string, string] } & PairStatistics>;
  readonly measurements: readonly PairMeasurement[];
  /** Radiotherapy targets only (issue 23): volume ratio, conformity indices, added path length; absent when the release has none. */
  readonly targets?: { readonly conventions: string; readonly labels: readonly TargetStatistics[]; readonly measurements: readonly TargetMeasurement[] };
  readonly resolution: {
    consensusMethods: ReadonlyArray<{ method: ConsensusMethod; items: number }>;
    expertReviewedItems: number;
    /** STAPLE's estimate of each reader, from the workflow's agreement results on the same reader revisions. */
    staple: ReadonlyArray<{ labelKey: string; labelName: string; reader: string; items: number; sensitivity: number | null; specificity: number | null }>;
  };
  /** Slide regions among the released items (issue 17): detections, counts and tissue per reader pair. Absent when none. */
  readonly pathology?: readonly RegionAgreement[];
  /** Cardiac cines read twice (issue 21): contours at ED/ES, frame disagreement, clinical indices. Absent when none. */
  readonly cardiac?: CardiacAgreementJson;
  /** Videos whose tracks two readers drew (issue 21). Absent when none. */
  readonly video?: VideoAgreementJson;
  /** OCT boundaries and fundus disc and cup (issue 20), in clinical units. Absent when the release has neither. */
  readonly ophthalmology?: OphthalmicAgreement;
}

export async function interObserverVariability(records: ReleaseRecords): Promise<InterObserverVariabilityJson> {
  const { db, blobs, input, config, labelSchema } = records;
  const readItems = input.items.filter((i) => i.consensus !== null);
  const readerOf = await readerIds(records, readItems.flatMap((i) => i.consensus?.readers ?? []));
  const trackAuthors = input.items.flatMap((i) => (i.videoTracks ?? []).flatMap((t) => (t.authorId ? [t.authorId] : [])));
  const names = distinctNames(await userNames(db, [...readerOf.values(), ...trackAuthors]));
  const nameOf = (ref: RevisionRef): string => names.get(readerOf.get(key(ref)) ?? '') ?? 'Unknown reader';

  const measurements: PairMeasurement[] = [];
  const fleiss = new Map<string, Array<number | null>>();
  const itemMeanDice = new Map<string, Array<number | null>>();
  const targetMeasurements: TargetMeasurement[] = [];
  for (const item of readItems) {
    const readers = item.consensus?.readers ?? [];
    const grid = await itemGrid(db, item.itemId);
    const volumes: Uint8Array[] = [];
    for (const ref of readers) volumes.push(await readLabelVolume(db, blobs, ref, grid));
    const present = new Set(volumes.flatMap((v) => [...valuesPresent(v)]));
    for (const label of labelSchema.labels) {
      if (!present.has(label.value)) continue;
      const here: PairMeasurement[] = [];
      for (let a = 0; a < volumes.length; a++)
        for (let b = a + 1; b < volumes.length; b++) {
          const pair = [nameOf(readers[a]!), nameOf(readers[b]!)].sort() as [string, string];
          here.push({ itemId: item.itemId, labelKey: label.key, readers: pair, ...pairMetrics(grid, volumes[a]!, volumes[b]!, label.value) });
        }
      measurements.push(...here);
      const target = targetMeasurement(item.itemId, grid, volumes, label, labelSchema.labels);
      if (target) targetMeasurements.push(target);
      const kappa = labelAgreement(volumes.map((data) => ({ grid, data })), label.value, { kind: 'image' }).fleissKappa;
      fleiss.set(label.key, [...(fleiss.get(label.key) ?? []), finiteOrNull(kappa)]);
      itemMeanDice.set(label.key, [...(itemMeanDice.get(label.key) ?? []), meanWithCi(here.map((m) => m.dice)).mean]);
    }
  }

  const labels = labelSchema.labels
    .filter((l) => fleiss.has(l.key))
    .map((l) => {
      const own = measurements.filter((m) => m.labelKey === l.key);
      const meanPairDice = meanWithCi(itemMeanDice.get(l.key) ?? []);
      const fleissKappa = meanWithCi(fleiss.get(l.key) ?? []);
      const high = meanPairDice.mean !== null && fleissKappa.mean !== null && meanPairDice.mean >= config.agreementThresholds.dice && fleissKappa.mean >= config.agreementThresholds.fleissKappa;
      return { labelKey: l.key, labelName: l.name, ...statisticsOf(own), meanPairDice, fleissKappa, category: high ? ('high' as const) : ('low' as const) };
    });
  const pairKeys = [...new Set(measurements.map((m) => `${m.labelKey}\u0000${m.readers[0]}\u0000${m.readers[1]}`))];
  const labelOrder = new Map(labelSchema.labels.map((l, i) => [l.key, i]));
  const pairs = pairKeys
    .map((k) => {
      const [labelKey = '', a = '', b = ''] = k.split('\u0000');
      const own = measurements.filter((m) => m.labelKey === labelKey && m.readers[0] === a && m.readers[1] === b);
      return { labelKey, labelName: labelSchema.labels.find((l) => l.key === labelKey)?.name ?? labelKey, readers: [a, b] as const, ...statisticsOf(own) };
    })
    .sort((x, y) => (labelOrder.get(x.labelKey) ?? 0) - (labelOrder.get(y.labelKey) ?? 0) || (x.readers.join() < y.readers.join() ? -1 : 1));

  const readIds = readItems.map((i) => i.itemId);
  const w = workflowDb(db);
  const drawn = readIds.length ? await w.selectFrom('workflow_samples').select('item_id').where('item_id', 'in', readIds).where('sampled', '=', true).execute() : [];
  const expert = readIds.length
    ? await w
        .selectFrom('workflow_reviews as wr')
        .innerJoin('workflow_tasks as wt', 'wt.task_id', 'wr.task_id')
        .select('wt.item_id')
        .distinct()
        .where('wr.stage', '=', 'expert_review')
        .where('wt.item_id', 'in', readIds)
        .execute()
    : [];
  const pathology = await regionAgreementsOf(db, blobs, input.items.map((i) => i.itemId));
  const cines = new Set(readIds.length ? (await db.selectFrom('items').select('id').where('id', 'in', readIds).where('kind', '=', 'cine_volume').execute()).map((r) => r.id) : []);
  const time = await timeAgreement(
    db,
    blobs,
    input.items.map((i) => ({ itemId: i.itemId, ...(cines.has(i.itemId) && i.consensus ? { cineReaders: i.consensus.readers } : {}), ...(i.videoTracks ? { videoTracks: i.videoTracks } : {}) })),
    { ofRevision: nameOf, ofUser: (id) => names.get(id ?? '') ?? 'Unknown reader' },
  );
  const ophthalmology = await ophthalmicAgreementOf(records);
  const methods = new Map<ConsensusMethod, number>();
  for (const item of readItems) if (item.consensus) methods.set(item.consensus.method, (methods.get(item.consensus.method) ?? 0) + 1);

  return {
    kind: 'inter_observer_variability',
    release: documentRelease(input),
    sampling: { ...config.agreementSampling, seed: config.samplingSeed, multiplyReadItems: readItems.length, drawnBySample: drawn.length },
    conventions: {
      surfaceDistance: WORKFLOW_SURFACE_CONVENTION,
      surfaceDiceToleranceMm: SURFACE_DICE_TOLERANCE_MM,
      hd95: '95th percentile of surface distances per direction, the larger of the two, in mm',
      kappa: "Cohen's kappa per reader pair and Fleiss' kappa over all readers, label against background, every voxel of the item",
      confidenceInterval: `95 % percentile bootstrap of the mean over items, ${BOOTSTRAP.resamples} resamples, seed ${BOOTSTRAP.seed}`,
    },
    thresholds: config.agreementThresholds,
    labels,
    pairs,
    measurements,
    ...(targetMeasurements.length > 0
      ? { targets: { conventions: TARGET_AGREEMENT_CONVENTIONS, labels: targetStatistics(targetMeasurements, labelSchema.labels), measurements: targetMeasurements } }
      : {}),
    resolution: {
      consensusMethods: [...methods.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([method, items]) => ({ method, items })),
      expertReviewedItems: expert.length,
      staple: await stapleEstimates(records, nameOf),
    },
    ...(pathology.length > 0 ? { pathology } : {}),
    ...time,
    ...(ophthalmology ? { ophthalmology } : {}),
  };
}

/**
 * Per label and reader, the mean STAPLE sensitivity and specificity over the items whose stored
 * agreement result used exactly the manifest's reader revisions (a result on other revisions
 * describes other masks and is left out).
 */
async function stapleEstimates(records: ReleaseRecords, nameOf: (ref: RevisionRef) => string): Promise<InterObserverVariabilityJson['resolution']['staple']> {
  const readersOf = new Map(records.input.items.flatMap((i) => (i.consensus ? [[i.itemId, i.consensus.readers.map(key).join()] as const] : [])));
  const rows = (await listAgreements(records.db, { projectId: records.input.projectId })).filter((a) => readersOf.get(a.itemId) === a.inputs.map(key).join());
  const byReader = new Map<string, { labelKey: string; reader: string; sensitivity: number[]; specificity: number[] }>();
  for (const row of rows) {
    row.inputs.forEach((ref, i) => {
      const reader = nameOf(ref);
      const k = `${row.labelKey}\u0000${reader}`;
      const entry = byReader.get(k) ?? { labelKey: row.labelKey, reader, sensitivity: [], specificity: [] };
      entry.sensitivity.push(row.staple.sensitivity[i] ?? NaN);
      entry.specificity.push(row.staple.specificity[i] ?? NaN);
      byReader.set(k, entry);
    });
  }
  const order = new Map(records.labelSchema.labels.map((l, i) => [l.key, i]));
  return [...byReader.values()]
    .sort((a, b) => (order.get(a.labelKey) ?? 0) - (order.get(b.labelKey) ?? 0) || (a.reader < b.reader ? -1 : 1))
    .map((e) => ({
      labelKey: e.labelKey,
      labelName: records.labelSchema.labels.find((l) => l.key === e.labelKey)?.name ?? e.labelKey,
      reader: e.reader,
      items: e.sensitivity.length,
      sensitivity: meanWithCi(e.sensitivity).mean,
      specificity: meanWithCi(e.specificity).mean,
    }));
}

/** Readers are grouped by name in the document, so two people of one name get numbered apart. */
export function distinctNames(names: ReadonlyMap<string, string>): Map<string, string> {
  const seen = new Map<string, number>();
  const out = new Map<string, string>();
  for (const [id, name] of [...names.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const n = (seen.get(name) ?? 0) + 1;
    seen.set(name, n);
    out.set(id, n === 1 ? name : `${name} (${n})`);
  }
  return out;
}

function key(ref: RevisionRef): string {
  return `${ref.annotationId}/${ref.version}`;
}

/** Who drew each reader revision: its author, or the annotation's owner for a model's draft. */
async function readerIds(records: ReleaseRecords, refs: readonly RevisionRef[]): Promise<Map<string, string>> {
  const ids = [...new Set(refs.map((r) => r.annotationId))];
  if (ids.length === 0) return new Map();
  const rows = await records.db
    .selectFrom('revisions as r')
    .innerJoin('annotations as a', 'a.id', 'r.annotation_id')
    .select(['r.annotation_id', 'r.version', 'r.author_user_id', 'a.created_by'])
    .where('r.annotation_id', 'in', ids)
    .execute();
  const out = new Map<string, string>();
  for (const r of rows) {
    const who = r.author_user_id ?? r.created_by;
    if (who) out.set(`${r.annotation_id}/${r.version}`, who);
  }
  return out;
}

function pairMetrics(grid: Grid, reference: Uint8Array, test: Uint8Array, value: number): Omit<PairMeasurement, 'itemId' | 'labelKey' | 'readers'> {
  const a = selectLabel({ grid, data: reference }, value);
  const b = selectLabel({ grid, data: test }, value);
  const c = overlapCounts(a, b);
  const sizes = 2 * c.truePositive + c.falsePositive + c.falseNegative;
  const surface = surfaceMetrics(surfaceDistances(a, b, WORKFLOW_SURFACE_CONVENTION), { percentile: 95, tolerancesMm: [SURFACE_DICE_TOLERANCE_MM] });
  return {
    dice: sizes === 0 ? null : (2 * c.truePositive) / sizes,
    hd95Mm: finiteOrNull(surface.hausdorffPercentile),
    surfaceDice: finiteOrNull(surface.surfaceDice[0]?.value ?? NaN),
    cohenKappa: cohenKappa(c),
  };
}

function statisticsOf(ms: readonly PairMeasurement[]): PairStatistics {
  return {
    n: ms.length,
    dice: meanWithCi(ms.map((m) => m.dice)),
    hd95Mm: meanWithCi(ms.map((m) => m.hd95Mm)),
    surfaceDice: meanWithCi(ms.map((m) => m.surfaceDice)),
    cohenKappa: meanWithCi(ms.map((m) => m.cohenKappa)),
  };
}

function strip(label: string, values: readonly (number | null)[], stat: MeanWithCi, axis: [number, number], unit: string): StripRow {
  return { label, axisMin: axis[0], axisMax: axis[1], unit, values: values.filter((v): v is number => v !== null), mean: stat.mean, ci: stat.ci };
}

export function layoutVariability(doc: InterObserverVariabilityJson): DocumentLayout {
  const s = doc.sampling;
  const perLabel: Block[] = doc.labels.flatMap((l): Block[] => {
    const own = doc.measurements.filter((m) => m.labelKey === l.labelKey);
    const hdMax = Math.max(1, Math.ceil(Math.max(0, ...own.map((m) => m.hd95Mm ?? 0))));
    return [
      {
        kind: 'facts',
        rows: [
          ['Label', l.labelName],
          ['Items compared', String(l.fleissKappa.n)],
          ['Mean pairwise Dice', withCi(l.meanPairDice.mean, l.meanPairDice.ci)],
          ["Fleiss' κ", withCi(l.fleissKappa.mean, l.fleissKappa.ci)],
          ['Agreement', `${word(l.category)} (thresholds: Dice ${doc.thresholds.dice}, κ ${doc.thresholds.fleissKappa})`],
        ],
      },
      {
        kind: 'plot',
        plot: {
          title: `${l.labelName}: distribution over reader pairs and items`,
          rows: [
            strip('Dice', own.map((m) => m.dice), l.dice, [0, 1], ''),
            strip(`Surface Dice (${doc.conventions.surfaceDiceToleranceMm} mm)`, own.map((m) => m.surfaceDice), l.surfaceDice, [0, 1], ''),
            strip("Cohen's κ", own.map((m) => m.cohenKappa), l.cohenKappa, [-1, 1], ''),
            strip('HD95', own.map((m) => m.hd95Mm), l.hd95Mm, [0, hdMax], 'mm'),
          ],
        },
      },
    ];
  });
  return {
    title: 'Inter-observer variability',
    release: doc.release,
    sections: [
      {
        heading: 'How multiply-read items were sampled',
        blocks: [
          {
            kind: 'facts',
            rows: [
              ['Sampled fraction of each batch', `${(s.fraction * 100).toFixed(1)} % (seeded draw, seed ${s.seed})`],
              ['Readers per sampled item', String(s.readersPerItem)],
              ['Readers blinded to each other', yesNo(s.blinded)],
              ['Multiply-read items in the release', String(s.multiplyReadItems)],
              ['Of these, drawn by the agreement sample', String(s.drawnBySample)],
            ],
          },
        ],
      },
      {
        heading: 'Measures',
        blocks: [
          {
            kind: 'facts',
            rows: [
              ['Surface distances', `${doc.conventions.surfaceDistance} convention`],
              ['HD95', doc.conventions.hd95],
              ['Surface Dice tolerance', `${doc.conventions.surfaceDiceToleranceMm} mm`],
              ['κ', doc.conventions.kappa],
              ['Confidence intervals', doc.conventions.confidenceInterval],
            ],
          },
        ],
      },
      {
        heading: 'Per label and reader pair',
        blocks: [
          {
            kind: 'table',
            caption: 'Mean (95 % CI) over the items both readers read',
            columns: ['Label', 'Readers', 'Items', 'Dice', 'HD95 (mm)', 'Surface Dice', "Cohen's κ"],
            rows: doc.pairs.map((p) => [p.labelName, `${p.readers[0]} / ${p.readers[1]}`, String(p.n), withCi(p.dice.mean, p.dice.ci), withCi(p.hd95Mm.mean, p.hd95Mm.ci, 2), withCi(p.surfaceDice.mean, p.surfaceDice.ci), withCi(p.cohenKappa.mean, p.cohenKappa.ci)]),
          },
        ],
      },
      ...(doc.targets ? [targetSection(doc.targets.labels)] : []),
      { heading: 'Per label: agreement category and distributions', blocks: perLabel.length ? perLabel : [{ kind: 'paragraph', text: 'No multiply-read items are in this release.' }] },
      ...(doc.pathology ? [pathologySection(doc.pathology)] : []),
      ...timeAgreementSections(doc),
      ...(doc.ophthalmology ? [ophthalmicSection(doc.ophthalmology)] : []),
      {
        heading: 'How disagreements were resolved',
        blocks: [
          {
            kind: 'facts',
            rows: [
              ['Consensus', doc.resolution.consensusMethods.map((m) => `${word(m.method)}: ${m.items} items`).join('; ') || 'none'],
              ['Multiply-read items that went to expert review', String(doc.resolution.expertReviewedItems)],
              ['Lowest single-pair Dice', num(Math.min(...doc.measurements.map((m) => m.dice ?? Infinity)))],
            ],
          },
          {
            kind: 'table',
            caption: "STAPLE's estimate of each reader (mean over the items its consensus was computed on)",
            columns: ['Label', 'Reader', 'Items', 'Sensitivity', 'Specificity'],
            rows: doc.resolution.staple.map((r) => [r.labelName, r.reader, String(r.items), num(r.sensitivity), num(r.specificity)]),
          },
        ],
      },
    ],
  };
}

/** Slide regions: detections matched within each class's radius, counts per field, tissue at the task's magnification. */
export function pathologySection(regions: readonly RegionAgreement[]): { heading: string; blocks: Block[] } {
  const readerName = (i: number) => `Reader ${i + 1}`;
  return {
    heading: 'Slide regions: cells and tissue',
    blocks: [
      {
        kind: 'paragraph',
        text: "Detections of each reader pair are matched one to one within the class's radius (shortest distances first, ties to the earlier mark); F1 = 2 × matched / (marks of both). Count agreement is ICC(A,1): two-way random effects, absolute agreement, single reader, over the counts per field. Tissue Dice compares both masks sampled at the task's magnification.",
      },
      {
        kind: 'table',
        caption: 'Cells per region, class and reader pair',
        columns: ['Region', 'Class', 'Radius (µm)', 'Readers', 'Matched', 'Precision', 'Recall', 'F1', 'Count ICC(A,1)', 'Consensus points'],
        rows: regions.flatMap((r, k) =>
          r.cells.flatMap((c) =>
            c.pairs.map((p) => [`Region ${k + 1}`, c.className, num(c.radiusUm, 1), `${readerName(p.a)} / ${readerName(p.b)}`, String(p.matched), num(p.precision), num(p.recall), num(p.f1), num(c.countIcc), String(c.consensus.length)]),
          ),
        ),
      },
      {
        kind: 'table',
        caption: "Tissue Dice per region, class and reader pair, at the task's magnification",
        columns: ['Region', 'Class', 'Magnification', 'Readers', 'Dice'],
        rows: regions.flatMap((r, k) => r.tissue.flatMap((t) => t.pairs.map((p) => [`Region ${k + 1}`, t.labelName, `${t.magnification}×`, `${readerName(p.a)} / ${readerName(p.b)}`, num(p.dice)]))),
      },
    ],
  };
}
