import { useCallback, useEffect, useState } from 'react';
import { namedBoundaries, type BoundaryField, type Label, type SlideBox } from '@delineate/schema';
import { describeError } from '../../api';
import { pathologyApi, type BoundaryReview } from './pathology-api';

const stateWords: Record<BoundaryField['state'], string> = { unseen: 'not seen yet', seen: 'seen', accepted: 'accepted', edited: 'edited' };

/**
 * Expert review of a boundary between two tissue classes (issue 17 §4): the band's fields are
 * listed and visited one by one (a visit records the field seen), each accepted or marked edited,
 * and signing is refused by the server until every field was seen; its reason is shown in words.
 */
export function BoundaryReviewPanel(props: {
  taskId: string;
  labels: readonly Label[];
  /** Shows a field (the viewer goes there) and reports the review's fields to outline. */
  onGoTo(box: SlideBox): void;
  onFields(fields: readonly BoundaryField[], current: number | null): void;
}) {
  const [reviews, setReviews] = useState<BoundaryReview[]>([]);
  // The schema's named boundary first (tumour–stroma), else the first two labels.
  const [between, setBetween] = useState<[string, string]>(() => namedBoundaries(props.labels)[0] ?? [props.labels[0]?.key ?? '', props.labels[1]?.key ?? '']);
  const [bandUm, setBandUm] = useState(50);
  const [fieldSizeUm, setFieldSizeUm] = useState(250);
  const [current, setCurrent] = useState<number | null>(null);
  const [password, setPassword] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const { taskId, onFields } = props;
  const review = reviews[reviews.length - 1] ?? null;

  const refresh = useCallback(async () => setReviews((await pathologyApi.boundaryReviews(taskId)).reviews), [taskId]);
  useEffect(() => void refresh().catch(() => setReviews([])), [refresh]);
  useEffect(() => onFields(review?.fields ?? [], current), [review, current, onFields]);

  const act = async (f: () => Promise<BoundaryReview>) => {
    setProblem(null);
    try {
      const updated = await f();
      setReviews((rs) => [...rs.filter((r) => r.id !== updated.id), updated]);
    } catch (e) {
      setProblem(describeError(e).text);
    }
  };
  const visit = (field: BoundaryField) => {
    setCurrent(field.index);
    props.onGoTo(field.box);
    if (review && field.state === 'unseen') void act(() => pathologyApi.setBoundaryField(taskId, review.id, field.index, 'seen'));
  };

  return (
    <div data-testid="boundary-panel">
      <h3>Boundary review</h3>
      {!review && (
        <div className="row">
          <label>
            Between{' '}
            <select value={between[0]} onChange={(e) => setBetween([e.target.value, between[1]])} data-testid="boundary-a">
              {props.labels.map((l) => <option key={l.key} value={l.key}>{l.name}</option>)}
            </select>
          </label>
          <label>
            and{' '}
            <select value={between[1]} onChange={(e) => setBetween([between[0], e.target.value])} data-testid="boundary-b">
              {props.labels.map((l) => <option key={l.key} value={l.key}>{l.name}</option>)}
            </select>
          </label>
          <label>
            Band ± µm <input type="number" value={bandUm} onChange={(e) => setBandUm(Number(e.target.value))} data-testid="boundary-band" />
          </label>
          <label>
            Field side µm <input type="number" value={fieldSizeUm} onChange={(e) => setFieldSizeUm(Number(e.target.value))} data-testid="boundary-field-size" />
          </label>
          <button onClick={() => void act(() => pathologyApi.startBoundaryReview(taskId, { between, bandUm, fieldSizeUm }))} data-testid="boundary-start">
            Review this boundary
          </button>
        </div>
      )}
      {review && (
        <>
          <p data-testid="boundary-coverage">
            {nameOf(props.labels, review.between[0])} – {nameOf(props.labels, review.between[1])}, ±{review.bandUm} µm: {review.coverage.seen} of {review.coverage.total} fields seen
            {review.signedAt ? ' · signed' : ''}
          </p>
          <ol className="fields" data-testid="boundary-fields">
            {review.fields.map((f) => (
              <li key={f.index}>
                <button className={f.index === current ? 'active' : ''} onClick={() => visit(f)} data-testid={`boundary-field-${f.index}`} data-state={f.state}>
                  Field {f.index + 1}: {stateWords[f.state]}
                </button>{' '}
                <button disabled={!!review.signedAt} onClick={() => void act(() => pathologyApi.setBoundaryField(taskId, review.id, f.index, 'accepted'))} data-testid={`boundary-accept-${f.index}`}>
                  Accept
                </button>{' '}
                <button disabled={!!review.signedAt} onClick={() => void act(() => pathologyApi.setBoundaryField(taskId, review.id, f.index, 'edited'))} data-testid={`boundary-edited-${f.index}`}>
                  Edited
                </button>
              </li>
            ))}
          </ol>
          {!review.signedAt && (
            <div className="row">
              <label>
                Password to sign <input type="password" value={password} onChange={(e) => setPassword(e.target.value)} data-testid="boundary-password" />
              </label>
              <button onClick={() => void act(() => pathologyApi.signBoundaryReview(taskId, review.id, password))} data-testid="boundary-sign">
                Sign the review
              </button>
            </div>
          )}
        </>
      )}
      {problem && (
        <p className="error" role="alert" data-testid="boundary-problem">
          {problem}
        </p>
      )}
    </div>
  );
}

const nameOf = (labels: readonly Label[], key: string) => labels.find((l) => l.key === key)?.name ?? key;
