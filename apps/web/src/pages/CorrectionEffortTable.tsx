import { useQuery } from '@tanstack/react-query';
import { ApiError, json } from '../api';
import { fmt } from '../ui/charts';
import { QueryError } from '../ui/ErrorBox';

interface MeanOf {
  n: number;
  mean: number | null;
}

/** One model version's row of `GET /api/projects/:projectId/quality/correction-effort`. */
export interface ModelEffort {
  modelId: string;
  name: string;
  version: string;
  tasks: number;
  labels: {
    labelKey: string;
    tasks: number;
    acceptedAsIs: number;
    dice: MeanOf;
    hd95Mm: MeanOf;
    surfaceDice: MeanOf;
    addedPathLengthMm: MeanOf;
    falseNegativePathLengthMm: MeanOf;
    voxelsAdded: number;
    voxelsRemoved: number;
  }[];
  editing: { tasks: number; activeEditingMs: MeanOf; strokes: MeanOf; clicks: MeanOf; undos: MeanOf };
}

/**
 * Correction effort per model version (issue 18): how much annotators changed each model's drafts,
 * per label (Dice, HD95, surface Dice, added and false-negative path length, voxels added and
 * removed, drafts accepted as they were) and what the workspace counted while they corrected.
 */
export function CorrectionEffortTable(props: { projectId: string; labelName: (key: string) => string }) {
  const effort = useQuery({
    queryKey: ['project', props.projectId, 'correction-effort'],
    queryFn: () => json<{ models: ModelEffort[] }>(`/api/projects/${props.projectId}/quality/correction-effort`).then((r) => r.models),
  });
  // Roles that may see the dashboard but not the effort figures see no section rather than an error.
  if (effort.error instanceof ApiError && effort.error.status === 403) return null;
  return (
    <>
      <h3>Correction of model drafts</h3>
      <p className="muted">Measured when an annotator submits a task a model drafted: between the model's revision and the submitted one. Path lengths follow Kiser et al. (2021).</p>
      <QueryError queries={[effort]} />
      {effort.data && effort.data.length === 0 && (
        <p className="empty" data-testid="correction-effort" data-empty="true">
          no data yet
        </p>
      )}
      {effort.data && effort.data.length > 0 && (
        <table className="data" data-testid="correction-effort">
          <thead>
            <tr>
              <th>Model</th>
              <th>Label</th>
              <th>Tasks</th>
              <th>Accepted as is</th>
              <th>Mean Dice</th>
              <th>Mean HD95 (mm)</th>
              <th>Mean surface Dice</th>
              <th>Added path (mm)</th>
              <th>Missed path (mm)</th>
              <th>Voxels added</th>
              <th>Voxels removed</th>
              <th>Editing time (s)</th>
              <th>Strokes</th>
              <th>Clicks</th>
              <th>Undos</th>
            </tr>
          </thead>
          <tbody>
            {effort.data.flatMap((m) =>
              m.labels.map((l) => (
                <tr key={`${m.modelId}-${l.labelKey}`} data-model={`${m.name} ${m.version}`} data-label={l.labelKey}>
                  <th scope="row">
                    {m.name} {m.version}
                  </th>
                  <td>{props.labelName(l.labelKey)}</td>
                  <td className="num" data-field="tasks" data-value={l.tasks}>
                    {l.tasks}
                  </td>
                  <td className="num" data-field="acceptedAsIs" data-value={l.acceptedAsIs}>
                    {l.acceptedAsIs}
                  </td>
                  {(['dice', 'hd95Mm', 'surfaceDice', 'addedPathLengthMm', 'falseNegativePathLengthMm'] as const).map((f) => (
                    <td key={f} className="num" data-field={f} data-value={l[f].mean ?? ''}>
                      {fmt(l[f].mean, f === 'dice' || f === 'surfaceDice' ? 3 : 2)}
                    </td>
                  ))}
                  <td className="num" data-field="voxelsAdded" data-value={l.voxelsAdded}>
                    {l.voxelsAdded.toLocaleString('en')}
                  </td>
                  <td className="num" data-field="voxelsRemoved" data-value={l.voxelsRemoved}>
                    {l.voxelsRemoved.toLocaleString('en')}
                  </td>
                  <td className="num" data-field="activeEditingMs" data-value={m.editing.activeEditingMs.mean ?? ''}>
                    {m.editing.activeEditingMs.mean === null ? '–' : (m.editing.activeEditingMs.mean / 1000).toFixed(1)}
                  </td>
                  {(['strokes', 'clicks', 'undos'] as const).map((f) => (
                    <td key={f} className="num" data-field={f} data-value={m.editing[f].mean ?? ''}>
                      {fmt(m.editing[f].mean, 1)}
                    </td>
                  ))}
                </tr>
              )),
            )}
          </tbody>
        </table>
      )}
    </>
  );
}
