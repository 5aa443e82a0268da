import { DelineateError, JobKind, parseOrThrow, Region, type Job, type JobStatus } from '@delineate/schema';
import { sql, type Kysely, type Selectable } from 'kysely';
import type { DB, JobProgress, JobsTable } from '../sql/tables';
import { translated } from '../repositories/db-errors';

import type { Clock } from '../repositories/annotations';
import { withTransaction } from '../sql/transaction';

export interface JobQueueOptions {
  clock?: Clock;
  /** Delay before retry number `attempt` (1 = first retry); default 1 s doubling up to 5 min. */
  backoffMs?: (attempt: number) => number;
  /** A running job whose worker has not finished it after this long is claimable again (crashed worker). */
  leaseMs?: number;
}

export interface EnqueueInput {
  kind: string;
  region: Region;
  payload: Record<string, unknown>;
  /** Not before this time (default now). */
  runAt?: Date;
  maxAttempts?: number;
}

export interface ClaimInput {
  workerId: string;
  /** Workers only take jobs of their own region (data does not leave it). */
  region: Region;
  /** Only these kinds (default any). */
  kinds?: readonly string[];
}

const defaultBackoff = (attempt: number) => Math.min(1000 * 2 ** (attempt - 1), 5 * 60_000);
const MAX_ERROR_LENGTH = 2000;

/**
 * A small job queue in the jobs table: claim with `FOR UPDATE SKIP LOCKED` so N workers on
 * PostgreSQL never take one job twice (PGlite has one connection, so it serialises anyway),
 * retries with backoff, and a lease after which a crashed worker's job is taken again.
 */
export class JobQueue {
  readonly #db: Kysely<DB>;
  readonly #clock: Clock;
  readonly #backoffMs: (attempt: number) => number;
  readonly #leaseMs: number;

  constructor(db: Kysely<DB>, options: JobQueueOptions = {}) {
    this.#db = db;
    this.#clock = options.clock ?? (() => new Date());
    this.#backoffMs = options.backoffMs ?? defaultBackoff;
    this.#leaseMs = options.leaseMs ?? 10 * 60_000;
  }

  async enqueue(input: EnqueueInput): Promise<Job> {
    const kind = parseOrThrow(JobKind, input.kind);
    const region = parseOrThrow(Region, input.region);
    const maxAttempts = input.maxAttempts ?? 5;
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw new DelineateError('DLN_REQUEST_INVALID', 'maxAttempts must be a positive integer');
    const now = this.#clock();
    const row = await translated(() =>
      this.#db
        .insertInto('jobs')
        .values({
          kind,
          region,
          payload: JSON.stringify(input.payload),
          status: 'queued',
          max_attempts: maxAttempts,
          run_at: input.runAt ?? now,
          created_at: now,
        })
        .returningAll()
        .executeTakeFirstOrThrow(),
    );
    return toJob(row);
  }

  /** Takes the next due job of the worker's region, or undefined when there is none. */
  async claim(input: ClaimInput): Promise<Job | undefined> {
    const now = this.#clock();
    const staleBefore = new Date(now.getTime() - this.#leaseMs);
    const kinds = input.kinds;
    if (kinds !== undefined && kinds.length === 0) return undefined;
    const row = await translated(() =>
      this.#db
        .updateTable('jobs')
        .set((eb) => ({
          status: 'running',
          attempts: eb('attempts', '+', 1),
          locked_by: input.workerId,
          locked_at: now,
        }))
        .where('id', '=', (eb) => {
          let next = eb
            .selectFrom('jobs')
            .select('id')
            .where('region', '=', input.region)
            .where((w) =>
              w.or([
                w.and([w('status', '=', 'queued'), w('run_at', '<=', now)]),
                w.and([w('status', '=', 'running'), w('locked_at', '<', staleBefore)]),
              ]),
            );
          if (kinds !== undefined) next = next.where('kind', 'in', [...kinds]);
          return next.orderBy('run_at').orderBy('created_at').limit(1).forUpdate().skipLocked();
        })
        .returningAll()
        .executeTakeFirst(),
    );
    return row ? toJob(row) : undefined;
  }

  /** Marks a claimed job done; DLN_CONFLICT when the worker no longer holds it. */
  async complete(jobId: string, workerId: string): Promise<Job> {
    return this.#finish(jobId, workerId, () => ({ status: 'succeeded', finished_at: this.#clock(), locked_by: null, locked_at: null }));
  }

  /**
   * Records a failure: the job is queued again after the backoff, or failed for good once
   * it has used its attempts. `error` must not contain PHI (it is stored and shown to admins).
   */
  async fail(jobId: string, workerId: string, error: string): Promise<Job> {
    const lastError = error.slice(0, MAX_ERROR_LENGTH);
    return this.#finish(jobId, workerId, (job) => {
      const now = this.#clock();
      if (job.attempts >= job.max_attempts) {
        return { status: 'failed', finished_at: now, locked_by: null, locked_at: null, last_error: lastError };
      }
      return {
        status: 'queued',
        run_at: new Date(now.getTime() + this.#backoffMs(job.attempts)),
        locked_by: null,
        locked_at: null,
        last_error: lastError,
      };
    });
  }

  /**
   * Records where a running job is, and renews its lock so a long job (a slide conversion) is not
   * taken for a stalled one and claimed again. False when the job is no longer running.
   */
  async reportProgress(jobId: string, progress: JobProgress): Promise<boolean> {
    const updated = await translated(() =>
      this.#db
        .updateTable('jobs')
        .set({ progress: JSON.stringify(progress), locked_at: this.#clock() })
        .where('id', '=', jobId)
        .where('status', '=', 'running')
        .executeTakeFirst(),
    );
    return Number(updated.numUpdatedRows) > 0;
  }

  /** How long a running job's lock holds without renewal before another worker may take the job. */
  get leaseMs(): number {
    return this.#leaseMs;
  }

  /**
   * Renews the lock of a job this worker still runs, leaving its progress as it is: the worker's
   * heartbeat while a handler computes, so a job longer than the lease is not taken for a stalled
   * one. False when the job is no longer running under this worker.
   */
  async renewLease(jobId: string, workerId: string): Promise<boolean> {
    const updated = await translated(() =>
      this.#db
        .updateTable('jobs')
        .set({ locked_at: this.#clock() })
        .where('id', '=', jobId)
        .where('status', '=', 'running')
        .where('locked_by', '=', workerId)
        .executeTakeFirst(),
    );
    return Number(updated.numUpdatedRows) > 0;
  }

  /** The last progress a job reported, or null. */
  async progressOf(jobId: string): Promise<JobProgress | null> {
    const row = await translated(() => this.#db.selectFrom('jobs').select('progress').where('id', '=', jobId).executeTakeFirst());
    if (!row) throw new DelineateError('DLN_NOT_FOUND', 'Job not found');
    return row.progress;
  }

  async get(jobId: string): Promise<Job> {
    const row = await translated(() => this.#db.selectFrom('jobs').selectAll().where('id', '=', jobId).executeTakeFirst());
    if (!row) throw new DelineateError('DLN_NOT_FOUND', 'Job not found');
    return toJob(row);
  }

  /** Counts by status, e.g. for the health endpoint. */
  async counts(): Promise<Record<JobStatus, number>> {
    const rows = await translated(() =>
      this.#db.selectFrom('jobs').select(['status', sql<number>`count(*)::integer`.as('n')]).groupBy('status').execute(),
    );
    const counts: Record<JobStatus, number> = { queued: 0, running: 0, succeeded: 0, failed: 0 };
    for (const r of rows) counts[r.status as JobStatus] = r.n;
    return counts;
  }

  async #finish(
    jobId: string,
    workerId: string,
    change: (job: Selectable<JobsTable>) => {
      status: JobStatus;
      finished_at?: Date;
      run_at?: Date;
      locked_by: null;
      locked_at: null;
      last_error?: string;
    },
  ): Promise<Job> {
    return translated(() =>
      withTransaction(this.#db, async (tx) => {
        const job = await tx.selectFrom('jobs').selectAll().where('id', '=', jobId).forUpdate().executeTakeFirst();
        if (!job) throw new DelineateError('DLN_NOT_FOUND', 'Job not found');
        if (job.status !== 'running' || job.locked_by !== workerId) {
          throw new DelineateError('DLN_CONFLICT', 'The job is not held by this worker');
        }
        const row = await tx.updateTable('jobs').set(change(job)).where('id', '=', jobId).returningAll().executeTakeFirstOrThrow();
        return toJob(row);
      }),
    );
  }
}

function toJob(row: Selectable<JobsTable>): Job {
  return {
    id: row.id,
    kind: row.kind,
    region: row.region as Region,
    payload: row.payload as Job['payload'],
    status: row.status as JobStatus,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    runAt: row.run_at.toISOString(),
    lockedBy: row.locked_by,
    lockedAt: row.locked_at?.toISOString() ?? null,
    lastError: row.last_error,
    createdAt: row.created_at.toISOString(),
    finishedAt: row.finished_at?.toISOString() ?? null,
  };
}
