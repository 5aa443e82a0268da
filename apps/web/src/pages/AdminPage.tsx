import { useState, type FormEvent } from 'react';
import { legalBases, modalities, oversightModels, roles, type LegalBasis, type Modality, type OversightModel, type Region, type Role } from '@delineate/schema';
import { useCreateProject, useDocumentVersions, useGrantRole, useMemberships, useRegions, useRevokeRole, useUsers } from '../data/admin';
import { useProjects } from '../data/projects';
import { useSignedInSession } from '../data/session';
import { ErrorBox } from '../ui/ErrorBox';
import { legalBasisWords, regionWords } from './admin-words';
import { AdminUsers } from './AdminUsers';
import { ExpiringAgreementsBanner } from './OrganisationsBanner';
import { describeRole } from './audit-words';
import { oversightText } from './project-words';
import { TemplatePicker } from './rt/TemplatePicker';
import '../ui/project-styles.css';

type Tab = 'users' | 'projects' | 'regions';
const tabWords: Record<Tab, string> = { users: 'Users', projects: 'Projects and roles', regions: 'Regions' };

/** The platform administrator's page at `/admin`: accounts, projects with their roles, regions. */
export function AdminPage() {
  const session = useSignedInSession();
  const [tab, setTab] = useState<Tab>('users');
  if (!session.platformAdmin) {
    return (
      <div className="page" data-testid="admin-page">
        <h2>Administration</h2>
        <div className="notice">Only platform administrators manage accounts, projects and regions.</div>
      </div>
    );
  }
  return (
    <div className="page" data-testid="admin-page">
      <h2>Administration</h2>
      <ExpiringAgreementsBanner />
      <div role="tablist" aria-label="Administration sections" style={{ display: 'flex', gap: 8, marginBottom: 12 }}>
        {(Object.keys(tabWords) as Tab[]).map((t) => (
          <button key={t} role="tab" aria-selected={tab === t} onClick={() => setTab(t)} data-testid={`tab-${t}`} style={{ fontWeight: tab === t ? 'bold' : undefined }}>
            {tabWords[t]}
          </button>
        ))}
      </div>
      {tab === 'users' && <AdminUsers selfId={session.userId} />}
      {tab === 'projects' && <AdminProjects />}
      {tab === 'regions' && <AdminRegions />}
    </div>
  );
}

function AdminProjects() {
  const projects = useProjects();
  const [chosen, setChosen] = useState<string | null>(null);
  const projectId = chosen ?? projects.data?.[0]?.id ?? null;
  return (
    <section data-testid="admin-projects" aria-label="Projects and roles">
      <CreateProjectForm onCreated={setChosen} />
      <ErrorBox error={projects.error} />
      <h3>Roles in a project</h3>
      <label>Project{' '}
        <select value={projectId ?? ''} onChange={(e) => setChosen(e.target.value)} data-testid="membership-project">
          {(projects.data ?? []).map((p) => <option key={p.id} value={p.id}>{p.name}</option>)}
        </select>
      </label>
      {projectId && <Memberships key={projectId} projectId={projectId} />}
    </section>
  );
}

function Memberships({ projectId }: { projectId: string }) {
  const memberships = useMemberships(projectId);
  const users = useUsers();
  const grant = useGrantRole(projectId);
  const revoke = useRevokeRole(projectId);
  const [userId, setUserId] = useState('');
  const [role, setRole] = useState<Role>('annotator');
  const nameOf = (id: string) => {
    const u = users.data?.find((x) => x.id === id);
    return u ? `${u.displayName} (${u.username})` : 'an account';
  };
  const active = (users.data ?? []).filter((u) => !u.disabled);
  return (
    <>
      <ErrorBox error={memberships.error ?? grant.error ?? revoke.error} />
      <table className="tasks" data-testid="membership-list" aria-label="Roles in this project">
        <thead><tr><th>Person</th><th>Role</th><th>Since</th><th /></tr></thead>
        <tbody>
          {(memberships.data ?? []).map((m) => (
            <tr key={m.id} data-testid="membership-row">
              <td>{nameOf(m.userId)}</td>
              <td>{describeRole(m.role)}</td>
              <td>{new Date(m.createdAt).toLocaleDateString()}</td>
              <td><button onClick={() => revoke.mutate(m.id)} aria-label={`Remove the role ${describeRole(m.role)} from ${nameOf(m.userId)}`}>Remove</button></td>
            </tr>
          ))}
        </tbody>
      </table>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (userId) grant.mutate({ userId, role });
        }}
        aria-label="Give a role in this project"
        style={{ display: 'flex', gap: 10, alignItems: 'end', marginTop: 8 }}
      >
        <label>Person<br />
          <select value={userId} onChange={(e) => setUserId(e.target.value)} data-testid="grant-user" required>
            <option value="">choose…</option>
            {active.map((u) => <option key={u.id} value={u.id}>{u.displayName} ({u.username})</option>)}
          </select>
        </label>
        <label>Role<br />
          <select value={role} onChange={(e) => setRole(e.target.value as Role)} data-testid="grant-role">
            {roles.map((r) => <option key={r} value={r}>{describeRole(r)}</option>)}
          </select>
        </label>
        <button type="submit" disabled={grant.isPending} data-testid="grant-membership">Give role</button>
      </form>
    </>
  );
}

/** A chosen `id:version` (a schema just made from a template may not be in the loaded list yet). */
function chosenRef(value: string): { id: string; version: number } | undefined {
  const m = /^([0-9a-f-]{36}):(\d+)$/.exec(value);
  return m ? { id: m[1]!, version: Number(m[2]) } : undefined;
}

function CreateProjectForm({ onCreated }: { onCreated: (id: string) => void }) {
  const create = useCreateProject();
  const documents = useDocumentVersions();
  const regions = useRegions();
  const storage = regions.data?.storage.database;
  const [fields, setFields] = useState({ name: '', modality: 'CT' as Modality, oversightModel: 'supervised_technologist' as OversightModel, region: '', purpose: '', legalBasis: 'consent' as LegalBasis, labelSchema: '', reviewProtocol: '' });
  const set = (name: keyof typeof fields) => (e: { target: { value: string } }) => setFields({ ...fields, [name]: e.target.value });
  const schemas = documents.data?.labelSchemas ?? [];
  const protocols = documents.data?.reviewProtocols ?? [];
  const pick = (list: { id: string; version: number }[], value: string) => list.find((d) => `${d.id}:${d.version}` === value) ?? chosenRef(value) ?? list[list.length - 1];
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const schema = pick(schemas, fields.labelSchema);
    const protocol = pick(protocols, fields.reviewProtocol);
    if (!schema || !protocol) return;
    create.mutate(
      {
        name: fields.name.trim(),
        modality: fields.modality,
        oversightModel: fields.oversightModel,
        region: (fields.region || storage || 'local') as Region,
        purpose: fields.purpose.trim(),
        legalBasis: fields.legalBasis,
        labelSchema: { id: schema.id, version: schema.version },
        reviewProtocol: { id: protocol.id, version: protocol.version },
        agreementSampling: { fraction: 0, readersPerItem: 1, blinded: true },
        deid: { profile: 'basic', options: [] },
      },
      { onSuccess: (p) => onCreated(p.id) },
    );
  };
  return (
    <form onSubmit={submit} aria-label="Create a project" className="chart" style={{ display: 'grid', gap: 6, maxWidth: 640, marginBottom: 14 }}>
      <h3>Create a project</h3>
      <ErrorBox error={documents.error ?? regions.error} />
      <label>Name <input value={fields.name} onChange={set('name')} data-testid="project-name" required /></label>
      <label>Modality <select value={fields.modality} onChange={set('modality')}>{modalities.map((m) => <option key={m} value={m}>{m}</option>)}</select></label>
      <label>Oversight <select value={fields.oversightModel} onChange={set('oversightModel')}>{oversightModels.map((o) => <option key={o} value={o}>{oversightText[o].title}</option>)}</select></label>
      <label>Region where its data is kept{' '}
        <select value={fields.region || storage || ''} onChange={set('region')} data-testid="project-region">
          {(regions.data?.regions ?? []).map((r) => <option key={r} value={r}>{regionWords[r] ?? r}{r === storage ? ' (where this installation stores data)' : ''}</option>)}
        </select>
      </label>
      <label>Purpose <input value={fields.purpose} onChange={set('purpose')} data-testid="project-purpose" required /></label>
      <label>Legal basis <select value={fields.legalBasis} onChange={set('legalBasis')}>{legalBases.map((b) => <option key={b} value={b}>{legalBasisWords[b]}</option>)}</select></label>
      <TemplatePicker onCreated={(schema) => setFields((f) => ({ ...f, labelSchema: `${schema.id}:${schema.version}` }))} />
      <label>Label schema <select value={fields.labelSchema} onChange={set('labelSchema')} data-testid="project-label-schema">{schemas.map((s) => <option key={`${s.id}:${s.version}`} value={`${s.id}:${s.version}`}>{s.name}, version {s.version}</option>)}</select></label>
      <label>Review protocol <select value={fields.reviewProtocol} onChange={set('reviewProtocol')}>{protocols.map((p) => <option key={`${p.id}:${p.version}`} value={`${p.id}:${p.version}`}>{p.name}, version {p.version}</option>)}</select></label>
      <div><button type="submit" disabled={create.isPending || schemas.length === 0} data-testid="create-project">Create project</button></div>
      <ErrorBox error={create.error} />
      {create.data && <span className="saved-note" role="status" data-testid="project-created">Created {create.data.name}.</span>}
    </form>
  );
}

function AdminRegions() {
  const regions = useRegions();
  const r = regions.data;
  return (
    <section data-testid="admin-regions" aria-label="Regions">
      <ErrorBox error={regions.error} />
      {r && (
        <>
          <p data-testid="storage-region">
            The database keeps data in <strong>{regionWords[r.storage.database] ?? r.storage.database}</strong>; the image store in{' '}
            <strong>{r.storage.blobStores.map((b) => regionWords[b] ?? b).join(', ')}</strong>. Every project must be in that region: the server refuses to start otherwise, and a
            project in another region cannot be created here. Exports to another region need a recorded transfer basis.
          </p>
          <table className="tasks" aria-label="Projects by region">
            <thead><tr><th>Project</th><th>Region</th></tr></thead>
            <tbody>
              {r.projects.map((p) => (
                <tr key={p.id} data-testid="region-row"><td>{p.name}</td><td>{regionWords[p.region] ?? p.region}</td></tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
