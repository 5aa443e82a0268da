import { createHash } from 'node:crypto';
import {
  Annotation,
  buildNewRevision,
  DelineateError,
  IdempotencyKey,
  parseOrThrow,
  Revision,
  type MaskEncoding,
  type NewRevision,
  type RevisionAuthor,
  type RevisionSource,
  type VersionRef,
} from '@delineate/schema';
import { tileGridOf, type Tile, type TileGrid, type TilePosition } from '@delineate/core';
import { sql, type Kysely, type Selectable } from 'kysely';
import { resolveTileIndexChain, storedIndexForm, type ResolvedTileIndex, type StoredIndexForm } from '../masks/index-delta';
import { TileIndexCache } from '../masks/index-cache';
import { sha256Hex, TiledMasks, tilesOfWholeMask, type MaskBlobs, type TiledParent } from '../masks/tiled-masks';
import { gridOfItemRow, itemGrid } from '../workflow/grid';
import type { AnnotationsTable, DB, RevisionsTable } from '../sql/tables';
import { isUniqueViolation, translated } from './db-errors';
import { RevisionCommitQueue } from './revision-commits';
import { annotationWriteFacts, annotationWriteFactsSql, assertMayStartAnnotation, writeRefusalOf, type AnnotationWriteFacts } from '../workflow/access';

export type Clock = () => Date;

export interface SaveRevisionInput {
  annotationId: string;
  /** The head the writer saw (`If-Match`); 0 before the first revision. */
  expectedVersion: number;
  idempotencyKey?: string | undefined;
  author: RevisionAuthor;
  source: RevisionSource;
  maskHash: string;
  maskEncoding: MaskEncoding;
  /** When given, written to the blob store (after checking its hash) before the metadata commits. */
  maskBytes?: Uint8Array | undefined;
}

/** A tiled save: the whole mask cut into tiles (`whole`), or only the tiles the edit changed. */
export interface SaveTiledRevisionInput {
  annotationId: string;
  expectedVersion: number;
  idempotencyKey?: string | undefined;
  author: RevisionAuthor;
  source: RevisionSource;
  grid: TileGrid;
  tiles: readonly Tile[];
  whole: boolean;
  /**
   * The write facts the caller has just checked the write rule on (from {@link AnnotationRepository.saveContext},
   * as the save route does before it decodes the body), with the head version read with them:
   * not read again. The commit lands only while the facts are still these.
   */
  checked?: { readonly writeFacts: AnnotationWriteFacts; readonly headVersion: number } | undefined;
}

/** What a save of an annotation needs, read in one query (see {@link AnnotationRepository.saveContext}). */
export interface AnnotationSaveContext {
  readonly annotation: Annotation;
  readonly grid: TileGrid;
  /** The labels of the project's pinned label-schema version as stored (for `assertLabelsDefinedIn`); null when missing. */
  readonly labels: unknown;
  readonly writeFacts: AnnotationWriteFacts;
  /** The item is a pathology region's, whose edits its region and zoom band bound (read it only then). */
  readonly inSlideRegion: boolean;
}

/** A tile index as committed with its revision: full or a delta on its parent's chain. */
interface StoredTileIndex {
  form: StoredIndexForm;
  /** SHA-256 of the full index. */
  hash: string;
}

/** What a revision's mask is stored as: a tile index, a whole-volume blob (before tiling), or no such revision. */
type MaskStorage = { kind: 'index'; resolved: ResolvedTileIndex } | { kind: 'whole'; maskHash: string } | { kind: 'missing' };

export interface SaveRevisionResult {
  revision: Revision;
  /** true when the idempotency key matched a revision saved earlier: nothing new was written. */
  replayed: boolean;
  /**
   * A new revision only: whether the annotation had derived structures attached when it
   * committed, read by the commit statement itself so the caller refreshes them without asking again.
   */
  derivedStructuresActive?: boolean;
}

export interface RevertInput {
  annotationId: string;
  toVersion: number;
  expectedVersion: number;
  idempotencyKey: string;
  author: RevisionAuthor;
}

export interface CreateAnnotationInput {
  projectId: string;
  itemId: string;
  taskId?: string | undefined;
  labelSchema: VersionRef;
  /** The user starting it, who owns it; a task's annotation is started only by the task's assignee. */
  createdBy?: string | undefined;
}

export interface AnnotationRepositoryOptions {
  /** Where mask bytes go; required for saves that carry mask bytes or tiles, and to read masks. */
  blobs?: MaskBlobs | undefined;
  /** Shared tile reader/writer (and its cache); made from `blobs` when not given. */
  masks?: TiledMasks | undefined;
  /** Resolved indexes of committed revisions; one per repository when not given. */
  indexes?: TileIndexCache | undefined;
  clock?: Clock | undefined;
}

/**
 * Annotations and their append-only revisions. The head moves by compare-and-set on
 * `annotations.head_version` in the same transaction that inserts the revision, and the
 * unique keys (annotation_id, version) and (annotation_id, idempotency_key) make a second
 * revision for one version or one key impossible, whatever the concurrency.
 */
export class AnnotationRepository {
  readonly #db: Kysely<DB>;
  readonly #blobs: MaskBlobs | undefined;
  readonly #masks: TiledMasks | undefined;
  readonly #indexes: TileIndexCache;
  readonly #clock: Clock;
  readonly #commits: RevisionCommitQueue;

  constructor(db: Kysely<DB>, options: AnnotationRepositoryOptions = {}) {
    this.#db = db;
    this.#blobs = options.blobs;
    this.#masks = options.masks ?? (options.blobs ? new TiledMasks(options.blobs) : undefined);
    this.#indexes = options.indexes ?? new TileIndexCache();
    this.#clock = options.clock ?? (() => new Date());
    this.#commits = new RevisionCommitQueue(db, this.#clock);
  }

  async create(input: CreateAnnotationInput): Promise<Annotation> {
    await translated(() => assertMayStartAnnotation(this.#db, input));
    const row = await translated(() =>
      this.#db
        .insertInto('annotations')
        .values({
          project_id: input.projectId,
          item_id: input.itemId,
          task_id: input.taskId ?? null,
          label_schema_id: input.labelSchema.id,
          label_schema_version: input.labelSchema.version,
          created_at: this.#clock(),
          created_by: input.createdBy ?? null,
        })
        .returningAll()
        .executeTakeFirstOrThrow(),
    );
    return toAnnotation(row);
  }

  async get(id: string): Promise<Annotation> {
    const row = await translated(() => this.#db.selectFrom('annotations').selectAll().where('id', '=', id).executeTakeFirst());
    if (!row) throw new DelineateError('DLN_NOT_FOUND', 'Annotation not found');
    return toAnnotation(row);
  }

  async listForItem(itemId: string): Promise<Annotation[]> {
    const rows = await translated(() =>
      this.#db.selectFrom('annotations').selectAll().where('item_id', '=', itemId).orderBy('created_at').orderBy('id').execute(),
    );
    return rows.map(toAnnotation);
  }

  /**
   * Appends a revision if the head is still `expectedVersion`. Stale → DLN_REVISION_STALE with
   * `currentVersion`; a known idempotency key returns the stored revision (`replayed`), or
   * DLN_IDEMPOTENCY_MISMATCH when it was used for a different mask. Only the annotation's owner
   * (or, on a workflow task, its annotator or reviewer as the workflow allows) writes: anyone
   * else gets DLN_AUTH_FORBIDDEN before anything is stored.
   */
  async saveRevision(input: SaveRevisionInput): Promise<SaveRevisionResult> {
    const { maskBytes, ...fields } = input;
    const rev = buildNewRevision(stripUndefined(fields));
    return this.#save(rev, async () => {
      if (maskBytes !== undefined) await this.#writeMask(maskBytes, rev.maskHash);
      return undefined;
    });
  }

  /**
   * Saves a tiled revision: the tiles are checked against the parent (the head the writer saw),
   * the new ones written as one pack blob, then the index commits by compare-and-set exactly as
   * {@link saveRevision} does. `mask_hash` is the hash of the full tile index (which names every
   * tile by its SHA-256), so a save never joins the whole volume, and a retried save (same key,
   * same parent) replays only when it makes the same index.
   * The index is stored as a delta on the parent's while that is cheaper (`masks/index-delta.ts`).
   * The caller has checked each tile against the grid and the label schema.
   */
  async saveTiledRevision(input: SaveTiledRevisionInput): Promise<SaveRevisionResult> {
    const masks = this.#tiledMasks();
    const checked = input.checked ?? (await this.#checkWriteRule(input.author, input.annotationId, input.source));
    const headVersion = checked.headVersion;
    // No such parent: the head is behind what the writer saw; the compare-and-set refuses it.
    if (input.expectedVersion > headVersion) throw staleAt(headVersion);
    const stored = input.expectedVersion === 0 ? ({ kind: 'missing' } as const) : await this.#maskStorage(input.annotationId, input.expectedVersion);
    const parentIndex = stored.kind === 'index' ? stored.resolved : undefined;
    const parent: TiledParent =
      stored.kind === 'index'
        ? { kind: 'index', index: stored.resolved.index, bytes: stored.resolved.bytes }
        : stored.kind === 'whole' && !input.whole
          ? // A revision kept whole (before tiling): its tiles are cut now and stored by this save.
            { kind: 'tiles', grid: input.grid, tiles: tilesOfWholeMask(input.grid, await this.#wholeBlob(stored.maskHash)) }
          : undefined;
    const prepared = await masks.prepare(input.grid, parent, input.tiles, input.whole);
    const rev = buildNewRevision(
      stripUndefined({
        annotationId: input.annotationId,
        expectedVersion: input.expectedVersion,
        idempotencyKey: input.idempotencyKey,
        author: input.author,
        source: input.source,
        maskHash: prepared.indexHash,
        maskEncoding: 'rle' as const,
      }),
    );
    const form = storedIndexForm(parentIndex, prepared.index, prepared.indexBytes, prepared.delta);
    const result = await this.#save(
      rev,
      async () => {
        // A save that would lose the compare-and-set writes no pack (a race can still leave one unreferenced).
        if (headVersion !== input.expectedVersion) throw staleAt(headVersion);
        await masks.writePack(prepared);
        return { form, hash: prepared.indexHash };
      },
      // A known key is found when the compare-and-set fails (the head moved past it): no lookup first.
      { writeFacts: checked.writeFacts, keyLookedUpOnConflict: true },
    );
    if (!result.replayed) this.#remember(input.annotationId, result.revision.version, prepared.index, prepared.indexBytes, prepared.indexHash, form);
    return result;
  }

  /** Checks, replays a known key, writes the mask (`write`), then appends by compare-and-set. */
  async #save(
    rev: NewRevision,
    write: () => Promise<StoredTileIndex | undefined>,
    options: { writeFacts?: AnnotationWriteFacts; keyLookedUpOnConflict?: boolean } = {},
  ): Promise<SaveRevisionResult> {
    // The commit lands only while the facts checked here are unchanged.
    const writeFacts = options.writeFacts ?? (await this.#checkWriteRule(rev.author, rev.annotationId, rev.source)).writeFacts;
    if (rev.idempotencyKey !== undefined && !options.keyLookedUpOnConflict) {
      const earlier = await this.#findByKey(rev.annotationId, rev.idempotencyKey);
      if (earlier) return replay(earlier, rev);
    }
    try {
      // Inside the try: a stale refusal before the write may be a same-key save that just won.
      const tiled = await write();
      return { ...(await this.#append(rev, tiled, writeFacts)), replayed: false };
    } catch (e) {
      // A concurrent save with the same key may have won the race: answer as a replay.
      if (rev.idempotencyKey !== undefined && (isStale(e) || isDuplicate(e))) {
        const earlier = await this.#findByKey(rev.annotationId, rev.idempotencyKey);
        if (earlier) return replay(earlier, rev);
      }
      if (isUniqueViolation(e)) throw await this.#staleError(rev.annotationId);
      throw e;
    }
  }

  /** The whole-volume `rle` stream of a revision: joined from its tiles, or its blob if kept whole. */
  async readMask(annotationId: string, version: number): Promise<Uint8Array> {
    const stored = await this.#maskStorage(annotationId, version);
    if (stored.kind === 'missing') throw new DelineateError('DLN_NOT_FOUND', 'Revision not found');
    if (stored.kind === 'index') return this.#tiledMasks().readWhole(stored.resolved.index);
    return this.#wholeBlob(stored.maskHash);
  }

  /**
   * A revision's mask hash recomputed from what is stored, for verification (compare it with the
   * recorded `mask_hash`): read past every cache, each tile checked against its hash. A revision
   * saved tiled records its index hash; one kept whole, or tiled before index hashes became the
   * identity, records the SHA-256 of its whole-volume `rle` stream, so that is recomputed.
   */
  async recomputeMaskHash(annotationId: string, version: number): Promise<string> {
    const recorded = (await this.getRevision(annotationId, version)).maskHash;
    const stored = await this.#maskStorage(annotationId, version, { cached: false });
    if (stored.kind === 'missing') throw new DelineateError('DLN_NOT_FOUND', 'Revision not found');
    if (stored.kind === 'whole') return sha256Hex(await this.#wholeBlob(stored.maskHash));
    const masks = new TiledMasks(this.#tiledMasks().blobs, { cacheBytes: 0 });
    if (recorded !== stored.resolved.hash) return sha256Hex(await masks.readWhole(stored.resolved.index));
    // The chain was checked against the index hash when resolved; now every tile it names.
    await masks.verifyTiles(stored.resolved.index);
    return stored.resolved.hash;
  }

  /** A revision's full tile index (resolved from its delta chain) and its hash, or undefined for a revision kept whole. */
  async storedTileIndex(annotationId: string, version: number): Promise<{ bytes: Uint8Array; hash: string } | undefined> {
    const stored = await this.#maskStorage(annotationId, version);
    if (stored.kind === 'missing') throw new DelineateError('DLN_NOT_FOUND', 'Revision not found');
    return stored.kind === 'index' ? { bytes: stored.resolved.bytes, hash: stored.resolved.hash } : undefined;
  }

  /** A revision's tile grid and its non-empty tiles among `positions` (all when omitted). */
  async readTiles(annotationId: string, version: number, positions?: readonly TilePosition[]): Promise<{ grid: TileGrid; tiles: Tile[] }> {
    const stored = await this.#maskStorage(annotationId, version);
    if (stored.kind === 'missing') throw new DelineateError('DLN_NOT_FOUND', 'Revision not found');
    if (stored.kind === 'index') {
      const index = stored.resolved.index;
      return { grid: index.grid, tiles: await this.#tiledMasks().readTiles(index, positions) };
    }
    const grid = await this.tileGrid(annotationId);
    const tiles = tilesOfWholeMask(grid, await this.#wholeBlob(stored.maskHash));
    if (!positions) return { grid, tiles };
    const wanted = new Set(positions.map((p) => `${p.slice}/${p.tileRow}/${p.tileColumn}`));
    return { grid, tiles: tiles.filter((t) => wanted.has(`${t.position.slice}/${t.position.tileRow}/${t.position.tileColumn}`)) };
  }

  /** The tile grid of an annotation's item (given by id, or the annotation itself): 512 × 512 in-plane tiles per slice. */
  async tileGrid(annotation: string | Annotation): Promise<TileGrid> {
    const itemId = typeof annotation === 'string' ? (await this.get(annotation)).itemId : annotation.itemId;
    const grid = await translated(() => itemGrid(this.#db, itemId));
    return tileGridOf(grid.dims[0], grid.dims[1], grid.dims[2]);
  }

  /**
   * What a save needs, in one query: the annotation, its item's tile grid, the project's pinned
   * labels, and the write rule decided for `author` (DLN_AUTH_FORBIDDEN when refused, before the
   * caller decodes anything). Pass `writeFacts` and `annotation.headVersion` on to
   * {@link saveTiledRevision} as `checked`.
   */
  async saveContext(annotationId: string, author: RevisionAuthor, source: RevisionSource): Promise<AnnotationSaveContext> {
    const row = await translated(() =>
      this.#db
        .selectFrom('annotations as a')
        .innerJoin('items as i', 'i.id', 'a.item_id')
        .leftJoin('series as s', 's.id', 'i.series_id')
        .leftJoin('projects as p', 'p.id', 'a.project_id')
        .leftJoin('label_schema_versions as v', (join) => join.onRef('v.schema_id', '=', 'p.label_schema_id').onRef('v.version', '=', 'p.label_schema_version'))
        .selectAll('a')
        .select(['i.kind', 's.rows', 's.columns', 's.slices', 's.spacing', 'i.region_width', 'i.region_height', 'v.labels'])
        .select(annotationWriteFactsSql('a', author.kind === 'user' ? author.userId : null).as('write_facts'))
        // A region's item is made with its region, so this cannot change after the annotation exists.
        .select(sql<boolean>`exists (select 1 from pathology_regions r where r.item_id = a.item_id)`.as('in_slide_region'))
        .where('a.id', '=', annotationId)
        .executeTakeFirst(),
    );
    if (!row) throw new DelineateError('DLN_NOT_FOUND', 'Annotation not found');
    const refusal = writeRefusalOf(row.write_facts, author, source);
    if (refusal) throw new DelineateError('DLN_AUTH_FORBIDDEN', refusal);
    const grid = gridOfItemRow(row);
    return { annotation: toAnnotation(row), grid: tileGridOf(grid.dims[0], grid.dims[1], grid.dims[2]), labels: row.labels, writeFacts: row.write_facts, inSlideRegion: row.in_slide_region };
  }

  /**
   * How a revision's mask is stored. A tiled revision's index is resolved from its chain (one range
   * query from the full index it starts at) unless a save or read here has resolved it before.
   */
  async #maskStorage(annotationId: string, version: number, options: { cached?: boolean } = {}): Promise<MaskStorage> {
    const cached = options.cached === false ? undefined : this.#indexes.get(annotationId, version);
    if (cached) return { kind: 'index', resolved: cached };
    const rows = await translated(() =>
      this.#db
        .selectFrom('revisions')
        .select(['version', 'mask_hash', 'tile_index', 'tile_index_hash'])
        .where('annotation_id', '=', annotationId)
        .where('version', '<=', version)
        .where(
          sql<boolean>`version >= coalesce((select r.tile_index_base from revisions r where r.annotation_id = ${annotationId} and r.version = ${version}), ${version})`,
        )
        .orderBy('version')
        .execute(),
    );
    const own = rows[rows.length - 1];
    if (!own || own.version !== version) return { kind: 'missing' };
    if (!own.tile_index || !own.tile_index_hash) return { kind: 'whole', maskHash: own.mask_hash };
    const chain = rows.map((r) => {
      if (!r.tile_index) throw new DelineateError('DLN_REVISION_MASK_INVALID', 'A stored tile index is damaged');
      return { version: r.version, tileIndex: new Uint8Array(r.tile_index) };
    });
    const resolved = resolveTileIndexChain(chain, own.tile_index_hash);
    if (options.cached !== false) this.#indexes.set(annotationId, version, resolved);
    return { kind: 'index', resolved };
  }

  #remember(annotationId: string, version: number, index: ResolvedTileIndex['index'], bytes: Uint8Array, hash: string, form: StoredIndexForm): void {
    this.#indexes.set(annotationId, version, { index, bytes, hash, base: form.base ?? version, chainBytes: form.chainBytes });
  }


  async #wholeBlob(maskHash: string): Promise<Uint8Array> {
    if (!this.#blobs) throw new DelineateError('DLN_CONFIG_INVALID', 'No blob store configured for mask bytes');
    return this.#blobs.get(maskHash);
  }

  #tiledMasks(): TiledMasks {
    if (!this.#masks) throw new DelineateError('DLN_CONFIG_INVALID', 'No blob store configured for mask bytes');
    return this.#masks;
  }

  /** Every revision of the annotation, oldest first. */
  async history(annotationId: string): Promise<Revision[]> {
    await this.get(annotationId);
    const rows = await translated(() =>
      this.#db.selectFrom('revisions').selectAll().where('annotation_id', '=', annotationId).orderBy('version').execute(),
    );
    return rows.map(toRevision);
  }

  async getRevision(annotationId: string, version: number): Promise<Revision> {
    const row = await translated(() =>
      this.#db
        .selectFrom('revisions')
        .selectAll()
        .where('annotation_id', '=', annotationId)
        .where('version', '=', version)
        .executeTakeFirst(),
    );
    if (!row) throw new DelineateError('DLN_NOT_FOUND', 'Revision not found');
    return toRevision(row);
  }

  /** The head revision, or undefined before the first save. */
  async head(annotationId: string): Promise<Revision | undefined> {
    const annotation = await this.get(annotationId);
    return annotation.headVersion === 0 ? undefined : this.getRevision(annotationId, annotation.headVersion);
  }

  /** Makes a NEW revision whose mask is that of `toVersion` (history is never rewritten). */
  async revert(input: RevertInput): Promise<SaveRevisionResult> {
    parseOrThrow(IdempotencyKey, input.idempotencyKey);
    const target = await this.getRevision(input.annotationId, input.toVersion);
    const stored = await this.#maskStorage(input.annotationId, input.toVersion);
    const rev = buildNewRevision({
      annotationId: input.annotationId,
      expectedVersion: input.expectedVersion,
      idempotencyKey: input.idempotencyKey,
      author: input.author,
      source: 'revert',
      maskHash: target.maskHash,
      maskEncoding: target.maskEncoding,
    });
    if (stored.kind !== 'index') return this.#save(rev, async () => undefined);
    // History is an index operation: the new revision points at the target's tiles, stored as a
    // delta on the head's index when that is cheaper.
    const head = await this.#maskStorage(input.annotationId, input.expectedVersion);
    const { index, hash, bytes } = stored.resolved;
    const form = storedIndexForm(head.kind === 'index' ? head.resolved : undefined, index, bytes);
    const result = await this.#save(rev, async () => ({ form, hash }));
    if (!result.replayed) this.#remember(input.annotationId, result.revision.version, index, bytes, hash, form);
    return result;
  }

  async #writeMask(bytes: Uint8Array, maskHash: string): Promise<void> {
    const actual = createHash('sha256').update(bytes).digest('hex');
    if (actual !== maskHash) throw new DelineateError('DLN_REVISION_MASK_INVALID', 'Mask bytes do not match the mask hash');
    if (!this.#blobs?.put) throw new DelineateError('DLN_CONFIG_INVALID', 'No blob store configured for mask bytes');
    await this.#blobs.put(bytes, { expectedHash: maskHash });
  }

  /**
   * Appends the revision in one statement: the head moves by compare-and-set on the version the
   * writer saw and on the write facts the rule was checked on, and the row is inserted only if it
   * moved. When the compare-and-set misses, the rule and the head are decided again on what is
   * stored now (refused, stale, or the facts changed without changing the answer: try again).
   */
  async #append(rev: NewRevision, tiles: StoredTileIndex | undefined, checkedFacts: AnnotationWriteFacts): Promise<{ revision: Revision; derivedStructuresActive: boolean }> {
    let writeFacts = checkedFacts;
    for (let attempt = 0; attempt < 3; attempt++) {
      const row = await translated(() =>
        this.#commits.commit({ revision: rev, writeFacts, tileIndex: tiles && { bytes: tiles.form.bytes, hash: tiles.hash, base: tiles.form.base } }),
      );
      if (row) return { revision: toRevision(row), derivedStructuresActive: row.derived_structures_active };
      const now = await this.#checkWriteRule(rev.author, rev.annotationId, rev.source);
      if (now.headVersion !== rev.expectedVersion) throw staleAt(now.headVersion);
      writeFacts = now.writeFacts;
    }
    throw await this.#staleError(rev.annotationId);
  }

  /** The write rule on the annotation's facts now (403 when refused), with the head read in the same query. */
  async #checkWriteRule(author: RevisionAuthor, annotationId: string, source: string): Promise<{ writeFacts: AnnotationWriteFacts; headVersion: number }> {
    const { headVersion, ...writeFacts } = await translated(() => annotationWriteFacts(this.#db, author, annotationId));
    const refusal = writeRefusalOf(writeFacts, author, source);
    if (refusal) throw new DelineateError('DLN_AUTH_FORBIDDEN', refusal);
    return { writeFacts, headVersion };
  }

  async #findByKey(annotationId: string, key: string): Promise<Revision | undefined> {
    const row = await translated(() =>
      this.#db
        .selectFrom('revisions')
        .selectAll()
        .where('annotation_id', '=', annotationId)
        .where('idempotency_key', '=', key)
        .executeTakeFirst(),
    );
    return row ? toRevision(row) : undefined;
  }

  async #staleError(annotationId: string): Promise<DelineateError> {
    const current = await this.#db.selectFrom('annotations').select('head_version').where('id', '=', annotationId).executeTakeFirst();
    if (!current) return new DelineateError('DLN_NOT_FOUND', 'Annotation not found');
    return staleAt(current.head_version);
  }
}

function staleAt(currentVersion: number): DelineateError {
  return new DelineateError('DLN_REVISION_STALE', 'The annotation has changed since the version given', { currentVersion });
}

function isStale(e: unknown): boolean {
  return e instanceof DelineateError && e.code === 'DLN_REVISION_STALE';
}

/** A unique key refused the row (raw, or as translated: the same key reused for another mask). */
function isDuplicate(e: unknown): boolean {
  return isUniqueViolation(e) || (e instanceof DelineateError && e.code === 'DLN_CONFLICT');
}

function replay(earlier: Revision, rev: NewRevision): SaveRevisionResult {
  if (earlier.maskHash !== rev.maskHash || earlier.source !== rev.source || earlier.maskEncoding !== rev.maskEncoding) {
    throw new DelineateError('DLN_IDEMPOTENCY_MISMATCH', 'The idempotency key was already used for a different revision');
  }
  return { revision: earlier, replayed: true };
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

export function toAnnotation(row: Selectable<AnnotationsTable>): Annotation {
  return {
    id: row.id,
    projectId: row.project_id,
    itemId: row.item_id,
    taskId: row.task_id,
    labelSchema: { id: row.label_schema_id, version: row.label_schema_version },
    headVersion: row.head_version,
    createdAt: row.created_at.toISOString(),
  };
}

export function toRevision(row: Selectable<RevisionsTable>): Revision {
  const author: RevisionAuthor =
    row.author_user_id !== null
      ? { kind: 'user', userId: row.author_user_id }
      : { kind: 'model', name: row.author_model_name ?? '', version: row.author_model_version ?? '' };
  return {
    annotationId: row.annotation_id,
    version: row.version,
    parentVersion: row.parent_version,
    author,
    source: row.source as RevisionSource,
    maskHash: row.mask_hash,
    maskEncoding: row.mask_encoding as MaskEncoding,
    createdAt: row.created_at.toISOString(),
    idempotencyKey: row.idempotency_key,
  };
}
