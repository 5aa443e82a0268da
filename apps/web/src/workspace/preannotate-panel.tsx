import type { Label, PreannotationPrompt } from '@delineate/schema';
import { ErrorBox } from '../ui/ErrorBox';
import { endpointWords, jobFailure, jobStatusWords, runtimeWords } from './preannotate-api';
import { draftCounts } from './preannotate-draft';
import { promptKindsOf, type Preannotation } from './preannotate-state';

/** The endpoint's model name of a registered MONAI Label model (from its manifest). */
function endpointModelOf(p: Preannotation, modelId: string): string | null {
  const runtime = p.models.find((m) => m.id === modelId)?.manifest?.runtime;
  return runtime?.kind === 'monai_label' ? runtime.model : null;
}

/** The prompt of a run, in words. */
export function promptWords(prompt: PreannotationPrompt): string {
  switch (prompt.kind) {
    case 'volume':
      return 'the whole volume';
    case 'slice':
      return `axial slice ${prompt.slice + 1}`;
    case 'box':
      return `a box on axial slices ${prompt.min[2] + 1}–${prompt.max[2] + 1}`;
    case 'click':
      return `a click at slice ${prompt.point[2] + 1} (± ${prompt.toleranceHu} HU)`;
  }
}

/**
 * "Pre-annotate": the project's models for this modality (name, version, intended use), a run on
 * the current slice, a drawn box, a click or the volume, the job's progress, and the draft's
 * provenance with accept or clear per label. The draft is outlined, apart from the filled labels a
 * person painted.
 */
export function PreannotatePanel(props: { p: Preannotation; labels: readonly Label[]; slice: number; readOnly: boolean; onArm: (mode: 'click' | 'box' | null) => void }) {
  const { p, labels } = props;
  if (p.loading) return null;
  if (p.models.length === 0) return null;
  const kinds = p.model ? promptKindsOf(p.model) : null;
  const busy = p.job !== null && (p.job.status === 'queued' || p.job.status === 'running');
  const disabled = props.readOnly || busy || !p.model;
  const counts = p.draft ? draftCounts(p.draft.layer) : new Map<number, number>();
  const failure = p.job?.status === 'failed' ? jobFailure(p.job.error) : null;
  return (
    <div data-testid="preannotate-panel">
      <h3>Pre-annotate</h3>
      <div className="row">
        <label>
          Model{' '}
          <select value={p.model?.id ?? ''} onChange={(e) => p.setModelId(e.target.value)} data-testid="preannotate-model">
            {p.models.map((m) => (
              <option key={m.id} value={m.id}>
                {m.name} {m.version}
              </option>
            ))}
          </select>
        </label>
      </div>
      {p.model?.manifest && (
        <p className="hint" data-testid="preannotate-model-use">
          {runtimeWords(p.model.runtime)}. {p.model.manifest.intendedUse}
        </p>
      )}
      {kinds && (
        <div className="row">
          {kinds.slice && (
            <button disabled={disabled} onClick={() => void p.run({ kind: 'slice', plane: 'axial', slice: props.slice })} data-testid="preannotate-slice">
              Run on this slice
            </button>
          )}
          {kinds.box && (
            <button disabled={disabled} className={p.armed === 'box' ? 'active' : ''} onClick={() => props.onArm(p.armed === 'box' ? null : 'box')} data-testid="preannotate-box">
              Run in a box
            </button>
          )}
          {kinds.volume && (
            <button disabled={disabled} onClick={() => void p.run({ kind: 'volume' })} data-testid="preannotate-volume">
              Run on the volume
            </button>
          )}
          {kinds.click && (
            <button disabled={disabled} className={p.armed === 'click' ? 'active' : ''} onClick={() => props.onArm(p.armed === 'click' ? null : 'click')} data-testid="preannotate-click">
              {kinds.tolerance ? 'Grow from a click' : 'Click to prompt'}
            </button>
          )}
        </div>
      )}
      {kinds?.tolerance && (
        <div className="row">
          <label>
            Tolerance ± {p.toleranceHu} HU
            <input type="range" min={5} max={200} step={5} value={p.toleranceHu} onChange={(e) => p.setToleranceHu(Number(e.target.value))} data-testid="preannotate-tolerance" />
          </label>
        </div>
      )}
      {p.armed === 'click' && <p className="hint">{kinds?.tolerance ? 'Click on the image where the region starts.' : 'Click on the structure for the model to outline.'}</p>}
      {p.armed === 'box' && <p className="hint">{p.preview ? 'Release to make this outline the draft.' : 'Drag a box on the image.'}</p>}
      {p.preview && (
        <p data-testid="preannotate-preview" data-voxels={p.preview.voxels}>
          Live outline from the model: {p.preview.voxels.toLocaleString('en')} voxels on this slice.
        </p>
      )}
      {p.job && (
        <p data-testid="preannotate-status" data-status={p.job.status}>
          {jobStatusWords(p.job.status)}
        </p>
      )}
      {failure && <ErrorBox error={Object.assign(new Error(failure.text), { code: failure.code })} />}
      {p.draft && (
        <div data-testid="preannotate-draft">
          <p data-testid="preannotate-provenance">
            Draft by {p.draft.run.provenance.name} {p.draft.run.provenance.version} ({runtimeWords(p.draft.run.provenance.runtime)}) on {promptWords(p.draft.run.provenance.prompt)}, {new Date(p.draft.run.createdAt).toLocaleString()}. Outlined until you accept or clear it.
          </p>
          {p.draft.run.provenance.endpoint && (
            <p className="hint" data-testid="preannotate-endpoint">
              {endpointWords(p.draft.run.provenance, endpointModelOf(p, p.draft.run.provenance.modelId))}
            </p>
          )}
          {[...counts].map(([value, n]) => {
            const label = labels.find((l) => l.value === value);
            const key = label?.key ?? String(value);
            return (
              <div className="row" key={value} data-testid={`draft-label-${key}`}>
                <span style={{ flex: 1 }}>
                  {label?.name ?? `Label ${value}`}: {n.toLocaleString('en')} voxels
                </span>
                <button disabled={props.readOnly} onClick={() => p.accept(value)} data-testid={`draft-accept-${key}`}>
                  Accept
                </button>
                <button disabled={props.readOnly} onClick={() => p.clear(value)} data-testid={`draft-clear-${key}`}>
                  Clear
                </button>
              </div>
            );
          })}
        </div>
      )}
    </div>
  );
}
