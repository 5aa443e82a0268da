import type { Kysely } from 'kysely';
import type { DB } from '../sql/tables';
import { withTransaction } from '../sql/transaction';

interface SeedingTables {
  seeding_steps: { seed: string; step: string; completed_at: Date };
}

/**
 * The completed steps of one seed (such as the demo). A step's writes and its completion are
 * committed together ({@link SeedingSteps.run}), so a seed stopped at any point resumes at the
 * first step not recorded, and a step recorded is never run twice.
 */
export class SeedingSteps {
  readonly #db: Kysely<DB>;
  readonly #seed: string;

  constructor(db: Kysely<DB>, seed: string) {
    this.#db = db;
    this.#seed = seed;
  }

  async completed(): Promise<Set<string>> {
    const rows = await tables(this.#db).selectFrom('seeding_steps').select('step').where('seed', '=', this.#seed).execute();
    return new Set(rows.map((r) => r.step));
  }

  /**
   * Runs `work` in a transaction that also records the step, unless the step is already
   * recorded; true when it ran. `work` gets the transaction and must write only through it.
   */
  async run(step: string, now: Date, work: (tx: Kysely<DB>) => Promise<void>): Promise<boolean> {
    return withTransaction(this.#db, async (tx) => {
      // The row first: a second seeder of the same store waits here, then finds the step done.
      const claimed = await tables(tx)
        .insertInto('seeding_steps')
        .values({ seed: this.#seed, step, completed_at: now })
        .onConflict((oc) => oc.columns(['seed', 'step']).doNothing())
        .returning('step')
        .executeTakeFirst();
      if (!claimed) return false;
      await work(tx);
      return true;
    });
  }

  /** Records a step whose writes could not share one transaction (they are idempotent instead). */
  async record(step: string, now: Date): Promise<void> {
    await tables(this.#db)
      .insertInto('seeding_steps')
      .values({ seed: this.#seed, step, completed_at: now })
      .onConflict((oc) => oc.columns(['seed', 'step']).doNothing())
      .execute();
  }
}

function tables(db: Kysely<DB>): Kysely<SeedingTables> {
  return db as unknown as Kysely<SeedingTables>;
}
