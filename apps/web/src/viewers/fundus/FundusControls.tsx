import { contourTools, type ContourToolId } from './contour-tools';
import type { FundusMeasures, PhotoInfo } from './fundus-api';
import { photoViews, photoViewWords, type PhotoView } from './fundus-image';

const lateralityWords = { OD: 'Right eye (OD)', OS: 'Left eye (OS)' } as const;
const sectorWords = { inferior: 'Inferior', superior: 'Superior', nasal: 'Nasal', temporal: 'Temporal' } as const;
const ratio = (v: number | null) => (v === null ? 'no disc' : v.toFixed(3));

export interface FundusControlsProps {
  photo: PhotoInfo | null;
  editable: boolean;
  tool: ContourToolId;
  onTool(tool: ContourToolId): void;
  view: PhotoView;
  onView(view: PhotoView): void;
  onZoom(factor: number): void;
  onFit(): void;
  canSave: boolean;
  saving: boolean;
  onSave(): void;
  missing: string | null;
  refusal: { code: string; text: string } | null;
  measures: FundusMeasures | null;
  savedVersion: number | null;
}

/** The fundus workspace's side panel: eye, view, tools, save, and the measures of the saved revision. */
export function FundusControls(p: FundusControlsProps) {
  return (
    <div className="fundus-controls">
      <h3>Eye</h3>
      <div data-testid="fundus-laterality">{p.photo ? (p.photo.laterality ? lateralityWords[p.photo.laterality] : 'Not stated: nasal and temporal rim widths are not given') : '…'}</div>
      {p.photo && !p.photo.pixelSpacingMm && <div className="muted">Pixel size not recorded: ratios only, no millimetres.</div>}
      <h3>View</h3>
      <div className="row">
        <select data-testid="fundus-view" value={p.view} onChange={(e) => p.onView(e.target.value as PhotoView)}>
          {photoViews.map((v) => (
            <option key={v} value={v}>
              {photoViewWords[v]}
            </option>
          ))}
        </select>
      </div>
      <div className="row">
        <button onClick={() => p.onZoom(1.5)}>Zoom in</button>
        <button onClick={() => p.onZoom(1 / 1.5)}>Zoom out</button>
        <button onClick={p.onFit}>Fit</button>
      </div>
      <h3>Draw</h3>
      <div className="row">
        {contourTools.map((t) => (
          <button key={t.id} data-testid={`fundus-tool-${t.id}`} className={p.tool === t.id ? 'active' : ''} disabled={!p.editable && t.id !== 'navigate'} onClick={() => p.onTool(t.id)} title={`${t.words} (${t.key})`}>
            {t.words}
          </button>
        ))}
      </div>
      <div className="row">
        <button data-testid="fundus-save" disabled={!p.canSave || p.saving} onClick={p.onSave}>
          {p.saving ? 'Saving…' : 'Save disc and cup'}
        </button>
      </div>
      {p.missing && <div className="muted">{p.missing}</div>}
      {p.refusal && (
        <div role="alert" className="error" data-testid="fundus-refusal">
          {p.refusal.text}
        </div>
      )}
      <h3>Measures</h3>
      {!p.measures ? (
        <div className="muted">Saved contours are measured here.</div>
      ) : (
        <div data-testid="fundus-measures">
          <div className="muted">Of version {p.savedVersion}, measured on the stored mask.</div>
          <table>
            <thead>
              <tr>
                <th>Convention</th>
                <th>Vertical CDR</th>
                <th>Horizontal</th>
              </tr>
            </thead>
            <tbody>
              {p.measures.cdr.map((c) => (
                <tr key={c.convention} title={c.description}>
                  <td>{c.name}</td>
                  <td data-testid={`fundus-vcdr-${c.convention}`}>{ratio(c.vertical)}</td>
                  <td>{ratio(c.horizontal)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <div data-testid="fundus-area-ratio">Cup-to-disc area ratio {ratio(p.measures.areaRatio)}</div>
          <div>
            Disc {p.measures.discAreaMm2 !== null ? `${p.measures.discAreaMm2.toFixed(2)} mm²` : `${p.measures.discAreaPx} pixels`}, cup{' '}
            {p.measures.cupAreaMm2 !== null ? `${p.measures.cupAreaMm2.toFixed(2)} mm²` : `${p.measures.cupAreaPx} pixels`}
          </div>
          <h3>Rim width (ISNT)</h3>
          {p.measures.rim.map((r) => (
            <div key={r.sector}>
              {sectorWords[r.sector]}: {r.meanMm !== null ? `${r.meanMm.toFixed(3)} mm` : `${r.meanPx.toFixed(1)} pixels`} mean, {r.minimumMm !== null ? `${r.minimumMm.toFixed(3)} mm` : `${r.minimumPx.toFixed(1)} pixels`} least
            </div>
          ))}
        </div>
      )}
    </div>
  );
}
