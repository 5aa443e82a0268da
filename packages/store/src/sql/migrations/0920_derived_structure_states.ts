import { runStatements, type Migration } from '../migration';

/**
 * Derived structures in the workspace (issue 23, web half): the recipe's version (bumped when a
 * structure is derived again with another recipe), the revision in which a structure the
 * annotator edited was found stale (its sources changed after the edit), and the revision in
 * which the annotator detached it (after which it is an ordinary structure, never recomputed).
 */
export const derivedStructureStates: Migration = {
  id: '0920_derived_structure_states',
  async up(db) {
    await runStatements(db, [
      `alter table derived_structures add column recipe_version integer not null default 1 check (recipe_version >= 1)`,
      `alter table derived_structures add column stale_version integer check (stale_version >= 1)`,
      `alter table derived_structures add column detached_version integer check (detached_version >= 1)`,
    ]);
  },
};
