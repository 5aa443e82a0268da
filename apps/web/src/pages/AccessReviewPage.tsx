import { useState } from 'react';
import { getRouteApi, Link } from '@tanstack/react-router';
import { useAccessReview, useSignOffAccessReview, type AccessReviewView } from '../data/audit';
import { useProjects } from '../data/projects';
import { ErrorBox } from '../ui/ErrorBox';
import { describeRole } from './audit-words';
import { qualificationWords } from './admin-words';
import { agreementKindWords, memberAgreementWords } from './organisation-words';
import '../ui/project-styles.css';

const route = getRouteApi('/projects/$projectId/access-review');
const day = (iso: string | null) => (iso ? new Date(iso).toLocaleDateString() : 'never');
type Decision = 'attest' | 'revoke';

/**
 * A project's access review at `/projects/$projectId/access-review`: every grant with who holds
 * it, their qualifications and how they used it. Whoever the policy lets sign off (data
 * stewards) keeps or revokes each grant and signs the review off; auditors read it.
 */
export function AccessReviewPage() {
  const { projectId } = route.useParams();
  const review = useAccessReview(projectId);
  const project = useProjects().data?.find((p) => p.id === projectId);
  return (
    <div className="page config" data-testid="access-review-page">
      <h2>Access review{project ? `: ${project.name}` : ''}</h2>
      <p className="muted"><Link to="/audit">Audit log</Link> · <Link to="/projects/$projectId/processing-record" params={{ projectId }}>Record of processing activities</Link></p>
      <ErrorBox error={review.error} />
      {review.data && <ReviewTable key={review.dataUpdatedAt} projectId={projectId} review={review.data} />}
    </div>
  );
}

function ReviewTable({ projectId, review }: { projectId: string; review: AccessReviewView }) {
  const signOff = useSignOffAccessReview(projectId);
  const grants = review.members.flatMap((m) => m.grants.map((g) => ({ member: m, grant: g })));
  // Every grant starts as "keep": revoking is the deliberate choice.
  const [decisions, setDecisions] = useState<Record<string, Decision>>({});
  const decisionOf = (membershipId: string): Decision => decisions[membershipId] ?? 'attest';
  const revoking = grants.filter((g) => decisionOf(g.grant.membershipId) === 'revoke').length;
  return (
    <>
      <p data-testid="review-status" className={review.overdue ? 'category-low' : undefined}>
        Period {day(review.periodStart)} to {day(review.periodEnd)}. Last review signed off: {day(review.lastReviewAt)}
        {review.overdue ? ' — a review is due.' : '.'}
      </p>
      {!review.canSignOff && <div className="notice" data-testid="read-only">You can read this review; a data steward of the project keeps or revokes each grant and signs it off.</div>}
      <table className="tasks" data-testid="review-grants" aria-label="Grants under review">
        <thead>
          <tr><th>Person</th><th>Organisation</th><th>Agreement</th><th>Role</th><th>Granted</th><th>Qualifications</th><th>Last access</th><th>Accesses in the period</th><th>Last decision</th><th>Decision</th></tr>
        </thead>
        <tbody>
          {grants.map(({ member, grant }) => (
            <tr key={grant.membershipId} data-testid="review-grant">
              <td>{member.displayName} ({member.username}){member.disabled ? ', disabled' : ''}</td>
              <td>{member.organisation?.name ?? '—'}</td>
              <td data-testid="member-agreement">{memberAgreementWords[member.agreementStatus] ?? member.agreementStatus}{member.agreementKind ? ` (${agreementKindWords[member.agreementKind] ?? member.agreementKind})` : ''}</td>
              <td>{describeRole(grant.role)}</td>
              <td>{day(grant.grantedAt)}</td>
              <td>{member.qualifications.length ? member.qualifications.map((q) => `${qualificationWords[q.kind] ?? q.kind}${q.modality ? ` (${q.modality})` : ''}${q.expired ? ', expired' : ''}`).join('; ') : 'none'}</td>
              <td>{day(member.lastAccess)}</td>
              <td>{member.accessesInPeriod}</td>
              <td>{grant.lastDecision ? `${grant.lastDecision.decision === 'attest' ? 'kept' : 'revoked'} ${day(grant.lastDecision.decidedAt)}` : '—'}</td>
              <td>
                {review.canSignOff ? (
                  <fieldset style={{ border: 0, padding: 0, margin: 0 }} aria-label={`Decision for ${member.displayName} as ${describeRole(grant.role)}`}>
                    {(['attest', 'revoke'] as const).map((d) => (
                      <label key={d} style={{ marginRight: 8 }}>
                        <input type="radio" name={grant.membershipId} checked={decisionOf(grant.membershipId) === d} onChange={() => setDecisions({ ...decisions, [grant.membershipId]: d })} data-testid={`decide-${d}`} />{' '}
                        {d === 'attest' ? 'Keep' : 'Revoke'}
                      </label>
                    ))}
                  </fieldset>
                ) : (
                  '—'
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {review.canSignOff && grants.length > 0 && (
        <p>
          <button
            data-testid="sign-off"
            disabled={signOff.isPending}
            onClick={() => {
              if (!window.confirm(`Sign off this review: keep ${grants.length - revoking} grant(s) and revoke ${revoking}?`)) return;
              signOff.mutate(grants.map((g) => ({ membershipId: g.grant.membershipId, decision: decisionOf(g.grant.membershipId) })));
            }}
          >
            Sign off the review ({grants.length - revoking} kept, {revoking} revoked)
          </button>
        </p>
      )}
      <ErrorBox error={signOff.error} />
      {signOff.data && <div className="notice" role="status" data-testid="signed-off">Review signed off; {signOff.data.revoked.length} grant(s) revoked.</div>}
    </>
  );
}
