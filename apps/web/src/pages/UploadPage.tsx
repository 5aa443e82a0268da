import { useEffect, useMemo, useState, useSyncExternalStore, type DragEvent } from 'react';
import { getRouteApi } from '@tanstack/react-router';
import type { UploadBatchStatus, UploadFileStatus } from '@delineate/schema';
import { useUploadBatch } from '../data/uploads';
import { useSignedInSession } from '../data/session';
import { ErrorBox } from '../ui/ErrorBox';
import { droppedFiles, pickedFiles, type PickedFile } from '../upload/folder-entries';
import { withLaterality } from '../upload/photo-laterality';
import { overallProgress, UploadRun, type FileProgress } from '../upload/upload-run';
import '../ui/project-styles.css';
import '../ui/upload-styles.css';

const route = getRouteApi('/projects/$projectId/upload');

/** Who may upload into a project (the server's policy decides; this only chooses what to show). */
export const uploadRoles = ['project_admin', 'data_steward'];

const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/** The page at `/projects/$projectId/upload`. */
export function UploadRoutePage() {
  const { projectId } = route.useParams();
  const session = useSignedInSession();
  const allowed = session.roles.some((r) => r.projectId === projectId && uploadRoles.includes(r.role));
  if (!allowed) {
    return (
      <div className="page" data-testid="upload-page">
        <h2>Upload images</h2>
        <p>Only project administrators and data stewards upload images into a project.</p>
      </div>
    );
  }
  return <UploadPage key={projectId} projectId={projectId} />;
}

function ProgressBar({ sent, total, label }: { sent: number; total: number; label: string }) {
  return <progress className="upload-bar" max={Math.max(total, 1)} value={sent} aria-label={label} />;
}

/**
 * Upload into a project: drop files or a folder (or choose them), watch each file and the whole
 * upload progress, then the gate's answers as they come (passed, quarantined, rejected,
 * duplicate, with the reason in words). An interrupted upload resumes when the same files are
 * dropped again.
 */
export function UploadPage({ projectId }: { projectId: string }) {
  const run = useMemo(() => new UploadRun(projectId, window.localStorage), [projectId]);
  const state = useSyncExternalStore(run.subscribe, () => run.state);
  const [interrupted] = useState(() => run.saved());
  const [hover, setHover] = useState(false);
  const [eye, setEye] = useState<'OD' | 'OS' | ''>('');
  const [eyeRefusal, setEyeRefusal] = useState<string | null>(null);
  const status = useUploadBatch(state.phase === 'closed' ? state.batchId : null);
  useEffect(() => () => run.stop(), [run]);

  /** A picker's files; its value is cleared so that choosing the same files again (to resume) is a change. */
  const fromPicker = (input: HTMLInputElement) => {
    const files = input.files ? pickedFiles(input.files) : [];
    input.value = '';
    begin(files);
  };
  const begin = (picked: PickedFile[]) => {
    const checked = withLaterality(picked, eye);
    setEyeRefusal('refusal' in checked ? checked.refusal : null);
    if ('refusal' in checked) return;
    const { files } = checked;
    if (files.length > 0 && (state.phase === 'idle' || state.phase === 'closed' || state.phase === 'failed')) void run.start(files);
  };
  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setHover(false);
    void droppedFiles(event.dataTransfer).then(begin);
  };
  const busy = state.phase === 'uploading' || state.phase === 'closing';
  const overall = overallProgress(state.files);

  return (
    <div className="page" data-testid="upload-page">
      <h2>Upload images</h2>
      <p className="muted">
        DICOM files, folders with a DICOMDIR, zip archives of them, and whole-slide images (SVS, NDPI, MIRAX, tiled TIFF, DICOM). Every file goes through the de-identification gate before anyone can see it; files the gate
        cannot clear wait for a data steward in the quarantine. Fundus photographs as PNG or JPEG are taken too: choose the eye they show first.
      </p>
      <label className="upload-eye">
        Eye of the photographs (PNG, JPEG){' '}
        <select value={eye} data-testid="upload-laterality" onChange={(e) => setEye(e.target.value as 'OD' | 'OS' | '')}>
          <option value="">Choose the eye…</option>
          <option value="OD">Right eye (OD)</option>
          <option value="OS">Left eye (OS)</option>
        </select>
      </label>
      {eyeRefusal && (
        <div className="error" role="alert" data-testid="upload-laterality-refusal">
          {eyeRefusal}
        </div>
      )}
      {interrupted && state.phase === 'idle' && (
        <div className="notice" data-testid="upload-interrupted">
          An upload into this project was interrupted ({Object.keys(interrupted.files).length} files started). Drop or choose the same files again: each goes on from what the server already has.
        </div>
      )}
      <div
        className={`upload-drop${hover ? ' hover' : ''}`}
        data-testid="upload-drop"
        onDragOver={(event) => {
          event.preventDefault();
          setHover(true);
        }}
        onDragLeave={() => setHover(false)}
        onDrop={onDrop}
      >
        <p>{busy ? 'Uploading…' : 'Drop files or a folder here'}</p>
        <label className="upload-pick">
          Choose files
          <input type="file" multiple disabled={busy} data-testid="upload-files" onChange={(e) => fromPicker(e.target)} />
        </label>
        <label className="upload-pick">
          Choose a folder
          <input type="file" multiple disabled={busy} data-testid="upload-folder" {...{ webkitdirectory: '' }} onChange={(e) => fromPicker(e.target)} />
        </label>
      </div>
      <ErrorBox error={state.error ? Object.assign(new Error(state.error.text), { code: state.error.code }) : null} />
      {state.files.length > 0 && (
        <section data-testid="upload-progress" data-phase={state.phase}>
          <h3>
            {state.phase === 'closed' ? 'Uploaded' : 'Uploading'} {state.files.length} files: {megabytes(overall.sent)} of {megabytes(overall.total)}
          </h3>
          <ProgressBar sent={overall.sent} total={overall.total} label="All files" />
          <GateCounts projectId={projectId} status={status.data} />
          <ErrorBox error={status.error} />
          <FileTable files={state.files} answers={status.data?.files ?? []} />
        </section>
      )}
    </div>
  );
}

function GateCounts({ projectId, status }: { projectId: string; status: UploadBatchStatus | undefined }) {
  if (!status) return <p className="muted">The gate starts when every file is uploaded.</p>;
  const c = status.counts;
  return (
    <div className="upload-counts" data-testid="upload-counts" data-finished={status.finished}>
      <span data-testid="count-passed">Passed: {c.passed}</span>
      <span data-testid="count-quarantined">Quarantined: {c.quarantined}</span>
      <span data-testid="count-rejected">Rejected: {c.rejected}</span>
      <span data-testid="count-duplicates">Duplicates: {c.duplicates}</span>
      {c.waiting + c.gating > 0 && <span>In the gate: {c.waiting + c.gating}</span>}
      {c.quarantined > 0 && (
        <a href={`#/projects/${projectId}/quarantine`} data-testid="quarantine-link">
          Open the quarantine queue
        </a>
      )}
      {status.finished && <strong>The gate has answered for every file.</strong>}
    </div>
  );
}

function FileTable({ files, answers }: { files: readonly FileProgress[]; answers: readonly UploadFileStatus[] }) {
  const byId = new Map(answers.map((a) => [a.id, a]));
  return (
    <table className="tasks upload-files" data-testid="upload-file-list">
      <thead>
        <tr>
          <th>File</th>
          <th>Uploaded</th>
          <th>State</th>
          <th>Reason</th>
        </tr>
      </thead>
      <tbody>
        {files.map((f) => {
          const answer = f.uploadId ? byId.get(f.uploadId) : undefined;
          const words = f.refusal ? 'refused' : (answer?.stateWords ?? (f.done ? 'uploaded' : 'uploading'));
          const reason = f.refusal ? f.refusal : answer?.reason ? { text: answer.reason, code: answer.code ?? '' } : null;
          return (
            <tr key={f.key} data-testid="upload-file" data-state={answer?.state ?? (f.refusal ? 'refused' : f.done ? 'uploaded' : 'uploading')} data-resumed-from={f.resumedFrom}>
              <td>{f.path}</td>
              <td>
                <ProgressBar sent={f.refusal ? 0 : f.sent} total={f.size} label={f.path} /> {Math.round((100 * f.sent) / Math.max(f.size, 1))}%
              </td>
              <td>{words}</td>
              <td>
                {reason && (
                  <>
                    {reason.text} {reason.code && <code>{reason.code}</code>}
                  </>
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
