import { useState } from 'react';
import { getRouteApi } from '@tanstack/react-router';
import type { Session } from '../api';
import { useSignedInSession } from '../data/session';
import {
  retrievalProgressWords,
  usePacsConnection,
  usePacsRetrievals,
  usePacsSearch,
  usePacsSends,
  useSavePacsConnection,
  useStartRetrieval,
  type PacsConnection,
  type PacsMatch,
  type PacsSearch,
} from '../data/pacs';
import { ErrorBox } from '../ui/ErrorBox';

const route = getRouteApi('/projects/$projectId/pacs');
const statusWords = { running: 'Running', succeeded: 'Finished', failed: 'Stopped' } as const;
const sendStatusWords = { stored: 'Stored', partial: 'Partly stored', failed: 'Not stored' } as const;
const sourceWords = { release: 'Release', revision: 'Accepted revision' } as const;

/** The page at `/projects/$projectId/pacs`. */
export function PacsRoutePage() {
  const { projectId } = route.useParams();
  const session = useSignedInSession();
  return <PacsPage key={projectId} session={session} projectId={projectId} />;
}

/**
 * The project's PACS: project admins set the connection; stewards and admins search it (the
 * results are identifying: they are shown here only and never kept), pick studies or series and
 * bring them in through the de-identification gate, watching each retrieval's progress.
 */
export function PacsPage({ session, projectId }: { session: Session; projectId: string }) {
  const roles = session.roles.filter((r) => r.projectId === projectId).map((r) => r.role);
  const admin = roles.includes('project_admin');
  const allowed = admin || roles.includes('data_steward');
  const connection = usePacsConnection(projectId);
  if (!allowed) {
    return (
      <div className="page config" data-testid="pacs-page">
        <h2>PACS</h2>
        <div className="notice">Only data stewards and project administrators search the PACS and bring images in.</div>
      </div>
    );
  }
  return (
    <div className="page config" data-testid="pacs-page">
      <h2>PACS</h2>
      <p className="muted">
        <a href={`#/projects/${projectId}/settings`}>Project configuration</a> · <a href={`#/projects/${projectId}/releases`}>Releases</a>
      </p>
      <ErrorBox error={connection.error} />
      {connection.data && <ConnectionForm projectId={projectId} connection={connection.data} editable={admin} />}
      {connection.data?.configured && <SearchAndRetrieve projectId={projectId} />}
      <Retrievals projectId={projectId} />
      <Sends projectId={projectId} />
    </div>
  );
}

function ConnectionForm({ projectId, connection, editable }: { projectId: string; connection: PacsConnection; editable: boolean }) {
  const current = connection.configured ? connection : undefined;
  const [baseUrl, setBaseUrl] = useState(current?.baseUrl ?? '');
  const [username, setUsername] = useState(current?.username ?? '');
  const [password, setPassword] = useState('');
  const [timeoutSeconds, setTimeoutSeconds] = useState(String((current?.timeoutMs ?? 30_000) / 1000));
  const [maxMegabytes, setMaxMegabytes] = useState(String(Math.round((current?.maxInstanceBytes ?? 512 * 1024 ** 2) / 1024 ** 2)));
  const save = useSavePacsConnection(projectId);
  return (
    <section data-testid="pacs-connection" style={{ display: 'grid', gap: 6, maxWidth: 640 }}>
      <h3>Connection</h3>
      {!current && <p>No PACS is connected to this project yet.{editable ? '' : ' A project administrator sets the connection.'}</p>}
      {current && <p className="muted">Connected to <code>{current.baseUrl}</code>{current.username ? ` as ${current.username}` : ''}{current.hasPassword ? ', with a stored password' : ''}.</p>}
      {editable && (
        <form
          style={{ display: 'grid', gap: 6 }}
          onSubmit={(e) => {
            e.preventDefault();
            save.mutate({
              baseUrl,
              username: username.trim() || null,
              ...(password ? { password } : {}),
              timeoutMs: Math.round(Number(timeoutSeconds) * 1000),
              maxInstanceBytes: Math.round(Number(maxMegabytes) * 1024 ** 2),
            });
            setPassword('');
          }}
        >
          <label>DICOMweb address <input data-testid="pacs-url" value={baseUrl} onChange={(e) => setBaseUrl(e.target.value)} placeholder="https://pacs.example.org/dicom-web" required /></label>
          <label>User name <input data-testid="pacs-username" value={username} onChange={(e) => setUsername(e.target.value)} autoComplete="off" /></label>
          <label>Password <input data-testid="pacs-password" type="password" value={password} onChange={(e) => setPassword(e.target.value)} autoComplete="new-password" placeholder={current?.hasPassword ? 'unchanged' : ''} /></label>
          <label>Wait for an answer (seconds) <input type="number" min={1} max={600} value={timeoutSeconds} onChange={(e) => setTimeoutSeconds(e.target.value)} /></label>
          <label>Largest image accepted (MB) <input type="number" min={1} max={4096} value={maxMegabytes} onChange={(e) => setMaxMegabytes(e.target.value)} /></label>
          <button type="submit" data-testid="pacs-save" disabled={save.isPending}>Save connection</button>
          {save.isSuccess && <span data-testid="pacs-saved">Saved.</span>}
          <ErrorBox error={save.error} />
        </form>
      )}
    </section>
  );
}

function SearchAndRetrieve({ projectId }: { projectId: string }) {
  const [form, setForm] = useState<PacsSearch>({ level: 'studies' });
  const [chosen, setChosen] = useState<Set<number>>(new Set());
  const search = usePacsSearch(projectId);
  const retrieve = useStartRetrieval(projectId);
  const matches: PacsMatch[] = search.data ?? [];
  const field = (key: Exclude<keyof PacsSearch, 'level'>, label: string, type = 'text') => (
    <label>{label} <input data-testid={`pacs-search-${key}`} type={type} value={form[key] ?? ''} onChange={(e) => setForm({ ...form, [key]: e.target.value })} /></label>
  );
  return (
    <section data-testid="pacs-search" style={{ display: 'grid', gap: 6 }}>
      <h3>Search</h3>
      <p className="muted">Searches run on identifying data before de-identification; each one is recorded in the audit trail (which fields were used, never what was typed).</p>
      <form
        style={{ display: 'grid', gap: 6, maxWidth: 640 }}
        onSubmit={(e) => {
          e.preventDefault();
          setChosen(new Set());
          search.mutate(form);
        }}
      >
        <label>Find <select data-testid="pacs-search-level" value={form.level} onChange={(e) => setForm({ ...form, level: e.target.value as PacsSearch['level'] })}><option value="studies">Studies</option><option value="series">Series</option></select></label>
        {field('patientId', 'Patient ID or pseudonym')}
        {field('accessionNumber', 'Accession number')}
        {field('modality', 'Modality (e.g. CT)')}
        {field('studyDateFrom', 'Study date from', 'date')}
        {field('studyDateTo', 'Study date to', 'date')}
        {field('studyDescription', 'Study description contains')}
        <button type="submit" data-testid="pacs-search-run" disabled={search.isPending}>Search</button>
      </form>
      <ErrorBox error={search.error ?? retrieve.error} />
      {search.isSuccess && matches.length === 0 && <p data-testid="pacs-no-match">Nothing matched.</p>}
      {matches.length > 0 && (
        <>
          <table data-testid="pacs-results">
            <thead>
              <tr><th></th><th>Patient ID</th><th>Patient name</th><th>Study date</th><th>Accession</th><th>Modalities</th><th>Description</th><th>Images</th></tr>
            </thead>
            <tbody>
              {matches.map((m, i) => (
                <tr key={`${m.studyInstanceUid}/${m.seriesInstanceUid ?? ''}`} data-testid="pacs-match">
                  <td><input type="checkbox" aria-label="Bring this in" checked={chosen.has(i)} onChange={(e) => setChosen((s) => { const next = new Set(s); if (e.target.checked) next.add(i); else next.delete(i); return next; })} /></td>
                  <td>{m.patientId ?? '—'}</td>
                  <td>{m.patientName ?? '—'}</td>
                  <td>{m.studyDate ?? '—'}</td>
                  <td>{m.accessionNumber ?? '—'}</td>
                  <td>{m.modalities.join(', ') || '—'}</td>
                  <td>{m.seriesDescription ?? m.studyDescription ?? '—'}</td>
                  <td>{m.instances ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <button
            data-testid="pacs-retrieve"
            disabled={chosen.size === 0 || retrieve.isPending}
            onClick={() => retrieve.mutate([...chosen].map((i) => matches[i]!).map((m) => ({ studyInstanceUid: m.studyInstanceUid, ...(m.seriesInstanceUid ? { seriesInstanceUid: m.seriesInstanceUid } : {}) })))}
          >
            Bring {chosen.size || ''} {form.level === 'series' ? 'series' : chosen.size === 1 ? 'study' : 'studies'} in through the de-identification gate
          </button>
        </>
      )}
    </section>
  );
}

function Retrievals({ projectId }: { projectId: string }) {
  const retrievals = usePacsRetrievals(projectId);
  if (!retrievals.data?.length) return <ErrorBox error={retrievals.error} />;
  return (
    <section data-testid="pacs-retrievals">
      <h3>Retrievals</h3>
      <ErrorBox error={retrievals.error} />
      <table>
        <thead><tr><th>Started</th><th>State</th><th>Progress</th><th></th></tr></thead>
        <tbody>
          {retrievals.data.map((r) => (
            <tr key={r.id} data-testid="pacs-retrieval">
              <td>{new Date(r.createdAt).toLocaleString()}</td>
              <td data-testid="pacs-retrieval-status">{statusWords[r.status]}</td>
              <td>
                <progress max={r.targets} value={r.targetsDone} /> {retrievalProgressWords(r)}
                {r.errorCode && <ErrorBox error={Object.assign(new Error(r.error ?? 'The retrieval stopped'), { code: r.errorCode })} />}
              </td>
              <td>{r.quarantined > 0 && <span>Quarantined images wait in the data steward’s queue.</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function Sends({ projectId }: { projectId: string }) {
  const sends = usePacsSends(projectId);
  if (!sends.data?.length) return null;
  return (
    <section data-testid="pacs-sends">
      <h3>Sent to the PACS</h3>
      <table>
        <thead><tr><th>When</th><th>What</th><th>Objects</th><th>Answer</th></tr></thead>
        <tbody>
          {sends.data.map((s) => (
            <tr key={s.id} data-testid="pacs-send">
              <td>{new Date(s.createdAt).toLocaleString()}</td>
              <td>{sourceWords[s.source]}</td>
              <td>{s.instances}</td>
              <td>{sendStatusWords[s.status]}{s.failed > 0 ? ` (${s.failed} refused)` : ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
