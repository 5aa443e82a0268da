import type { SaveState } from '../../workspace/save-controller';
import type { OctMeasuresView, OctVolumeView } from './oct-api';
import { boundaryLegend, octTools, type OctToolId } from './oct-words';

const um = (value: number | null | undefined) => (value === null || value === undefined ? '–' : `${Math.round(value)} µm`);

const sectorWords: Array<[string, string]> = [
  ['central', 'Central'],
  ['inner_superior', 'Inner superior'],
  ['inner_nasal', 'Inner nasal'],
  ['inner_inferior', 'Inner inferior'],
  ['inner_temporal', 'Inner temporal'],
  ['outer_superior', 'Outer superior'],
  ['outer_nasal', 'Outer nasal'],
  ['outer_inferior', 'Outer inferior'],
  ['outer_temporal', 'Outer temporal'],
];

function saveWords(state: SaveState): string {
  switch (state.kind) {
    case 'saved':
      return state.version === 0 ? 'Nothing saved yet' : `Saved as version ${state.version}`;
    case 'unsaved':
      return 'Unsaved edits';
    case 'saving':
      return 'Saving…';
    case 'draft':
      return 'Unsaved edits (kept on this computer)';
    case 'failed':
      return 'Not saved';
    case 'conflict':
      return `Someone saved version ${state.currentVersion} first`;
  }
}

export interface OctControlsProps {
  volume: OctVolumeView | null;
  editable: boolean;
  boundary: number;
  onBoundary(b: number): void;
  tool: OctToolId;
  onTool(t: OctToolId): void;
  stretch: number;
  onStretch(s: number): void;
  flatten: boolean;
  onFlatten(f: boolean): void;
  knotEvery: number;
  onKnotEvery(n: number): void;
  bscan: number;
  onPropagate(direction: 1 | -1, follow: boolean): void;
  onUndo(): void;
  onSave(): void;
  saveState: SaveState;
  refusal: string | null;
  onConflict(choice: 'theirs' | 'mine'): void;
  measures: OctMeasuresView | null;
}

/** The OCT workspace's side panel: boundaries and their legend, tools, display, measures, saving. */
export function OctControls(p: OctControlsProps) {
  const last = (p.volume?.bscans ?? 1) - 1;
  return (
    <div className="oct-controls" data-testid="oct-controls">
      {p.volume && (
        <p data-testid="oct-eye">
          {p.volume.laterality === 'OD' ? 'Right eye (OD)' : 'Left eye (OS)'} · {p.volume.bscans} B-scans of {p.volume.ascans} A-scans · {p.volume.ascanSpacingUm.toFixed(1)} µm between A-scans, {p.volume.axialUmPerPixel.toFixed(2)} µm per row
        </p>
      )}
      <h3>Boundaries</h3>
      <ul className="oct-legend" data-testid="oct-legend" style={{ listStyle: 'none', padding: 0 }}>
        {boundaryLegend.map((b) => (
          <li key={b.key}>
            <button className={p.boundary === b.index ? 'active' : ''} onClick={() => p.onBoundary(b.index)} data-testid={`oct-boundary-${b.key}`} title={b.meaning} style={{ borderLeft: `6px solid ${b.colour}`, width: '100%', textAlign: 'left' }}>
              {b.short} — {b.meaning}
            </button>
          </li>
        ))}
      </ul>
      <h3>Tool</h3>
      <div className="row">
        {octTools.map((t) => (
          <button key={t.id} className={p.tool === t.id ? 'active' : ''} disabled={!p.editable} onClick={() => p.onTool(t.id)} data-testid={`oct-tool-${t.id}`} title={t.help}>
            {t.words} ({t.key.toUpperCase()})
          </button>
        ))}
      </div>
      <label>
        Knots every{' '}
        <input type="number" min={4} max={128} value={p.knotEvery} onChange={(e) => p.onKnotEvery(Math.max(4, Math.min(128, Number(e.target.value) || 32)))} data-testid="oct-knot-every" style={{ width: 56 }} /> A-scans
      </label>
      <div className="row">
        <button disabled={!p.editable || p.bscan >= last} onClick={() => p.onPropagate(1, true)} data-testid="oct-propagate-next">
          Propagate to next B-scan
        </button>
        <button disabled={!p.editable || p.bscan <= 0} onClick={() => p.onPropagate(-1, true)} data-testid="oct-propagate-previous">
          Propagate to previous B-scan
        </button>
        <button disabled={!p.editable || p.bscan >= last} onClick={() => p.onPropagate(1, false)} data-testid="oct-copy-next">
          Copy to next B-scan
        </button>
      </div>
      <h3>Display</h3>
      <label>
        Vertical stretch{' '}
        <input type="range" min={1} max={4} step={0.5} value={p.stretch} onChange={(e) => p.onStretch(Number(e.target.value))} data-testid="oct-stretch" /> ×{p.stretch}
      </label>
      <label>
        <input type="checkbox" checked={p.flatten} onChange={(e) => p.onFlatten(e.target.checked)} data-testid="oct-flatten" /> Flatten to Bruch's membrane
      </label>
      <h3>Save</h3>
      <p data-testid="oct-save-state">{saveWords(p.saveState)}</p>
      <div className="row">
        <button disabled={!p.editable} onClick={p.onUndo} data-testid="oct-undo">
          Undo
        </button>
        <button disabled={!p.editable || p.saveState.kind === 'saving'} onClick={p.onSave} data-testid="oct-save">
          Save boundaries
        </button>
      </div>
      {p.refusal && (
        <p role="alert" data-testid="oct-refusal">
          {p.refusal}
        </p>
      )}
      {p.saveState.kind === 'conflict' && (
        <div className="card" data-testid="oct-conflict">
          <p>Someone saved these boundaries (version {p.saveState.currentVersion}) after you opened them. Your edits are kept on this computer.</p>
          <button onClick={() => p.onConflict('theirs')} data-testid="oct-conflict-load">
            Load their version (drop my edits)
          </button>
          <button onClick={() => p.onConflict('mine')} data-testid="oct-conflict-mine">
            Save mine as the next version
          </button>
        </div>
      )}
      <h3>Thickness</h3>
      {!p.measures ? (
        <p data-testid="oct-measures-empty">Measures appear once the boundaries are saved.</p>
      ) : (
        <div data-testid="oct-measures">
          <p>
            Central subfield thickness (ILM to BM): <strong data-testid="oct-cst">{um(p.measures.retina.centralSubfieldUm)}</strong>
          </p>
          <p>
            Mean retinal thickness: <span data-testid="oct-mean-thickness">{um(p.measures.retina.meanUm)}</span> over {p.measures.retina.valuedAScans} A-scans
          </p>
          <p>
            ETDRS grid centred on {p.measures.foveaFrom === 'set' ? 'the set fovea' : p.measures.foveaFrom === 'thinnest_central_point' ? 'the thinnest central point' : 'no fovea (not enough boundaries)'}
          </p>
          <table className="data" data-testid="oct-etdrs">
            <tbody>
              {sectorWords.map(([key, words]) => (
                <tr key={key}>
                  <td>{words}</td>
                  <td>{um(p.measures!.retina.etdrs[key]?.meanUm)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <h3>Keys</h3>
      <ul data-testid="oct-keys">
        <li>↑ / ↓: next / previous B-scan</li>
        <li>1 … 9, 0, −: select a boundary (ILM … BM)</li>
        {octTools.map((t) => (
          <li key={t.id}>
            {t.key.toUpperCase()}: {t.help}
          </li>
        ))}
      </ul>
    </div>
  );
}
