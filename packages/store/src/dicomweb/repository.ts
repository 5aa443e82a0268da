import type { Kysely, Selectable } from 'kysely';
import { DelineateError } from '@delineate/schema';
import type { Clock } from '../repositories/annotations';
import type { DB } from '../sql/tables';
import { dicomwebDb, type DicomwebDb, type DicomwebTables } from './tables';

/** A project's PACS connection as stored: the password only sealed (the server holds the key). */
export interface DicomwebConnection {
  readonly projectId: string;
  readonly baseUrl: string;
  readonly username: string | null;
  readonly sealedPassword: string | null;
  readonly timeoutMs: number;
  readonly maxInstanceBytes: number;
  readonly updatedAt: string;
  readonly updatedBy: string | null;
}

export type DicomwebConnectionInput = Omit<DicomwebConnection, 'updatedAt'>;

/** A retrieval's progress and outcome: counts only, never a source UID. */
export interface DicomwebRetrieval {
  readonly id: string;
  readonly projectId: string;
  readonly requestedBy: string | null;
  readonly status: 'running' | 'succeeded' | 'failed';
  readonly targets: number;
  readonly targetsDone: number;
  readonly received: number;
  readonly passed: number;
  readonly quarantined: number;
  readonly rejected: number;
  readonly duplicates: number;
  readonly itemIds: string[];
  readonly errorCode: string | null;
  readonly error: string | null;
  readonly createdAt: string;
  readonly finishedAt: string | null;
}

export type RetrievalProgress = Partial<Pick<DicomwebRetrieval, 'targetsDone' | 'received' | 'passed' | 'quarantined' | 'rejected' | 'duplicates' | 'itemIds'>>;

/** One STOW-RS send and the PACS's answer. */
export interface DicomwebSend {
  readonly id: string;
  readonly projectId: string;
  readonly sentBy: string | null;
  readonly source: 'release' | 'revision';
  readonly releaseId: string | null;
  readonly exportId: string | null;
  readonly annotationId: string | null;
  readonly revisionVersion: number | null;
  readonly instances: number;
  readonly status: 'stored' | 'partial' | 'failed';
  readonly httpStatus: number | null;
  readonly stored: number;
  readonly failed: number;
  readonly errorCode: string | null;
  readonly createdAt: string;
}

export type DicomwebSendInput = Omit<DicomwebSend, 'id' | 'createdAt'>;

const iso = (d: Date | string) => new Date(d).toISOString();

export class DicomwebRepository {
  readonly #db: DicomwebDb;
  readonly #clock: Clock;

  constructor(db: Kysely<DB>, options: { clock: Clock }) {
    this.#db = dicomwebDb(db);
    this.#clock = options.clock;
  }

  async connection(projectId: string): Promise<DicomwebConnection | undefined> {
    const row = await this.#db.selectFrom('dicomweb_connections').selectAll().where('project_id', '=', projectId).executeTakeFirst();
    return row ? toConnection(row) : undefined;
  }

  /** Creates or replaces the project's connection. */
  async saveConnection(input: DicomwebConnectionInput): Promise<DicomwebConnection> {
    const values = {
      base_url: input.baseUrl,
      username: input.username,
      sealed_password: input.sealedPassword,
      timeout_ms: input.timeoutMs,
      max_instance_bytes: input.maxInstanceBytes,
      updated_at: this.#clock(),
      updated_by: input.updatedBy,
    };
    const row = await this.#db
      .insertInto('dicomweb_connections')
      .values({ project_id: input.projectId, ...values })
      .onConflict((oc) => oc.column('project_id').doUpdateSet(values))
      .returningAll()
      .executeTakeFirstOrThrow();
    return toConnection(row);
  }

  /** Records a search: the fields it used (names only) and how many matches came back, or its error code. */
  async recordQuery(input: { projectId: string; userId: string | null; level: 'studies' | 'series'; fields: readonly string[]; matches: number | null; errorCode: string | null }): Promise<void> {
    await this.#db
      .insertInto('dicomweb_queries')
      .values({ project_id: input.projectId, user_id: input.userId, level: input.level, fields: JSON.stringify(input.fields), matches: input.matches, error_code: input.errorCode, created_at: this.#clock() })
      .execute();
  }

  async queries(projectId: string): Promise<Array<{ level: string; fields: string[]; matches: number | null; errorCode: string | null; userId: string | null; createdAt: string }>> {
    const rows = await this.#db.selectFrom('dicomweb_queries').selectAll().where('project_id', '=', projectId).orderBy('created_at').orderBy('id').execute();
    return rows.map((r) => ({ level: r.level, fields: r.fields, matches: r.matches, errorCode: r.error_code, userId: r.user_id, createdAt: iso(r.created_at) }));
  }

  async startRetrieval(input: { projectId: string; requestedBy: string | null; targets: number }): Promise<DicomwebRetrieval> {
    const row = await this.#db
      .insertInto('dicomweb_retrievals')
      .values({ project_id: input.projectId, requested_by: input.requestedBy, status: 'running', targets: input.targets, error_code: null, error: null, created_at: this.#clock() })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toRetrieval(row);
  }

  async recordProgress(id: string, progress: RetrievalProgress): Promise<void> {
    await this.#db
      .updateTable('dicomweb_retrievals')
      .set({
        ...(progress.targetsDone !== undefined ? { targets_done: progress.targetsDone } : {}),
        ...(progress.received !== undefined ? { received: progress.received } : {}),
        ...(progress.passed !== undefined ? { passed: progress.passed } : {}),
        ...(progress.quarantined !== undefined ? { quarantined: progress.quarantined } : {}),
        ...(progress.rejected !== undefined ? { rejected: progress.rejected } : {}),
        ...(progress.duplicates !== undefined ? { duplicates: progress.duplicates } : {}),
        ...(progress.itemIds !== undefined ? { item_ids: JSON.stringify(progress.itemIds) } : {}),
      })
      .where('id', '=', id)
      .execute();
  }

  async finishRetrieval(id: string, outcome: { status: 'succeeded' } | { status: 'failed'; errorCode: string; error: string }): Promise<DicomwebRetrieval> {
    const row = await this.#db
      .updateTable('dicomweb_retrievals')
      .set({ status: outcome.status, finished_at: this.#clock(), ...(outcome.status === 'failed' ? { error_code: outcome.errorCode, error: outcome.error } : {}) })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    return toRetrieval(row);
  }

  /** The keyed hashes of the instances this retrieval has put through the gate (to skip on resume). */
  async gatedInstances(id: string): Promise<Set<string>> {
    const rows = await this.#db.selectFrom('dicomweb_retrieval_instances').select('instance_hash').where('retrieval_id', '=', id).execute();
    return new Set(rows.map((r) => r.instance_hash));
  }

  async recordGated(id: string, instanceHashes: readonly string[]): Promise<void> {
    if (instanceHashes.length === 0) return;
    await this.#db
      .insertInto('dicomweb_retrieval_instances')
      .values(instanceHashes.map((instance_hash) => ({ retrieval_id: id, instance_hash })))
      .onConflict((oc) => oc.doNothing())
      .execute();
  }

  /** A retrieval by id alone, for the runner resuming it. */
  async retrievalById(id: string): Promise<DicomwebRetrieval> {
    const row = await this.#db.selectFrom('dicomweb_retrievals').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new DelineateError('DLN_DICOMWEB_RETRIEVAL_NOT_FOUND', 'No retrieval with that id');
    return toRetrieval(row);
  }

  async retrieval(projectId: string, id: string): Promise<DicomwebRetrieval> {
    const row = await this.#db.selectFrom('dicomweb_retrievals').selectAll().where('id', '=', id).where('project_id', '=', projectId).executeTakeFirst();
    if (!row) throw new DelineateError('DLN_DICOMWEB_RETRIEVAL_NOT_FOUND', 'This project has no retrieval with that id');
    return toRetrieval(row);
  }

  async retrievals(projectId: string): Promise<DicomwebRetrieval[]> {
    const rows = await this.#db.selectFrom('dicomweb_retrievals').selectAll().where('project_id', '=', projectId).orderBy('created_at', 'desc').orderBy('id').limit(50).execute();
    return rows.map(toRetrieval);
  }

  async recordSend(input: DicomwebSendInput): Promise<DicomwebSend> {
    const row = await this.#db
      .insertInto('dicomweb_sends')
      .values({
        project_id: input.projectId,
        sent_by: input.sentBy,
        source: input.source,
        release_id: input.releaseId,
        export_id: input.exportId,
        annotation_id: input.annotationId,
        revision_version: input.revisionVersion,
        instances: input.instances,
        status: input.status,
        http_status: input.httpStatus,
        stored: input.stored,
        failed: input.failed,
        error_code: input.errorCode,
        created_at: this.#clock(),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toSend(row);
  }

  async sends(projectId: string): Promise<DicomwebSend[]> {
    const rows = await this.#db.selectFrom('dicomweb_sends').selectAll().where('project_id', '=', projectId).orderBy('created_at', 'desc').orderBy('id').limit(50).execute();
    return rows.map(toSend);
  }
}

function toConnection(row: Selectable<DicomwebTables['dicomweb_connections']>): DicomwebConnection {
  return {
    projectId: row.project_id,
    baseUrl: row.base_url,
    username: row.username,
    sealedPassword: row.sealed_password,
    timeoutMs: row.timeout_ms,
    maxInstanceBytes: Number(row.max_instance_bytes),
    updatedAt: iso(row.updated_at),
    updatedBy: row.updated_by,
  };
}

function toRetrieval(row: Selectable<DicomwebTables['dicomweb_retrievals']>): DicomwebRetrieval {
  return {
    id: row.id,
    projectId: row.project_id,
    requestedBy: row.requested_by,
    status: row.status as DicomwebRetrieval['status'],
    targets: row.targets,
    targetsDone: row.targets_done,
    received: row.received,
    passed: row.passed,
    quarantined: row.quarantined,
    rejected: row.rejected,
    duplicates: row.duplicates,
    itemIds: row.item_ids,
    errorCode: row.error_code,
    error: row.error,
    createdAt: iso(row.created_at),
    finishedAt: row.finished_at ? iso(row.finished_at) : null,
  };
}

function toSend(row: Selectable<DicomwebTables['dicomweb_sends']>): DicomwebSend {
  return {
    id: row.id,
    projectId: row.project_id,
    sentBy: row.sent_by,
    source: row.source as DicomwebSend['source'],
    releaseId: row.release_id,
    exportId: row.export_id,
    annotationId: row.annotation_id,
    revisionVersion: row.revision_version,
    instances: row.instances,
    status: row.status as DicomwebSend['status'],
    httpStatus: row.http_status,
    stored: row.stored,
    failed: row.failed,
    errorCode: row.error_code,
    createdAt: iso(row.created_at),
  };
}
