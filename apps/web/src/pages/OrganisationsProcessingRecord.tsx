import { getRouteApi } from '@tanstack/react-router';
import { useProcessingRecord } from '../data/governance';
import { ErrorBox } from '../ui/ErrorBox';
import { legalBasisWords, regionWords } from './admin-words';
import { describeRole } from './audit-words';
import { agreementKindWords, agreementStatusWords, day, organisationKindWords, scopeText } from './organisation-words';
import '../ui/project-styles.css';

const route = getRouteApi('/projects/$projectId/processing-record');

/**
 * The record of processing activities (GDPR Art. 30) of a project at
 * `/projects/$projectId/processing-record`: controller, purpose, legal basis, region and each
 * processor with its agreements; the same record downloads as JSON.
 */
export function ProcessingRecordPage() {
  const { projectId } = route.useParams();
  const record = useProcessingRecord(projectId);
  const r = record.data;
  return (
    <div className="page config" data-testid="processing-record-page">
      <h2>Record of processing activities{r ? `: ${r.projectName}` : ''}</h2>
      <ErrorBox error={record.error} />
      {r && (
        <>
          <p>
            <a href={`/api/projects/${projectId}/processing-record?format=download`} data-testid="processing-record-export">Download as JSON</a>
          </p>
          <dl>
            <dt>Controller</dt><dd>{r.controller ? `${r.controller.name} (${organisationKindWords[r.controller.kind] ?? r.controller.kind})` : 'not recorded'}</dd>
            <dt>Purpose</dt><dd>{r.purpose}</dd>
            <dt>Legal basis</dt><dd>{legalBasisWords[r.legalBasis] ?? r.legalBasis}</dd>
            <dt>Where the data is kept and processed</dt><dd>{regionWords[r.region] ?? r.region}</dd>
          </dl>
          <h3>Processors</h3>
          {r.processors.length === 0 && <p className="muted">No other organisation is admitted to this project.</p>}
          {r.processors.map((p) => (
            <section key={p.organisationId} data-testid="processor" aria-label={p.name}>
              <h4>{p.name} ({organisationKindWords[p.kind] ?? p.kind}), as {p.roles.map(describeRole).join(', ')}</h4>
              <ul>
                {p.agreements.length === 0 && <li>No agreement recorded.</li>}
                {p.agreements.map((a) => (
                  <li key={a.id}>
                    {agreementKindWords[a.kind] ?? a.kind}, signed {day(a.signedAt)}, ends {day(a.expiresAt)}: {agreementStatusWords[a.status] ?? a.status}. {scopeText(a.identifiableUses)}.{' '}
                    {a.documentSha256 ? `Signed document SHA-256 ${a.documentSha256}.` : 'No signed document stored.'}
                  </li>
                ))}
              </ul>
            </section>
          ))}
        </>
      )}
    </div>
  );
}
