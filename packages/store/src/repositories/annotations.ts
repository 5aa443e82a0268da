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
import type { Kysely, Selectable } from 'kysely';
import type { BlobStore } from '../blob/types';
import type { AnnotationsTable, DB, RevisionsTable } from '../sql/tables';
import { isUniqueViolation, translated } from './db-errors';
import { withTransaction } from '../sql/transaction';
import { assertAnnotationWritable, assertMayStartAnnotation } from '../workflow/access';

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

export interface SaveRevisionResult {
  revision: Revision;
  /** true when the idempotency key matched a revision saved earlier: nothing new was written. */
  replayed: boolean;
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
  /** Where mask bytes go; required only when saves carry `maskBytes`. */
  blobs?: Pick<BlobStore, 'put'> | undefined;
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
  readonly #blobs: Pick<BlobStore, 'put'> | undefined;
  readonly #clock: Clock;

  constructor(db: Kysely<DB>, options: AnnotationRepositoryOptions = {}) {
    this.#db = db;
    this.#blobs = options.blobs;
    this.#clock = options.clock ?? (() => new Date());
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
    await translated(() => assertAnnotationWritable(this.#db, rev.author, rev.annotationId, rev.source));
    if (rev.idempotencyKey !== undefined) {
      const earlier = await this.#findByKey(rev.annotationId, rev.idempotencyKey);
      if (earlier) return replay(earlier, rev);
    }
    if (maskBytes !== undefined) await this.#writeMask(maskBytes, rev.maskHash);
    try {
      return { revision: await this.#append(rev), replayed: false };
    } catch (e) {
      // A concurrent save with the same key may have won the race: answer as a replay.
      if (rev.idempotencyKey !== undefined && (isStale(e) || isUniqueViolation(e))) {
        const earlier = await this.#findByKey(rev.annotationId, rev.idempotencyKey);
        if (earlier) return replay(earlier, rev);
      }
      if (isUniqueViolation(e)) throw await this.#staleError(rev.annotationId);
      throw e;
    }
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
    return this.saveRevision({
      annotationId: input.annotationId,
      expectedVersion: input.expectedVersion,
      idempotencyKey: input.idempotencyKey,
      author: input.author,
      source: 'revert',
      maskHash: target.maskHash,
      maskEncoding: target.maskEncoding,
    });
  }

  async #writeMask(bytes: Uint8Array, maskHash: string): Promise<void> {
    const actual = createHash('sha256').update(bytes).digest('hex');
    if (actual !== maskHash) throw new DelineateError('DLN_REVISION_MASK_INVALID', 'Mask bytes do not match the mask hash');
    if (!this.#blobs) throw new DelineateError('DLN_CONFIG_INVALID', 'No blob store configured for mask bytes');
    await this.#blobs.put(bytes, { expectedHash: maskHash });
  }

  async #append(rev: NewRevision): Promise<Revision> {
    const version = rev.expectedVersion + 1;
    return withTransaction(this.#db, async (tx) => {
      // Again inside the transaction: a reassignment or a first claim may have landed meanwhile.
      await translated(() => assertAnnotationWritable(tx, rev.author, rev.annotationId, rev.source));
      const writer = rev.author.kind === 'user' ? rev.author.userId : null;
      const moved = await translated(() =>
        tx
          .updateTable('annotations')
          .set((eb) => ({ head_version: version, created_by: eb.fn.coalesce('created_by', eb.val(writer)) }))
          .where('id', '=', rev.annotationId)
          .where('head_version', '=', rev.expectedVersion)
          .returning('id')
          .executeTakeFirst(),
      );
      if (!moved) throw await this.#staleError(rev.annotationId, tx);
      const row = await translated(() =>
        tx
          .insertInto('revisions')
          .values({
            annotation_id: rev.annotationId,
            version,
            parent_version: version === 1 ? null : version - 1,
            author_user_id: rev.author.kind === 'user' ? rev.author.userId : null,
            author_model_name: rev.author.kind === 'model' ? rev.author.name : null,
            author_model_version: rev.author.kind === 'model' ? rev.author.version : null,
            source: rev.source,
            mask_hash: rev.maskHash,
            mask_encoding: rev.maskEncoding,
            idempotency_key: rev.idempotencyKey ?? null,
            created_at: this.#clock(),
          })
          .returningAll()
          .executeTakeFirstOrThrow(),
      );
      return toRevision(row);
    });
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

  async #staleError(annotationId: string, db: Kysely<DB> = this.#db): Promise<DelineateError> {
    const current = await db.selectFrom('annotations').select('head_version').where('id', '=', annotationId).executeTakeFirst();
    if (!current) return new DelineateError('DLN_NOT_FOUND', 'Annotation not found');
    return new DelineateError('DLN_REVISION_STALE', 'The annotation has changed since the version given', {
      currentVersion: current.head_version,
    });
  }
}

function isStale(e: unknown): boolean {
  return e instanceof DelineateError && e.code === 'DLN_REVISION_STALE';
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
