import { MessageChannel, Worker } from 'node:worker_threads';
import { DelineateError, errorCodes, type ErrorCode, type Job } from '@delineate/schema';
import type { BlobStore, Clock, Database } from '@delineate/store';
import type { JobHandler } from '@delineate/worker';
import { lendPlatform } from './thread-platform';
import type { JobThreadData, JobThreadResult } from './job-thread';

export interface JobThreadOptions {
  readonly database: Database;
  readonly blobs: BlobStore;
  readonly clock: Clock;
  /** The thread's V8 heap (old generation) in MiB; past it the job fails, not the process. Default 2048. */
  readonly maxHeapMb?: number;
  /** A module exporting `threadJobHandlers()` to run instead of thread-jobs.ts (tests). */
  readonly handlersModule?: string;
}

/**
 * Handlers for `kinds` that each run their job in a worker thread of its own, borrowing this
 * thread's database and blob store (thread-platform.ts), so the API keeps answering while a
 * job computes. A job's error comes back with its message and code; a thread that dies (out of
 * memory) fails the job, which the queue retries.
 */
export function threadedJobHandlers(kinds: readonly string[], options: JobThreadOptions): Record<string, JobHandler> {
  const run: JobHandler = (job: Job) =>
    new Promise((resolve, reject) => {
      const { port1, port2 } = new MessageChannel();
      const platform = lendPlatform(port1, options.database, options.blobs);
      const data: JobThreadData = {
        job,
        port: port2,
        platform,
        clockOffsetMs: options.clock().getTime() - Date.now(),
        ...(options.handlersModule ? { handlersModule: options.handlersModule } : {}),
      };
      const worker = new Worker(new URL('./job-thread.mjs', import.meta.url), {
        workerData: data,
        transferList: [port2],
        resourceLimits: { maxOldGenerationSizeMb: options.maxHeapMb ?? 2048 },
      });
      let settled = false;
      const settle = (done: () => void) => {
        if (settled) return;
        settled = true;
        port1.close();
        done();
      };
      worker.once('message', (result: JobThreadResult) =>
        settle(() => {
          if (result.ok) resolve(result.subject);
          else {
            const code = result.fields.code;
            reject(typeof code === 'string' && Object.hasOwn(errorCodes, code) ? new DelineateError(code as ErrorCode, result.message) : Object.assign(new Error(result.message), result.fields));
          }
        }),
      );
      worker.once('error', (error: Error & { code?: string }) =>
        settle(() => reject(new Error(error.code === 'ERR_WORKER_OUT_OF_MEMORY' ? `the ${job.kind} job ran out of memory in its thread` : `the ${job.kind} job's thread failed: ${error.message}`))),
      );
      worker.once('exit', (code) => settle(() => reject(new Error(`the ${job.kind} job's thread ended (exit ${code}) before its result`))));
    });
  return Object.fromEntries(kinds.map((kind) => [kind, run]));
}
