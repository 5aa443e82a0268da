import type { Role, WorkflowConfig, WorkflowTask } from '@delineate/schema';
import { useState } from 'react';
import { useCreateTasks, useItemName, useProjectMembers, useProjectTasks, useReassignTask, useRecordedSample, useWorkflowConfig } from '../data/projects';
import { useSendToPacs } from '../data/pacs';
import { ErrorBox, QueryError } from '../ui/ErrorBox';

const stageRole = (stage: WorkflowTask['stage'], oversight: WorkflowConfig['oversightModel']): Role =>
  stage === 'annotate' ? (oversight === 'direct_clinical' ? 'clinician_annotator' : 'annotator') : stage === 'review' ? 'reviewer' : 'expert_reviewer';

const reassignable = new Set(['open', 'assigned', 'in_progress']);

/** Task creation (with the recorded sample) and the task list with reassignment. */
export function WorkflowTasks({ projectId }: { projectId: string }) {
  const tasksQuery = useProjectTasks(projectId);
  const membersQuery = useProjectMembers(projectId);
  const configQuery = useWorkflowConfig(projectId);
  const sampleQuery = useRecordedSample(projectId);
  const itemName = useItemName(projectId);
  const create = useCreateTasks(projectId);
  const reassignTask = useReassignTask(projectId);
  const sendToPacs = useSendToPacs(projectId);
  const [choice, setChoice] = useState<Record<string, string>>({});
  const [moved, setMoved] = useState<string | null>(null);
  const tasks = tasksQuery.data ?? null;
  const members = membersQuery.data ?? [];
  const oversight = configQuery.data?.oversightModel ?? 'supervised_technologist';
  const recorded = sampleQuery.data ?? [];
  const created = create.data ?? null;
  const busy = create.isPending || reassignTask.isPending;

  const nameOf = (userId: string | null) => (userId ? (members.find((m) => m.userId === userId)?.displayName ?? userId.slice(0, 8)) : '—');

  const createTasks = () => {
    reassignTask.reset();
    create.mutate();
  };

  const reassign = async (task: WorkflowTask) => {
    const assigneeId = choice[task.id];
    if (!assigneeId) return;
    create.reset();
    setMoved(null);
    try {
      const result = await reassignTask.mutateAsync({ taskId: task.id, assigneeId });
      setChoice({ ...choice, [task.id]: '' });
      setMoved(`The ${task.stage.replace('_', ' ')} task of ${itemName(task.itemId)} moved to ${nameOf(result.assigneeId)}`);
    } catch {
      // Shown below from the mutation's error.
    }
  };

  const eligible = (task: WorkflowTask) => {
    const role = stageRole(task.stage, oversight);
    const author = task.reviewsTaskId ? tasks?.find((t) => t.id === task.reviewsTaskId)?.assigneeId : null;
    const readers = task.stage === 'annotate' ? new Set(tasks?.filter((t) => t.stage === 'annotate' && t.itemId === task.itemId).map((t) => t.assigneeId)) : new Set<string | null>();
    return members.filter((m) => !m.disabled && m.roles.includes(role) && m.userId !== task.assigneeId && m.userId !== author && !readers.has(m.userId));
  };

  const sampled = created?.sample.filter((s) => s.sampled) ?? [];
  return (
    <section data-testid="workflow-tasks">
      <h3>Workflow tasks</h3>
      <p className="muted">Creates annotation tasks for items past the de-identification gate that have none yet, drawing the agreement sample with the seed above.</p>
      <button onClick={createTasks} disabled={busy} data-testid="create-tasks">
        Create tasks
      </button>
      {created && (
        <div className="notice" data-testid="created-result">
          <span data-testid="created-count" data-value={created.created.length}>
            Created {created.created.length} task{created.created.length === 1 ? '' : 's'}
          </span>{' '}
          for {created.sample.length} item{created.sample.length === 1 ? '' : 's'};{' '}
          <span data-testid="sampled-count" data-value={sampled.length}>
            {sampled.length} drawn for agreement
          </span>
          {created.sample.length > 0 && (
            <>
              {' '}
              (seed {created.sample[0]!.seed}, batch {created.sample[0]!.batch}).
              <table className="data" data-testid="sample-table">
                <thead>
                  <tr>
                    <th>Position</th>
                    <th>Item</th>
                    <th>Sampled</th>
                    <th>Readers</th>
                  </tr>
                </thead>
                <tbody>
                  {created.sample.map((s) => (
                    <tr key={s.itemId}>
                      <td>{s.drawPosition}</td>
                      <td>{itemName(s.itemId)}</td>
                      <td>{s.sampled ? 'yes' : 'no'}</td>
                      <td>{s.readers}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          )}
        </div>
      )}
      <p className="muted" data-testid="recorded-sample" data-sampled={recorded.filter((r) => r.sampled).length} data-items={recorded.length}>
        Recorded agreement sample: {recorded.filter((r) => r.sampled).length} of {recorded.length} item{recorded.length === 1 ? '' : 's'} drawn
        {recorded.length > 0 ? ` (seeds ${[...new Set(recorded.map((r) => r.seed))].join(', ')}; ${new Set(recorded.map((r) => r.batch)).size} batch${new Set(recorded.map((r) => r.batch)).size === 1 ? '' : 'es'})` : ''}.
      </p>
      <QueryError queries={[tasksQuery, membersQuery, configQuery, sampleQuery]} />
      <ErrorBox error={create.error ?? reassignTask.error ?? sendToPacs.error} />
      {sendToPacs.data && (
        <div className="notice" data-testid="sent-to-pacs">
          Revision {sendToPacs.data.revisionVersion ?? ''} sent to the PACS: {sendToPacs.data.stored} of {sendToPacs.data.instances} stored.
        </div>
      )}
      {moved && (
        <div className="notice" data-testid="reassigned">
          {moved}
        </div>
      )}
      {tasks?.length === 0 && <p>No workflow tasks yet.</p>}
      {tasks && tasks.length > 0 && (
        <table className="tasks" data-testid="workflow-task-list">
          <thead>
            <tr>
              <th>Task</th>
              <th>Item</th>
              <th>Stage</th>
              <th>Status</th>
              <th>Assignee</th>
              <th>Sample</th>
              <th>Rework</th>
              <th>Reassign to</th>
              <th>PACS</th>
            </tr>
          </thead>
          <tbody>
            {tasks.map((t) => {
              const options = reassignable.has(t.status) ? eligible(t) : [];
              return (
                <tr key={t.id} data-testid="workflow-task" data-task-id={t.id} data-stage={t.stage} data-status={t.status}>
                  <td>
                    <code>{t.id.slice(0, 8)}</code>
                  </td>
                  <td data-testid="workflow-task-item">{itemName(t.itemId)}</td>
                  <td>{t.stage.replace('_', ' ')}</td>
                  <td>{t.status.replace('_', ' ')}</td>
                  <td data-testid="assignee">{nameOf(t.assigneeId)}</td>
                  <td>{t.sampled ? (t.blinded ? 'sampled, blinded' : 'sampled') : '—'}</td>
                  <td>{t.reworkCount}</td>
                  <td>
                    {reassignable.has(t.status) ? (
                      options.length > 0 ? (
                        <span style={{ display: 'flex', gap: 6 }}>
                          <select value={choice[t.id] ?? ''} onChange={(e) => setChoice({ ...choice, [t.id]: e.target.value })} data-testid="reassign-select" aria-label="Reassign to">
                            <option value="">choose…</option>
                            {options.map((m) => (
                              <option key={m.userId} value={m.userId}>
                                {m.displayName}
                              </option>
                            ))}
                          </select>
                          <button disabled={busy || !choice[t.id]} onClick={() => void reassign(t)} data-testid="reassign">
                            Reassign
                          </button>
                        </span>
                      ) : (
                        <span className="muted">nobody else eligible</span>
                      )
                    ) : (
                      ''
                    )}
                  </td>
                  <td>
                    {t.stage !== 'annotate' && t.status === 'done' && t.annotationId && (
                      <button disabled={sendToPacs.isPending} onClick={() => sendToPacs.mutate({ source: 'revision', annotationId: t.annotationId! })} data-testid="send-revision-pacs" title="Sends the revision the signed review accepted, as a DICOM SEG">
                        Send to PACS
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
