import { useCallback, useEffect, useState } from 'react';
import { qualificationKinds, type Label, type QualificationKind, type SlidePoint } from '@delineate/schema';
import { describeError } from '../../api';
import { progressWords } from '../../viewers/slide/region-task';
import { qualificationWords } from '../admin-words';
import { pathologyApi, type PathologyWorkRow, type SlideRegion } from './pathology-api';
import { defaultTemplateForm, targetMagnifications, templateOf, tilingWords, type TemplateForm } from './region-template';

const statusWords: Record<string, string> = { open: 'not assigned', assigned: 'assigned', in_progress: 'in progress', submitted: 'submitted', done: 'done', cancelled: 'cancelled' };

/**
 * Regions of interest on a whole slide (issue 17 §1): the pathologist draws a polygon at low
 * magnification, gives it a task template, and the workflow creates its tasks; the slide's
 * regions are listed with their tasks' status and field progress.
 */
export function RegionsPanel(props: {
  slideItemId: string;
  projectId: string;
  labels: readonly Label[];
  /** The closed outline waiting for its template, in slide pixels, or null. */
  polygon: readonly SlidePoint[] | null;
  /** The caller may turn regions into tasks (a project administrator); others see the list only. */
  makesTasks: boolean;
  drawing: boolean;
  onDraw(): void;
  onCancel(): void;
  /** The regions to outline on the slide. */
  onRegions(regions: readonly SlideRegion[]): void;
}) {
  const [regions, setRegions] = useState<SlideRegion[]>([]);
  const [work, setWork] = useState<PathologyWorkRow[]>([]);
  const [form, setForm] = useState<TemplateForm>(() => ({ ...defaultTemplateForm, labelKeys: props.labels.slice(0, 2).map((l) => l.key) }));
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const { onRegions, slideItemId, projectId } = props;

  const refresh = useCallback(async () => {
    const [r, w] = await Promise.all([pathologyApi.regions(slideItemId), pathologyApi.workList(projectId).catch(() => ({ tasks: [] }))]);
    setRegions(r.regions);
    setWork(w.tasks);
    onRegions(r.regions);
  }, [slideItemId, projectId, onRegions]);
  useEffect(() => void refresh().catch((e: unknown) => setProblem(describeError(e).text)), [refresh]);

  const create = async () => {
    if (!props.polygon) return;
    const t = templateOf(form);
    if (!t.ok) return setProblem(t.problem);
    setBusy(true);
    setProblem(null);
    try {
      await pathologyApi.createRegion(slideItemId, { polygon: props.polygon.map(([x, y]) => [Math.round(x), Math.round(y)] as SlidePoint), template: t.template });
      props.onCancel();
      await refresh();
    } catch (e) {
      setProblem(describeError(e).text);
    } finally {
      setBusy(false);
    }
  };
  const set = (change: Partial<TemplateForm>) => setForm((f) => ({ ...f, ...change }));
  const toggle = <T,>(list: readonly T[], value: T, on: boolean): T[] => (on ? [...list.filter((v) => v !== value), value] : list.filter((v) => v !== value));

  return (
    <div data-testid="regions-panel">
      <h3>Regions of interest</h3>
      {props.makesTasks && !props.drawing && !props.polygon && (
        <button onClick={props.onDraw} data-testid="region-draw" title="Click the corners of the region; double click or Enter closes it">
          Draw a region
        </button>
      )}
      {props.drawing && <p>Click the corners of the region; double click or Enter closes it. Esc abandons it.</p>}
      {props.polygon && (
        <div className="region-template" data-testid="region-template">
          <label>
            Target magnification{' '}
            <select value={form.magnification} onChange={(e) => set({ magnification: Number(e.target.value) as TemplateForm['magnification'] })} data-testid="region-magnification">
              {targetMagnifications.map((m) => (
                <option key={m} value={m}>
                  {m}× (about {10 / m} µm per pixel)
                </option>
              ))}
            </select>
          </label>
          <label>
            Fields{' '}
            <select value={form.tiling} onChange={(e) => set({ tiling: e.target.value as TemplateForm['tiling'], fieldSize: e.target.value === 'hpf' ? 0.237 : 250 })} data-testid="region-tiling">
              <option value="hpf">High-power fields (area in mm²)</option>
              <option value="fixed">Fixed square fields (side in µm)</option>
            </select>
          </label>
          <label>
            {form.tiling === 'hpf' ? 'Field area (mm²)' : 'Field side (µm)'}{' '}
            <input type="number" step="any" value={form.fieldSize} onChange={(e) => set({ fieldSize: Number(e.target.value) })} data-testid="region-field-size" />
          </label>
          <fieldset>
            <legend>Tissue classes to paint</legend>
            {props.labels.map((l) => (
              <label key={l.key}>
                <input type="checkbox" checked={form.labelKeys.includes(l.key)} onChange={(e) => set({ labelKeys: toggle(form.labelKeys, l.key, e.target.checked) })} data-testid={`region-label-${l.key}`} />
                {l.name}
              </label>
            ))}
          </fieldset>
          <label>
            <input type="checkbox" checked={form.cells} onChange={(e) => set({ cells: e.target.checked })} data-testid="region-cells" />
            Record cells: nuclei, mitotic figures and mitotic look-alikes
          </label>
          <fieldset>
            <legend>Annotators qualified as</legend>
            {qualificationKinds.map((k: QualificationKind) => (
              <label key={k}>
                <input type="checkbox" checked={form.qualificationKinds.includes(k)} onChange={(e) => set({ qualificationKinds: toggle(form.qualificationKinds, k, e.target.checked) })} data-testid={`region-qualification-${k}`} />
                {qualificationWords[k] ?? k}
              </label>
            ))}
          </fieldset>
          <p>
            Tasks at {form.magnification}× in {tilingWords(form)}; tools work from {Number((form.magnification / 1.5).toFixed(2))}× to {form.magnification * 1.5}×.
          </p>
          <button onClick={() => void create()} disabled={busy} data-testid="region-create">
            Create the tasks
          </button>
          <button onClick={props.onCancel} disabled={busy}>
            Cancel
          </button>
        </div>
      )}
      {problem && (
        <p className="error" role="alert" data-testid="region-problem">
          {problem}
        </p>
      )}
      <ul className="regions" data-testid="region-list">
        {regions.map((r, i) => {
          const tasks = work.filter((w) => w.task.itemId === r.itemId);
          return (
            <li key={r.id} data-testid="region-row" data-region={r.id}>
              Region {i + 1}: {r.template.magnification}× · {r.bounds.width}×{r.bounds.height} pixels
              <ul>
                {tasks.map((w) => (
                  <li key={w.task.id} data-testid="region-task" data-task={w.task.id}>
                    {statusWords[w.task.status] ?? w.task.status} · {progressWords(w.progress)}
                  </li>
                ))}
                {tasks.length === 0 && <li>No tasks you may see.</li>}
              </ul>
            </li>
          );
        })}
        {regions.length === 0 && <li>No regions drawn on this slide yet.</li>}
      </ul>
    </div>
  );
}
