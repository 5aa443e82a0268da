import { DelineateError, type RevisionAuthor } from '@delineate/schema';
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { DB } from '../sql/tables';
import { workflowDb } from './tables';

/**
 * Who may read and write whose annotation work (issue 7 §2, issue 11 §5 and §7). The store's
 * annotation and workflow repositories call these, so every way in (HTTP route, job, CLI) meets
 * the same rule.
 */

const openStatuses: readonly string[] = ['assigned', 'in_progress'];

/**
 * The items among `itemIds` on which `userId` is a blinded reader while some reader has not yet
 * submitted: on those, everything drawn from another reader's work stays hidden from them.
 */
export async function blindedItemsOf(db: Kysely<DB>, userId: string, itemIds: readonly string[]): Promise<Set<string>> {
  const unique = [...new Set(itemIds)];
  if (unique.length === 0) return new Set();
  const w = workflowDb(db);
  const mine = await w
    .selectFrom('workflow_tasks as w')
    .innerJoin('tasks as t', 't.id', 'w.task_id')
    .select('w.item_id')
    .where('w.stage', '=', 'annotate')
    .where('t.assignee_id', '=', userId)
    .where('t.blinded', '=', true)
    .where('w.item_id', 'in', unique)
    .execute();
  if (mine.length === 0) return new Set();
  const pending = await w
    .selectFrom('workflow_tasks')
    .select('item_id')
    .distinct()
    .where('stage', '=', 'annotate')
    .where('first_submitted_version', 'is', null)
    .where('item_id', 'in', [...new Set(mine.map((r) => r.item_id))])
    .execute();
  return new Set(pending.map((r) => r.item_id));
}

/**
 * Whether `userId` reads some item of the project blinded while its readers have not all
 * submitted: project-wide figures drawn from others' work (QA statistics) stay hidden from them.
 */
export async function readsBlindedIn(db: Kysely<DB>, userId: string, projectId: string): Promise<boolean> {
  const mine = await workflowDb(db)
    .selectFrom('workflow_tasks as w')
    .innerJoin('tasks as t', 't.id', 'w.task_id')
    .select('w.item_id')
    .where('w.project_id', '=', projectId)
    .where('w.stage', '=', 'annotate')
    .where('t.assignee_id', '=', userId)
    .where('t.blinded', '=', true)
    .execute();
  return (
    (
      await blindedItemsOf(
        db,
        userId,
        mine.map((r) => r.item_id),
      )
    ).size > 0
  );
}

/** What decides whether a task shows another reader's work: its item, stage and the work it reviews. */
export interface TaskWork {
  readonly id: string;
  readonly itemId: string;
  readonly stage: string;
  readonly assigneeId: string | null;
  readonly reviewsTaskId: string | null;
}

/**
 * Which of `tasks` `userId` may see: on an item they read blinded (until every reader submitted),
 * only the tasks of their own work (their annotate task and the reviews of it).
 */
export async function tasksVisibleTo<T extends TaskWork>(db: Kysely<DB>, userId: string, tasks: readonly T[]): Promise<T[]> {
  const blinded = await blindedItemsOf(
    db,
    userId,
    tasks.map((t) => t.itemId),
  );
  if (blinded.size === 0) return [...tasks];
  const reviewed = tasks.filter((t) => blinded.has(t.itemId) && t.reviewsTaskId).map((t) => t.reviewsTaskId as string);
  const workers = new Map<string, string | null>();
  if (reviewed.length > 0) {
    const rows = await db.selectFrom('tasks').select(['id', 'assignee_id']).where('id', 'in', [...new Set(reviewed)]).execute();
    for (const r of rows) workers.set(r.id, r.assignee_id);
  }
  return tasks.filter((t) => {
    if (!blinded.has(t.itemId)) return true;
    const worker = t.reviewsTaskId ? workers.get(t.reviewsTaskId) : t.assigneeId;
    return worker === userId;
  });
}

/** Refuses (403) a task that shows another reader's work to a blinded reader. */
export async function assertTaskVisibleTo(db: Kysely<DB>, userId: string, task: TaskWork): Promise<void> {
  if ((await tasksVisibleTo(db, userId, [task])).length === 1) return;
  throw new DelineateError('DLN_AUTH_FORBIDDEN', "Blinded reading: other readers' work stays hidden until every reader has submitted");
}

/** The user whose work the annotation is: its task's assignee, else whoever created it. */
async function ownerOf(db: Kysely<DB>, annotation: { id: string; task_id: string | null; created_by: string | null }): Promise<string | null> {
  if (annotation.task_id) {
    const task = await db.selectFrom('tasks').select('assignee_id').where('id', '=', annotation.task_id).executeTakeFirst();
    return task?.assignee_id ?? null;
  }
  if (annotation.created_by) return annotation.created_by;
  const first = await db.selectFrom('revisions').select('author_user_id').where('annotation_id', '=', annotation.id).where('version', '=', 1).executeTakeFirst();
  return first?.author_user_id ?? null;
}

/**
 * The blinding rule: a blinded reader of a sampled item sees no other annotation of that item
 * (a reader's task annotation or anyone's free one) until every reader has submitted. Everyone
 * else (reviewers, admins) is not a reader.
 */
export async function maskReadableBy(db: Kysely<DB>, userId: string, annotationId: string): Promise<boolean> {
  const annotation = await db.selectFrom('annotations').select(['id', 'item_id', 'task_id', 'created_by']).where('id', '=', annotationId).executeTakeFirst();
  if (!annotation) return true;
  const blinded = await blindedItemsOf(db, userId, [annotation.item_id]);
  if (!blinded.has(annotation.item_id)) return true;
  return (await ownerOf(db, annotation)) === userId;
}

/**
 * What the write rule decides on, as one JSON object read in one query: the annotation's task,
 * its owner (for a free annotation), the task's assignee and status, its workflow stage, and
 * whether the writer holds an open review of the task. A save compares this object again in its
 * commit statement, so the revision lands only if the rule's inputs are what the rule saw.
 */
export interface AnnotationWriteFacts {
  readonly taskId: string | null;
  /** Who started a free annotation, else the author of its first revision. */
  readonly owner: string | null;
  readonly taskFound: boolean;
  readonly assignee: string | null;
  readonly status: string | null;
  /** The workflow stage of the annotation's task; null for a task outside the workflow. */
  readonly stage: string | null;
  /** The writer is the assignee of an open review of the annotation's task. */
  readonly reviewing: boolean;
}

/**
 * The facts of the annotation row aliased `alias` for `userId`, as a jsonb expression: usable in
 * a select list and in the WHERE of the save's compare-and-set on that row.
 */
export function annotationWriteFactsSql(alias: string, userId: string | null | RawBuilder<string | null>): RawBuilder<AnnotationWriteFacts> {
  const a = sql.raw(alias);
  // A column (a group commit's writer per row) or a value; a null writer reviews nothing either way.
  const writer = userId === null || typeof userId === 'string' ? sql`${userId}::uuid` : userId;
  return sql<AnnotationWriteFacts>`jsonb_build_object(
    'taskId', ${a}.task_id,
    'owner', case when ${a}.task_id is null then coalesce(${a}.created_by,
      (select r.author_user_id from revisions r where r.annotation_id = ${a}.id and r.version = 1)) end,
    'taskFound', exists (select 1 from tasks t where t.id = ${a}.task_id),
    'assignee', (select t.assignee_id from tasks t where t.id = ${a}.task_id),
    'status', (select t.status from tasks t where t.id = ${a}.task_id),
    'stage', (select w.stage from workflow_tasks w where w.task_id = ${a}.task_id),
    'reviewing', ${userId === null ? sql`false` : sql`exists (
      select 1 from workflow_tasks wt join tasks rt on rt.id = wt.task_id
      where wt.reviews_task_id = ${a}.task_id and rt.assignee_id = ${writer} and rt.status in (${sql.join(openStatuses)})
    )`})`;
}

/**
 * Why `author` may not append a `source` revision, given the annotation's write facts, or null
 * when they may. A free annotation takes revisions only from its owner (an unowned older one from
 * anyone, who then owns it); a plain task's only from its assignee; a workflow task's from its
 * annotator while the task is open to them, and `correction` revisions from the assignee of an
 * open review of it.
 */
export function writeRefusalOf(facts: AnnotationWriteFacts, author: RevisionAuthor, source: string): string | null {
  if (author.kind === 'model') return modelWriteRefusalOf(facts, source);
  const userId = author.kind === 'user' ? author.userId : null;
  if (!facts.taskId) {
    if (facts.owner === null || facts.owner === userId) return null;
    return 'Only the user who started this annotation saves to it';
  }
  if (!facts.taskFound || userId === null) return "Only the task's assignee saves to this annotation";
  if (facts.stage === null) return facts.assignee === userId && source !== 'correction' ? null : "Only the task's assignee saves to this annotation";
  if (facts.assignee === userId && source !== 'correction') {
    return openStatuses.includes(facts.status ?? '') ? null : 'The task is submitted: its annotation takes no more revisions from its annotator';
  }
  if (source === 'correction' && facts.reviewing) return null;
  return "Only the task's annotator while it is open, or its assigned reviewer with a correction, saves to this annotation";
}

/** The write facts of an annotation for `author`; DLN_NOT_FOUND when there is no such annotation. */
export async function annotationWriteFacts(db: Kysely<DB>, author: RevisionAuthor, annotationId: string): Promise<AnnotationWriteFacts & { readonly headVersion: number }> {
  const row = await db
    .selectFrom('annotations as a')
    .select(['a.head_version', annotationWriteFactsSql('a', author.kind === 'user' ? author.userId : null).as('facts')])
    .where('a.id', '=', annotationId)
    .executeTakeFirst();
  if (!row) throw new DelineateError('DLN_NOT_FOUND', 'Annotation not found');
  return { ...row.facts, headVersion: row.head_version };
}

/** Why `author` may not append a `source` revision to the annotation, or null when they may (see {@link writeRefusalOf}). */
export async function annotationWriteRefusal(db: Kysely<DB>, author: RevisionAuthor, annotationId: string, source: string): Promise<string | null> {
  return writeRefusalOf(await annotationWriteFacts(db, author, annotationId), author, source);
}

/**
 * A model's draft (issue 18) goes only where its annotator would write: a task's annotation while
 * the task is open and is annotation work (or a free annotation nobody owns yet). Who asked for the
 * run is checked by the route or job that runs the model.
 */
function modelWriteRefusalOf(facts: AnnotationWriteFacts, source: string): string | null {
  if (source !== 'ai') return 'A model writes only AI revisions';
  // A free annotation someone owns is theirs alone, as for people.
  if (!facts.taskId) return facts.owner === null ? null : 'Only the user who started this annotation saves to it';
  if (!facts.taskFound || facts.status === null || !openStatuses.includes(facts.status)) return 'The task is not open: a model draft is not added to it';
  return facts.stage === null || facts.stage === 'annotate' ? null : 'A model draft goes only to annotation work';
}

/** Throws DLN_AUTH_FORBIDDEN unless `author` may append a `source` revision to the annotation. */
export async function assertAnnotationWritable(db: Kysely<DB>, author: RevisionAuthor, annotationId: string, source: string): Promise<void> {
  const refusal = await annotationWriteRefusal(db, author, annotationId, source);
  if (refusal) throw new DelineateError('DLN_AUTH_FORBIDDEN', refusal);
}

/** The route-facing form of the write rule for a signed-in user. */
export async function annotationWritableBy(db: Kysely<DB>, userId: string, annotationId: string, source: string): Promise<boolean> {
  return (await annotationWriteRefusal(db, { kind: 'user', userId }, annotationId, source)) === null;
}

/**
 * A task's annotation is started only by the task's assignee, on the task's item, while the
 * workflow task (an annotate one) is open: nobody else's work can be made to look like theirs.
 */
export async function assertMayStartAnnotation(
  db: Kysely<DB>,
  input: { projectId: string; itemId: string; taskId?: string | undefined; createdBy?: string | undefined },
): Promise<void> {
  if (!input.taskId) return;
  const task = await db.selectFrom('tasks').select(['project_id', 'item_id', 'assignee_id', 'status']).where('id', '=', input.taskId).executeTakeFirst();
  if (!task) throw new DelineateError('DLN_NOT_FOUND', 'Task not found');
  if (task.project_id !== input.projectId || task.item_id !== input.itemId) throw new DelineateError('DLN_REQUEST_INVALID', 'The task is not a task of this item');
  if (!input.createdBy || task.assignee_id !== input.createdBy) throw new DelineateError('DLN_AUTH_FORBIDDEN', "Only the task's assignee starts its annotation");
  const work = await workflowDb(db).selectFrom('workflow_tasks').select('stage').where('task_id', '=', input.taskId).executeTakeFirst();
  if (!work) return;
  if (work.stage !== 'annotate') throw new DelineateError('DLN_REQUEST_INVALID', 'Only an annotation task takes an annotation of its own');
  if (!openStatuses.includes(task.status)) throw new DelineateError('DLN_CONFLICT', `The task is ${task.status}`, { status: task.status });
}
