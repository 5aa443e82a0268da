import { createPortal } from 'react-dom';
import { stageNames, type WorkflowTask } from '../workflow-api';
import type { SaveState } from './save-controller';

/** The save state in words, for the header (read-only states first). */
export function saveStateText(state: SaveState, viewing: string | null, locked: { task: WorkflowTask; signed: boolean } | null): { cls: string; text: string } {
  if (viewing) return { cls: 'readonly', text: `Read-only: ${viewing}` };
  if (locked) {
    if (locked.task.stage === 'annotate') return { cls: 'readonly', text: `Submitted for review · read-only` };
    return { cls: 'readonly', text: locked.signed ? 'Review signed · read-only' : `${stageNames[locked.task.stage]} ${locked.task.status} · read-only` };
  }
  switch (state.kind) {
    case 'saved':
      return { cls: 'saved', text: state.version ? `Saved · version ${state.version}` : 'Nothing saved yet' };
    case 'unsaved':
      return { cls: 'unsaved', text: 'Unsaved changes' };
    case 'draft':
      return { cls: 'unsaved', text: 'Unsaved · draft kept on this computer' };
    case 'saving':
      return { cls: 'saving', text: 'Saving…' };
    case 'failed':
      return { cls: 'failed', text: 'Not saved · draft kept on this computer' };
    case 'conflict':
      return { cls: 'conflict', text: `Not saved · version ${state.currentVersion} exists` };
  }
}

/** The workspace's part of the app's top bar: what is open, loading, save state, task stage, Save and help. */
export function WorkspaceHeader(props: {
  what: string;
  loading: string | null;
  state: { cls: string; text: string };
  stage: WorkflowTask['stage'] | null;
  correction: boolean;
  canSave: boolean;
  /** Null when the viewer saves through its own controls: the shell then shows no save state or button. */
  onSave: (() => void) | null;
  onHelp: () => void;
}) {
  const slot = document.getElementById('topbar-slot');
  if (!slot) return null;
  return createPortal(
    <span style={{ display: 'flex', gap: 10, alignItems: 'center' }}>
      <span>{props.what}</span>
      {props.loading && <span data-testid="loading">{props.loading}</span>}
      {props.onSave && (
        <span className={`save-state ${props.state.cls}`} data-testid="save-state">
          {props.state.text}
        </span>
      )}
      {props.stage && (
        <span className="stage" data-testid="stage-badge">
          {stageNames[props.stage]}
        </span>
      )}
      {props.onSave && (
        <button onClick={props.onSave} disabled={!props.canSave} data-testid="save" title={props.correction ? 'Saves your edits as a correction revision' : undefined}>
          {props.correction ? 'Save correction' : 'Save'}
        </button>
      )}
      <button onClick={props.onHelp} title="Keyboard shortcuts (?)">
        ?
      </button>
    </span>,
    slot,
  );
}
