import { runStatements, type Migration } from '../migration';

/**
 * Derived structures (issue 23): per annotation and target label the recipe it is computed by,
 * the revision that last computed it, and the revision in which the annotator's own edit of it
 * was found (after which it is left alone).
 */
export const derivedStructures: Migration = {
  id: '0841_derived_structures',
  async up(db) {
    await runStatements(db, [
      `create table derived_structures (
        annotation_id uuid not null references annotations(id),
        target text not null,
        recipe jsonb not null check (jsonb_typeof(recipe) = 'object'),
        computed_version integer not null check (computed_version >= 1),
        edited_version integer check (edited_version >= 1),
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        primary key (annotation_id, target)
      )`,
    ]);
  },
};
