import { useState, type FormEvent } from 'react';
import type { Label } from '@delineate/schema';
import { errorTypeNames, stageNames, type ErrorType, type SignificantRegionMark, type VoxelBox, type WorkflowTask } from '../workflow-api';
import { ErrorBox } from './ErrorBox';
import './review-styles.css';

// The annotator's workflow panel beside the viewer (issue 7): stage, returned items and submission;
// the dialog that marks a region as diagnostically significant; the lists both panels share.

export interface PendingBox {
  box: { min: [number, number, number]; max: [number, number, number] };
  labelValue: number;
}

export const rgb = (c: readonly [number, number, number]) => `rgb(${c[0]}, ${c[1]}, ${c[2]})`;
export const boxText = (b: VoxelBox) => `x ${b.min[0]}–${b.max[0]}, y ${b.min[1]}–${b.max[1]}, slices ${b.min[2] + 1}–${b.max[2] + 1}`;
export const time = (iso: string) => new Date(iso).toLocaleString();

/** What a checklist item and a label are called, to show failed items by their words rather than their keys. */
export interface ChecklistWords {
  questions: ReadonlyMap<string, string>;
  labelNames: ReadonlyMap<string, string>;
}

export function checklistWords(checklist: readonly { key: string; question: string }[] | undefined, labels: readonly { key: string; name: string }[]): ChecklistWords {
  return { questions: new Map((checklist ?? []).map((c) => [c.key, c.question])), labelNames: new Map(labels.map((l) => [l.key, l.name])) };
}

export function FailedList({ items, testId, words }: { items: readonly { itemKey: string; labelKey: string; errorType: ErrorType; note?: string | undefined }[]; testId: string; words: ChecklistWords }) {
  return (
    <ul className="failed-items" data-testid={testId}>
      {items.map((f) => (
        <li key={f.itemKey} data-item={f.itemKey}>
          {/* A question no longer in the protocol falls back to its key rather than to nothing. */}
          <strong>{words.questions.get(f.itemKey) ?? f.itemKey}</strong> <span className="muted">({words.labelNames.get(f.labelKey) ?? f.labelKey})</span> · {errorTypeNames[f.errorType]}
          {f.note ? <div className="note">“{f.note}”</div> : null}
        </li>
      ))}
    </ul>
  );
}

export function MarksList(props: { labelNames?: ReadonlyMap<string, string>; marks: readonly { labelKey: string; box?: VoxelBox | null | undefined; note?: string | null | undefined }[]; colour: string; testId: string; onGoTo?: (box: VoxelBox) => void; onRemove?: (index: number) => void }) {
  if (props.marks.length === 0) return null;
  return (
    <ul className="marks" data-testid={props.testId}>
      {props.marks.map((m, i) => (
        <li key={i} style={{ borderLeftColor: props.colour }}>
          <strong>{props.labelNames?.get(m.labelKey) ?? m.labelKey}</strong> {m.box ? <span className="muted">{boxText(m.box)}</span> : <span className="muted">whole label</span>}
          {m.note ? <div className="note">{m.note}</div> : null}
          <div className="row">
            {m.box && props.onGoTo && (
              <button onClick={() => props.onGoTo!(m.box!)} data-testid="go-to-mark">
                Show
              </button>
            )}
            {props.onRemove && (
              <button onClick={() => props.onRemove!(i)} data-testid="remove-mark">
                Remove
              </button>
            )}
          </div>
        </li>
      ))}
    </ul>
  );
}

export function MarkToolButton(props: { active: boolean; disabled: boolean; onClick: () => void }) {
  return (
    <button className={props.active ? 'active' : ''} disabled={props.disabled} onClick={props.onClick} data-testid="tool-mark" title="Mark a region as diagnostically significant: drag a box on the axial view (M)">
      Mark significant region
    </button>
  );
}

/** The annotator's side: stage, what a rejection returned, significant regions, submission. */
export function AnnotatePanel(props: {
  task: WorkflowTask;
  locked: boolean;
  busy: boolean;
  error: unknown;
  unsaved: boolean;
  marks: readonly SignificantRegionMark[];
  /** Marks stored with earlier submissions of this work. */
  storedMarks: readonly { labelKey: string; box: VoxelBox | null; note: string | null }[];
  markTool: boolean;
  onMarkTool: () => void;
  onRemoveMark: (index: number) => void;
  onGoTo: (box: VoxelBox) => void;
  onSubmit: () => void;
  /** The checklist's questions and the labels' names. */
  words: ChecklistWords;
}) {
  const { task } = props;
  // Submitting hands the work over and locks it, so it is asked once more.
  const [confirming, setConfirming] = useState(false);
  return (
    <div className="workflow-panel" data-testid="annotate-panel">
      <h3>Workflow</h3>
      <div className="row">
        <span className="stage" data-testid="task-stage">
          {stageNames[task.stage]}
        </span>
        <span className="muted" data-testid="task-status">
          {task.status.replace('_', ' ')}
        </span>
        {task.reworkCount > 0 && <span className="muted">· returned {task.reworkCount}×</span>}
      </div>
      {task.returnedItems.length > 0 && !props.locked && (
        <div className="returned" data-testid="returned">
          <p>The reviewer returned this work. Fix these items, then submit again:</p>
          <FailedList items={task.returnedItems} testId="returned-items" words={props.words} />
        </div>
      )}
      {props.storedMarks.length > 0 && (
        <>
          <div className="muted">Marked significant</div>
          <MarksList labelNames={props.words.labelNames} marks={props.storedMarks} colour="#ff9f1a" testId="stored-marks" onGoTo={props.onGoTo} />
        </>
      )}
      {props.locked ? (
        <p className="notice" data-testid="submitted-notice">
          Submitted{task.submittedAt ? ` ${time(task.submittedAt)}` : ''} for review (version {task.revisionVersion}). The annotation is read-only.
        </p>
      ) : (
        <>
          <div className="row">
            <MarkToolButton active={props.markTool} disabled={props.locked} onClick={props.onMarkTool} />
          </div>
          <MarksList labelNames={props.words.labelNames} marks={props.marks} colour="#33d6ff" testId="new-marks" onGoTo={props.onGoTo} onRemove={props.onRemoveMark} />
          <ErrorBox error={props.error} />
          <div className="row">
            <button className="primary" disabled={props.busy || confirming} onClick={() => setConfirming(true)} data-testid="submit-for-review">
              {props.unsaved ? 'Save and submit for review' : 'Submit for review'}
            </button>
          </div>
          {confirming && (
            <div className="confirm" role="alertdialog" aria-label="Submit for review" data-testid="confirm-submit">
              <p>
                Submit this annotation for review{props.unsaved ? ' (your unsaved edits are saved first)' : ''}? It becomes read-only until the reviewer accepts it or returns it to you.
              </p>
              <div className="row">
                <button
                  className="primary"
                  onClick={() => {
                    setConfirming(false);
                    props.onSubmit();
                  }}
                  data-testid="confirm-submit-yes"
                >
                  Submit
                </button>
                <button onClick={() => setConfirming(false)} data-testid="confirm-submit-no">
                  Keep editing
                </button>
              </div>
            </div>
          )}
        </>
      )}
    </div>
  );
}

/** Asks for a significant region's label, slice range and note after a box was dragged. */
export function MarkDialog(props: { pending: PendingBox; labels: readonly Label[]; slices: number; onAdd: (mark: SignificantRegionMark) => void; onCancel: () => void }) {
  const [labelValue, setLabelValue] = useState(props.pending.labelValue);
  const [from, setFrom] = useState(props.pending.box.min[2] + 1);
  const [to, setTo] = useState(props.pending.box.max[2] + 1);
  const [note, setNote] = useState('');
  const label = props.labels.find((l) => l.value === labelValue) ?? props.labels[0];
  const valid = Number.isInteger(from) && Number.isInteger(to) && from >= 1 && to <= props.slices && from <= to && label !== undefined;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!valid || !label) return;
    const { min, max } = props.pending.box;
    props.onAdd({ labelKey: label.key, box: { min: [min[0], min[1], from - 1], max: [max[0], max[1], to - 1] }, ...(note.trim() ? { note: note.trim() } : {}) });
  };
  return (
    <div className="overlay">
      <form className="card" onSubmit={submit} role="dialog" aria-modal="true" aria-label="Mark a significant region" data-testid="mark-dialog">
        <h1>Diagnostically significant region</h1>
        <p className="muted">
          Box x {props.pending.box.min[0]}–{props.pending.box.max[0]}, y {props.pending.box.min[1]}–{props.pending.box.max[1]}. A marked region sends the item to an expert reviewer.
        </p>
        <label htmlFor="mark-label">Label</label>
        <select id="mark-label" value={labelValue} onChange={(e) => setLabelValue(Number(e.target.value))} data-testid="mark-label">
          {props.labels.map((l) => (
            <option key={l.value} value={l.value}>
              {l.name}
            </option>
          ))}
        </select>
        <label>Axial slices (1–{props.slices})</label>
        <div className="row">
          from <input type="number" min={1} max={props.slices} value={from} onChange={(e) => setFrom(Number(e.target.value))} data-testid="mark-from" style={{ width: 80 }} />
          to <input type="number" min={1} max={props.slices} value={to} onChange={(e) => setTo(Number(e.target.value))} data-testid="mark-to" style={{ width: 80 }} />
        </div>
        <label htmlFor="mark-note">Note</label>
        <textarea id="mark-note" rows={3} value={note} maxLength={2000} onChange={(e) => setNote(e.target.value)} data-testid="mark-note" />
        <div className="actions">
          <button type="submit" className="primary" disabled={!valid} data-testid="mark-add">
            Add mark
          </button>
          <button type="button" onClick={props.onCancel}>
            Cancel
          </button>
        </div>
      </form>
    </div>
  );
}

