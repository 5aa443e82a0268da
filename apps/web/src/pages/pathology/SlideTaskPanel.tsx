import type { CellClass } from '@delineate/schema';
import { fieldStateWords, progressWords } from '../../viewers/slide/region-task';
import type { SlideTask } from './pathology-api';

/** Keys of the cell classes, in class order (the first keys no other tool uses). */
export const cellClassKeys = ['q', 'w', 'a', 'z', 'v'] as const;

export interface CellControls {
  classes: readonly CellClass[];
  selectedClass: string;
  onClass(key: string): void;
  active: boolean;
  onActive(on: boolean): void;
  pending: number;
  saving: boolean;
  onSave(): void;
  /** What the cell tool says (saved version, selection, a refusal), in words. */
  status: string;
}

/**
 * A slide-region task's side panel (issue 17 §1–2): the target magnification and zoom band with
 * why the tools are off, the fields with their state and progress, moving between fields and
 * marking one done, and the cell tool with its classes.
 */
export function SlideTaskPanel(props: {
  task: SlideTask;
  current: number | null;
  bandReason: string | null;
  canRecord: boolean;
  onGo(index: number): void;
  onStep(step: 1 | -1): void;
  onDone(): void;
  cells: CellControls | null;
}) {
  const { region, fields, progress } = props.task;
  const current = fields.find((f) => f.index === props.current);
  return (
    <div data-testid="slide-task-panel">
      <h3>Region task at {region.template.magnification}×</h3>
      <p>
        Tools work from {Number(region.zoomBand.min.toFixed(2))}× to {Number(region.zoomBand.max.toFixed(2))}×.
      </p>
      {props.bandReason && <p className="notice">The tools are off here: see the reason under the slide tools.</p>}
      <p data-testid="field-progress">{progressWords(progress)}</p>
      <div className="row">
        <button onClick={() => props.onStep(-1)} title="Previous field (Page Up)" data-testid="field-previous">
          Previous field
        </button>
        <button onClick={() => props.onStep(1)} title="Next field (Page Down)" data-testid="field-next">
          Next field
        </button>
        <button onClick={props.onDone} disabled={!current || current.state === 'done' || !props.canRecord} title="Mark this field done (Y)" data-testid="field-done">
          Field done
        </button>
      </div>
      {current && <p data-testid="field-current">Field {current.index + 1} of {fields.length}: {fieldStateWords[current.state]}</p>}
      <ol className="fields" data-testid="field-list">
        {fields.map((f) => (
          <li key={f.index}>
            <button className={f.index === props.current ? 'active' : ''} onClick={() => props.onGo(f.index)} data-testid={`field-${f.index}`} data-state={f.state}>
              Field {f.index + 1}: {fieldStateWords[f.state]}
            </button>
          </li>
        ))}
      </ol>
      {props.cells && <CellPanel cells={props.cells} />}
    </div>
  );
}

function CellPanel({ cells }: { cells: CellControls }) {
  return (
    <>
      <h3>Cells</h3>
      <div className="row">
        <button className={cells.active ? 'active' : ''} onClick={() => cells.onActive(!cells.active)} title="Cell tool (K): click adds, drag moves, Delete removes" data-testid="cells-tool">
          Cell tool
        </button>
        <button onClick={cells.onSave} disabled={cells.pending === 0 || cells.saving} data-testid="cells-save">
          Save cells{cells.pending ? ` (${cells.pending} change${cells.pending === 1 ? '' : 's'})` : ''}
        </button>
      </div>
      <div className="row">
        {cells.classes.map((c, i) => (
          <button
            key={c.key}
            className={cells.selectedClass === c.key ? 'active' : ''}
            onClick={() => cells.onClass(c.key)}
            title={cellClassKeys[i] ? `${c.name} (${cellClassKeys[i].toUpperCase()})` : c.name}
            data-testid={`cell-class-${c.key}`}
          >
            <span className="swatch" style={{ background: c.colour }} /> {c.name}
          </button>
        ))}
      </div>
      <p data-testid="cells-status">{cells.status}</p>
    </>
  );
}
