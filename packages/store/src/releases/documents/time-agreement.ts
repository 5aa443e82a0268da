import type { ManifestTrack, RevisionRef } from '@delineate/schema';
import type { Kysely } from 'kysely';
import type { BlobStore } from '../../blob/types';
import type { MaskBlobs } from '../../masks/tiled-masks';
import { cardiacAgreementAt, clinicalIndexAgreement, clinicalIndices, type ClinicalIndex } from '../../cardiac/agreement';
import type { CardiacReading } from '../../cardiac/readings';
import { AnnotationRepository } from '../../repositories/annotations';
import type { DB } from '../../sql/tables';
import { videoAgreementOf, type VideoAgreement } from '../../video/agreement';
import { VideoTrackStore } from '../../video/tracks';
import { videoForItem } from '../../video/videos';
import { trackHeads } from '../video-selection';
import { num, type Section } from './layout';

/** What the variability document and the QA dashboard say the cardiac measures are (issue 21). */
export const CARDIAC_AGREEMENT_CONVENTIONS =
  'Dice and HD95 (surfel convention, mm, 3-D over the slices of one phase) per structure in the phases either reader designated end-diastole or end-systole; ' +
  'ED/ES frame disagreement in frames around the cycle. EDV, ESV, EF (LV and RV) and LV mass at end-diastole: Bland–Altman bias (second reader − first), ' +
  'limits of agreement (bias ± 1.96 SD of the differences) and coefficient of variation (SD of the differences ÷ mean of all measurements × 100), over the cines both readers measured.';

/** JSON has no NaN or Infinity: an undefined figure (both masks empty, one case) is null. */
type Finite<T> = T extends number ? number | null : T extends readonly (infer U)[] ? Finite<U>[] : T extends object ? { [K in keyof T]: Finite<T[K]> } : T;
const orNull = (v: number): number | null => (Number.isFinite(v) ? v : null);
function finite<T>(value: T): Finite<T> {
  if (typeof value === 'number') return (Number.isFinite(value) ? value : null) as Finite<T>;
  if (Array.isArray(value)) return value.map(finite) as Finite<T>;
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, finite(v)])) as Finite<T>;
  return value as Finite<T>;
}

export interface CardiacAgreementJson {
  readonly conventions: string;
  readonly items: ReadonlyArray<{
    readonly itemId: string;
    readonly readers: readonly [string, string];
    readonly edFrames: number | null;
    readonly esFrames: number | null;
    readonly structures: ReadonlyArray<{ readonly phase: number; readonly structure: string; readonly dice: number | null; readonly hd95Mm: number | null }>;
  }>;
  readonly indices: ReadonlyArray<{ readonly index: ClinicalIndex; readonly n: number; readonly bias: number | null; readonly lowerLimit: number | null; readonly upperLimit: number | null; readonly coefficientOfVariation: number | null }>;
}

export interface VideoAgreementJson {
  readonly items: ReadonlyArray<{ readonly itemId: string; readonly readers: readonly [string, string] } & Finite<VideoAgreement>>;
}

/** An item as the agreement reads it: a cine's reader revisions, or a video's tracks. */
export interface TimeAgreementItem {
  readonly itemId: string;
  readonly cineReaders?: readonly RevisionRef[];
  readonly videoTracks?: readonly Pick<ManifestTrack, 'trackId' | 'version' | 'authorId'>[];
}

/**
 * Cardiac and video agreement of the items read by two or more readers: every pair of a cine's
 * readers, the clinical indices between its first two readers; a video's first two track authors.
 * Readers are named by `nameOf` (a revision, or a user id for a track's author).
 */
export async function timeAgreement(
  db: Kysely<DB>,
  blobs: MaskBlobs,
  items: readonly TimeAgreementItem[],
  names: { ofRevision(ref: RevisionRef): string; ofUser(id: string | null): string },
): Promise<{ cardiac?: CardiacAgreementJson; video?: VideoAgreementJson }> {
  const annotations = new AnnotationRepository(db, { blobs });
  const cardiacItems: CardiacAgreementJson['items'][number][] = [];
  const cases: Array<readonly [CardiacReading, CardiacReading]> = [];
  const videoItems: VideoAgreementJson['items'][number][] = [];
  for (const item of items) {
    if (item.cineReaders && item.cineReaders.length >= 2) {
      const { readings, pairs } = await cardiacAgreementAt(db, annotations, item.itemId, item.cineReaders);
      cases.push([readings[0]!, readings[1]!]);
      for (const p of pairs) {
        const [a, b] = p.annotationIds.map((id) => names.ofRevision(item.cineReaders!.find((r) => r.annotationId === id)!));
        cardiacItems.push({ itemId: item.itemId, readers: [a!, b!], edFrames: p.edFrames, esFrames: p.esFrames, structures: p.structures.map((s) => ({ phase: s.phase, structure: s.structure, dice: orNull(s.dice), hd95Mm: orNull(s.hd95) })) });
      }
    }
    const authors = [...new Set((item.videoTracks ?? []).map((t) => t.authorId))];
    if (item.videoTracks && authors.length >= 2) {
      const video = await videoForItem(db, item.itemId);
      const tracks = await new VideoTrackStore(db, blobs).atVersions(item.itemId, item.videoTracks);
      const agreement = videoAgreementOf(video, tracks.filter((t) => t.authorId === authors[0]), tracks.filter((t) => t.authorId === authors[1]));
      videoItems.push({ itemId: item.itemId, readers: [names.ofUser(authors[0]!), names.ofUser(authors[1]!)], ...finite(agreement) });
    }
  }
  const indices = clinicalIndexAgreement(cases);
  return {
    ...(cardiacItems.length > 0
      ? {
          cardiac: {
            conventions: CARDIAC_AGREEMENT_CONVENTIONS,
            items: cardiacItems,
            indices: clinicalIndices.map((index) => {
              const i = indices[index];
              return { index, n: i.n, bias: orNull(i.bias), lowerLimit: orNull(i.lowerLimit), upperLimit: orNull(i.upperLimit), coefficientOfVariation: orNull(i.coefficientOfVariation) };
            }),
          },
        }
      : {}),
    ...(videoItems.length > 0 ? { video: { items: videoItems } } : {}),
  };
}

/** The same over a project's current work (the heads), for the QA dashboard. */
export async function projectTimeAgreement(db: Kysely<DB>, blobs: BlobStore, projectId: string): Promise<{ cardiac?: CardiacAgreementJson; video?: VideoAgreementJson }> {
  const rows = await db.selectFrom('items').select(['id', 'kind']).where('project_id', '=', projectId).where('kind', 'in', ['cine_volume', 'frame_range']).orderBy('created_at').orderBy('id').execute();
  const items: TimeAgreementItem[] = [];
  const annotations = new AnnotationRepository(db, { blobs });
  const authorOf = new Map<string, string | null>();
  for (const row of rows) {
    if (row.kind === 'cine_volume') {
      const readers = (await annotations.listForItem(row.id)).filter((a) => a.headVersion > 0);
      const owners = readers.length ? await db.selectFrom('annotations').select(['id', 'created_by']).where('id', 'in', readers.map((a) => a.id)).execute() : [];
      for (const o of owners) authorOf.set(o.id, o.created_by);
      items.push({ itemId: row.id, cineReaders: readers.map((a) => ({ annotationId: a.id, version: a.headVersion })) });
    } else {
      // The heads without their masks: masks are read only for videos two readers drew.
      items.push({ itemId: row.id, videoTracks: await trackHeads(db, row.id) });
    }
  }
  const users = await db.selectFrom('users').select(['id', 'display_name']).where('id', 'in', [...new Set([...authorOf.values(), ...items.flatMap((i) => (i.videoTracks ?? []).map((t) => t.authorId))].filter((id): id is string => id !== null)), '00000000-0000-0000-0000-000000000000']).execute();
  const nameOfUser = (id: string | null) => users.find((u) => u.id === id)?.display_name ?? 'Unknown reader';
  return timeAgreement(db, blobs, items, { ofRevision: (ref) => nameOfUser(authorOf.get(ref.annotationId) ?? null), ofUser: nameOfUser });
}

const structureWords: Readonly<Record<string, string>> = { lv_blood_pool: 'LV blood pool', lv_myocardium: 'LV myocardium', rv_blood_pool: 'RV blood pool' };
const indexWords: Readonly<Record<ClinicalIndex, string>> = {
  lv_edv: 'LV end-diastolic volume (mL)',
  lv_esv: 'LV end-systolic volume (mL)',
  lv_ef: 'LV ejection fraction (%)',
  rv_edv: 'RV end-diastolic volume (mL)',
  rv_esv: 'RV end-systolic volume (mL)',
  rv_ef: 'RV ejection fraction (%)',
  lv_mass_ed: 'LV mass at end-diastole (g)',
};
const frames = (n: number | null) => (n === null ? '—' : String(n));

/** The variability document's sections for cines and videos read twice. */
export function timeAgreementSections(doc: { cardiac?: CardiacAgreementJson; video?: VideoAgreementJson }): Section[] {
  const sections: Section[] = [];
  if (doc.cardiac) {
    const c = doc.cardiac;
    sections.push({
      heading: 'Cardiac cine: contours, phases and clinical indices',
      blocks: [
        { kind: 'paragraph', text: c.conventions },
        {
          kind: 'table',
          caption: 'Per cine and reader pair: Dice and HD95 per structure at the designated phases',
          columns: ['Cine', 'Readers', 'Phase', 'Structure', 'Dice', 'HD95 (mm)'],
          rows: c.items.flatMap((item, k) => item.structures.map((s) => [`Cine ${k + 1}`, `${item.readers[0]} / ${item.readers[1]}`, String(s.phase + 1), structureWords[s.structure] ?? s.structure, num(s.dice), num(s.hd95Mm, 2)])),
        },
        {
          kind: 'table',
          caption: 'End-diastole and end-systole: frames apart between the readers',
          columns: ['Cine', 'Readers', 'ED frames apart', 'ES frames apart'],
          rows: c.items.map((item, k) => [`Cine ${k + 1}`, `${item.readers[0]} / ${item.readers[1]}`, frames(item.edFrames), frames(item.esFrames)]),
        },
        {
          kind: 'table',
          caption: 'Clinical indices between the first two readers (Bland–Altman)',
          columns: ['Index', 'Cines', 'Bias', 'Limits of agreement', 'CoV (%)'],
          rows: c.indices.map((i) => [indexWords[i.index], String(i.n), num(i.bias, 2), `${num(i.lowerLimit, 2)} to ${num(i.upperLimit, 2)}`, num(i.coefficientOfVariation, 1)]),
        },
      ],
    });
  }
  if (doc.video) {
    const items = doc.video.items;
    sections.push({
      heading: 'Endoscopy video: tracks across frames',
      blocks: [
        ...(items[0] ? [{ kind: 'paragraph' as const, text: `Dice on ${items[0].conventions.sampledFrames}. Tracks are ${items[0].conventions.pairing}. Detection: ${items[0].conventions.detection}.` }] : []),
        {
          kind: 'table',
          caption: 'Per video and track pair: Dice on sampled frames and presence-interval IoU',
          columns: ['Video', 'Readers', 'Track', 'Sampled-frame Dice', 'Presence IoU'],
          rows: items.flatMap((item, k) => item.tracks.map((t) => [`Video ${k + 1}`, `${item.readers[0]} / ${item.readers[1]}`, t.name, num(t.dice), num(t.presenceIou)])),
        },
        {
          kind: 'table',
          caption: 'Temporal consistency of each track (consecutive frames)',
          columns: ['Video', 'Reader', 'Track', 'Mean IoU', 'Mean area change', 'Largest area change'],
          rows: items.flatMap((item, k) => item.temporal.map((t) => [`Video ${k + 1}`, item.readers[t.reader === 'a' ? 0 : 1]!, t.name, num(t.meanIou), num(t.meanAreaChange), num(t.maxAreaChange)])),
        },
        {
          kind: 'table',
          caption: 'Lesion-level detection (first reader as reference)',
          columns: ['Video', 'Readers', 'F1', 'Precision', 'Recall', 'Found', 'Extra', 'Missed'],
          rows: items.map((item, k) => [`Video ${k + 1}`, `${item.readers[0]} / ${item.readers[1]}`, num(item.detection.f1), num(item.detection.precision), num(item.detection.recall), String(item.detection.truePositives), String(item.detection.falsePositives), String(item.detection.falseNegatives)]),
        },
      ],
    });
  }
  return sections;
}
