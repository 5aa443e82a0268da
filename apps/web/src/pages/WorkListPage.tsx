import { Link } from '@tanstack/react-router';
import type { FieldProgress } from '@delineate/schema';
import type { MyTask } from '../api';
import { itemWords } from '../data/item-words';
import { useMyTasks, useWorkflowTasks } from '../data/tasks';
import { QueryError } from '../ui/ErrorBox';
import { progressWords } from '../viewers/slide/region-task';
import { stageNames, type WorkflowTask } from '../workflow-api';
import { useFieldProgress } from './pathology/field-progress';

/** "My work": the caller's tasks with their workflow stage; review tasks open the review screen. */
export function WorkListPage() {
  const tasks = useMyTasks();
  // Each task's place in the clinical workflow (stage, returned items); tasks outside it have none.
  const workflow = useWorkflowTasks(tasks.data?.map((t) => t.id) ?? []);
  const fields = useFieldProgress(tasks.data ?? []);
  return (
    <div className="page">
      <h2>My work</h2>
      <QueryError queries={[tasks]} />
      {tasks.isPending && <p>Loading…</p>}
      {tasks.data?.length === 0 && <p>No tasks are assigned to you.</p>}
      {tasks.data && tasks.data.length > 0 && (
        <table className="tasks" data-testid="task-list">
          <thead>
            <tr>
              <th>Project</th>
              <th>Item</th>
              <th>Stage</th>
              <th>Status</th>
              <th>Saved</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {tasks.data.map((t, i) => (
              <TaskRow key={t.id} task={t} workflow={workflow[i] ?? null} fields={fields.get(t.id) ?? null} />
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function TaskRow({ task: t, workflow: w, fields }: { task: MyTask; workflow: WorkflowTask | null; fields: FieldProgress | null }) {
  const stage = w?.stage ?? t.kind;
  const review = stage === 'review' || stage === 'expert_review';
  return (
    <tr data-testid="task-row" data-stage={stage} data-task={t.id}>
      <td>{t.projectName}</td>
      <td data-testid="task-item">{itemWords(t.item)}</td>
      <td data-testid="task-stage">{stageNames[stage] ?? stage}</td>
      <td>
        {t.status.replace('_', ' ')}
        {w && w.returnedItems.length > 0 && t.status !== 'submitted' && (
          <span data-testid="task-returned">
            {' '}
            · returned: {w.returnedItems.length} failed item{w.returnedItems.length === 1 ? '' : 's'}
          </span>
        )}
        {fields && <span data-testid="task-fields"> · {progressWords(fields)}</span>}
      </td>
      <td>{review ? (w?.revisionVersion ? `reviewing version ${w.revisionVersion}` : '—') : t.annotation?.headVersion ? `version ${t.annotation.headVersion}` : '—'}</td>
      <td>
        {/* A review opens the work under review, not an annotation of the reviewer's own. */}
        <Link to="/items/$itemId" params={{ itemId: t.item.id }} search={{ task: t.id, ...(review || !t.annotation ? {} : { annotation: t.annotation.id }) }} data-testid="open-task">
          <button>{stage === 'review' ? 'Review' : stage === 'expert_review' ? 'Expert review' : 'Open'}</button>
        </Link>
      </td>
    </tr>
  );
}
