import type { KeyObject } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { DelineateError } from '@delineate/schema';
import type { AuditAnchor } from './anchor';
import { sealAuditRow, type AuditEntry, type AuditRecord } from './chain';
import {
  appendCheckpoint,
  readCheckpoints,
  signCheckpoint,
  type AuditCheckpoint,
  type AuditSigningKey,
} from './checkpoints';
import type { DB } from '../sql/tables';
import { auditRecordOf } from './records';
import type { AuditTables } from './tables';
import { verifyAuditRows, type AuditCheckpointPolicy, type AuditVerifyResult } from './verify';

/** Defaults of the checkpoint policy: 1000 events, 5 minutes, 2 minutes for the timer's tick. */
export const defaultCheckpointPolicy: AuditCheckpointPolicy = { everyEvents: 1000, everyMs: 5 * 60_000, graceMs: 2 * 60_000 };

export interface AuditVerifyOptions {
  /** The key the checkpoints must be signed with (best given apart from the data folder). */
  readonly publicKey: KeyObject | undefined;
  /** The append-only copy of the checkpoints; when given it is the reference. */
  readonly anchor?: AuditAnchor;
  /** The writer's checkpoint policy: with it, a missing or overdue checkpoint fails. */
  readonly policy?: AuditCheckpointPolicy;
  readonly now?: Date;
}

export interface AuditLogOptions {
  readonly now: () => Date;
  /** Where signed checkpoints go; without it no checkpoints are written. */
  readonly checkpoints?: {
    readonly dataDir: string;
    readonly key: AuditSigningKey;
    /** Write a checkpoint after this many events since the last one (default 1000)… */
    readonly everyEvents?: number;
    /** …or when this much time has passed since the last one and there were events (default 5 minutes). */
    readonly everyMs?: number;
    /** How late a time checkpoint may be (the timer's tick and slack; default 2 minutes). */
    readonly graceMs?: number;
    /** Each checkpoint goes here first, then to the data folder's file. */
    readonly anchor?: AuditAnchor;
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
  /** The last row this writer sealed: checkpoints sign what was written, not what the table says now. */
  #lastRow: { sequence: number; hash: string } | undefined;
  /** Single appends waiting for the next group commit, in call order. */
  #waiting: WaitingAppend[] = [];

  /** Takes the store's Kysely instance; this module sees only its own tables. */
  constructor(db: Kysely<DB>, options: AuditLogOptions) {
    this.#db = db as unknown as Kysely<AuditTables>;
    this.#options = options;
  }

  /**
   * Appends one event and returns the sealed row. Appends that arrive while another is being
   * written are committed together (group commit): one transaction, one lock of the chain head
   * and one insert for all of them, chained in call order exactly as one by one.
   */
  append(entry: AuditEntry): Promise<AuditRecord> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ entry, resolve, reject });
      if (this.#waiting.length === 1) void this.#serialise(() => this.#commitWaiting());
    });
  }

  /** Appends several events in one transaction, in the given order. */
  appendMany(entries: readonly AuditEntry[]): Promise<AuditRecord[]> {
    if (entries.length === 0) return Promise.resolve([]);
    return this.#serialise(() => this.#appendBatch(() => entries));
  }

  /** Writes a signed checkpoint of the current head now (e.g. at shutdown), unless one covers it already. */
  checkpointNow(): Promise<AuditCheckpoint | undefined> {
    return this.#serialise(async () => {
      const stored = await this.head();
      const head = this.#lastRow && this.#lastRow.sequence >= stored.sequence ? this.#lastRow : stored;
      if (head.sequence === 0 || head.hash === null) return undefined;
      await this.#loadLastCheckpoint();
      if (this.#lastCheckpoint?.sequence === head.sequence) return undefined;
      return this.#writeCheckpoint({ sequence: head.sequence, hash: head.hash });
    });
  }

  /**
   * The time rule between appends: call it on a timer. Checkpoints the last row written here
   * when `everyMs` has passed since the last checkpoint and there were events since.
   */
  checkpointIfDue(): Promise<AuditCheckpoint | undefined> {
    return this.#serialise(async () => {
      const settings = this.#options.checkpoints;
      const last = this.#lastRow;
      if (!settings || !last) return undefined;
      await this.#loadLastCheckpoint();
      const since = this.#lastCheckpoint!;
      if (last.sequence <= since.sequence) return undefined;
      if (this.#options.now().getTime() - since.atMs < this.policy.everyMs) return undefined;
      return this.#writeCheckpoint(last);
    });
  }

  /** The checkpoint policy this writer follows (the defaults when it writes none). */
  get policy(): AuditCheckpointPolicy {
    const settings = this.#options.checkpoints;
    return {
      everyEvents: settings?.everyEvents ?? defaultCheckpointPolicy.everyEvents,
      everyMs: settings?.everyMs ?? defaultCheckpointPolicy.everyMs,
      graceMs: settings?.graceMs ?? defaultCheckpointPolicy.graceMs,
    };
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
    return rows.map(auditRecordOf);
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
      for (const row of page) yield auditRecordOf(row);
      if (page.length < pageSize) return;
      after = Number(page[page.length - 1]!.sequence);
    }
  }

  /**
   * Recomputes the whole chain and checks it against the signed checkpoints in `dataDir` and,
   * when given, the anchor's copy and the checkpoint policy.
   */
  async verify(dataDir: string, options: AuditVerifyOptions): Promise<AuditVerifyResult> {
    const { checkpoints, malformedLines } = await readCheckpoints(dataDir);
    const anchor = options.anchor ? await options.anchor.read() : undefined;
    return verifyAuditRows({
      rows: this.rows(),
      checkpoints,
      malformedCheckpointLines: malformedLines,
      publicKey: options.publicKey,
      head: await this.head(),
      ...(anchor ? { anchor } : {}),
      ...(options.policy ? { policy: options.policy } : {}),
      ...(options.now ? { now: options.now } : {}),
    });
  }

  #serialise<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(work, work);
    this.#tail = run.catch(() => undefined);
    return run;
  }

  async #commitWaiting(): Promise<void> {
    let group: WaitingAppend[] = [];
    // The group is taken once the transaction holds the connection: appends made while it waited join it.
    const take = () => {
      group = this.#waiting;
      this.#waiting = [];
      return group.map((w) => w.entry);
    };
    try {
      const rows = await this.#appendBatch(take);
      group.forEach((w, i) => w.resolve(rows[i]!));
    } catch (error) {
      // The transaction may have failed before it took its group.
      if (group.length === 0) take();
      if (group.length === 1) return group[0]!.reject(error);
      // One event the database refuses must not fail the others: each is tried on its own.
      for (const w of group) await this.#appendBatch(() => [w.entry]).then(([row]) => w.resolve(row!), w.reject);
    }
  }

  /**
   * Appends `take()`'s events, taken once the connection is held so that appends made while it
   * waited join the group. After this writer's first append the group is chained onto the last
   * row written here in one statement (`#appendOnMine`); when the head has moved (another writer)
   * or that row changed, the locked transaction decides, as it always did.
   */
  async #appendBatch(take: () => readonly AuditEntry[]): Promise<AuditRecord[]> {
    let taken: readonly AuditEntry[] | undefined;
    const once = () => (taken ??= take());
    const mine = this.#lastRow;
    const sealed = (mine && (await this.#appendOnMine(mine, once))) || (await this.#appendLocked(mine, once));
    const last = sealed[sealed.length - 1];
    if (!last) return sealed;
    this.#lastRow = { sequence: last.sequence, hash: last.hash };
    await this.#maybeCheckpoint(last);
    return sealed;
  }

  /**
   * One statement instead of four (begin, lock, insert, commit): the head moves only if it is
   * still the last row written here and that row still holds the hash written, and the rows are
   * inserted only if it moved. A concurrent writer's update waits on the head row and then finds
   * it moved, so two writers never chain onto one hash. Undefined when it did not move.
   */
  async #appendOnMine(mine: { sequence: number; hash: string }, take: () => readonly AuditEntry[]): Promise<AuditRecord[] | undefined> {
    return this.#db.connection().execute(async (connection) => {
      const rows = this.#seal(take(), mine.sequence, mine.hash);
      const last = rows[rows.length - 1];
      if (!last) return rows;
      const result = await sql<{ written: number }>`
        with moved as (
          update audit_chain_head set sequence = ${last.sequence}, hash = ${last.hash}
          where id = 1 and sequence = ${mine.sequence} and hash = ${mine.hash}
            and (select e.hash from audit_events e where e.sequence = ${mine.sequence}) = ${mine.hash}
          returning id
        ), written as (
          insert into audit_events (${sql.raw(AUDIT_COLUMNS)})
          select ${sql.raw(AUDIT_COLUMNS.split(', ').map((c) => `r.${c}`).join(', '))}
          from moved, jsonb_populate_recordset(null::audit_events, ${JSON.stringify(rows.map(toColumns))}::jsonb) as r
          returning 1
        )
        select count(*)::integer as written from written`.execute(connection);
      return Number(result.rows[0]?.written) === rows.length ? rows : undefined;
    });
  }

  /** The chain head locked in a transaction, with the hash now stored in the last row written here. */
  async #appendLocked(mine: { sequence: number; hash: string } | undefined, take: () => readonly AuditEntry[]): Promise<AuditRecord[]> {
    let rewritten = false;
    return this.#db.transaction().execute(async (trx) => {
      const entries = take();
      if (entries.length === 0) return [];
      // The chain head, locked, with the hash now stored in the last row written here (one query).
      const head = await trx
        .selectFrom('audit_chain_head as h')
        .select(['h.sequence', 'h.hash'])
        .select((eb) =>
          eb
            .selectFrom('audit_events as e')
            .select('e.hash')
            .where('e.sequence', '=', sql<string>`${mine?.sequence ?? 0}`)
            .as('mine_hash'),
        )
        .where('h.id', '=', 1)
        .forUpdate('h')
        .executeTakeFirstOrThrow();
      if (mine) {
        // The last row written here must still be what was written: rows changed and re-chained
        // behind the writer (after the last checkpoint) would otherwise be chained onto and signed.
        if (head.mine_hash !== mine.hash || Number(head.sequence) < mine.sequence) {
          rewritten = true;
          throw new DelineateError('DLN_AUDIT_CHAIN_BROKEN', `Audit row ${mine.sequence} changed after this process wrote it; no further events are chained onto it`);
        }
      }
      const rows = this.#seal(entries, Number(head.sequence), head.hash);
      const last = rows[rows.length - 1]!;
      // The rows and the new head in one statement.
      await trx
        .with('sealed', (db) => db.insertInto('audit_events').values(rows.map(toColumns)))
        .updateTable('audit_chain_head')
        .set({ sequence: last.sequence, hash: last.hash })
        .where('id', '=', 1)
        .execute();
      return rows;
    }).catch(async (error: unknown) => {
      // Evidence first: sign and anchor what this process wrote, then fail closed.
      if (rewritten && mine) await this.#writeCheckpoint(mine).catch(() => undefined);
      throw error;
    });
  }

  /** The entries sealed in order after (`sequence`, `previous`), sharing one time. */
  #seal(entries: readonly AuditEntry[], sequence: number, previous: string | null): AuditRecord[] {
    const time = this.#options.now().toISOString();
    const rows: AuditRecord[] = [];
    for (const entry of entries) {
      const row = sealAuditRow(entry, ++sequence, time, previous);
      rows.push(row);
      previous = row.hash;
    }
    return rows;
  }

  async #maybeCheckpoint(last: AuditRecord): Promise<void> {
    if (!this.#options.checkpoints) return;
    await this.#loadLastCheckpoint();
    const since = this.#lastCheckpoint!;
    const policy = this.policy;
    const dueByCount = last.sequence - since.sequence >= policy.everyEvents;
    const dueByTime = this.#options.now().getTime() - since.atMs >= policy.everyMs;
    if (dueByCount || dueByTime) await this.#writeCheckpoint({ sequence: last.sequence, hash: last.hash });
  }

  /** After a restart the intervals continue from the last checkpoint on file. */
  async #loadLastCheckpoint(): Promise<void> {
    const settings = this.#options.checkpoints;
    if (this.#lastCheckpoint || !settings) return;
    const { checkpoints } = await readCheckpoints(settings.dataDir);
    const last = checkpoints.reduce<AuditCheckpoint | undefined>((a, c) => (a === undefined || c.sequence >= a.sequence ? c : a), undefined);
    this.#lastCheckpoint = last ? { sequence: last.sequence, atMs: Date.parse(last.time) } : { sequence: 0, atMs: this.#options.now().getTime() };
  }

  async #writeCheckpoint(head: { sequence: number; hash: string }): Promise<AuditCheckpoint | undefined> {
    const settings = this.#options.checkpoints;
    if (!settings) return undefined;
    const now = this.#options.now();
    const checkpoint = signCheckpoint(settings.key, { ...head, time: now.toISOString() });
    // The anchor first: the data folder's file then never holds a checkpoint the anchor lacks,
    // and a failed anchor write leaves the checkpoint due, to be retried at the next append or tick.
    await settings.anchor?.append(checkpoint);
    await appendCheckpoint(settings.dataDir, checkpoint);
    this.#lastCheckpoint = { sequence: head.sequence, atMs: now.getTime() };
    return checkpoint;
  }
}

interface WaitingAppend {
  readonly entry: AuditEntry;
  readonly resolve: (row: AuditRecord) => void;
  readonly reject: (error: unknown) => void;
}

const AUDIT_COLUMNS =
  'sequence, time, actor_id, role, session_id, address, action, object_type, object_id, project_id, subject_pseudonym, purpose, outcome, count, previous_hash, hash';

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
