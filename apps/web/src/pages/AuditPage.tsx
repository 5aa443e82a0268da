import { useState, type FormEvent } from 'react';
import { Link } from '@tanstack/react-router';
import { auditExportUrl, useAuditEvent, useAuditEvents, useVerifyAuditChain, type AuditEvent, type AuditFilter } from '../data/audit';
import { useProjects } from '../data/projects';
import { useSignedInSession } from '../data/session';
import { ErrorBox } from '../ui/ErrorBox';
import { actionChoices, describeAction, describeObjectType, describeRole, outcomeWords } from './audit-words';
import '../ui/project-styles.css';

const when = (iso: string) => new Date(iso).toLocaleString();
/** A datetime-local field's value as an ISO time, or undefined when empty. */
const isoOf = (local: string) => (local ? new Date(local).toISOString() : undefined);

/**
 * The auditor's page at `/audit`: the audit log of the projects they audit (every event for a
 * platform administrator), filtered, newest first, a page at a time; one event's detail; the
 * chain's verification with its last checkpoint; the filtered range exported; access reviews.
 */
export function AuditPage() {
  const session = useSignedInSession();
  const projects = useProjects();
  const [filter, setFilter] = useState<AuditFilter>({});
  // The cursors of the pages before this one, so "Newer" goes back exactly.
  const [cursors, setCursors] = useState<(number | undefined)[]>([undefined]);
  const before = cursors[cursors.length - 1];
  const page = useAuditEvents(filter, before);
  const [selected, setSelected] = useState<number | null>(null);
  const projectName = (id: string | null) => (id === null ? 'no project' : (projects.data?.find((p) => p.id === id)?.name ?? 'another project'));
  const reviewable = (projects.data ?? []).filter((p) => session.platformAdmin || p.roles.some((r) => r === 'auditor' || r === 'data_steward' || r === 'project_admin'));

  return (
    <div className="page" data-testid="audit-page">
      <h2>Audit log</h2>
      <ChainVerification />
      <FilterForm
        projects={projects.data ?? []}
        onApply={(next) => {
          setFilter(next);
          setCursors([undefined]);
          setSelected(null);
        }}
      />
      <p>
        Export these events (up to 10,000, oldest first):{' '}
        <a href={auditExportUrl(filter, 'fhir')} download data-testid="export-fhir">FHIR AuditEvent (JSON)</a> ·{' '}
        <a href={auditExportUrl(filter, 'dicom')} download data-testid="export-dicom">DICOM audit messages (XML)</a>
      </p>
      <ErrorBox error={page.error} />
      <table className="tasks" data-testid="audit-events" aria-label="Audit events">
        <thead>
          <tr><th>When</th><th>Who</th><th>Role</th><th>What</th><th>Object</th><th>Project</th><th>Outcome</th><th /></tr>
        </thead>
        <tbody>
          {(page.data?.events ?? []).map((e) => (
            <tr key={e.sequence} data-testid="audit-row" data-sequence={e.sequence} style={{ fontWeight: e.sequence === selected ? 'bold' : undefined }}>
              <td>{when(e.time)}</td>
              <td>{person(e)}</td>
              <td>{describeRole(e.role)}</td>
              <td>{describeAction(e.action)}{e.count > 1 ? ` (${e.count} times)` : ''}</td>
              <td>{describeObjectType(e.objectType)}</td>
              <td>{projectName(e.projectId)}</td>
              <td className={e.outcome === 'success' ? undefined : 'category-low'}>{outcomeWords[e.outcome] ?? e.outcome}</td>
              <td><button onClick={() => setSelected(e.sequence)} data-testid="open-event" aria-label={`Details of event ${e.sequence}`}>Details</button></td>
            </tr>
          ))}
        </tbody>
      </table>
      {page.data?.events.length === 0 && <p data-testid="no-events">No events match these filters.</p>}
      <div style={{ display: 'flex', gap: 8, margin: '8px 0' }}>
        <button disabled={cursors.length <= 1} onClick={() => setCursors(cursors.slice(0, -1))} data-testid="newer">Newer events</button>
        <button disabled={!page.data?.nextBefore} onClick={() => page.data?.nextBefore && setCursors([...cursors, page.data.nextBefore])} data-testid="older">Older events</button>
      </div>
      {selected !== null && <EventDetail sequence={selected} projectName={projectName} onClose={() => setSelected(null)} />}
      {reviewable.length > 0 && (
        <section>
          <h3>Access reviews</h3>
          <ul>
            {reviewable.map((p) => (
              <li key={p.id}>
                <Link to="/projects/$projectId/access-review" params={{ projectId: p.id }} data-testid="open-access-review">{p.name}</Link>
              </li>
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}

const person = (e: AuditEvent) => (e.actorDisplayName ? `${e.actorDisplayName} (${e.actorUsername})` : e.actorId ? 'a removed account' : 'nobody signed in');

function FilterForm({ projects, onApply }: { projects: { id: string; name: string }[]; onApply: (filter: AuditFilter) => void }) {
  const [fields, setFields] = useState({ actor: '', action: '', objectType: '', objectId: '', projectId: '', from: '', to: '', outcome: '' });
  const set = (name: keyof typeof fields) => (e: { target: { value: string } }) => setFields({ ...fields, [name]: e.target.value });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const outcome = fields.outcome as AuditFilter['outcome'] | '';
    onApply({
      ...(fields.actor.trim() ? { actor: fields.actor.trim() } : {}),
      ...(fields.action ? { action: fields.action } : {}),
      ...(fields.objectType ? { objectType: fields.objectType } : {}),
      ...(fields.objectId.trim() ? { objectId: fields.objectId.trim() } : {}),
      ...(fields.projectId ? { projectId: fields.projectId } : {}),
      ...(isoOf(fields.from) ? { from: isoOf(fields.from) } : {}),
      ...(isoOf(fields.to) ? { to: isoOf(fields.to) } : {}),
      ...(outcome ? { outcome } : {}),
    });
  };
  return (
    <form onSubmit={submit} className="audit-filters" data-testid="audit-filters" aria-label="Filter the audit log" style={{ display: 'flex', flexWrap: 'wrap', gap: 10, alignItems: 'end' }}>
      <label>Person (user name)<br /><input value={fields.actor} onChange={set('actor')} data-testid="filter-actor" /></label>
      <label>Action<br />
        <select value={fields.action} onChange={set('action')} data-testid="filter-action">
          <option value="">any action</option>
          {actionChoices.map(([key, words]) => <option key={key} value={key}>{words}</option>)}
        </select>
      </label>
      <label>Object<br />
        <select value={fields.objectType} onChange={set('objectType')} data-testid="filter-object-type">
          <option value="">any kind</option>
          {['project', 'item', 'annotation', 'task', 'user', 'membership', 'release', 'session', 'audit'].map((t) => <option key={t} value={t}>{describeObjectType(t)}</option>)}
        </select>
      </label>
      <label>Object identifier<br /><input value={fields.objectId} onChange={set('objectId')} data-testid="filter-object-id" /></label>
      <label>Project<br />
        <select value={fields.projectId} onChange={set('projectId')} data-testid="filter-project">
          <option value="">every project I audit</option>
          {projects.map((p) => <option key={p.id} value={p.id}>{p.name}</option>)}
        </select>
      </label>
      <label>From<br /><input type="datetime-local" value={fields.from} onChange={set('from')} data-testid="filter-from" /></label>
      <label>Until<br /><input type="datetime-local" value={fields.to} onChange={set('to')} data-testid="filter-to" /></label>
      <label>Outcome<br />
        <select value={fields.outcome} onChange={set('outcome')} data-testid="filter-outcome">
          <option value="">any outcome</option>
          {Object.entries(outcomeWords).map(([key, words]) => <option key={key} value={key}>{words}</option>)}
        </select>
      </label>
      <button type="submit" data-testid="apply-filters">Show events</button>
    </form>
  );
}

function EventDetail({ sequence, projectName, onClose }: { sequence: number; projectName: (id: string | null) => string; onClose: () => void }) {
  const event = useAuditEvent(sequence);
  const e = event.data;
  return (
    <section className="chart" data-testid="event-detail" aria-label="Event detail">
      <h3>Event {sequence} <button onClick={onClose} aria-label="Close the event detail">Close</button></h3>
      <ErrorBox error={event.error} />
      {e && (
        <dl style={{ display: 'grid', gridTemplateColumns: 'max-content 1fr', gap: '4px 16px' }}>
          <dt>When</dt><dd>{when(e.time)}</dd>
          <dt>What</dt><dd data-testid="event-action">{describeAction(e.action)}</dd>
          <dt>Outcome</dt><dd>{outcomeWords[e.outcome]}</dd>
          <dt>Who</dt><dd>{person(e)}</dd>
          <dt>Role</dt><dd>{describeRole(e.role)}</dd>
          <dt>Object</dt><dd>{describeObjectType(e.objectType)} <code>{e.objectId ?? '—'}</code></dd>
          <dt>Project</dt><dd>{projectName(e.projectId)}</dd>
          <dt>Subject pseudonym</dt><dd>{e.subjectPseudonym ?? '—'}</dd>
          <dt>Purpose</dt><dd>{e.purpose ? e.purpose.replace(/_/g, ' ') : '—'}</dd>
          <dt>From address</dt><dd>{e.address ?? '—'}</dd>
          <dt>Times counted</dt><dd>{e.count}</dd>
          <dt>Hash of the previous event</dt><dd><code>{e.previousHash ?? 'none (first event)'}</code></dd>
          <dt>This event’s hash</dt><dd><code data-testid="event-hash">{e.hash}</code></dd>
        </dl>
      )}
    </section>
  );
}

function ChainVerification() {
  const verify = useVerifyAuditChain();
  const v = verify.data;
  return (
    <section className="stat-row" data-testid="chain-verification" aria-label="Audit chain verification">
      <button onClick={() => verify.mutate()} disabled={verify.isPending} data-testid="verify-chain">
        {verify.isPending ? 'Verifying…' : 'Verify the audit chain'}
      </button>
      <ErrorBox error={verify.error} />
      {v && (
        <div className={v.ok ? 'notice' : 'error'} role="status" data-testid="verification-result">
          {v.ok
            ? `Intact: all ${v.rowsChecked.toLocaleString()} events re-hashed and matched their signed checkpoints.`
            : `Broken: ${v.reason ?? 'the chain does not verify'}${v.firstBadSequence ? ` (first bad event ${v.firstBadSequence})` : ''}.`}{' '}
          <span data-testid="last-checkpoint">
            {v.lastCheckpoint
              ? `Last checkpoint: event ${v.lastCheckpoint.sequence.toLocaleString()}, signed ${when(v.lastCheckpoint.time)}`
              : 'No checkpoint signed yet'}
            {v.unanchoredRows ? `; ${v.unanchoredRows} newer events not yet covered by a signature` : ''}.
          </span>{' '}
          Checked {when(v.verifiedAt)}{v.keyFingerprint ? `; signing key ${v.keyFingerprint}` : ''}{v.anchor ? `; anchored at ${v.anchor}` : '; no anchor outside the data folder'}.
        </div>
      )}
    </section>
  );
}
