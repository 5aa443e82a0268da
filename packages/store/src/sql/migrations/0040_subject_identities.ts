import { runStatements, type Migration } from '../migration';

/**
 * The re-identification key of a project: which patient each subject pseudonym stands for.
 * Each identity is an encrypted blob (AES-256-GCM at rest, salted so its address reveals
 * nothing); the row holds only the pseudonym and that address. Only data stewards read it.
 */
export const subjectIdentities: Migration = {
  id: '0040_subject_identities',
  async up(db) {
    await runStatements(db, [
      `create table subject_identities (
         project_id uuid not null references projects(id),
         pseudonym text not null,
         identity_blob_hash text not null check (identity_blob_hash ~ '^[0-9a-f]{64}$'),
         created_at timestamptz not null default now(),
         primary key (project_id, pseudonym)
       )`,
    ]);
  },
};
