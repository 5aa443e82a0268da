import { runStatements, sqlList, type Migration } from '../migration';

const consensusMethods = ['staple', 'multi_label_staple', 'majority_vote'] as const;

/**
 * Releases (issue 13): each project's consensus method for multi-reader items (STAPLE unless
 * set), and the exports of frozen releases: one row per export job with its progress and, once
 * done, the archive blob. An export never changes its release.
 */
export const releaseExports: Migration = {
  id: '0500_release_exports',
  async up(db) {
    await runStatements(db, [
      `create table release_settings (
        project_id uuid primary key references projects(id),
        consensus_method text not null check (consensus_method in (${sqlList(consensusMethods)})),
        updated_at timestamptz not null,
        updated_by uuid references users(id)
      )`,
      `create table release_exports (
        id uuid primary key,
        release_id uuid not null references releases(id),
        format text not null,
        job_id uuid not null references jobs(id),
        status text not null check (status in ('queued', 'running', 'succeeded', 'failed')),
        done integer not null default 0 check (done >= 0),
        total integer not null default 0 check (total >= 0),
        archive_hash text check (archive_hash ~ '^[0-9a-f]{64}$'),
        archive_bytes bigint,
        error text,
        created_by uuid references users(id),
        created_at timestamptz not null,
        finished_at timestamptz
      )`,
      `create index release_exports_release on release_exports (release_id, created_at)`,
    ]);
  },
};
