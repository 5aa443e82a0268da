// Job handlers for the job-thread failure test (loaded in the job thread by URL): each ends its
// thread in one of the ways that used to leave a job or a lent connection behind.
import { sql } from 'kysely';
import type { JobHandler } from '@delineate/worker';

/** What the interrupted transactions write: seen afterwards only if the thread's work was not rolled back. */
export const MARK = { stage: 'written by a thread that did not finish', done: 1, total: 1 };

export function threadJobHandlers(): Record<string, JobHandler> {
  return {
    // Two statements asked for and not awaited: the thread ends while the second still waits for
    // a connection (on PGlite, behind the first), so its connection is given after the port closed.
    'test.abandoned': async (_job, context) => {
      void Promise.all([0, 1].map(() => sql`select 1`.execute(context.database.db))).catch(() => undefined);
    },
    // The thread ends (as a crash does) inside an open transaction that has written.
    'test.crash': async (job, context) => {
      await context.database.db.transaction().execute(async (trx) => {
        await trx.updateTable('jobs').set({ progress: JSON.stringify(MARK) }).where('id', '=', job.id).execute();
        process.exit(7);
      });
    },
    // The thread computes forever inside an open transaction that has written: only a time limit ends it.
    'test.stuck': async (job, context) => {
      await context.database.db.transaction().execute(async (trx) => {
        await trx.updateTable('jobs').set({ progress: JSON.stringify(MARK) }).where('id', '=', job.id).execute();
        for (;;);
      });
    },
    // Memory past the thread's heap limit.
    'test.greedy': async () => {
      const kept: number[][] = [];
      for (;;) kept.push(Array.from({ length: 1 << 16 }, (_, i) => i));
    },
  };
}
