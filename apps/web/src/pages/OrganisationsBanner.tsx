import { useExpiringAgreements } from '../data/governance';
import { useSignedInSession } from '../data/session';
import { agreementKindWords, day } from './organisation-words';

/**
 * The warning on the administrators' pages: agreements in force that end within 60 days and are
 * not yet renewed (platform administrators see all, project administrators their projects').
 */
export function ExpiringAgreementsBanner({ projectId }: { projectId?: string }) {
  const session = useSignedInSession();
  const allowed = session.platformAdmin || session.roles.some((r) => r.role === 'project_admin' && !r.viaBreakGlass);
  const expiring = useExpiringAgreements(allowed);
  const list = (expiring.data?.agreements ?? []).filter((a) => projectId === undefined || a.projectId === projectId);
  if (list.length === 0) return null;
  return (
    <div className="notice" role="status" data-testid="expiring-agreements">
      <strong>
        {list.length === 1 ? 'One agreement ends' : `${list.length} agreements end`} within {expiring.data!.days} days:
      </strong>
      <ul style={{ margin: '4px 0 0' }}>
        {list.map((a) => (
          <li key={a.id} data-testid="expiring-agreement">
            {agreementKindWords[a.kind] ?? a.kind} with {a.organisationName} for {a.projectName}, ends {day(a.expiresAt)}
          </li>
        ))}
      </ul>
    </div>
  );
}
