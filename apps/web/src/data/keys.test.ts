import { QueryClient } from '@tanstack/react-query';
import { describe, expect, it } from 'vitest';
import { keys, staleAfter, type Change } from './keys';

const projectId = 'p1';
const other = 'p2';

/** Which of the given cached queries a change marks stale, through the query cache's own prefix matching. */
async function staled(change: Change, cached: readonly (readonly string[])[]): Promise<string[]> {
  const client = new QueryClient();
  for (const key of cached) client.setQueryData(key, 'answer');
  await Promise.all(staleAfter(change).map((queryKey) => client.invalidateQueries({ queryKey })));
  return cached.filter((key) => client.getQueryState(key)?.isInvalidated).map((key) => key.join('/'));
}

describe('query keys', () => {
  it('nest every resource of a project under the project', () => {
    const p = keys.project(projectId);
    for (const key of [p.summary, p.config, p.documents, p.members, p.tasks, p.sample, p.quality, p.agreement, p.itemNames, p.labelSchema, p.targetAgreement]) expect(key.slice(0, 2)).toEqual(p.all);
    expect(new Set(Object.values(p).map((k) => k.join('/'))).size).toBe(12);
  });
});

describe('what a change makes stale', () => {
  const p = keys.project(projectId);
  const q = keys.project(other);
  const cached = [keys.session(), keys.myTasks(), keys.workflowTask('t1'), keys.workflowTask('t2'), keys.projects(), p.summary, p.config, p.documents, p.members, p.tasks, p.sample, p.quality, p.agreement, q.summary, q.tasks];

  it('a saved configuration: the project, its configuration and the reports that use its thresholds, nothing of another project', async () => {
    expect(await staled({ kind: 'config-saved', projectId }, cached)).toEqual(['projects', 'project/p1/summary', 'project/p1/config', 'project/p1/quality', 'project/p1/agreement']);
  });

  it('created tasks: the task counts, task list, recorded sample and the work lists', async () => {
    expect(await staled({ kind: 'tasks-created', projectId }, cached)).toEqual(['my-tasks', 'project/p1/summary', 'project/p1/tasks', 'project/p1/sample']);
  });

  it('a reassigned task: that task, the project task list and the work lists', async () => {
    expect(await staled({ kind: 'task-reassigned', projectId, taskId: 't1' }, cached)).toEqual(['my-tasks', 'workflow-task/t1', 'project/p1/tasks']);
  });

  it('work in the workspace: the task and every project view, never the session', async () => {
    const stale = await staled({ kind: 'task-worked', taskId: 't2' }, cached);
    expect(stale).toContain('workflow-task/t2');
    expect(stale).toContain('my-tasks');
    expect(stale).toContain('project/p2/tasks');
    expect(stale).not.toContain('workflow-task/t1');
    expect(stale).not.toContain('session');
    expect(await staled({ kind: 'task-worked', taskId: null }, cached)).not.toContain('workflow-task/t2');
  });

  it('a steward decision on a held file: that file and every quarantine queue, nothing else', async () => {
    const held = [...cached, keys.quarantine.mine(), keys.quarantine.project(projectId), keys.quarantine.record('r1'), keys.quarantine.record('r2')];
    expect(await staled({ kind: 'quarantine-changed', recordId: 'r1' }, held)).toEqual(['quarantine/mine', 'quarantine/project/p1', 'quarantine/record/r1']);
  });
});
