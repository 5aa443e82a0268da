import { randomUUID } from 'node:crypto';
import { isDelineateError, type Job, type Region } from '@delineate/schema';
import { JobQueue, type AuditLog, type BlobStore, type Clock, type Database } from '@delineate/store';

export interface WorkerContext {
  readonly database: Database;
  readonly blobs: BlobStore;
  readonly clock: Clock;
}

/** What a job's audit event names: by default the job itself; a handler may name what it worked on. */
export interface JobAuditSubject {
  readonly objectType: string;
  readonly objectId: string | null;
  readonly projectId?: string | null;
}

/** Does one job; throws to fail it (the queue retries with backoff until its attempts run out). */
export type JobHandler = (job: Job, context: WorkerContext) => Promise<void | JobAuditSubject>;

/** Where the worker records each job's end (the platform's tamper-evident audit log). */
export type JobAuditLog = Pick<AuditLog, 'append'>;

export interface WorkerOptions extends WorkerContext {
  /** Workers claim only jobs of their own region (ARCHITECTURE §4, data residency). */
  readonly region: Region;
  readonly handlers: Readonly<Record<string, JobHandler>>;
  /** Every job that ends (succeeded or failed) leaves an event here, actor null (the system). */
  readonly audit: JobAuditLog;
  readonly workerId?: string;
  /** Wait between polls when the queue is empty (default 500 ms). */
  readonly idleMs?: number;
  readonly onError?: (job: Job, summary: string) => void;
  /** The job queue's lease (default 10 minutes); the worker renews it every third of it while a job runs. */
  readonly leaseMs?: number;
}

export interface Worker {
  readonly id: string;
  /** Claims and runs one job; false when there was none. */
  runOnce(): Promise<boolean>;
  /** Polls until {@link Worker.stop}. */
  start(): void;
  /** Stops polling and waits for the job in hand to finish. */
  stop(): Promise<void>;
}

/** What a failed job records: its stable code and message, or the error's type. Never raw text that may quote data. */
function failureSummary(error: unknown): string {
  if (isDelineateError(error)) return `${error.code}: ${error.message}`;
  return `unexpected ${error instanceof Error ? error.name : typeof error}`;
}

export function createWorker(options: WorkerOptions): Worker {
  const id = options.workerId ?? `worker-${randomUUID()}`;
  const queue = new JobQueue(options.database.db, { clock: options.clock, ...(options.leaseMs !== undefined ? { leaseMs: options.leaseMs } : {}) });
  const kinds = Object.keys(options.handlers);
  const context: WorkerContext = { database: options.database, blobs: options.blobs, clock: options.clock };
  let running = false;
  let loop: Promise<void> | undefined;
  let wake: (() => void) | undefined;

  const runOnce = async (): Promise<boolean> => {
    if (kinds.length === 0) return false;
    const job = await queue.claim({ workerId: id, region: options.region, kinds });
    if (!job) return false;
    const handler = options.handlers[job.kind];
    const payloadProject = typeof job.payload.projectId === 'string' ? job.payload.projectId : null;
    let subject: JobAuditSubject = { objectType: 'job', objectId: job.id, projectId: payloadProject };
    let outcome: 'success' | 'error' = 'success';
    // A heartbeat while the handler runs: a job longer than the lease (a large release export) is
    // not claimed again by another worker; a worker that dies stops renewing and its job is retaken.
    const heartbeat = setInterval(() => void queue.renewLease(job.id, id).catch(() => undefined), Math.max(1000, Math.floor(queue.leaseMs / 3)));
    heartbeat.unref();
    try {
      if (!handler) throw new Error('no handler');
      const named = await handler(job, context);
      if (named) subject = { ...named, projectId: named.projectId ?? payloadProject };
      await queue.complete(job.id, id);
    } catch (error) {
      const summary = failureSummary(error);
      outcome = 'error';
      options.onError?.(job, summary);
      await queue.fail(job.id, id, summary);
    } finally {
      clearInterval(heartbeat);
    }
    // After the queue has the result: a failed audit write is reported, and the job's result stands.
    const event = {
      actorId: null,
      role: null,
      sessionId: null,
      address: null,
      action: `job.${job.kind}.${outcome === 'success' ? 'succeeded' : 'failed'}`,
      objectType: subject.objectType,
      objectId: subject.objectId,
      projectId: subject.projectId ?? null,
      subjectPseudonym: null,
      purpose: null,
      outcome,
    } as const;
    try {
      await options.audit.append(event);
    } catch {
      options.onError?.(job, 'DLN_INTERNAL: the audit event of the job could not be written');
    }
    return true;
  };

  const pollLoop = async () => {
    while (running) {
      let worked = false;
      try {
        worked = await runOnce();
      } catch {
        // The database may be restarting; try again after the idle wait.
      }
      if (!worked && running) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, options.idleMs ?? 500);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = undefined;
      }
    }
  };

  return {
    id,
    runOnce,
    start() {
      if (running) return;
      running = true;
      loop = pollLoop();
    },
    async stop() {
      running = false;
      wake?.();
      await loop;
    },
  };
}
