import {
  DelineateError,
  ItemTarget,
  parseOrThrow,
  type AgeBand,
  type Instance,
  type Item,
  type Modality,
  type Series,
  type Sex,
  type Study,
  type Subject,
} from '@delineate/schema';
import type { Kysely, Selectable } from 'kysely';
import type { DB, ItemsTable } from '../sql/tables';
import { translated } from './db-errors';

export interface CreateSubjectInput {
  projectId: string;
  pseudonym: string;
  ageBand: AgeBand;
  sex: Sex;
  sitePseudonym?: string | null;
}

export interface CreateSeriesInput {
  studyId: string;
  seriesInstanceUid: string;
  modality: Modality;
  manufacturer?: string | null;
  model?: string | null;
  fieldStrength?: number | null;
  sliceThickness?: number | null;
}

export interface AddInstanceInput {
  seriesId: string;
  sopInstanceUid: string;
  instanceNumber: number | null;
  blobHash: string;
  /** SOP Class UID: an image, or a non-image object of the study (SR, RT Structure Set…). */
  sopClassUid?: string | null;
}

/** Where an instance is recorded: its series and project, and the address of its bytes. */
export interface RecordedInstance {
  seriesId: string;
  projectId: string;
  blobHash: string;
}

export interface CreateItemInput {
  projectId: string;
  subjectId: string;
  target: ItemTarget;
}

/** The imaging hierarchy (subject → study → series → instance) and the items tasks point at. */
export class ItemRepository {
  readonly #db: Kysely<DB>;

  constructor(db: Kysely<DB>) {
    this.#db = db;
  }

  async createSubject(input: CreateSubjectInput): Promise<Subject> {
    const row = await translated(() =>
      this.#db
        .insertInto('subjects')
        .values({
          project_id: input.projectId,
          pseudonym: input.pseudonym,
          age_band: input.ageBand,
          sex: input.sex,
          site_pseudonym: input.sitePseudonym ?? null,
        })
        .returningAll()
        .executeTakeFirstOrThrow(),
    );
    return {
      id: row.id,
      projectId: row.project_id,
      pseudonym: row.pseudonym,
      ageBand: row.age_band as AgeBand,
      sex: row.sex as Sex,
      sitePseudonym: row.site_pseudonym,
      createdAt: row.created_at.toISOString(),
    };
  }

  async createStudy(input: { subjectId: string; studyInstanceUid: string }): Promise<Study> {
    const row = await translated(() =>
      this.#db
        .insertInto('studies')
        .values({ subject_id: input.subjectId, study_instance_uid: input.studyInstanceUid })
        .returningAll()
        .executeTakeFirstOrThrow(),
    );
    return { id: row.id, subjectId: row.subject_id, studyInstanceUid: row.study_instance_uid, createdAt: row.created_at.toISOString() };
  }

  async createSeries(input: CreateSeriesInput): Promise<Series> {
    const row = await translated(() =>
      this.#db
        .insertInto('series')
        .values({
          study_id: input.studyId,
          series_instance_uid: input.seriesInstanceUid,
          modality: input.modality,
          manufacturer: input.manufacturer ?? null,
          model: input.model ?? null,
          field_strength: input.fieldStrength ?? null,
          slice_thickness: input.sliceThickness ?? null,
        })
        .returningAll()
        .executeTakeFirstOrThrow(),
    );
    return toSeries(row);
  }

  async getSeries(id: string): Promise<Series> {
    const row = await translated(() => this.#db.selectFrom('series').selectAll().where('id', '=', id).executeTakeFirst());
    if (!row) throw new DelineateError('DLN_NOT_FOUND', 'Series not found');
    return toSeries(row);
  }

  /** Adds instances and updates the series' instance count in one transaction. */
  async addInstances(instances: readonly AddInstanceInput[]): Promise<Instance[]> {
    if (instances.length === 0) return [];
    // Inside a caller's transaction (ingest records a whole series atomically) reuse it.
    const inTransaction = <T>(fn: (tx: Kysely<DB>) => Promise<T>): Promise<T> =>
      this.#db.isTransaction ? fn(this.#db) : this.#db.transaction().execute(fn);
    return translated(() =>
      inTransaction(async (tx) => {
        const rows = await tx
          .insertInto('instances')
          .values(
            instances.map((i) => ({
              series_id: i.seriesId,
              sop_instance_uid: i.sopInstanceUid,
              instance_number: i.instanceNumber,
              blob_hash: i.blobHash,
              sop_class_uid: i.sopClassUid ?? null,
            })),
          )
          .returningAll()
          .execute();
        for (const seriesId of new Set(instances.map((i) => i.seriesId))) {
          const count = instances.filter((i) => i.seriesId === seriesId).length;
          await tx
            .updateTable('series')
            .set((eb) => ({ instance_count: eb('instance_count', '+', count) }))
            .where('id', '=', seriesId)
            .execute();
        }
        return rows.map((r) => ({
          id: r.id,
          seriesId: r.series_id,
          sopInstanceUid: r.sop_instance_uid,
          instanceNumber: r.instance_number,
          blobHash: r.blob_hash,
        }));
      }),
    );
  }

  /** The instance recorded under a SOP Instance UID, in any project (the UID is unique platform-wide). */
  async findInstance(sopInstanceUid: string): Promise<RecordedInstance | undefined> {
    const row = await translated(() =>
      this.#db
        .selectFrom('instances')
        .innerJoin('series', 'series.id', 'instances.series_id')
        .innerJoin('studies', 'studies.id', 'series.study_id')
        .innerJoin('subjects', 'subjects.id', 'studies.subject_id')
        .select(['instances.series_id', 'instances.blob_hash', 'subjects.project_id'])
        .where('instances.sop_instance_uid', '=', sopInstanceUid)
        .executeTakeFirst(),
    );
    return row ? { seriesId: row.series_id, projectId: row.project_id, blobHash: row.blob_hash } : undefined;
  }

  /** A study or series recorded under a UID, with the project it belongs to (UIDs are unique platform-wide). */
  async findStudy(studyInstanceUid: string): Promise<{ id: string; projectId: string } | undefined> {
    const row = await translated(() =>
      this.#db
        .selectFrom('studies')
        .innerJoin('subjects', 'subjects.id', 'studies.subject_id')
        .select(['studies.id', 'subjects.project_id'])
        .where('studies.study_instance_uid', '=', studyInstanceUid)
        .executeTakeFirst(),
    );
    return row ? { id: row.id, projectId: row.project_id } : undefined;
  }

  async findSeries(seriesInstanceUid: string): Promise<{ id: string; studyId: string; projectId: string; isVolume: boolean } | undefined> {
    const row = await translated(() =>
      this.#db
        .selectFrom('series')
        .innerJoin('studies', 'studies.id', 'series.study_id')
        .innerJoin('subjects', 'subjects.id', 'studies.subject_id')
        .select(['series.id', 'series.study_id', 'series.rows', 'subjects.project_id'])
        .where('series.series_instance_uid', '=', seriesInstanceUid)
        .executeTakeFirst(),
    );
    return row ? { id: row.id, studyId: row.study_id, projectId: row.project_id, isVolume: row.rows !== null } : undefined;
  }

  /** Instances of a series in instance-number order. */
  async listInstances(seriesId: string): Promise<Instance[]> {
    const rows = await translated(() =>
      this.#db
        .selectFrom('instances')
        .selectAll()
        .where('series_id', '=', seriesId)
        .orderBy('instance_number')
        .orderBy('sop_instance_uid')
        .execute(),
    );
    return rows.map((r) => ({ id: r.id, seriesId: r.series_id, sopInstanceUid: r.sop_instance_uid, instanceNumber: r.instance_number, blobHash: r.blob_hash }));
  }

  async createItem(input: CreateItemInput): Promise<Item> {
    const target = parseOrThrow(ItemTarget, input.target);
    const row = await translated(() =>
      this.#db
        .insertInto('items')
        .values({
          project_id: input.projectId,
          subject_id: input.subjectId,
          kind: target.kind,
          series_id: target.kind === 'series_volume' || target.kind === 'photo' || target.kind === 'cine_volume' ? target.seriesId : null,
          slide_id: target.kind === 'slide_region' ? target.slideId : null,
          video_id: target.kind === 'frame_range' ? target.videoId : null,
          region_x: target.kind === 'slide_region' ? target.region.x : null,
          region_y: target.kind === 'slide_region' ? target.region.y : null,
          region_width: target.kind === 'slide_region' ? target.region.width : null,
          region_height: target.kind === 'slide_region' ? target.region.height : null,
          first_frame: target.kind === 'frame_range' ? target.firstFrame : null,
          last_frame: target.kind === 'frame_range' ? target.lastFrame : null,
        })
        .returningAll()
        .executeTakeFirstOrThrow(),
    );
    return toItem(row);
  }

  async getItem(id: string): Promise<Item> {
    const row = await translated(() => this.#db.selectFrom('items').selectAll().where('id', '=', id).executeTakeFirst());
    if (!row) throw new DelineateError('DLN_NOT_FOUND', 'Item not found');
    return toItem(row);
  }

  async listItems(projectId: string): Promise<Item[]> {
    const rows = await translated(() =>
      this.#db.selectFrom('items').selectAll().where('project_id', '=', projectId).orderBy('created_at').orderBy('id').execute(),
    );
    return rows.map(toItem);
  }
}

function toSeries(row: Selectable<DB['series']>): Series {
  return {
    id: row.id,
    studyId: row.study_id,
    seriesInstanceUid: row.series_instance_uid,
    modality: row.modality as Modality,
    manufacturer: row.manufacturer,
    model: row.model,
    fieldStrength: row.field_strength,
    sliceThickness: row.slice_thickness,
    instanceCount: row.instance_count,
    createdAt: row.created_at.toISOString(),
  };
}

export function toItem(row: Selectable<ItemsTable>): Item {
  return {
    id: row.id,
    projectId: row.project_id,
    subjectId: row.subject_id,
    target: itemTarget(row),
    createdAt: row.created_at.toISOString(),
  };
}

function itemTarget(row: Selectable<ItemsTable>): ItemTarget {
  // The table's CHECK guarantees the columns each kind needs are present.
  switch (row.kind) {
    case 'series_volume':
      return { kind: 'series_volume', seriesId: row.series_id ?? '' };
    case 'cine_volume':
      return { kind: 'cine_volume', seriesId: row.series_id ?? '' };
    case 'slide_region':
      return {
        kind: 'slide_region',
        slideId: row.slide_id ?? '',
        region: { x: row.region_x ?? 0, y: row.region_y ?? 0, width: row.region_width ?? 0, height: row.region_height ?? 0 },
      };
    case 'photo':
      return { kind: 'photo', seriesId: row.series_id ?? '' };
    default:
      return { kind: 'frame_range', videoId: row.video_id ?? '', firstFrame: row.first_frame ?? 0, lastFrame: row.last_frame ?? 0 };
  }
}
