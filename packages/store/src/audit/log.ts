import type { KeyObject } from 'node:crypto';
import { sql, type Kysely, type Selectable } from 'kysely';
import type { AuditOutcome } from '@delineate/schema';
import { sealAuditRow, type AuditEntry, type AuditRecord } from './chain';
import {
  appendCheckpoint,
  readCheckpoints,
  signCheckpoint,
  type AuditCheckpoint,
  type AuditSigningKey,
} from './checkpoints';
import type { DB } from '../sql/tables';
import type { AuditEventsTable, AuditTables } from './tables';
import { verifyAuditRows, type AuditVerifyResult } from './verify';

export interface AuditLogOptions {
  readonly now: () => Date;
  /** Where signed checkpoints go; without it no checkpoints are written. */
  readonly checkpoints?: {
    readonly dataDir: string;
    readonly key: AuditSigningKey;
    /** Write a checkpoint after this many events since the last one (default 1000)… */
    readonly everyEvents?: number;
    /** …or when this much time has passed since the last one (default 5 minutes). */
    readonly everyMs?: number;
  };
}

/**
 * The tamper-evident audit log. One writer in order: appends are serialised in this process
 * and, across processes, by locking the single chain-head row (`SELECT … FOR UPDATE`) inside
 * the appending transaction, so two servers never chain onto the same previous hash.
 */
export class AuditLog {
  readonly #db: Kysely<AuditTables>;
  readonly #options: AuditLogOptions;
  #tail: Promise<unknown> = Promise.resolve();
  #lastCheckpoint: { sequence: number; atMs: number } | undefined;

  /** Takes the store's Kysely instance; this module sees only its own tables. */
  constructor(db: Kysely<DB>, options: AuditLogOptions) {
    this.#db = db as unknown as Kysely<AuditTables>;
    this.#options = options;
  }

  /** Appends one event and returns the sealed row. */
  append(entry: AuditEntry): Promise<AuditRecord> {
    return this.#serialise(async () => {
      const [row] = await this.#appendBatch([entry]);
      return row!;
    });
  }

  /** Appends several events in one transaction, in the given order. */
  appendMany(entries: readonly AuditEntry[]): Promise<AuditRecord[]> {
    if (entries.length === 0) return Promise.resolve([]);
    return this.#serialise(() => this.#appendBatch(entries));
  }

  /** Writes a signed checkpoint of the current head now (e.g. at shutdown). */
  checkpointNow(): Promise<AuditCheckpoint | undefined> {
    return this.#serialise(async () => {
      const head = await this.head();
      if (head.sequence === 0 || head.hash === null) return undefined;
      return this.#writeCheckpoint({ sequence: head.sequence, hash: head.hash });
    });
  }

  async head(): Promise<{ sequence: number; hash: string | null }> {
    const row = await this.#db.selectFrom('audit_chain_head').select(['sequence', 'hash']).where('id', '=', 1).executeTakeFirstOrThrow();
    return { sequence: Number(row.sequence), hash: row.hash };
  }

  /** Events whose time lies in [from, to), in sequence order; optionally of one project only. */
  async range(from: Date, to: Date, limit = 100_000, projectId?: string): Promise<AuditRecord[]> {
    let query = this.#db.selectFrom('audit_events').selectAll().where('time', '>=', from).where('time', '<', to);
    if (projectId !== undefined) query = query.where('project_id', '=', projectId);
    const rows = await query.orderBy('sequence').limit(limit).execute();
    return rows.map(toRecord);
  }

  /** Every row from the first, in pages, for verification and export. */
  async *rows(pageSize = 5000): AsyncGenerator<AuditRecord> {
    let after = 0;
    for (;;) {
      const page = await this.#db
        .selectFrom('audit_events')
        .selectAll()
        .where('sequence', '>', sql<string>`${after}`)
        .orderBy('sequence')
        .limit(pageSize)
        .execute();
      for (const row of page) yield toRecord(row);
      if (page.length < pageSize) return;
      after = Number(page[page.length - 1]!.sequence);
    }
  }

  /** Recomputes the whole chain and checks it against the signed checkpoints in `dataDir`. */
  async verify(dataDir: string, key: { readonly publicKey: KeyObject | undefined }): Promise<AuditVerifyResult> {
    const { checkpoints, malformedLines } = await readCheckpoints(dataDir);
    return verifyAuditRows({
      rows: this.rows(),
      checkpoints,
      malformedCheckpointLines: malformedLines,
      publicKey: key.publicKey,
      head: await this.head(),
    });
  }

  #serialise<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(work, work);
    this.#tail = run.catch(() => undefined);
    return run;
  }

  async #appendBatch(entries: readonly AuditEntry[]): Promise<AuditRecord[]> {
    const sealed = await this.#db.transaction().execute(async (trx) => {
      const head = await trx
        .selectFrom('audit_chain_head')
        .select(['sequence', 'hash'])
        .where('id', '=', 1)
        .forUpdate()
        .executeTakeFirstOrThrow();
      let sequence = Number(head.sequence);
      let previous = head.hash;
      const time = this.#options.now().toISOString();
      const rows: AuditRecord[] = [];
      for (const entry of entries) {
        sequence += 1;
        const row = sealAuditRow(entry, sequence, time, previous);
        rows.push(row);
        previous = row.hash;
      }
      await trx.insertInto('audit_events').values(rows.map(toColumns)).execute();
      await trx.updateTable('audit_chain_head').set({ sequence, hash: previous }).where('id', '=', 1).execute();
      return rows;
    });
    await this.#maybeCheckpoint(sealed[sealed.length - 1]!);
    return sealed;
  }

  async #maybeCheckpoint(last: AuditRecord): Promise<void> {
    const settings = this.#options.checkpoints;
    if (!settings) return;
    const nowMs = this.#options.now().getTime();
    this.#lastCheckpoint ??= { sequence: 0, atMs: nowMs };
    const dueByCount = last.sequence - this.#lastCheckpoint.sequence >= (settings.everyEvents ?? 1000);
    const dueByTime = nowMs - this.#lastCheckpoint.atMs >= (settings.everyMs ?? 5 * 60_000);
    if (dueByCount || dueByTime) await this.#writeCheckpoint({ sequence: last.sequence, hash: last.hash });
  }

  async #writeCheckpoint(head: { sequence: number; hash: string }): Promise<AuditCheckpoint | undefined> {
    const settings = this.#options.checkpoints;
    if (!settings) return undefined;
    const now = this.#options.now();
    const checkpoint = signCheckpoint(settings.key, { ...head, time: now.toISOString() });
    await appendCheckpoint(settings.dataDir, checkpoint);
    this.#lastCheckpoint = { sequence: head.sequence, atMs: now.getTime() };
    return checkpoint;
  }
}

function toColumns(row: AuditRecord) {
  return {
    sequence: row.sequence,
    time: row.time,
    actor_id: row.actorId,
    role: row.role,
    session_id: row.sessionId,
    address: row.address,
    action: row.action,
    object_type: row.objectType,
    object_id: row.objectId,
    project_id: row.projectId,
    subject_pseudonym: row.subjectPseudonym,
    purpose: row.purpose,
    outcome: row.outcome,
    count: row.count,
    previous_hash: row.previousHash,
    hash: row.hash,
  };
}

function toRecord(row: Selectable<AuditEventsTable>): AuditRecord {
  return {
    sequence: Number(row.sequence),
    time: new Date(row.time).toISOString(),
    actorId: row.actor_id,
    role: row.role as AuditRecord['role'],
    sessionId: row.session_id,
    address: row.address,
    action: row.action,
    objectType: row.object_type,
    objectId: row.object_id,
    projectId: row.project_id,
    subjectPseudonym: row.subject_pseudonym,
    purpose: row.purpose,
    outcome: row.outcome as AuditOutcome,
    count: Number(row.count),
    previousHash: row.previous_hash,
    hash: row.hash,
  };
}
