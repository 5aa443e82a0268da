// Job handlers for the job-thread test (loaded in the job thread by URL): one that computes for
// a fixed, deterministic amount of work and uses the borrowed database and blob store, one refused.
import { createHash } from 'node:crypto';
import { threadId } from 'node:worker_threads';
import { DelineateError, type Job } from '@delineate/schema';
import type { JobHandler, WorkerContext } from '@delineate/worker';

/** A SHA-256 chain over the blob, `rounds` times: synchronous, so it holds whatever thread runs it. */
export function chainDigest(bytes: Uint8Array, rounds: number): string {
  let digest = createHash('sha256').update(bytes).digest();
  for (let i = 1; i < rounds; i++) digest = createHash('sha256').update(bytes).update(digest).digest();
  return digest.toString('hex');
}

export const heavyJob: JobHandler = async (job: Job, context: WorkerContext) => {
  const { blob, rounds } = job.payload as { blob: string; rounds: number };
  const digest = chainDigest(await context.blobs.get(blob), rounds);
  await context.blobs.put(new TextEncoder().encode(digest));
  const status = await context.database.db.transaction().execute(async (trx) => (await trx.selectFrom('jobs').select('status').where('id', '=', job.id).executeTakeFirstOrThrow()).status);
  return { objectType: 'job', objectId: `${digest}:${status}`, projectId: null };
};

export function threadJobHandlers(): Record<string, JobHandler> {
  return {
    'test.heavy': heavyJob,
    // Names the thread it ran in: jobs one after another share one thread.
    'test.where': async () => ({ objectType: 'thread', objectId: String(threadId), projectId: null }),
    'test.refused': async () => {
      throw new DelineateError('DLN_REQUEST_INVALID', 'The test job names nothing');
    },
  };
}
