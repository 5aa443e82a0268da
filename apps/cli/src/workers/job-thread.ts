import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import type { Job } from '@delineate/schema';
import type { JobAuditSubject, JobHandler } from '@delineate/worker';
import { borrowPlatform, type LentPlatform } from './thread-platform';

/** What a job thread is started with. */
export interface JobThreadData {
  /** A module exporting `threadJobHandlers()` other than this process's own (tests). */
  readonly handlersModule?: string;
}

/** One job for the thread: the job, the lent platform's port and the clock's offset. */
export interface JobThreadTask {
  readonly job: Job;
  readonly port: MessagePort;
  readonly platform: LentPlatform;
  /** The serving thread's clock minus this machine's (a test clock may be moved). */
  readonly clockOffsetMs: number;
}

export type JobThreadResult = { ok: true; subject: JobAuditSubject | undefined } | { ok: false; message: string; fields: Record<string, unknown> };

const data = (workerData ?? {}) as JobThreadData;

// Loaded once per thread, then kept: loading the job kinds' code costs seconds, a job often less.
let loaded: Promise<Record<string, JobHandler>> | undefined;
function handlers(): Promise<Record<string, JobHandler>> {
  loaded ??= (async () => {
    const module = (await (data.handlersModule ? import(data.handlersModule) : import('./thread-jobs'))) as { threadJobHandlers(): Record<string, JobHandler> };
    return module.threadJobHandlers();
  })();
  return loaded;
}

async function run(task: JobThreadTask): Promise<JobThreadResult> {
  const { database, blobs } = borrowPlatform(task.port, task.platform);
  try {
    const handler = (await handlers())[task.job.kind];
    if (!handler) throw new Error(`no handler for ${task.job.kind} in a job thread`);
    const subject = await handler(task.job, { database, blobs, clock: () => new Date(Date.now() + task.clockOffsetMs) });
    return { ok: true, subject: subject ?? undefined };
  } catch (error) {
    const fields: Record<string, unknown> = {};
    if (error instanceof Error) for (const [key, value] of Object.entries(error)) if (typeof value === 'string' || typeof value === 'number') fields[key] = value;
    return { ok: false, message: error instanceof Error ? error.message : String(error), fields };
  } finally {
    await database.close();
  }
}

// One job at a time (the pool sends the next only after this one's result); the thread stays for the next.
parentPort?.on('message', (task: JobThreadTask) => {
  void run(task).then((result) => {
    parentPort?.postMessage(result);
    task.port.close();
  });
});
// Loading starts with the thread, so a thread started ahead of its first job is ready for it.
void handlers().catch(() => undefined);
