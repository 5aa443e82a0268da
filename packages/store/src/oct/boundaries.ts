import {
  decodeBoundarySet,
  encodeBoundarySet,
  findBoundaryOrderViolation,
  octBoundaryConcepts,
  octMeasures,
  type BoundarySet,
  type OctGeometry,
  type OctMeasures,
} from '@delineate/core';
import { DelineateError, type OctBoundaryRevision, type OctBoundarySource, type OctSource, type OctVolume } from '@delineate/schema';
import type { Kysely } from 'kysely';
import { blobAddress } from '../blob/address';
import type { BlobStore } from '../blob/types';
import type { Clock } from '../repositories/annotations';
import { translated } from '../repositories/db-errors';
import type { DB } from '../sql/tables';
import { withTransaction } from '../sql/transaction';
import { assertAnnotationWritable } from '../workflow/access';
import { octDb, type OctBoundaryRevisionsTable } from './tables';

export interface SaveBoundariesInput {
  annotationId: string;
  /** The head version the client edited (0 before the first revision). */
  expectedVersion: number;
  idempotencyKey?: string | undefined;
  /** Null for an import made by the platform itself. */
  authorUserId: string | null;
  source: OctBoundarySource;
  /** The boundary set in the core's binary layout. */
  bytes: Uint8Array;
}

export interface SavedBoundaries {
  revision: OctBoundaryRevision;
  measures: OctMeasures;
  replayed: boolean;
}

function toRevision(row: Pick<OctBoundaryRevisionsTable, 'annotation_id' | 'version' | 'parent_version' | 'author_user_id' | 'source' | 'blob_hash'> & { created_at: Date }): OctBoundaryRevision {
  return {
    annotationId: row.annotation_id,
    version: row.version,
    parentVersion: row.parent_version,
    authorUserId: row.author_user_id,
    source: row.source,
    blobHash: row.blob_hash,
    createdAt: row.created_at.toISOString(),
  };
}

/** JSON keeps NaN as null: an empty sector reads back as null, never as 0. */
function measuresJson(measures: OctMeasures): string {
  return JSON.stringify(measures, (_key, value: unknown) => (typeof value === 'number' && !Number.isFinite(value) ? null : value));
}

export function geometryOf(volume: OctVolume): OctGeometry {
  const { bscans, ascans, rows, ascanSpacingUm, bscanSpacingUm, axialUmPerPixel, laterality } = volume;
  return { bscans, ascans, rows, ascanSpacingUm, bscanSpacingUm, axialUmPerPixel, laterality };
}

/**
 * OCT volumes and their boundary revisions (issue 20 §2). A revision is one blob in the core's
 * boundary layout, checked (shape, states, boundary order) before anything is written; the chain
 * moves by compare-and-set on the version the client edited (If-Match), and a retried save with
 * the same Idempotency-Key returns the revision it made the first time.
 */
export class OctRepository {
  readonly #db: Kysely<DB>;
  readonly #blobs: Pick<BlobStore, 'get' | 'put'>;
  readonly #clock: Clock;

  constructor(db: Kysely<DB>, blobs: Pick<BlobStore, 'get' | 'put'>, clock: Clock) {
    this.#db = db;
    this.#blobs = blobs;
    this.#clock = clock;
  }

  /** Records that a series holds an OCT volume with this sampling (once per series). */
  async registerVolume(seriesId: string, geometry: OctGeometry, source: OctSource): Promise<void> {
    await translated(() =>
      octDb(this.#db)
        .insertInto('oct_volumes')
        .values({
          series_id: seriesId,
          bscans: geometry.bscans,
          ascans: geometry.ascans,
          rows: geometry.rows,
          ascan_spacing_um: geometry.ascanSpacingUm,
          bscan_spacing_um: geometry.bscanSpacingUm,
          axial_um_per_pixel: geometry.axialUmPerPixel,
          laterality: geometry.laterality,
          source,
          created_at: this.#clock(),
        })
        .execute(),
    );
  }

  /** The OCT volume of an item; DLN_OCT_NOT_OCT_ITEM when the item is not one. */
  async volumeOfItem(itemId: string, db: Kysely<DB> = this.#db): Promise<OctVolume> {
    const row = await octDb(db)
      .selectFrom('items')
      .innerJoin('oct_volumes', 'oct_volumes.series_id', 'items.series_id')
      .selectAll('oct_volumes')
      .select('items.id as item_id')
      .where('items.id', '=', itemId)
      .executeTakeFirst();
    if (!row) {
      const exists = await db.selectFrom('items').select('id').where('id', '=', itemId).executeTakeFirst();
      if (!exists) throw new DelineateError('DLN_NOT_FOUND', 'Item not found');
      throw new DelineateError('DLN_OCT_NOT_OCT_ITEM', 'The item is not an OCT volume');
    }
    return {
      itemId: row.item_id,
      seriesId: row.series_id,
      bscans: row.bscans,
      ascans: row.ascans,
      rows: row.rows,
      ascanSpacingUm: row.ascan_spacing_um,
      bscanSpacingUm: row.bscan_spacing_um,
      axialUmPerPixel: row.axial_um_per_pixel,
      laterality: row.laterality,
      source: row.source,
      fovea: row.fovea_bscan === null || row.fovea_ascan === null ? null : { bscan: row.fovea_bscan, ascan: row.fovea_ascan },
    };
  }

  async volumeOfAnnotation(annotationId: string, db: Kysely<DB> = this.#db): Promise<OctVolume> {
    const annotation = await db.selectFrom('annotations').select('item_id').where('id', '=', annotationId).executeTakeFirst();
    if (!annotation) throw new DelineateError('DLN_NOT_FOUND', 'Annotation not found');
    return this.volumeOfItem(annotation.item_id, db);
  }

  /** Sets (or clears) the fovea point the ETDRS grids of later saves are centred on. */
  async setFovea(itemId: string, fovea: { bscan: number; ascan: number } | null): Promise<void> {
    const volume = await this.volumeOfItem(itemId);
    if (fovea && (fovea.bscan >= volume.bscans || fovea.ascan >= volume.ascans)) throw new DelineateError('DLN_REQUEST_INVALID', 'The fovea point lies outside the volume');
    await octDb(this.#db)
      .updateTable('oct_volumes')
      .set({ fovea_bscan: fovea?.bscan ?? null, fovea_ascan: fovea?.ascan ?? null })
      .where('series_id', '=', volume.seriesId)
      .execute();
  }

  /** Decodes and checks a boundary set against a volume: nothing is written when this throws. */
  checkedSet(bytes: Uint8Array, volume: OctVolume): BoundarySet {
    const decoded = decodeBoundarySet(bytes);
    if (!decoded.ok) throw new DelineateError('DLN_OCT_BOUNDARIES_INVALID', `The boundary heights are not a valid boundary set (${decoded.reason})`);
    const set = decoded.set;
    if (set.bscans !== volume.bscans || set.ascans !== volume.ascans) {
      throw new DelineateError('DLN_OCT_BOUNDARIES_INVALID', `The boundary set covers ${set.bscans} B-scans of ${set.ascans} A-scans; the volume has ${volume.bscans} of ${volume.ascans}`);
    }
    for (const height of set.heights) {
      if (height < 0 || height > volume.rows) throw new DelineateError('DLN_OCT_BOUNDARIES_INVALID', `A boundary height lies outside the B-scan (0 to ${volume.rows} rows)`);
    }
    const violation = findBoundaryOrderViolation(set);
    if (violation) {
      const upper = octBoundaryConcepts[violation.upper].meaning;
      const lower = octBoundaryConcepts[violation.lower].meaning;
      throw new DelineateError(
        'DLN_OCT_BOUNDARY_ORDER',
        `${upper} lies below ${lower} on B-scan ${violation.bscan + 1} at A-scan ${violation.ascan + 1}; nothing was saved`,
        { upper: violation.upper, lower: violation.lower, bscan: violation.bscan, ascan: violation.ascan },
      );
    }
    return set;
  }

  async #head(db: Kysely<DB>, annotationId: string) {
    return octDb(db).selectFrom('oct_boundary_revisions').selectAll().where('annotation_id', '=', annotationId).orderBy('version', 'desc').limit(1).executeTakeFirst();
  }

  /** Saves a new revision: checked first, the blob next, the row last by compare-and-set. */
  async save(input: SaveBoundariesInput): Promise<SavedBoundaries> {
    if (input.idempotencyKey) {
      const earlier = await octDb(this.#db)
        .selectFrom('oct_boundary_revisions')
        .selectAll()
        .where('annotation_id', '=', input.annotationId)
        .where('idempotency_key', '=', input.idempotencyKey)
        .executeTakeFirst();
      if (earlier) {
        const decoded = decodeBoundarySet(input.bytes);
        if (!decoded.ok || blobAddress(encodeBoundarySet(decoded.set)) !== earlier.blob_hash) {
          throw new DelineateError('DLN_IDEMPOTENCY_MISMATCH', 'This Idempotency-Key was used for other boundary heights');
        }
        return { revision: toRevision(earlier), measures: earlier.measures as OctMeasures, replayed: true };
      }
    }
    if (input.authorUserId && input.source !== 'import') {
      await assertAnnotationWritable(this.#db, { kind: 'user', userId: input.authorUserId }, input.annotationId, input.source);
    }
    const volume = await this.volumeOfAnnotation(input.annotationId);
    const set = this.checkedSet(input.bytes, volume);
    const measures = octMeasures(set, geometryOf(volume), volume.fovea ?? undefined);
    const { hash } = await this.#blobs.put(encodeBoundarySet(set));
    const version = input.expectedVersion + 1;
    const stale = (current: number) => new DelineateError('DLN_REVISION_STALE', 'Someone saved these boundaries first; reload them', { currentVersion: current });
    const row = await translated(() =>
      withTransaction(this.#db, async (tx) => {
        const head = await this.#head(tx, input.annotationId);
        if ((head?.version ?? 0) !== input.expectedVersion) throw stale(head?.version ?? 0);
        return octDb(tx)
          .insertInto('oct_boundary_revisions')
          .values({
            annotation_id: input.annotationId,
            version,
            parent_version: input.expectedVersion === 0 ? null : input.expectedVersion,
            author_user_id: input.authorUserId,
            source: input.source,
            blob_hash: hash,
            measures: measuresJson(measures),
            idempotency_key: input.idempotencyKey ?? null,
            created_at: this.#clock(),
          })
          .returningAll()
          .executeTakeFirstOrThrow();
      }),
    ).catch((error: unknown) => {
      // Two saves racing on one version: the primary key refuses the second.
      if (error instanceof DelineateError && error.code === 'DLN_CONFLICT') throw stale(version);
      throw error;
    });
    return { revision: toRevision(row), measures: JSON.parse(measuresJson(measures)) as OctMeasures, replayed: false };
  }

  /** Every revision of an annotation's boundaries, oldest first. */
  async history(annotationId: string): Promise<OctBoundaryRevision[]> {
    const rows = await octDb(this.#db).selectFrom('oct_boundary_revisions').selectAll().where('annotation_id', '=', annotationId).orderBy('version').execute();
    return rows.map(toRevision);
  }

  /** One revision (the head when `version` is undefined) with its measures; undefined before the first save. */
  async revision(annotationId: string, version?: number): Promise<{ revision: OctBoundaryRevision; measures: OctMeasures } | undefined> {
    const query = octDb(this.#db).selectFrom('oct_boundary_revisions').selectAll().where('annotation_id', '=', annotationId);
    const row = version === undefined ? await this.#head(this.#db, annotationId) : await query.where('version', '=', version).executeTakeFirst();
    if (!row) return undefined;
    return { revision: toRevision(row), measures: row.measures as OctMeasures };
  }

  /** The stored bytes (core boundary layout) of one revision. */
  async read(annotationId: string, version?: number): Promise<{ revision: OctBoundaryRevision; bytes: Uint8Array }> {
    const found = await this.revision(annotationId, version);
    if (!found) throw new DelineateError('DLN_NOT_FOUND', 'No boundary revision of this annotation');
    return { revision: found.revision, bytes: await this.#blobs.get(found.revision.blobHash) };
  }

  /** The decoded head boundary set of every annotation of an item that has one, by annotation. */
  async headsOfItem(itemId: string): Promise<Array<{ annotationId: string; revision: OctBoundaryRevision; set: BoundarySet }>> {
    const annotations = await this.#db.selectFrom('annotations').select('id').where('item_id', '=', itemId).orderBy('created_at').orderBy('id').execute();
    const heads = [];
    for (const { id } of annotations) {
      const head = await this.revision(id);
      if (!head) continue;
      const decoded = decodeBoundarySet(await this.#blobs.get(head.revision.blobHash));
      if (!decoded.ok) throw new DelineateError('DLN_INTERNAL', 'A stored boundary set does not decode');
      heads.push({ annotationId: id, revision: head.revision, set: decoded.set });
    }
    return heads;
  }
}
