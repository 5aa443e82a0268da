import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import type { Job } from '@delineate/schema';
import type { JobAuditSubject, JobHandler } from '@delineate/worker';
import { borrowPlatform, type LentPlatform } from './thread-platform';

/** What a job thread is started with: the job, the lent platform's port and the clock's offset. */
export interface JobThreadData {
  readonly job: Job;
  readonly port: MessagePort;
  readonly platform: LentPlatform;
  /** The serving thread's clock minus this machine's (a test clock may be moved). */
  readonly clockOffsetMs: number;
  /** A module exporting `threadJobHandlers()` other than this process's own (tests). */
  readonly handlersModule?: string;
}

export type JobThreadResult = { ok: true; subject: JobAuditSubject | undefined } | { ok: false; message: string; fields: Record<string, unknown> };

const data = workerData as JobThreadData;

async function handlers(): Promise<Record<string, JobHandler>> {
  const module = (await (data.handlersModule ? import(data.handlersModule) : import('./thread-jobs'))) as { threadJobHandlers(): Record<string, JobHandler> };
  return module.threadJobHandlers();
}

async function run(): Promise<JobThreadResult> {
  const { database, blobs } = borrowPlatform(data.port, data.platform);
  try {
    const handler = (await handlers())[data.job.kind];
    if (!handler) throw new Error(`no handler for ${data.job.kind} in a job thread`);
    const subject = await handler(data.job, { database, blobs, clock: () => new Date(Date.now() + data.clockOffsetMs) });
    return { ok: true, subject: subject ?? undefined };
  } catch (error) {
    const fields: Record<string, unknown> = {};
    if (error instanceof Error) for (const [key, value] of Object.entries(error)) if (typeof value === 'string' || typeof value === 'number') fields[key] = value;
    return { ok: false, message: error instanceof Error ? error.message : String(error), fields };
  } finally {
    await database.close();
  }
}

parentPort?.postMessage(await run());
data.port.close();
