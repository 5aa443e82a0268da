import type { Draft } from '../drafts';
import { ErrorBox } from '../ui/ErrorBox';
import type { Shortcut } from './shortcuts';

/** The keyboard help, generated from the shortcut registry. */
export function HelpOverlay(props: { shortcuts: readonly Shortcut[]; onClose: () => void }) {
  return (
    <div className="overlay" onClick={props.onClose}>
      <div className="card" data-testid="help">
        <h1>Keyboard shortcuts</h1>
        <table className="keys">
          <tbody>
            {props.shortcuts.map((s) => (
              <tr key={s.display}>
                <td>
                  <kbd>{s.display}</kbd>
                </td>
                <td>{s.description}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

/** Unsent edits found on this computer when the annotation opens. */
export function DraftOffer(props: { draft: Draft; headVersion: number; onRestore: () => void; onDiscard: () => void }) {
  const { draft, headVersion } = props;
  return (
    <div className="overlay">
      <div className="card" data-testid="draft-offer">
        <h1>Unsent work found</h1>
        <p>
          Edits from {new Date(draft.savedAt).toLocaleString()} were never saved to the server (they were made on version {draft.baseVersion}
          {draft.baseVersion < headVersion ? `; version ${headVersion} has been saved since, so saving will ask you to resolve the difference` : ''}).
        </p>
        <div className="actions">
          <button onClick={props.onRestore} data-testid="restore-draft">
            Restore my unsent work
          </button>
          <button onClick={props.onDiscard} data-testid="discard-draft">
            Discard it
          </button>
        </div>
      </div>
    </div>
  );
}

/** Someone saved first: compare, redo my edits on theirs, or drop mine. Never a silent overwrite. */
export function ConflictDialog(props: { currentVersion: number; baseVersion: number; onCompare: () => void; onRedo: () => void; onLoad: () => void }) {
  const v = props.currentVersion;
  return (
    <div className="overlay">
      <div className="card" data-testid="conflict">
        <h1>Someone else saved first</h1>
        <p>
          Version {v} of this annotation was saved after you opened version {props.baseVersion}. Your edits have <strong>not</strong> been sent, and nothing was overwritten. They are kept on this computer.
        </p>
        <div className="actions" style={{ flexDirection: 'column', alignItems: 'stretch' }}>
          <button onClick={props.onCompare} data-testid="conflict-compare">
            Compare: show version {v} as an outline over my work
          </button>
          <button onClick={props.onRedo} data-testid="conflict-redo">
            Load version {v} and redo my edits on it
          </button>
          <button onClick={props.onLoad} data-testid="conflict-load">
            Load version {v} and drop my edits
          </button>
        </div>
      </div>
    </div>
  );
}

export function NoticeToast(props: { text: string; onClose: () => void }) {
  return (
    <div className="overlay" style={{ background: 'transparent', pointerEvents: 'none', alignItems: 'flex-end', paddingBottom: 24 }}>
      <div className="notice" style={{ pointerEvents: 'auto' }} data-testid="notice" onClick={props.onClose}>
        {props.text}
      </div>
    </div>
  );
}

export function ErrorOverlay(props: { error: unknown; onClose: () => void }) {
  return (
    <div className="overlay" onClick={props.onClose}>
      <div className="card">
        <ErrorBox error={props.error} />
        <button>Close</button>
      </div>
    </div>
  );
}
