import { getString, readDicomFile } from '@delineate/formats';
import { DelineateError, releaseSplits, type ReleaseSplit } from '@delineate/schema';
import { documentRelease, type DocumentRelease } from './input';
import { word, type Block, type DocumentLayout } from './layout';
import type { ReleaseRecords } from './records';

/** The composition dimensions the document counts, in the order it shows them. */
const dimensions = ['modality', 'manufacturerModel', 'site', 'ageBand', 'sex'] as const;
type Dimension = (typeof dimensions)[number];
const dimensionNames: Record<Dimension, string> = { modality: 'Modality', manufacturerModel: 'Manufacturer and model', site: 'Site (pseudonymised)', ageBand: 'Age band', sex: 'Sex' };
const UNKNOWN = 'not recorded';

export interface CountTable {
  readonly dimension: Dimension;
  /** Per value: items in each split and in total. */
  readonly rows: ReadonlyArray<{ value: string; train: number; validation: number; test: number; total: number }>;
}

export interface DatasetCompositionJson {
  readonly kind: 'dataset_composition';
  readonly release: DocumentRelease;
  readonly splits: ReadonlyArray<{ split: ReleaseSplit; items: number; subjects: number }>;
  readonly counts: readonly CountTable[];
  readonly collectionPeriod: ReadonlyArray<{ split: ReleaseSplit | 'all'; first: string | null; last: string | null; itemsWithDate: number }>;
  readonly inclusion: { included: number; excluded: number; reasons: ReadonlyArray<{ reason: string; items: number }> };
  readonly disjointness: { disjoint: boolean; subjectsInSeveralSplits: number };
  readonly deidentification: {
    readonly projectProfile: string;
    readonly projectOptions: readonly string[];
    readonly records: number;
    readonly applied: ReadonlyArray<{ profile: string; options: readonly string[]; records: number }>;
    readonly statuses: ReadonlyArray<{ status: string; records: number }>;
  };
  readonly gaps: readonly string[];
}

interface ItemFacts {
  readonly split: ReleaseSplit;
  readonly subject: string;
  readonly values: Record<Dimension, string>;
  readonly date: string | null;
}

export async function datasetComposition(records: ReleaseRecords): Promise<DatasetCompositionJson> {
  const { db, input, project, itemIds } = records;
  const rows = itemIds.length
    ? await db
        .selectFrom('items as i')
        .innerJoin('subjects as s', 's.id', 'i.subject_id')
        .leftJoin('series as se', 'se.id', 'i.series_id')
        .leftJoin('slides as sl', 'sl.id', 'i.slide_id')
        .select(['i.id', 's.age_band', 's.sex', 's.site_pseudonym', 'se.id as series_id', 'se.manufacturer', 'se.model', 'sl.scanner'])
        .where('i.id', 'in', itemIds)
        .execute()
    : [];
  const byId = new Map(rows.map((r) => [r.id, r]));
  const facts: ItemFacts[] = [];
  for (const item of input.items) {
    const r = byId.get(item.itemId);
    if (!r) throw new DelineateError('DLN_DOCUMENT_RECORD_MISSING', 'A released item has no subject record');
    // A slide's device is its scanner (the slide scrubber's composition attribute).
    const device = [r.manufacturer, r.model].filter((v): v is string => !!v).join(' ') || (r.scanner ?? '');
    facts.push({
      split: item.split,
      subject: item.subjectPseudonym,
      values: {
        modality: item.modality,
        manufacturerModel: device || UNKNOWN,
        site: r.site_pseudonym ?? UNKNOWN,
        ageBand: r.age_band === 'unknown' ? UNKNOWN : r.age_band,
        sex: r.sex === 'unknown' ? UNKNOWN : word(sexWord(r.sex)),
      },
      date: r.series_id ? await shiftedStudyDate(records, r.series_id) : null,
    });
  }

  const counts = dimensions.map((dimension) => countTable(dimension, facts));
  const deidIds = [...new Set(input.items.flatMap((i) => i.deidRecordIds))];
  const deid = deidIds.length ? await db.selectFrom('deid_records').select(['id', 'project_id', 'profile', 'options', 'status']).where('id', 'in', deidIds).execute() : [];
  if (deid.length !== deidIds.length || deid.some((d) => d.project_id !== project.id)) {
    throw new DelineateError('DLN_DOCUMENT_RECORD_MISSING', 'The release names a de-identification record that is not in its project');
  }
  const subjectsBySplit = new Map<string, Set<ReleaseSplit>>();
  for (const f of facts) subjectsBySplit.set(f.subject, (subjectsBySplit.get(f.subject) ?? new Set()).add(f.split));
  const inSeveral = [...subjectsBySplit.values()].filter((s) => s.size > 1).length;

  return {
    kind: 'dataset_composition',
    release: documentRelease(input),
    splits: releaseSplits.map((split) => ({ split, items: facts.filter((f) => f.split === split).length, subjects: new Set(facts.filter((f) => f.split === split).map((f) => f.subject)).size })),
    counts,
    collectionPeriod: (['all', ...releaseSplits] as const).map((split) => period(split, facts)),
    inclusion: { included: input.items.length, excluded: input.excluded.length, reasons: tally(input.excluded.map((e) => e.reason)).map(([reason, items]) => ({ reason, items })) },
    disjointness: { disjoint: inSeveral === 0, subjectsInSeveralSplits: inSeveral },
    deidentification: {
      projectProfile: project.deid.profile,
      projectOptions: project.deid.options,
      records: deid.length,
      applied: tally(deid.map((d) => JSON.stringify([d.profile, [...d.options].sort()]))).map(([k, n]) => {
        const [profile, options] = JSON.parse(k) as [string, string[]];
        return { profile, options, records: n };
      }),
      statuses: tally(deid.map((d) => d.status)).map(([status, n]) => ({ status, records: n })),
    },
    gaps: gapsOf(counts, facts, input.items.filter((i) => i.deidRecordIds.length === 0).length),
  };
}

function sexWord(sex: string): string {
  return sex === 'F' ? 'female' : sex === 'M' ? 'male' : 'other';
}

/** The study date as the de-identified object carries it: shifted by the subject's offset, never the source date. */
async function shiftedStudyDate(records: ReleaseRecords, seriesId: string): Promise<string | null> {
  const instance = await records.db.selectFrom('instances').select('blob_hash').where('series_id', '=', seriesId).orderBy('instance_number').orderBy('id').limit(1).executeTakeFirst();
  if (!instance) return null;
  let bytes: Uint8Array;
  try {
    bytes = await records.blobs.get(instance.blob_hash);
  } catch (error) {
    if (error instanceof DelineateError && error.code === 'DLN_BLOB_NOT_FOUND') return null;
    throw error;
  }
  try {
    const { dataset } = readDicomFile(bytes);
    const date = [0x00080020, 0x00080021, 0x00080022, 0x00080023].map((t) => getString(dataset, t)?.trim()).find((d) => d && /^\d{8}$/.test(d));
    return date ? `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}` : null;
  } catch {
    return null; // not a DICOM object (a slide pyramid, a video): no study date to report, listed as a gap
  }
}

function countTable(dimension: Dimension, facts: readonly ItemFacts[]): CountTable {
  const values = [...new Set(facts.map((f) => f.values[dimension]))].sort((a, b) => (a === UNKNOWN ? 1 : b === UNKNOWN ? -1 : a < b ? -1 : 1));
  return {
    dimension,
    rows: values.map((value) => {
      const n = (split: ReleaseSplit) => facts.filter((f) => f.split === split && f.values[dimension] === value).length;
      return { value, train: n('train'), validation: n('validation'), test: n('test'), total: facts.filter((f) => f.values[dimension] === value).length };
    }),
  };
}

function period(split: ReleaseSplit | 'all', facts: readonly ItemFacts[]) {
  const dates = facts.filter((f) => split === 'all' || f.split === split).flatMap((f) => (f.date ? [f.date] : [])).sort();
  return { split, first: dates[0] ?? null, last: dates[dates.length - 1] ?? null, itemsWithDate: dates.length };
}

function tally(values: readonly string[]): Array<[string, number]> {
  const m = new Map<string, number>();
  for (const v of values) m.set(v, (m.get(v) ?? 0) + 1);
  return [...m.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
}

/** What a reader should not assume: empty splits, values one split lacks, attributes not recorded. */
function gapsOf(counts: readonly CountTable[], facts: readonly ItemFacts[], withoutDeid: number): string[] {
  const gaps: string[] = [];
  for (const split of releaseSplits) if (!facts.some((f) => f.split === split)) gaps.push(`The ${word(split).toLowerCase()} split holds no items.`);
  for (const table of counts) {
    for (const row of table.rows) {
      if (row.value === UNKNOWN) {
        gaps.push(`${dimensionNames[table.dimension]} is not recorded for ${row.total} item${row.total === 1 ? '' : 's'}.`);
        continue;
      }
      const empty = releaseSplits.filter((s) => facts.some((f) => f.split === s) && row[s] === 0);
      if (empty.length) gaps.push(`${dimensionNames[table.dimension]} "${row.value}" has no items in ${empty.map((s) => word(s).toLowerCase()).join(', ')}.`);
    }
  }
  const undated = facts.filter((f) => !f.date).length;
  if (undated) gaps.push(`No study date could be read for ${undated} item${undated === 1 ? '' : 's'}.`);
  if (withoutDeid) gaps.push(`${withoutDeid} item${withoutDeid === 1 ? ' names' : 's name'} no de-identification record.`);
  return gaps;
}

export function layoutComposition(doc: DatasetCompositionJson): DocumentLayout {
  const countBlocks: Block[] = doc.counts.map((t) => ({
    kind: 'table',
    caption: `Items by ${dimensionNames[t.dimension].toLowerCase()}`,
    columns: [dimensionNames[t.dimension], 'Train', 'Validation', 'Test', 'Total'],
    rows: t.rows.map((r) => [r.value, String(r.train), String(r.validation), String(r.test), String(r.total)]),
  }));
  const d = doc.deidentification;
  return {
    title: 'Dataset composition',
    release: doc.release,
    sections: [
      { heading: 'Splits', blocks: [{ kind: 'table', caption: 'Items and subjects per split', columns: ['Split', 'Items', 'Subjects'], rows: doc.splits.map((s) => [word(s.split), String(s.items), String(s.subjects)]) }] },
      { heading: 'Counts per split', blocks: countBlocks },
      {
        heading: 'Collection period (shifted dates)',
        blocks: [
          { kind: 'paragraph', text: 'Dates are the study dates of the de-identified objects, shifted per subject by the de-identification; they give the span and order of collection, not the calendar dates.' },
          { kind: 'table', caption: 'First and last shifted study date', columns: ['Split', 'First', 'Last', 'Items dated'], rows: doc.collectionPeriod.map((p) => [p.split === 'all' ? 'All' : word(p.split), p.first ?? '—', p.last ?? '—', String(p.itemsWithDate)]) },
        ],
      },
      {
        heading: 'Inclusion and exclusion',
        blocks: [
          { kind: 'facts', rows: [['Items included', String(doc.inclusion.included)], ['Items excluded', String(doc.inclusion.excluded)]] },
          { kind: 'table', caption: 'Reasons for exclusion', columns: ['Reason', 'Items'], rows: doc.inclusion.reasons.map((r) => [r.reason, String(r.items)]) },
        ],
      },
      {
        heading: 'Split disjointness',
        blocks: [{ kind: 'paragraph', text: doc.disjointness.disjoint ? 'Every subject’s items are in one split only.' : `${doc.disjointness.subjectsInSeveralSplits} subjects have items in more than one split.` }],
      },
      {
        heading: 'De-identification',
        blocks: [
          { kind: 'facts', rows: [['Project profile', word(d.projectProfile)], ['Project options', d.projectOptions.join(', ') || 'none'], ['Records behind the released items', String(d.records)]] },
          { kind: 'table', caption: 'Profile and options the records applied', columns: ['Profile', 'Options', 'Records'], rows: d.applied.map((a) => [word(a.profile), a.options.join(', ') || 'none', String(a.records)]) },
          { kind: 'table', caption: 'Record outcomes', columns: ['Outcome', 'Records'], rows: d.statuses.map((s) => [word(s.status), String(s.records)]) },
        ],
      },
      { heading: 'Known gaps', blocks: doc.gaps.length ? doc.gaps.map((g) => ({ kind: 'paragraph' as const, text: g })) : [{ kind: 'paragraph', text: 'None found.' }] },
    ],
  };
}
