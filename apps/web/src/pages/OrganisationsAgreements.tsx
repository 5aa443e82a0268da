import { useState, type FormEvent } from 'react';
import { agreementKinds, identifiableUses, regions, type AgreementKind, type IdentifiableUse, type Region } from '@delineate/schema';
import { useAgreements, useRecordAgreement, useRenewAgreement, useUploadAgreementDocument, type Agreement, type Organisation } from '../data/governance';
import { useProjects } from '../data/projects';
import { ErrorBox } from '../ui/ErrorBox';
import { regionWords } from './admin-words';
import { agreementKindWords, agreementStatusWords, day, identifiableUseWords, scopeText } from './organisation-words';

/** A date field's value as the start of that day in UTC. */
const isoOf = (date: string) => new Date(`${date}T00:00:00Z`).toISOString();

/** Every agreement with its status and document; platform administrators record, renew and upload. */
export function AgreementsSection({ canEdit, organisations }: { canEdit: boolean; organisations: Organisation[] }) {
  const agreements = useAgreements();
  return (
    <section aria-label="Agreements" data-testid="agreements">
      <h3>Agreements</h3>
      <ErrorBox error={agreements.error} />
      <table className="tasks" aria-label="Agreements" data-testid="agreement-list">
        <thead><tr><th>Agreement</th><th>Organisation</th><th>Project</th><th>Parties</th><th>Signed</th><th>Ends</th><th>Scope</th><th>Regions</th><th>Status</th><th>Signed document</th>{canEdit && <th>Renewal</th>}</tr></thead>
        <tbody>
          {(agreements.data ?? []).map((a) => <AgreementRow key={a.id} agreement={a} canEdit={canEdit} />)}
        </tbody>
      </table>
      {agreements.data?.length === 0 && <p className="muted">No agreements are recorded yet.</p>}
      {canEdit && <RecordAgreementForm organisations={organisations} />}
    </section>
  );
}

function AgreementRow({ agreement: a, canEdit }: { agreement: Agreement; canEdit: boolean }) {
  const upload = useUploadAgreementDocument();
  const renew = useRenewAgreement();
  const [dates, setDates] = useState({ signedAt: '', expiresAt: '' });
  return (
    <tr data-testid="agreement-row" data-organisation={a.organisationName} data-project={a.projectName} data-status={a.status}>
      <td>{agreementKindWords[a.kind] ?? a.kind}</td>
      <td>{a.organisationName}</td>
      <td>{a.projectName}</td>
      <td>{a.parties.join('; ')}</td>
      <td>{day(a.signedAt)}</td>
      <td>{day(a.expiresAt)}</td>
      <td>{scopeText(a.identifiableUses)}</td>
      <td>{a.regions.map((r) => regionWords[r] ?? r).join(', ')}</td>
      <td data-testid="agreement-status">{agreementStatusWords[a.status] ?? a.status}{a.renewed ? ', renewed' : ''}</td>
      <td>
        {a.documentSha256 ? (
          <a href={`/api/agreements/${a.id}/document`} title={`SHA-256 ${a.documentSha256}`} data-testid="agreement-document">PDF, {Math.ceil((a.documentSize ?? 0) / 1024)} KiB</a>
        ) : (
          'none stored'
        )}
        {canEdit && (
          <label style={{ display: 'block' }}>Upload the signed PDF{' '}
            <input type="file" accept="application/pdf" data-testid="agreement-upload" onChange={(e) => { const file = e.target.files?.[0]; if (file) upload.mutate({ agreementId: a.id, file }); }} />
          </label>
        )}
        <ErrorBox error={upload.error} />
      </td>
      {canEdit && (
        <td>
          {!a.renewed && (
            <form
              aria-label={`Renew the ${agreementKindWords[a.kind] ?? a.kind} with ${a.organisationName}`}
              onSubmit={(e) => { e.preventDefault(); renew.mutate({ agreementId: a.id, signedAt: isoOf(dates.signedAt), expiresAt: dates.expiresAt ? isoOf(dates.expiresAt) : null }); }}
            >
              <label>Signed <input type="date" required value={dates.signedAt} onChange={(e) => setDates({ ...dates, signedAt: e.target.value })} data-testid="renew-signed" /></label>{' '}
              <label>Ends <input type="date" value={dates.expiresAt} onChange={(e) => setDates({ ...dates, expiresAt: e.target.value })} data-testid="renew-expires" /></label>{' '}
              <button type="submit" disabled={renew.isPending} data-testid="renew-agreement">Record renewal</button>
            </form>
          )}
          <ErrorBox error={renew.error} />
        </td>
      )}
    </tr>
  );
}

function RecordAgreementForm({ organisations }: { organisations: Organisation[] }) {
  const record = useRecordAgreement();
  const projects = useProjects();
  const [f, setF] = useState({ projectId: '', organisationId: '', kind: 'dua' as AgreementKind, parties: '', signedAt: '', expiresAt: '' });
  const [uses, setUses] = useState<IdentifiableUse[]>([]);
  const [chosenRegions, setRegions] = useState<Region[]>([]);
  const toggle = <T,>(list: T[], value: T) => (list.includes(value) ? list.filter((v) => v !== value) : [...list, value]);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    record.mutate({
      projectId: f.projectId,
      organisationId: f.organisationId,
      kind: f.kind,
      parties: f.parties.split(';').map((p) => p.trim()).filter(Boolean),
      signedAt: isoOf(f.signedAt),
      expiresAt: f.expiresAt ? isoOf(f.expiresAt) : null,
      identifiableUses: uses,
      regions: chosenRegions,
    });
  };
  const set = (name: keyof typeof f) => (e: { target: { value: string } }) => setF({ ...f, [name]: e.target.value });
  return (
    <form onSubmit={submit} aria-label="Record an agreement" className="chart" style={{ display: 'grid', gap: 6, maxWidth: 640, marginTop: 12 }}>
      <h3>Record an agreement</h3>
      <label>Project <select required value={f.projectId} onChange={set('projectId')} data-testid="agreement-project"><option value="">choose…</option>{(projects.data ?? []).map((p) => <option key={p.id} value={p.id}>{p.name}</option>)}</select></label>
      <label>Organisation <select required value={f.organisationId} onChange={set('organisationId')} data-testid="agreement-organisation"><option value="">choose…</option>{organisations.map((o) => <option key={o.id} value={o.id}>{o.name}</option>)}</select></label>
      <label>Kind <select value={f.kind} onChange={set('kind')} data-testid="agreement-kind">{agreementKinds.map((k) => <option key={k} value={k}>{agreementKindWords[k]}</option>)}</select></label>
      <label>Parties, separated by semicolons <input required value={f.parties} onChange={set('parties')} data-testid="agreement-parties" /></label>
      <label>Signed on <input type="date" required value={f.signedAt} onChange={set('signedAt')} data-testid="agreement-signed" /></label>
      <label>Ends on (empty: no end date) <input type="date" value={f.expiresAt} onChange={set('expiresAt')} data-testid="agreement-expires" /></label>
      <fieldset><legend>May see identifiable data in</legend>
        {identifiableUses.map((u) => <label key={u} style={{ marginRight: 10 }}><input type="checkbox" checked={uses.includes(u)} onChange={() => setUses(toggle(uses, u))} /> {identifiableUseWords[u]}</label>)}
      </fieldset>
      <fieldset><legend>Processing permitted in</legend>
        {regions.map((r) => <label key={r} style={{ marginRight: 10 }}><input type="checkbox" checked={chosenRegions.includes(r)} onChange={() => setRegions(toggle(chosenRegions, r))} data-testid={`agreement-region-${r}`} /> {regionWords[r] ?? r}</label>)}
      </fieldset>
      <div><button type="submit" disabled={record.isPending || chosenRegions.length === 0} data-testid="record-agreement">Record agreement</button></div>
      <ErrorBox error={record.error} />
      {record.data && <span className="saved-note" role="status" data-testid="agreement-recorded">Recorded the {agreementKindWords[record.data.kind]} with {record.data.organisationName}.</span>}
    </form>
  );
}
