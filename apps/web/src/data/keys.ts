/**
 * Every key of the app's query cache, built here and nowhere else, so a change names exactly the
 * data it makes stale. Keys are arrays from general to particular: invalidating a prefix (say
 * `keys.project(id).all`) refreshes everything under it.
 */

export const keys = {
  session: () => ['session'] as const,
  totpEnrolment: () => ['totp-enrolment'] as const,
  myTasks: () => ['my-tasks'] as const,
  workflowTask: (taskId: string) => ['workflow-task', taskId] as const,
  projects: () => ['projects'] as const,
  project: (projectId: string) => ({
    all: ['project', projectId] as const,
    summary: ['project', projectId, 'summary'] as const,
    config: ['project', projectId, 'config'] as const,
    documents: ['project', projectId, 'documents'] as const,
    members: ['project', projectId, 'members'] as const,
    tasks: ['project', projectId, 'tasks'] as const,
    sample: ['project', projectId, 'sample'] as const,
    quality: ['project', projectId, 'quality'] as const,
    agreement: ['project', projectId, 'agreement'] as const,
    itemNames: ['project', projectId, 'item-names'] as const,
    labelSchema: ['project', projectId, 'label-schema'] as const,
    targetAgreement: ['project', projectId, 'agreement', 'targets'] as const,
  }),
  /** Radiotherapy (issue 23): the shipped schema library; an annotation's derived structures. */
  labelSchemaTemplates: () => ['label-schema-templates'] as const,
  derivedStructures: (annotationId: string) => ['derived-structures', annotationId] as const,
  /** Under the project, so a project-wide refresh reaches it. */
  accessReview: (projectId: string) => ['project', projectId, 'access-review'] as const,
  audit: {
    all: ['audit'] as const,
    /** One page: the filter and cursor as the query string the server is asked with. */
    events: (query: string) => ['audit', 'events', query] as const,
    event: (sequence: number) => ['audit', 'event', String(sequence)] as const,
    verification: ['audit', 'verification'] as const,
  },
  admin: {
    users: ['admin', 'users'] as const,
    qualifications: (userId: string) => ['admin', 'users', userId, 'qualifications'] as const,
    memberships: (projectId: string) => ['admin', 'memberships', projectId] as const,
    regions: ['admin', 'regions'] as const,
    documents: ['admin', 'documents'] as const,
  },
  /** The steward's quarantine: the queue across projects, a project's queue, one held file. */
  quarantine: {
    all: ['quarantine'] as const,
    mine: () => ['quarantine', 'mine'] as const,
    project: (projectId: string) => ['quarantine', 'project', projectId] as const,
    record: (recordId: string) => ['quarantine', 'record', recordId] as const,
  },
};

/** A key as this app writes them: strings from general to particular. */
export type CacheKey = readonly string[];

/** What changed on the server, as the pages report it. */
export type Change =
  | { kind: 'config-saved'; projectId: string }
  | { kind: 'tasks-created'; projectId: string }
  | { kind: 'task-reassigned'; projectId: string; taskId: string }
  /** Submitting, reviewing or saving in the workspace: the task's stage, status and saved version move. */
  | { kind: 'task-worked'; taskId: string | null }
  /** A steward ran the gate on a held file, released or rejected it: its state moves in every queue. */
  | { kind: 'quarantine-changed'; recordId: string };

/**
 * The cached data a change makes stale. The project summary counts tasks and says whether the
 * configuration is frozen, so task changes reach it too; the caller's own work list shows status
 * and saved versions, so every task change reaches it.
 */
export function staleAfter(change: Change): CacheKey[] {
  switch (change.kind) {
    case 'config-saved': {
      const p = keys.project(change.projectId);
      // The quality and agreement reports use the thresholds of the configuration.
      return [p.summary, p.config, p.quality, p.agreement, keys.projects()];
    }
    case 'tasks-created': {
      const p = keys.project(change.projectId);
      return [p.summary, p.tasks, p.sample, keys.myTasks()];
    }
    case 'task-reassigned': {
      const p = keys.project(change.projectId);
      return [p.tasks, keys.workflowTask(change.taskId), keys.myTasks()];
    }
    case 'task-worked':
      // Which project the task is in is not known here; every project's task list is under `project`.
      return [keys.myTasks(), ...(change.taskId ? [keys.workflowTask(change.taskId)] : []), ['project']];
    case 'quarantine-changed':
      // The queues list the file (or stop listing it), whichever project and page shows it.
      return [keys.quarantine.record(change.recordId), keys.quarantine.mine(), ['quarantine', 'project']];
    default:
      return exhaustive(change);
  }
}

function exhaustive(change: never): never {
  throw new Error(`Unknown change ${JSON.stringify(change)}`);
}
