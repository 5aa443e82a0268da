import { useState, type FormEvent } from 'react';
import { agreementKinds, organisationKinds, roles, type AgreementKind, type OrganisationKind, type Role } from '@delineate/schema';
import { useUsers } from '../data/admin';
import { useAdmitOrganisation, useCreateOrganisation, useOrganisations, useProjectGovernance, useSetUserOrganisation, useUpdateProjectGovernance, useWithdrawOrganisation, type Organisation } from '../data/governance';
import { useProjects } from '../data/projects';
import { useSignedInSession } from '../data/session';
import { ErrorBox } from '../ui/ErrorBox';
import { describeRole } from './audit-words';
import { AgreementsSection } from './OrganisationsAgreements';
import { ExpiringAgreementsBanner } from './OrganisationsBanner';
import { agreementKindWords, organisationKindWords } from './organisation-words';
import '../ui/project-styles.css';

/**
 * Organisations and agreements at `/organisations` (issue 24): platform administrators record
 * organisations, whom each person works for, which organisations a project admits, and the
 * agreements with their signed documents; auditors read the same, without the forms.
 */
export function OrganisationsPage() {
  const session = useSignedInSession();
  const canEdit = session.platformAdmin;
  const organisations = useOrganisations();
  if (!canEdit && !session.roles.some((r) => r.role === 'auditor')) {
    return (
      <div className="page" data-testid="organisations-page">
        <h2>Organisations and agreements</h2>
        <div className="notice">Only platform administrators and auditors see the organisations and their agreements.</div>
      </div>
    );
  }
  const list = organisations.data?.organisations ?? [];
  return (
    <div className="page" data-testid="organisations-page">
      <h2>Organisations and agreements</h2>
      <ExpiringAgreementsBanner />
      {!canEdit && <div className="notice" data-testid="read-only">You can read these records; platform administrators keep them.</div>}
      <ErrorBox error={organisations.error} />
      <table className="tasks" aria-label="Organisations" data-testid="organisation-list">
        <thead><tr><th>Organisation</th><th>Kind</th><th>People</th></tr></thead>
        <tbody>
          {list.map((o) => (
            <tr key={o.id} data-testid="organisation-row"><td>{o.name}</td><td>{organisationKindWords[o.kind] ?? o.kind}</td><td>{o.members}</td></tr>
          ))}
        </tbody>
      </table>
      {canEdit && <CreateOrganisationForm />}
      {canEdit && <PersonOrganisationForm organisations={list} />}
      {canEdit && <ProjectOrganisations organisations={list} />}
      <AgreementsSection canEdit={canEdit} organisations={list} />
    </div>
  );
}

function CreateOrganisationForm() {
  const create = useCreateOrganisation();
  const [name, setName] = useState('');
  const [kind, setKind] = useState<Exclude<OrganisationKind, 'platform_operator'>>('annotation_service');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate({ name: name.trim(), kind }, { onSuccess: () => setName('') });
  };
  return (
    <form onSubmit={submit} aria-label="Record an organisation" style={{ display: 'flex', gap: 10, alignItems: 'end', margin: '8px 0 14px' }}>
      <label>Name<br /><input required value={name} onChange={(e) => setName(e.target.value)} data-testid="organisation-name" /></label>
      <label>Kind<br />
        <select value={kind} onChange={(e) => setKind(e.target.value as typeof kind)} data-testid="organisation-kind">
          {organisationKinds.filter((k) => k !== 'platform_operator').map((k) => <option key={k} value={k}>{organisationKindWords[k]}</option>)}
        </select>
      </label>
      <button type="submit" disabled={create.isPending} data-testid="create-organisation">Record organisation</button>
      <ErrorBox error={create.error} />
    </form>
  );
}

function PersonOrganisationForm({ organisations }: { organisations: Organisation[] }) {
  const users = useUsers();
  const current = useOrganisations().data?.users ?? {};
  const set = useSetUserOrganisation();
  const [userId, setUserId] = useState('');
  const [organisationId, setOrganisationId] = useState('');
  const nameOf = (id: string | undefined) => organisations.find((o) => o.id === id)?.name ?? 'unknown';
  return (
    <form onSubmit={(e) => { e.preventDefault(); set.mutate({ userId, organisationId }); }} aria-label="Set whom a person works for" style={{ display: 'flex', gap: 10, alignItems: 'end', marginBottom: 14 }}>
      <label>Person<br />
        <select required value={userId} onChange={(e) => setUserId(e.target.value)} data-testid="person-user">
          <option value="">choose…</option>
          {(users.data ?? []).map((u) => <option key={u.id} value={u.id}>{u.displayName} ({u.username}), {nameOf(current[u.id])}</option>)}
        </select>
      </label>
      <label>Works for<br />
        <select required value={organisationId} onChange={(e) => setOrganisationId(e.target.value)} data-testid="person-organisation">
          <option value="">choose…</option>
          {organisations.map((o) => <option key={o.id} value={o.id}>{o.name}</option>)}
        </select>
      </label>
      <button type="submit" disabled={set.isPending} data-testid="set-person-organisation">Set organisation</button>
      <ErrorBox error={set.error ?? users.error} />
    </form>
  );
}

function ProjectOrganisations({ organisations }: { organisations: Organisation[] }) {
  const projects = useProjects();
  const [chosen, setChosen] = useState<string | null>(null);
  const projectId = chosen ?? projects.data?.[0]?.id ?? null;
  return (
    <section aria-label="Organisations of a project" data-testid="project-organisations">
      <h3>Organisations of a project</h3>
      <label>Project{' '}
        <select value={projectId ?? ''} onChange={(e) => setChosen(e.target.value)} data-testid="governance-project">
          {(projects.data ?? []).map((p) => <option key={p.id} value={p.id}>{p.name}</option>)}
        </select>
      </label>
      {projectId && <ProjectGovernancePanel key={projectId} projectId={projectId} organisations={organisations} />}
    </section>
  );
}

function ProjectGovernancePanel({ projectId, organisations }: { projectId: string; organisations: Organisation[] }) {
  const governance = useProjectGovernance(projectId);
  const update = useUpdateProjectGovernance(projectId);
  const admit = useAdmitOrganisation(projectId);
  const withdraw = useWithdrawOrganisation(projectId);
  const [organisationId, setOrganisationId] = useState('');
  const [admitRoles, setAdmitRoles] = useState<Role[]>(['annotator']);
  const g = governance.data;
  if (!g) return <ErrorBox error={governance.error} />;
  const owner = organisations.find((o) => o.id === g.ownerOrganisationId);
  const required = (kinds: AgreementKind[]) => (kinds.length ? kinds.map((k) => agreementKindWords[k]).join(', ') : 'none');
  return (
    <div>
      <p>
        Owned by{' '}
        <select value={g.ownerOrganisationId} onChange={(e) => update.mutate({ ownerOrganisationId: e.target.value })} data-testid="project-owner" aria-label="Owning organisation">
          {organisations.map((o) => <option key={o.id} value={o.id}>{o.name}</option>)}
        </select>{' '}
        ({owner ? (organisationKindWords[owner.kind] ?? owner.kind) : 'unknown'}), which needs no agreement.
      </p>
      <p data-testid="required-agreements">
        Other organisations need: {required(g.effectiveRequiredAgreements)}{g.requiredAgreements === null ? ' (the default for the project’s region)' : ' (set for this project)'}.{' '}
        <select
          aria-label="Agreements required of other organisations"
          value={g.requiredAgreements === null ? 'default' : g.requiredAgreements.join(',')}
          onChange={(e) => update.mutate({ requiredAgreements: e.target.value === 'default' ? null : (e.target.value.split(',').filter(Boolean) as AgreementKind[]) })}
        >
          <option value="default">The default for the region</option>
          {[...agreementKinds.map((k) => [k]), agreementKinds.slice()].map((kinds) => <option key={kinds.join(',')} value={kinds.join(',')}>Only {required(kinds)}</option>)}
          <option value="">None</option>
        </select>
      </p>
      <table className="tasks" aria-label="Admitted organisations" data-testid="admitted-list">
        <thead><tr><th>Organisation</th><th>Roles</th><th /></tr></thead>
        <tbody>
          {g.admitted.map((a) => (
            <tr key={a.organisationId} data-testid="admitted-row">
              <td>{a.name}</td>
              <td>{a.roles.map(describeRole).join(', ')}</td>
              <td><button onClick={() => withdraw.mutate(a.organisationId)} aria-label={`Withdraw ${a.name} from this project`}>Withdraw</button></td>
            </tr>
          ))}
        </tbody>
      </table>
      <form onSubmit={(e) => { e.preventDefault(); if (organisationId) admit.mutate({ organisationId, roles: admitRoles }); }} aria-label="Admit an organisation" style={{ display: 'flex', gap: 10, alignItems: 'end', marginTop: 8, flexWrap: 'wrap' }}>
        <label>Organisation<br />
          <select required value={organisationId} onChange={(e) => setOrganisationId(e.target.value)} data-testid="admit-organisation">
            <option value="">choose…</option>
            {organisations.filter((o) => o.id !== g.ownerOrganisationId).map((o) => <option key={o.id} value={o.id}>{o.name}</option>)}
          </select>
        </label>
        <fieldset><legend>In the roles</legend>
          {roles.map((r) => (
            <label key={r} style={{ marginRight: 8 }}>
              <input type="checkbox" checked={admitRoles.includes(r)} onChange={() => setAdmitRoles(admitRoles.includes(r) ? admitRoles.filter((x) => x !== r) : [...admitRoles, r])} /> {describeRole(r)}
            </label>
          ))}
        </fieldset>
        <button type="submit" disabled={admit.isPending || admitRoles.length === 0} data-testid="admit">Admit</button>
      </form>
      <ErrorBox error={update.error ?? admit.error ?? withdraw.error} />
    </div>
  );
}
