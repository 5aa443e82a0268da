import type { Label } from '@delineate/schema';
import type { ItemView, RevisionInfo } from '../api';
import { toolBar, type Tool, type ToolId, type ToolOptions } from '../tools';
import { brushDiameterMm, brushRadiusMm, type LabelVolume } from '../viewer/measure';

/** The tool bar: the pointer tools, the options the active tool reads, interpolation, undo and redo. */
export function ToolBar(props: {
  tools: Record<ToolId, Tool>;
  active: ToolId;
  readOnly: boolean;
  options: ToolOptions;
  onTool: (id: ToolId) => void;
  onOptions: (change: Partial<ToolOptions>) => void;
  onInterpolate: () => void;
  onUndo: () => void;
  onRedo: () => void;
  /** What the item's values are called ("HU" for CT only; see viewer/modality-presets.ts). */
  valueLabel: string;
  /** False when the viewer brings its own tools (slides): undo and redo only. */
  volumeTools?: boolean;
}) {
  const { options, readOnly } = props;
  if (props.volumeTools === false) return <UndoRedo {...props} />;
  return (
    <>
      <h3>Tools</h3>
      <div className="row">
        {toolBar.map((id) => {
          const t = props.tools[id];
          return (
            <button key={id} className={props.active === id ? 'active' : ''} onClick={() => props.onTool(id)} disabled={readOnly} data-testid={`tool-${id}`} title={`${t.name} (${t.shortcut})`}>
              {t.name}
            </button>
          );
        })}
      </div>
      {/* The diameter is what a brush paints across; the tools keep its radius. */}
      <div className="row">
        <label>
          Brush diameter {brushDiameterMm(options.radiusMm)} mm
          <input
            type="range"
            min={1}
            max={100}
            step={1}
            value={brushDiameterMm(options.radiusMm)}
            onChange={(e) => props.onOptions({ radiusMm: brushRadiusMm(Number(e.target.value)) })}
            data-testid="brush-size"
          />
        </label>
      </div>
      <div className="row">
        <label>
          <input type="checkbox" checked={options.sphere} onChange={(e) => props.onOptions({ sphere: e.target.checked })} data-testid="brush-sphere" /> Sphere (3D)
        </label>
      </div>
      {props.tools[props.active].uses.includes('threshold') && (
        <div className="row">
          Intensity range ({props.valueLabel})
          <input style={{ width: 64 }} type="number" value={options.threshold.lower} onChange={(e) => props.onOptions({ threshold: { ...options.threshold, lower: Number(e.target.value) } })} aria-label={`lower ${props.valueLabel}`} data-testid="range-lower" />
          to
          <input style={{ width: 64 }} type="number" value={options.threshold.upper} onChange={(e) => props.onOptions({ threshold: { ...options.threshold, upper: Number(e.target.value) } })} aria-label={`upper ${props.valueLabel}`} data-testid="range-upper" />
        </div>
      )}
      {props.tools[props.active].uses.includes('tolerance') && (
        <div className="row">
          <label>
            Region tolerance ± {options.tolerance}
            <input type="range" min={5} max={400} step={5} value={options.tolerance} onChange={(e) => props.onOptions({ tolerance: Number(e.target.value) })} data-testid="region-tolerance" />
          </label>
        </div>
      )}
      <div className="row">
        <button onClick={props.onInterpolate} disabled={readOnly} data-testid="interpolate" title="Interpolate (I)">
          Interpolate slices
        </button>
      </div>
      <UndoRedo {...props} />
    </>
  );
}

function UndoRedo(props: { readOnly: boolean; onUndo: () => void; onRedo: () => void }) {
  return (
      <div className="row">
        <button onClick={props.onUndo} disabled={props.readOnly} data-testid="undo" title="Ctrl+Z">
          Undo
        </button>
        <button onClick={props.onRedo} disabled={props.readOnly} data-testid="redo" title="Ctrl+Y">
          Redo
        </button>
      </div>
  );
}

/** Earlier revisions and other readers' work, opened read-only; the comparison shown. */
export function RevisionsPanel(props: {
  revisions: readonly RevisionInfo[];
  others: ItemView['annotations'];
  viewing: boolean;
  compareTitle: string | null;
  onOpen: (annotationId: string | null, version: number, title: string) => void;
  onBack: () => void;
  onEndCompare: () => void;
}) {
  return (
    <>
      <h3>Revisions</h3>
      {props.viewing && (
        <div className="row">
          <button onClick={props.onBack} data-testid="back-to-mine">
            Back to my annotation
          </button>
        </div>
      )}
      <div className="row" style={{ flexDirection: 'column', alignItems: 'stretch' }}>
        {props.revisions.map((r) => (
          <button key={r.version} onClick={() => props.onOpen(null, r.version, `my version ${r.version}`)} data-testid={`open-revision-${r.version}`}>
            Version {r.version}
            {r.source === 'correction' ? ' (correction)' : ''} · {new Date(r.createdAt).toLocaleString()}
          </button>
        ))}
        {props.others.map((a, i) => (
          <button key={a.id} onClick={() => props.onOpen(a.id, a.headVersion, `reader ${i + 1}, version ${a.headVersion}`)}>
            Other reader {i + 1} · version {a.headVersion}
          </button>
        ))}
        {props.compareTitle && (
          <button onClick={props.onEndCompare} data-testid="end-compare">
            Hide comparison ({props.compareTitle})
          </button>
        )}
      </div>
    </>
  );
}

/** The label schema's labels (select, show, opacity) and the selected label's definition. */
export function LabelsPanel(props: {
  schema: ItemView['labelSchema'];
  selected: number;
  visible: ReadonlySet<number>;
  opacity: ReadonlyMap<number, number>;
  onSelect: (value: number) => void;
  onVisible: (value: number, shown: boolean) => void;
  onOpacity: (value: number, opacity: number) => void;
  /** Each label's painted volume (null while being counted). */
  volumes: ReadonlyMap<number, LabelVolume> | null;
  /** Labels drawn as outlines instead of filled. */
  outline: boolean;
  onOutline: (outline: boolean) => void;
}) {
  const labels: readonly Label[] = props.schema.labels;
  const selected = labels.find((l) => l.value === props.selected);
  return (
    <>
      <h3>
        Labels · {props.schema.name} v{props.schema.version}
      </h3>
      {labels.map((l, i) => (
        <div key={l.value} className={`label-item ${l.value === props.selected ? 'selected' : ''}`} onClick={() => props.onSelect(l.value)} data-testid={`label-${l.key}`}>
          <span className="swatch" style={{ background: l.colour }} />
          <span style={{ flex: 1 }}>
            {i + 1}. {l.name}
          </span>
          <input type="checkbox" title="visible" checked={props.visible.has(l.value)} onClick={(e) => e.stopPropagation()} onChange={(e) => props.onVisible(l.value, e.target.checked)} data-testid={`visible-${l.key}`} />
          <input
            type="range"
            title="opacity"
            min={0}
            max={1}
            step={0.05}
            style={{ width: 60 }}
            value={props.opacity.get(l.value) ?? 0.5}
            onClick={(e) => e.stopPropagation()}
            onChange={(e) => props.onOpacity(l.value, Number(e.target.value))}
          />
          <LabelVolumeText volume={props.volumes?.get(l.value) ?? (props.volumes ? { voxels: 0, ml: 0 } : null)} labelKey={l.key} />
        </div>
      ))}
      <div className="row">
        <label>
          <input type="checkbox" checked={props.outline} onChange={(e) => props.onOutline(e.target.checked)} data-testid="label-outline" /> Outlines only
        </label>
      </div>
      {selected && (
        <div className="definition" data-testid="label-definition">
          <h3>Definition</h3>
          <p>{selected.definition}</p>
          <h3>Include</h3>
          <ul>
            {selected.inclusion.map((t) => (
              <li key={t}>{t}</li>
            ))}
          </ul>
          <h3>Exclude</h3>
          <ul>
            {selected.exclusion.map((t) => (
              <li key={t}>{t}</li>
            ))}
          </ul>
          <h3>Reference standard</h3>
          <p>
            <strong>{selected.referenceStandard.title}</strong>
          </p>
          <p>{selected.referenceStandard.citation}</p>
          <p>
            {selected.concept.scheme} {selected.concept.value}: {selected.concept.meaning}
          </p>
        </div>
      )}
    </>
  );
}

/** A label's volume in mL (two decimals below 10 mL) and its voxel count. */
function LabelVolumeText(props: { volume: LabelVolume | null; labelKey: string }) {
  const v = props.volume;
  return (
    <span className="label-volume" data-testid={`volume-${props.labelKey}`} data-ml={v?.ml ?? ''} data-voxels={v?.voxels ?? ''}>
      {v ? `${v.ml < 10 ? v.ml.toFixed(2) : v.ml.toFixed(1)} mL · ${v.voxels.toLocaleString('en')} voxels` : '…'}
    </span>
  );
}
