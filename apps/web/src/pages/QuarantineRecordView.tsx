import { Link } from '@tanstack/react-router';
import { useState, type ReactNode } from 'react';
import type { RedactionRegion } from '@delineate/schema';
import { useQuarantineRecord, useRejectFile, useReleaseFile, useRunGate, type QuarantineRecord } from '../data/quarantine';
import { ErrorBox, QueryError } from '../ui/ErrorBox';
import { HeldVideoCanvas, HeldVideoScope } from './HeldVideoView';
import { RedactionCanvas } from './RedactionCanvas';
import { toRedactionRegions, type DrawnRectangle } from './redaction-drawing';
import { describeImage, framesInWords, reasonsOf, type StewardFinding } from './quarantine-words';
import { describeHeldVideo, toVideoRedactionRegions } from './video-redaction';

const statusWords: Record<QuarantineRecord['status'], string> = {
  held: 'Held in quarantine',
  releasing: 'Being released: the redacted file is going through the gate into the project',
  released: 'Released: the redacted file is now an item of the project',
  'release-failed': 'The release did not go through; run the gate again and release, or reject the file',
  rejected: 'Rejected: the file will never become an item',
};

const checkWords = {
  queued: 'Waiting for the worker to run the gate…',
  running: 'The gate is running on the redacted file…',
  passes: 'The gate passes the file with these rectangles blanked.',
  fails: 'The gate still holds the file:',
  failed: 'The gate could not run on this file. Try again, or reject the file.',
} as const;

/** The detected text regions of one frame, from the findings of the record and of the latest trial. */
function detectedOn(findings: readonly StewardFinding[], frame: number) {
  return findings.flatMap((f) => (f.region && (f.region.frame ?? f.frame ?? 0) === frame ? [f.region] : []));
}

/**
 * One held file for its data steward: the reasons in words, the image frame by frame with the
 * detected text regions, rectangles drawn (listed, removable) and blanked on every frame or the
 * chosen ones, the gate run again on the result, then release or rejection with a note. Header
 * attributes are never shown; the pixels are the only place anything identifying can appear.
 */
export function QuarantineRecordView({ recordId }: { recordId: string }) {
  const record = useQuarantineRecord(recordId);
  const r = record.data;
  return (
    <section className="quarantine-record" aria-labelledby="held-file-title" data-testid="quarantine-record" data-status={r?.status}>
      <h3 id="held-file-title">Held file</h3>
      <QueryError queries={[record]} />
      {record.isPending && <p>Loading…</p>}
      {r && <RecordBody record={r} />}
    </section>
  );
}

function RecordBody({ record: r }: { record: QuarantineRecord }) {
  const [frame, setFrame] = useState(0);
  const [rectangles, setRectangles] = useState<DrawnRectangle[]>([]);
  const [scope, setScope] = useState<number[] | null>(null);
  const held = r.status === 'held' || r.status === 'release-failed';
  const image = r.image;
  const detected = [...detectedOn(r.findings, frame), ...(r.latestCheck ? detectedOn(r.latestCheck.findings, frame) : [])];
  const add = (box: { x: number; y: number; width: number; height: number }) => setRectangles((list) => [...list, { ...box, frames: scope }]);

  return (
    <div>
      <p>
        <strong data-testid="held-file-kind">{r.video ? describeHeldVideo(r.video) : describeImage(image)}</strong> · received {new Date(r.createdAt).toLocaleString()}
      </p>
      <p className="notice" data-testid="record-status">
        {statusWords[r.status]}
      </p>
      <h4>Why it is held</h4>
      <ul data-testid="held-reasons">
        {reasonsOf(r.findings).map((reason) => (
          <li key={reason}>{reason}</li>
        ))}
      </ul>
      {r.decision && (
        <p data-testid="decision">
          {r.decision.decision === 'released' ? 'Released' : 'Rejected'} on {new Date(r.decision.decidedAt).toLocaleString()}
          {r.decision.note ? ` with the note: “${r.decision.note}”` : ''}
          {r.decision.itemId && (
            <>
              {' · '}
              <Link to="/items/$itemId" params={{ itemId: r.decision.itemId }} data-testid="released-item">
                Open the item
              </Link>
            </>
          )}
        </p>
      )}
      {image && held && (
        <>
          {r.video ? (
            <HeldVideoCanvas recordId={r.id} video={r.video} frame={frame} onFrame={setFrame} detected={detected} rectangles={rectangles} onDraw={add} />
          ) : (
            <>
              {image.frames > 1 && <FramePicker frame={frame} frames={image.frames} onChange={setFrame} />}
              <RedactionCanvas recordId={r.id} frame={frame} size={image} detected={detected} rectangles={rectangles} onDraw={add} />
            </>
          )}
          <Rectangles
            scopePicker={r.video ? <HeldVideoScope frames={image.frames} scope={scope} onScope={setScope} frame={frame} /> : undefined}
            rectangles={rectangles}
            frames={image.frames}
            scope={scope}
            onScope={setScope}
            onRemove={(i) => setRectangles((list) => list.filter((_, j) => j !== i))}
            onAdd={add}
            onAddDetected={() => setRectangles((list) => [...list, ...detected.map((d) => ({ x: d.x, y: d.y, width: d.width, height: d.height, frames: r.video ? scope : image.frames > 1 ? [frame] : null }))])}
            detectedCount={detected.length}
            size={image}
          />
          <GateTrial record={r} rectangles={rectangles} regions={r.video ? toVideoRedactionRegions(rectangles) : toRedactionRegions(rectangles)} />
          <Decision record={r} />
        </>
      )}
    </div>
  );
}

function FramePicker({ frame, frames, onChange }: { frame: number; frames: number; onChange: (f: number) => void }) {
  return (
    <p>
      <button onClick={() => onChange(Math.max(0, frame - 1))} disabled={frame === 0} aria-label="Previous frame">
        ‹
      </button>{' '}
      <label>
        Frame{' '}
        <select value={frame} onChange={(e) => onChange(Number(e.target.value))} data-testid="frame-select">
          {Array.from({ length: frames }, (_, i) => (
            <option key={i} value={i}>
              {i + 1} of {frames}
            </option>
          ))}
        </select>
      </label>{' '}
      <button onClick={() => onChange(Math.min(frames - 1, frame + 1))} disabled={frame === frames - 1} aria-label="Next frame">
        ›
      </button>
    </p>
  );
}

function Rectangles(props: {
  /** Replaces the per-frame checkboxes (a held video chooses a frame range). */
  scopePicker?: ReactNode;
  rectangles: readonly DrawnRectangle[];
  frames: number;
  scope: number[] | null;
  onScope: (s: number[] | null) => void;
  onRemove: (i: number) => void;
  onAdd: (box: { x: number; y: number; width: number; height: number }) => void;
  onAddDetected: () => void;
  detectedCount: number;
  size: { columns: number; rows: number };
}) {
  const { rectangles, frames, scope, onScope } = props;
  const [numbers, setNumbers] = useState({ x: 0, y: 0, width: props.size.columns, height: 24 });
  const field = (key: keyof typeof numbers, label: string) => (
    <label style={{ marginRight: 8 }}>
      {label}{' '}
      <input type="number" min={key === 'width' || key === 'height' ? 1 : 0} value={numbers[key]} onChange={(e) => setNumbers({ ...numbers, [key]: Number(e.target.value) })} style={{ width: 70 }} data-testid={`rect-${key}`} />
    </label>
  );
  return (
    <fieldset>
      <legend>Rectangles to blank</legend>
      <p className="muted">Drag on the image to draw a rectangle, or add one by its numbers (image pixels).</p>
      {props.scopePicker}
      {frames > 1 && !props.scopePicker && (
        <p role="radiogroup" aria-label="New rectangles apply to">
          <label>
            <input type="radio" checked={scope === null} onChange={() => onScope(null)} /> every frame
          </label>{' '}
          <label>
            <input type="radio" checked={scope !== null} onChange={() => onScope([0])} /> only these frames:
          </label>{' '}
          {scope !== null &&
            Array.from({ length: frames }, (_, i) => (
              <label key={i} style={{ marginRight: 6 }}>
                <input type="checkbox" checked={scope.includes(i)} onChange={(e) => onScope(e.target.checked ? [...scope, i].sort((a, b) => a - b) : scope.filter((f) => f !== i))} /> {i + 1}
              </label>
            ))}
        </p>
      )}
      <p>
        {field('x', 'Left')}
        {field('y', 'Top')}
        {field('width', 'Width')}
        {field('height', 'Height')}
        <button onClick={() => props.onAdd(numbers)} data-testid="add-rectangle">
          Add rectangle
        </button>{' '}
        <button onClick={props.onAddDetected} disabled={props.detectedCount === 0} data-testid="add-detected">
          Add the detected text regions
        </button>
      </p>
      {rectangles.length === 0 ? (
        <p data-testid="no-rectangles">No rectangles yet.</p>
      ) : (
        <ol data-testid="rectangle-list">
          {rectangles.map((r, i) => (
            <li key={i} data-testid="rectangle-item">
              {r.width} × {r.height} pixels at {r.x}, {r.y}, on {framesInWords(r.frames)}{' '}
              <button onClick={() => props.onRemove(i)} aria-label={`Remove rectangle ${i + 1}`} data-testid="remove-rectangle">
                Remove
              </button>
            </li>
          ))}
        </ol>
      )}
    </fieldset>
  );
}

function GateTrial({ record: r, rectangles, regions }: { record: QuarantineRecord; rectangles: readonly DrawnRectangle[]; regions: RedactionRegion[] }) {
  const run = useRunGate(r.id);
  const check = r.latestCheck;
  const running = check?.state === 'queued' || check?.state === 'running';
  const empty = rectangles.length === 0 || (scopeless(rectangles));
  return (
    <fieldset>
      <legend>Redact and run the gate again</legend>
      <button onClick={() => run.mutate(regions)} disabled={empty || running || run.isPending} data-testid="run-gate">
        Redact and run the gate again
      </button>
      <ErrorBox error={run.error} />
      {check && (
        <div role="status" aria-live="polite" data-testid="gate-result" data-state={check.state}>
          <p>
            {checkWords[check.state]} {running && <progress aria-label="Gate progress" />}
          </p>
          {check.state === 'fails' && (
            <ul>
              {reasonsOf(check.findings).map((reason) => (
                <li key={reason}>{reason}</li>
              ))}
            </ul>
          )}
          {(check.state === 'passes' || check.state === 'fails') && <p className="muted">Checked with {check.regions.length} rectangle region{check.regions.length === 1 ? '' : 's'}.</p>}
        </div>
      )}
    </fieldset>
  );
}

/** A rectangle limited to no frame at all blanks nothing. */
const scopeless = (rectangles: readonly DrawnRectangle[]) => rectangles.every((r) => r.frames !== null && r.frames.length === 0);

function Decision({ record: r }: { record: QuarantineRecord }) {
  const release = useReleaseFile(r.id);
  const reject = useRejectFile(r.id);
  const [releaseNote, setReleaseNote] = useState('');
  const [rejectNote, setRejectNote] = useState('');
  const passes = r.latestCheck?.state === 'passes';
  return (
    <fieldset>
      <legend>Decide</legend>
      <div className="field">
        <label htmlFor="release-note">Note for the release (optional)</label>
        <textarea id="release-note" rows={2} cols={60} value={releaseNote} onChange={(e) => setReleaseNote(e.target.value)} />
      </div>
      <button onClick={() => release.mutate(releaseNote)} disabled={!passes || release.isPending} data-testid="release">
        Release into the project
      </button>{' '}
      {!passes && <span className="muted">Release is possible once the gate passes the redacted file.</span>}
      <ErrorBox error={release.error} />
      <div className="field">
        <label htmlFor="reject-note">Why the file is rejected (required to reject)</label>
        <textarea id="reject-note" rows={2} cols={60} value={rejectNote} onChange={(e) => setRejectNote(e.target.value)} />
      </div>
      <button onClick={() => reject.mutate(rejectNote)} disabled={rejectNote.trim() === '' || reject.isPending} data-testid="reject">
        Reject the file
      </button>
      <ErrorBox error={reject.error} />
    </fieldset>
  );
}
