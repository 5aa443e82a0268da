import { createHash, randomUUID } from 'node:crypto';
import { DelineateError, type UploadFileState, type UploadOutcome } from '@delineate/schema';
import { sql, type ColumnType, type Generated, type Kysely } from 'kysely';
import type { DB } from '../sql/tables';
import type { Clock } from '../repositories/annotations';
import { blobAddress } from '../blob/address';
import { openBlob, sealBlob } from '../blob/envelope';
import type { BlobKey } from '../blob/key';
import { openName, sealName } from './sealed-name';
import { checkUploadContent, checkUploadName } from './upload-kinds';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Bigint = ColumnType<number, number, number>;


interface UploadBatchesTable {
  id: Generated<string>;
  project_id: string;
  created_by: string | null;
  created_at: Timestamp;
  closed_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  job_id: ColumnType<string | null, string | null | undefined, string | null>;
}

interface UploadFilesTable {
  id: ColumnType<string, string, never>;
  batch_id: string;
  project_id: string;
  sealed_name: Uint8Array;
  size: Bigint;
  declared_sha256: string | null;
  content_sha256: ColumnType<string | null, string | null | undefined, string | null>;
  received: ColumnType<number, number | undefined, number>;
  state: UploadFileState;
  code: ColumnType<string | null, string | null | undefined, string | null>;
  reason: ColumnType<string | null, string | null | undefined, string | null>;
  outcome: ColumnType<UploadOutcome | null, string | null | undefined, string | null>;
  /** Migration 0946: the eye of a plain photograph, from the upload form. */
  laterality: ColumnType<'OD' | 'OS' | null, 'OD' | 'OS' | null | undefined, never>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

interface UploadChunksTable {
  file_id: string;
  start_offset: Bigint;
  length: number;
  sha256: string;
  sealed: Uint8Array;
}

type Tables = { upload_batches: UploadBatchesTable; upload_files: UploadFilesTable; upload_chunks: UploadChunksTable };

export interface UploadFile {
  readonly id: string;
  readonly batchId: string;
  readonly projectId: string;
  /** The name the browser gave, kept sealed at rest: a file name may name a patient. */
  readonly name: string;
  readonly size: number;
  readonly received: number;
  readonly state: UploadFileState;
  readonly code: string | null;
  readonly reason: string | null;
  readonly outcome: UploadOutcome | null;
  /** The eye a plain photograph shows (OD right, OS left), as the uploader named it; null otherwise. */
  readonly laterality: 'OD' | 'OS' | null;
}

export interface UploadBatch {
  readonly id: string;
  readonly projectId: string;
  /** Who started the batch: the author of a label map it brings. */
  readonly createdBy: string | null;
  readonly createdAt: Date;
  readonly closedAt: Date | null;
  readonly jobId: string | null;
}

export interface UploadStagingOptions {
  /** The blob key: chunks and names are sealed with the blob envelope (AES-256-GCM). */
  readonly key: BlobKey;
  readonly clock: Clock;
  /** The largest file one upload session takes. */
  readonly maxFileBytes: number;
}

/** The duplicate of a file already in the project (uploaded before, or ingested by the CLI). */
const DUPLICATE_REASON = 'The same file is already in this project; it was stored once';

/**
 * Resumable uploads into a project, staged in the database until the gate has run. Each chunk
 * is checked against the file's received offset and size, sealed with the blob key and stored
 * with the new offset in one transaction, so a chunk is either wholly received or not at all;
 * whatever the gate did with a file, its chunks are deleted after it.
 */
export class UploadStaging {
  readonly #db: Kysely<Tables>;
  readonly #options: UploadStagingOptions;

  constructor(db: Kysely<DB>, options: UploadStagingOptions) {
    this.#db = db as unknown as Kysely<Tables>;
    this.#options = options;
  }

  async createBatch(input: { projectId: string; userId: string | null }): Promise<UploadBatch> {
    const row = await this.#db
      .insertInto('upload_batches')
      .values({ project_id: input.projectId, created_by: input.userId, created_at: this.#options.clock() })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toBatch(row);
  }

  async batch(batchId: string): Promise<UploadBatch> {
    const row = await this.#db.selectFrom('upload_batches').selectAll().where('id', '=', batchId).executeTakeFirst();
    if (!row) throw new DelineateError('DLN_NOT_FOUND', 'Upload batch not found');
    return toBatch(row);
  }

  /** A new upload session in an open batch; refused up front for a kind the gate does not take. */
  async createFile(input: { batchId: string; name: string; size: number; sha256?: string | undefined; laterality?: 'OD' | 'OS' | undefined }): Promise<UploadFile> {
    checkUploadName(input.name);
    if (input.size > this.#options.maxFileBytes) throw new DelineateError('DLN_UPLOAD_TOO_LARGE', 'The file is larger than this server takes in one upload', { limit: this.#options.maxFileBytes });
    const batch = await this.batch(input.batchId);
    if (batch.closedAt) throw new DelineateError('DLN_UPLOAD_CLOSED', 'This upload batch is closed; start a new one');
    const now = this.#options.clock();
    const id = randomUUID();
    const row = await this.#db
      .insertInto('upload_files')
      .values({
        id,
        batch_id: batch.id,
        project_id: batch.projectId,
        sealed_name: sealName(this.#options.key, id, input.name),
        size: input.size,
        declared_sha256: input.sha256 ?? null,
        laterality: input.laterality ?? null,
        state: 'uploading',
        created_at: now,
        updated_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return this.#toFile(row);
  }

  async file(fileId: string): Promise<UploadFile> {
    const row = await this.#db.selectFrom('upload_files').selectAll().where('id', '=', fileId).executeTakeFirst();
    if (!row) throw new DelineateError('DLN_NOT_FOUND', 'Upload not found');
    return this.#toFile(row);
  }

  async files(batchId: string): Promise<UploadFile[]> {
    const rows = await this.#db.selectFrom('upload_files').selectAll().where('batch_id', '=', batchId).orderBy('created_at').orderBy('id').execute();
    return rows.map((row) => this.#toFile(row));
  }

  /**
   * Takes the bytes at `offset`, which must be exactly what was received so far. Returns the new
   * offset. The checks, the sealed chunk and the new offset are one statement: a chunk is either
   * wholly received or not at all, and a chunk costs one round trip to the database.
   */
  async appendChunk(fileId: string, offset: number, bytes: Uint8Array): Promise<number> {
    if (bytes.length === 0) throw new DelineateError('DLN_REQUEST_INVALID', 'A chunk holds at least one byte');
    if (offset === 0) await this.#checkContent(fileId, bytes);
    const hash = blobAddress(bytes);
    const sealed = sealBlob(this.#options.key, hash, bytes);
    const next = offset + bytes.length;
    const taken = await sql<{ file_id: string }>`
      with advanced as (
        update upload_files set received = ${next}, updated_at = ${this.#options.clock()}
        where id = ${fileId} and state = 'uploading' and received = ${offset} and size >= ${next}
        returning id
      )
      insert into upload_chunks (file_id, start_offset, length, sha256, sealed)
      select id, ${offset}, ${bytes.length}, ${hash}, ${sealed} from advanced
      returning file_id`.execute(this.#db);
    if (taken.rows.length === 1) return next;
    throw await this.#refusal(fileId, offset, next);
  }

  /** Why a chunk was not taken: the file is gone, closed, elsewhere, or the chunk runs past its end. */
  async #refusal(fileId: string, offset: number, end: number): Promise<DelineateError> {
    const file = await this.#db.selectFrom('upload_files').select(['state', 'received', 'size']).where('id', '=', fileId).executeTakeFirst();
    if (!file) return new DelineateError('DLN_NOT_FOUND', 'Upload not found');
    if (file.state !== 'uploading') return new DelineateError('DLN_UPLOAD_CLOSED', 'This upload is complete; it takes no more bytes');
    const received = Number(file.received);
    if (offset !== received) return new DelineateError('DLN_UPLOAD_OFFSET', `The chunk starts at ${offset} but the server has ${received} bytes; resume from there`, { received });
    if (end > Number(file.size)) return new DelineateError('DLN_UPLOAD_PAST_END', 'The chunk ends past the size declared for the file', { size: Number(file.size) });
    return new DelineateError('DLN_UPLOAD_OFFSET', 'Another chunk of this file arrived at the same time; ask where to resume', { received });
  }

  /**
   * The first chunk shows what the file is: a kind the gate does not take is refused for good,
   * and the file is answered (rejected, its reason kept), not left uploading.
   */
  async #checkContent(fileId: string, head: Uint8Array): Promise<void> {
    try {
      checkUploadContent(head);
    } catch (error) {
      const refusal = error as DelineateError;
      const rejected = await this.#db
        .updateTable('upload_files')
        .set({ state: 'rejected', code: refusal.code, reason: refusal.message, updated_at: this.#options.clock() })
        .where('id', '=', fileId)
        .where('state', '=', 'uploading')
        .where('received', '=', 0)
        .returning('id')
        .executeTakeFirst();
      // A file already past its first chunk (or closed) is answered by the usual checks instead.
      if (rejected) throw refusal;
    }
  }

  /**
   * Ends a file's upload: every byte must be there and match the declared SHA-256. A file whose
   * content is already in the project is a duplicate, kept once; otherwise it waits for the gate.
   * A refused file keeps nothing: its chunks are deleted with the refusal.
   */
  async complete(fileId: string): Promise<UploadFile> {
    const row = await this.#db.selectFrom('upload_files').selectAll().where('id', '=', fileId).executeTakeFirst();
    if (!row) throw new DelineateError('DLN_NOT_FOUND', 'Upload not found');
    const file = this.#toFile(row);
    if (file.state !== 'uploading') return file;
    if (file.received < file.size) throw new DelineateError('DLN_UPLOAD_INCOMPLETE', `The server has ${file.received} of ${file.size} bytes; send the rest first`, { received: file.received });
    const sha256 = await this.#digest(fileId);
    if (row.declared_sha256 && row.declared_sha256 !== sha256) {
      await this.settle(fileId, 'rejected', { code: 'DLN_UPLOAD_HASH_MISMATCH', reason: 'The received bytes do not match the SHA-256 given for the file' });
      throw new DelineateError('DLN_UPLOAD_HASH_MISMATCH', 'The received bytes do not match the SHA-256 given for the file; upload it again');
    }
    const done = await this.#db.transaction().execute(async (tx) => {
      // Serialises completions in the project, so two copies completing together are still one.
      await sql`select pg_advisory_xact_lock(hashtext(${`upload:${file.projectId}`}))`.execute(tx);
      const duplicate = await this.#hasContent(tx, file.projectId, sha256, fileId);
      if (duplicate) await tx.deleteFrom('upload_chunks').where('file_id', '=', fileId).execute();
      return tx
        .updateTable('upload_files')
        .set({ content_sha256: sha256, state: duplicate ? 'duplicate' : 'waiting', code: duplicate ? 'DLN_INGEST_DUPLICATE' : null, reason: duplicate ? DUPLICATE_REASON : null, updated_at: this.#options.clock() })
        .where('id', '=', fileId)
        .returningAll()
        .executeTakeFirstOrThrow();
    });
    return this.#toFile(done);
  }

  /** Closes the batch to new files and names the gate job that takes its waiting files. */
  async close(batchId: string, jobId: string | null): Promise<UploadBatch> {
    const row = await this.#db
      .updateTable('upload_batches')
      .set({ closed_at: this.#options.clock(), job_id: jobId })
      .where('id', '=', batchId)
      .where('closed_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
    if (!row) throw new DelineateError('DLN_UPLOAD_CLOSED', 'This upload batch is already closed');
    return toBatch(row);
  }

  /** The files of a batch waiting for the gate, marked as in the gate. */
  async takeWaiting(batchId: string): Promise<UploadFile[]> {
    const rows = await this.#db
      .updateTable('upload_files')
      .set({ state: 'gating', updated_at: this.#options.clock() })
      .where('batch_id', '=', batchId)
      .where('state', 'in', ['waiting', 'gating'])
      .returningAll()
      .execute();
    return rows.map((row) => this.#toFile(row)).sort((a, b) => a.id.localeCompare(b.id));
  }

  /** The whole file, its chunks unsealed (each checked against its own SHA-256) in offset order. */
  async content(fileId: string): Promise<Uint8Array> {
    const rows = await this.#db.selectFrom('upload_chunks').select(['start_offset', 'length', 'sha256', 'sealed']).where('file_id', '=', fileId).orderBy('start_offset').execute();
    const total = rows.reduce((sum, r) => sum + r.length, 0);
    const out = new Uint8Array(total);
    for (const row of rows) out.set(openBlob(this.#options.key, row.sha256, row.sealed), Number(row.start_offset));
    return out;
  }

  /**
   * The file's SHA-256, one chunk unsealed at a time (a file may be far larger than a chunk). A
   * file sent in one chunk (most DICOM slices) has its chunk's address, already checked when the
   * chunk is opened for the gate: nothing is read back.
   */
  async #digest(fileId: string): Promise<string> {
    const chunks = await this.#db.selectFrom('upload_chunks').select(['start_offset', 'sha256']).where('file_id', '=', fileId).orderBy('start_offset').execute();
    if (chunks.length === 1) return chunks[0]!.sha256;
    const hash = createHash('sha256');
    for (const { start_offset } of chunks) {
      const row = await this.#db.selectFrom('upload_chunks').select(['sha256', 'sealed']).where('file_id', '=', fileId).where('start_offset', '=', start_offset).executeTakeFirstOrThrow();
      hash.update(openBlob(this.#options.key, row.sha256, row.sealed));
    }
    return hash.digest('hex');
  }

  /** Records the gate's answer for a file and deletes its staged bytes, in one transaction. */
  async settle(fileId: string, state: Exclude<UploadFileState, 'uploading' | 'waiting' | 'gating'>, detail: { code?: string | null; reason?: string | null; outcome?: UploadOutcome | null } = {}): Promise<void> {
    await this.#db.transaction().execute(async (tx) => {
      await tx
        .updateTable('upload_files')
        .set({ state, code: detail.code ?? null, reason: detail.reason ?? null, outcome: detail.outcome ? JSON.stringify(detail.outcome) : null, updated_at: this.#options.clock() })
        .where('id', '=', fileId)
        .execute();
      await tx.deleteFrom('upload_chunks').where('file_id', '=', fileId).execute();
    });
  }

  /** Bytes still staged for a file (for tests and the sweep): zero once the gate has run. */
  async stagedBytes(fileId: string): Promise<number> {
    const row = await this.#db.selectFrom('upload_chunks').select(sql<number>`coalesce(sum(length), 0)::bigint`.as('n')).where('file_id', '=', fileId).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async #hasContent(tx: Kysely<Tables>, projectId: string, sha256: string, exceptFileId: string): Promise<boolean> {
    const uploaded = await tx
      .selectFrom('upload_files')
      .select('id')
      .where('project_id', '=', projectId)
      .where('content_sha256', '=', sha256)
      .where('id', '<>', exceptFileId)
      .where('state', 'in', ['waiting', 'gating', 'passed', 'quarantined'])
      .executeTakeFirst();
    if (uploaded) return true;
    const recorded = await (tx as unknown as Kysely<DB>).selectFrom('deid_records').select('id').where('project_id', '=', projectId).where('source_hash', '=', sha256).executeTakeFirst();
    return recorded !== undefined;
  }

  #toFile(row: { id: string; batch_id: string; project_id: string; sealed_name: Uint8Array; size: number; received: number; state: UploadFileState; code: string | null; reason: string | null; outcome: UploadOutcome | null; laterality?: 'OD' | 'OS' | null }): UploadFile {
    return {
      id: row.id,
      batchId: row.batch_id,
      projectId: row.project_id,
      name: openName(this.#options.key, row.id, row.sealed_name),
      size: Number(row.size),
      received: Number(row.received),
      state: row.state,
      code: row.code,
      reason: row.reason,
      outcome: row.outcome,
      laterality: row.laterality ?? null,
    };
  }
}

function toBatch(row: { id: string; project_id: string; created_by: string | null; created_at: Date; closed_at: Date | null; job_id: string | null }): UploadBatch {
  return { id: row.id, projectId: row.project_id, createdBy: row.created_by, createdAt: row.created_at, closedAt: row.closed_at, jobId: row.job_id };
}
