import { runStatements, type Migration } from '../migration';

/**
 * Seeding steps (issue 19): which steps of a seed (the demo) have completed, so a start that was
 * stopped while seeding finishes the rest on the next start instead of finding a half-made demo.
 */
export const seedingSteps: Migration = {
  id: '0930_seeding_steps',
  async up(db) {
    await runStatements(db, [
      `create table seeding_steps (
        seed text not null,
        step text not null,
        completed_at timestamptz not null,
        primary key (seed, step)
      )`,
    ]);
  },
};
