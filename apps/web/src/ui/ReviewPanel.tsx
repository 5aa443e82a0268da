import { useMemo, useState, type FormEvent } from 'react';
import { errorTypes, type ErrorType, type Label } from '@delineate/schema';
import {
  errorTypeNames,
  stageNames,
  type ChecklistItem,
  type CorrectionSize,
  type Decision,
  type ReviewContext,
  type ReviewHistoryEntry,
  type ReviewResult,
  type ReviewSubmission,
  type SignificantRegionMark,
  type VoxelBox,
  type WorkflowTask,
} from '../workflow-api';
import { correctionColours } from '../viewer/overlay';
import { answersToInput, hd95Text, reviewProblems, type Answer } from '../review-rules';
import { ErrorBox } from './ErrorBox';
import { checklistWords, FailedList, MarksList, MarkToolButton, rgb, time, type ChecklistWords } from './AnnotatePanel';
import './review-styles.css';

// The reviewer's and expert's checklist, decision and signature; the correction overlay and its
// size. The annotator's panel and the significant-region dialog are in AnnotatePanel.tsx.

function CorrectionSizes({ sizes, words }: { sizes: readonly CorrectionSize[]; words: ChecklistWords }) {
  if (sizes.length === 0) return null;
  return (
    <table className="sizes" data-testid="correction-sizes">
      <thead>
        <tr>
          <th>Label</th>
          <th>Added</th>
          <th>Removed</th>
          <th>Dice</th>
          <th>HD95</th>
        </tr>
      </thead>
      <tbody>
        {sizes.map((s) => (
          <tr key={s.labelKey} data-label={s.labelKey} data-added={s.voxelsAdded} data-removed={s.voxelsRemoved}>
            <td>{words.labelNames.get(s.labelKey) ?? s.labelKey}</td>
            <td>{s.voxelsAdded}</td>
            <td>{s.voxelsRemoved}</td>
            <td>{s.dice === null ? '—' : s.dice.toFixed(3)}</td>
            <td data-testid="correction-hd95" data-computing={s.hd95Computing ? 'true' : 'false'}>
              {hd95Text(s)}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function History({ history, words }: { history: readonly ReviewHistoryEntry[]; words: ChecklistWords }) {
  if (history.length === 0) return null;
  return (
    <div data-testid="review-history">
      <h3>Earlier reviews of this work</h3>
      {history.map((h) => (
        <div key={h.reviewId} className="history-entry" data-decision={h.decision} data-stage={h.stage}>
          <div>
            {stageNames[h.stage]} · <strong>{h.decision}</strong> · version {h.reviewedVersion}
            {h.correctedVersion ? ` → ${h.correctedVersion}` : ''} · signed {time(h.signedAt)}
          </div>
          {h.failedItems.length > 0 && <FailedList items={h.failedItems} testId="history-failed" words={words} />}
          <CorrectionSizes sizes={h.correctionSizes} words={words} />
        </div>
      ))}
    </div>
  );
}

/** The reviewer's and the expert's panel: checklist per label present, decision, signature. */
export function ReviewPanel(props: {
  stage: 'review' | 'expert_review';
  task: WorkflowTask;
  context: ReviewContext;
  labels: readonly Label[];
  locked: boolean;
  signed: { at: string; decision: string; correctionSizes: CorrectionSize[] } | null;
  correction: { source: 'local' | 'server'; counts: { added: number; removed: number; relabelled: number } } | null;
  showCorrection: boolean;
  onShowCorrection: (show: boolean) => void;
  /** A correction revision is saved, or there are unsent edits that signing will save as one. */
  correctionAvailable: boolean;
  marks: readonly SignificantRegionMark[];
  markTool: boolean;
  onMarkTool: () => void;
  onRemoveMark: (index: number) => void;
  onGoTo: (box: VoxelBox) => void;
  sign: (body: Omit<ReviewSubmission, 'correctedVersion' | 'significantRegions'>) => Promise<ReviewResult>;
}) {
  const { context, task, stage } = props;
  const [answers, setAnswers] = useState<Map<string, Answer>>(() => new Map());
  const [decision, setDecision] = useState<Decision | null>(null);
  const [problems, setProblems] = useState<string[]>([]);
  const [signing, setSigning] = useState(false);
  const [method, setMethod] = useState<'password' | 'totp'>('password');
  const [secret, setSecret] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const decisions: Decision[] = stage === 'expert_review' ? ['accept', 'correct'] : ['accept', 'correct', 'reject'];
  const present = context.labels.filter((l) => l.present);
  const words = useMemo(() => checklistWords(context.checklist, props.labels), [context.checklist, props.labels]);
  const colourOf = (key: string) => props.labels.find((l) => l.key === key)?.colour ?? '#888';
  // After signing, or when a signed review is opened again: the stored record of this review.
  const record = useMemo(() => {
    const mine = [...context.history].reverse().find((h) => h.stage === stage && h.reviewedVersion === task.revisionVersion);
    return props.locked ? mine ?? null : null;
  }, [context.history, stage, task.revisionVersion, props.locked]);
  const earlier = context.history.filter((h) => h.reviewId !== record?.reviewId);

  const setAnswer = (item: ChecklistItem, change: Partial<Answer>) =>
    setAnswers((m) => {
      const next = new Map(m);
      const current = next.get(item.key) ?? { passed: null, errorType: item.errorType, note: '' };
      next.set(item.key, { ...current, ...change });
      return next;
    });

  const openSignature = () => {
    const found = reviewProblems(context.checklist, answers, decision, props.correctionAvailable);
    setProblems(found);
    setError(null);
    if (found.length === 0) setSigning(true);
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!decision) return;
    setBusy(true);
    setError(null);
    try {
      await props.sign({ decision, answers: answersToInput(context.checklist, answers), signature: method === 'password' ? { password: secret } : { totpCode: secret.trim() } });
      setSigning(false);
      setSecret('');
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const signedAt = props.signed?.at ?? record?.signedAt ?? null;
  const sizes = props.signed?.correctionSizes ?? record?.correctionSizes ?? [];

  return (
    <div className="panel review-panel" data-testid="review-panel" data-stage={stage}>
      <h3>{stageNames[stage]}</h3>
      <div className="row">
        <span className="stage" data-testid="task-stage">
          {stageNames[stage]}
        </span>
        <span className="muted" data-testid="task-status">
          {task.status.replace('_', ' ')}
        </span>
        <span className="muted">· version {task.revisionVersion}</span>
      </div>
      {signedAt && (
        <p className="notice" data-testid="signed-at" data-signed-at={signedAt}>
          Signed ({props.signed?.decision ?? record?.decision}) at {time(signedAt)}. The review is stored and read-only.
        </p>
      )}
      {props.locked && !signedAt && <p className="notice">This task is {task.status}; it is read-only.</p>}

      {context.significantRegions.length > 0 && (
        <>
          <h3>Marked significant</h3>
          <MarksList labelNames={words.labelNames} marks={context.significantRegions} colour="#ff9f1a" testId="stored-marks" onGoTo={props.onGoTo} />
        </>
      )}
      {present.some((l) => l.requiresExpertReview) && (
        <p className="muted" data-testid="expert-labels">
          Requires expert review: {present.filter((l) => l.requiresExpertReview).map((l) => l.name).join(', ')}
        </p>
      )}

      <h3>Correction</h3>
      {props.correction ? (
        <div data-testid="correction" data-source={props.correction.source} data-added={props.correction.counts.added} data-removed={props.correction.counts.removed} data-relabelled={props.correction.counts.relabelled}>
          <label className="row">
            <input type="checkbox" checked={props.showCorrection} onChange={(e) => props.onShowCorrection(e.target.checked)} data-testid="toggle-correction" /> Show the correction overlay
          </label>
          <div className="legend">
            <span>
              <span className="swatch" style={{ background: rgb(correctionColours[1]!) }} /> added {props.correction.counts.added}
            </span>
            <span>
              <span className="swatch" style={{ background: rgb(correctionColours[2]!) }} /> removed {props.correction.counts.removed}
            </span>
            <span>
              <span className="swatch" style={{ background: rgb(correctionColours[3]!) }} /> relabelled {props.correction.counts.relabelled}
            </span>
          </div>
          <p className="muted">{props.correction.source === 'server' ? 'As stored with the signed review.' : 'Your edits against the reviewed version, not yet signed.'}</p>
        </div>
      ) : (
        <p className="muted">{props.locked ? 'No correction.' : 'To correct, edit the mask with the tools; Save stores the edits as a correction revision.'}</p>
      )}
      <CorrectionSizes sizes={sizes} words={words} />

      {!props.locked && (
        <>
          <h3>Checklist</h3>
          {present.length === 0 && <p className="muted">No label is drawn in this version.</p>}
          {present.map((label) => (
            <div key={label.key} className="checklist-label" data-testid={`checklist-${label.key}`}>
              <div className="label-head">
                <span className="swatch" style={{ background: colourOf(label.key) }} /> {label.name}
              </div>
              {context.checklist
                .filter((c) => c.labelKey === label.key)
                .map((c) => {
                  const a = answers.get(c.key);
                  return (
                    <div key={c.key} className={`check ${a?.passed === true ? 'pass' : a?.passed === false ? 'fail' : ''}`} data-testid={`check-${c.key}`}>
                      <div className="question">{c.question}</div>
                      <div className="row">
                        <button className={a?.passed === true ? 'active' : ''} onClick={() => setAnswer(c, { passed: true })} data-testid={`pass-${c.key}`}>
                          Pass
                        </button>
                        <button className={a?.passed === false ? 'active fail' : ''} onClick={() => setAnswer(c, { passed: false })} data-testid={`fail-${c.key}`}>
                          Fail
                        </button>
                      </div>
                      {a?.passed === false && (
                        <div className="row">
                          <select value={a.errorType} onChange={(e) => setAnswer(c, { errorType: e.target.value as ErrorType })} data-testid={`error-type-${c.key}`} aria-label="error type">
                            {errorTypes.map((t) => (
                              <option key={t} value={t}>
                                {errorTypeNames[t]}
                              </option>
                            ))}
                          </select>
                          <input
                            placeholder={a.errorType === 'other' ? 'Comment (needed)' : 'Comment'}
                            value={a.note}
                            maxLength={2000}
                            onChange={(e) => setAnswer(c, { note: e.target.value })}
                            data-testid={`note-${c.key}`}
                            style={{ flex: 1 }}
                          />
                        </div>
                      )}
                    </div>
                  );
                })}
            </div>
          ))}
          <h3>Significant regions</h3>
          <div className="row">
            <MarkToolButton active={props.markTool} disabled={props.locked} onClick={props.onMarkTool} />
          </div>
          <MarksList labelNames={words.labelNames} marks={props.marks} colour="#33d6ff" testId="new-marks" onGoTo={props.onGoTo} onRemove={props.onRemoveMark} />
          <h3>Decision</h3>
          <div className="row">
            {decisions.map((d) => (
              <button key={d} className={decision === d ? 'active' : ''} onClick={() => setDecision(d)} data-testid={`decision-${d}`}>
                {d === 'accept' ? 'Accept' : d === 'correct' ? 'Correct' : 'Reject (return to the annotator)'}
              </button>
            ))}
          </div>
          {problems.length > 0 && (
            <ul className="problems" role="alert" data-testid="review-problems">
              {problems.map((p) => (
                <li key={p}>{p}</li>
              ))}
            </ul>
          )}
          <div className="row">
            <button className="primary" onClick={openSignature} data-testid="submit-review">
              Sign and submit {stage === 'review' ? 'review' : 'expert review'}
            </button>
          </div>
        </>
      )}
      <History history={earlier} words={words} />

      {signing && (
        <div className="overlay">
          <form className="card" onSubmit={(e) => void submit(e)} role="dialog" aria-modal="true" aria-label="Sign the review" data-testid="signature-dialog">
            <h1>Sign the {stage === 'review' ? 'review' : 'expert review'}</h1>
            <p>
              Decision <strong>{decision}</strong>. Signing re-authenticates you; the time of the signature is stored with the review.
            </p>
            <div className="row">
              <label style={{ margin: 0 }}>
                <input type="radio" checked={method === 'password'} onChange={() => setMethod('password')} data-testid="sign-with-password" style={{ width: 'auto' }} /> Password
              </label>
              <label style={{ margin: 0 }}>
                <input type="radio" checked={method === 'totp'} onChange={() => setMethod('totp')} data-testid="sign-with-totp" style={{ width: 'auto' }} /> Authenticator code
              </label>
            </div>
            <label htmlFor="signature-secret">{method === 'password' ? 'Your password' : 'Code from your authenticator app'}</label>
            <input
              id="signature-secret"
              type={method === 'password' ? 'password' : 'text'}
              inputMode={method === 'password' ? undefined : 'numeric'}
              autoComplete={method === 'password' ? 'current-password' : 'one-time-code'}
              value={secret}
              onChange={(e) => setSecret(e.target.value)}
              data-testid="signature-secret"
            />
            <ErrorBox error={error} />
            <div className="actions">
              <button type="submit" className="primary" disabled={busy || (method === 'password' ? secret.length === 0 : !/^\d{6}$/.test(secret.trim()))} data-testid="sign">
                Sign
              </button>
              <button type="button" onClick={() => setSigning(false)} data-testid="sign-cancel">
                Cancel
              </button>
            </div>
          </form>
        </div>
      )}
    </div>
  );
}
