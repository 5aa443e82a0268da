import { MessageChannel, Worker } from 'node:worker_threads';
import { DelineateError, errorCodes, type ErrorCode, type Job } from '@delineate/schema';
import type { BlobStore, Clock, Database } from '@delineate/store';
import type { JobAuditSubject, JobHandler } from '@delineate/worker';
import { lendPlatform } from './thread-platform';
import type { JobThreadData, JobThreadResult, JobThreadTask } from './job-thread';

export interface JobThreadOptions {
  readonly database: Database;
  readonly blobs: BlobStore;
  readonly clock: Clock;
  /** The thread's V8 heap (old generation) in MiB; past it the job fails, not the process. Default 2048. */
  readonly maxHeapMb?: number;
  /**
   * A job still running after this long fails and its thread is ended, giving back its
   * connections: the bound on a stuck thread. Default 2 hours; the worker renews the job's lease
   * while its thread runs, so a long job is not claimed again meanwhile.
   */
  readonly timeoutMs?: number;
  /** A module exporting `threadJobHandlers()` to run instead of thread-jobs.ts (tests). */
  readonly handlersModule?: string;
}

export const DEFAULT_JOB_THREAD_TIMEOUT_MS = 2 * 60 * 60_000;

/** Job threads: each runs one job at a time and stays for the next; one that fails is replaced. */
export interface JobThreadPool {
  /** Handlers for `kinds` that run their jobs in the pool's threads. */
  handlers(kinds: readonly string[]): Record<string, JobHandler>;
  /** Starts a thread ahead of the first job, so that job does not wait for the code to load. */
  warm(): void;
  /** Ends every thread; a job still running fails. */
  close(): Promise<void>;
}

/** Why a job's thread failed it, for the job's kind: a code and words, never what the thread's error quoted. */
type Reason = (kind: string) => DelineateError;
const outOfMemory: Reason = (kind) => new DelineateError('DLN_JOB_THREAD_FAILED', `The ${kind} job ran out of memory in its thread`);
const threadError: Reason = (kind) => new DelineateError('DLN_JOB_THREAD_FAILED', `The ${kind} job’s thread failed`);
const threadEnded: Reason = (kind) => new DelineateError('DLN_JOB_THREAD_FAILED', `The ${kind} job’s thread ended before its result`);
const timedOut: Reason = (kind) => new DelineateError('DLN_JOB_THREAD_TIMEOUT', `The ${kind} job ran past its time limit in its thread`);

interface PooledThread {
  readonly worker: Worker;
  /** Set while a job runs: what ends it when the thread fails. */
  fail?: (reason: Reason) => void;
}

/**
 * Runs CPU-heavy jobs in worker threads, borrowing this thread's database and blob store
 * (thread-platform.ts), so the API keeps answering while a job computes. Threads are kept between
 * jobs: loading the job kinds' code takes seconds, which a thread per job paid every time. A job's
 * own error comes back with its message and code; a thread that ends, runs out of memory or runs
 * past its time limit fails the job with a DLN_JOB_THREAD_ code, and its lent connections are
 * rolled back and given back before the job's end is recorded.
 */
export function createJobThreadPool(options: JobThreadOptions): JobThreadPool {
  const idle: PooledThread[] = [];
  const all = new Set<PooledThread>();
  const timeoutMs = options.timeoutMs ?? DEFAULT_JOB_THREAD_TIMEOUT_MS;
  let closed = false;

  const start = (): PooledThread => {
    const data: JobThreadData = options.handlersModule ? { handlersModule: options.handlersModule } : {};
    const worker = new Worker(new URL('./job-thread.mjs', import.meta.url), { workerData: data, resourceLimits: { maxOldGenerationSizeMb: options.maxHeapMb ?? 2048 } });
    const thread: PooledThread = { worker };
    all.add(thread);
    const ended = (reason: Reason) => {
      all.delete(thread);
      const at = idle.indexOf(thread);
      if (at >= 0) idle.splice(at, 1);
      thread.fail?.(reason);
    };
    // The thread's own error may quote data: the job's reason names only what happened.
    worker.once('error', (error: Error & { code?: string }) => ended(error.code === 'ERR_WORKER_OUT_OF_MEMORY' ? outOfMemory : threadError));
    worker.once('exit', () => ended(threadEnded));
    return thread;
  };

  const take = (): PooledThread => {
    const thread = idle.pop() ?? start();
    thread.worker.ref();
    return thread;
  };
  const putBack = (thread: PooledThread) => {
    if (!all.has(thread) || closed) return;
    // An idle thread does not keep the process alive.
    thread.worker.unref();
    idle.push(thread);
  };

  const run: JobHandler = async (job: Job) => {
    if (closed) throw new DelineateError('DLN_JOB_THREAD_FAILED', `The ${job.kind} job was not started: its threads are closing`);
    const thread = take();
    const { port1, port2 } = new MessageChannel();
    const lending = lendPlatform(port1, options.database, options.blobs);
    let timer: NodeJS.Timeout | undefined;
    try {
      return await new Promise<JobAuditSubject | undefined>((resolve, reject) => {
        const onResult = (result: JobThreadResult) => {
          if (result.ok) return resolve(result.subject);
          const code = result.fields.code;
          reject(typeof code === 'string' && Object.hasOwn(errorCodes, code) ? new DelineateError(code as ErrorCode, result.message) : Object.assign(new Error(result.message), result.fields));
        };
        thread.worker.once('message', onResult);
        thread.fail = (reason) => {
          thread.worker.off('message', onResult);
          reject(reason(job.kind));
        };
        timer = setTimeout(() => {
          thread.fail?.(timedOut);
          thread.fail = undefined;
          all.delete(thread);
          void thread.worker.terminate();
        }, timeoutMs);
        const task: JobThreadTask = { job, port: port2, platform: lending.platform, clockOffsetMs: options.clock().getTime() - Date.now() };
        thread.worker.postMessage(task, [port2]);
      });
    } finally {
      clearTimeout(timer);
      thread.fail = undefined;
      // The job's end is recorded after its connections are back (on PGlite, the only one).
      await lending.revoke();
      putBack(thread);
    }
  };

  return {
    handlers: (kinds) => Object.fromEntries(kinds.map((kind) => [kind, run])),
    warm() {
      if (!closed && all.size === 0) putBack(start());
    },
    async close() {
      closed = true;
      idle.length = 0;
      await Promise.all([...all].map((thread) => thread.worker.terminate()));
    },
  };
}

/** Handlers for `kinds` that run in a pool of their own (see {@link createJobThreadPool}). */
export function threadedJobHandlers(kinds: readonly string[], options: JobThreadOptions): Record<string, JobHandler> {
  return createJobThreadPool(options).handlers(kinds);
}

/**
 * DELINEATE_JOB_THREADS (on unless `0`) and DELINEATE_JOB_THREAD_TIMEOUT_S (seconds a threaded job
 * may run, default 7,200); anything else is refused, not guessed at.
 */
export function jobThreadsFromEnv(env: Readonly<Record<string, string | undefined>>): { on: boolean; timeoutMs?: number } {
  const switched = env.DELINEATE_JOB_THREADS?.trim();
  if (switched !== undefined && switched !== '' && switched !== '0' && switched !== '1') {
    throw new DelineateError('DLN_CONFIG_INVALID', 'DELINEATE_JOB_THREADS must be 1 (the default) or 0');
  }
  const limit = env.DELINEATE_JOB_THREAD_TIMEOUT_S?.trim();
  if (limit === undefined || limit === '') return { on: switched !== '0' };
  const seconds = Number(limit);
  if (!Number.isInteger(seconds) || seconds < 1) throw new DelineateError('DLN_CONFIG_INVALID', 'DELINEATE_JOB_THREAD_TIMEOUT_S must be a whole number of seconds');
  return { on: switched !== '0', timeoutMs: seconds * 1000 };
}
