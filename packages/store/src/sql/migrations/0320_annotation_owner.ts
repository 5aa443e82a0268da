import { runStatements, type Migration } from '../migration';

/**
 * Who owns an annotation (issue 11 §7): the user who created it. A free annotation (no task) takes
 * revisions only from its owner. Existing rows take the task's assignee, else the author of their
 * first revision; a row with neither stays unowned until its first user save claims it.
 * Beside it, the significant-region marks a reader has made but not yet submitted (issue 11 §14),
 * one list per task and user, so a reload does not lose them.
 */
export const annotationOwner: Migration = {
  id: '0320_annotation_owner',
  up: (db) =>
    runStatements(db, [
      `alter table annotations add column created_by uuid references users(id)`,
      `update annotations a set created_by = coalesce(
         (select t.assignee_id from tasks t where t.id = a.task_id),
         (select r.author_user_id from revisions r where r.annotation_id = a.id and r.version = 1))`,
      `create table workflow_region_drafts (
        task_id uuid not null references tasks(id),
        user_id uuid not null references users(id),
        marks jsonb not null,
        updated_at timestamptz not null,
        primary key (task_id, user_id)
      )`,
    ]),
};
