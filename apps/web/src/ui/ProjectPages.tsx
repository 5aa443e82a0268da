import { useCallback, useEffect, useMemo, useState, type FormEvent } from 'react';
import type { Role, WorkflowConfig, WorkflowTask } from '@delineate/schema';
import type { Session } from '../api';
import { projectApi, qualityRoles, type DocumentChoices, type Member, type ProjectListEntry, type ProjectSummary, type SampleRecord } from '../project-api';
import { ErrorBox } from './App';
import { formOf, refKey, validateForm, type FormErrors, type WorkflowForm } from './workflow-form';
import './project-styles.css';

export { QualityDashboardPage } from './QualityDashboard';

const roleNames: Record<string, string> = {
  annotator: 'annotator',
  clinician_annotator: 'clinician annotator',
  reviewer: 'reviewer',
  expert_reviewer: 'expert reviewer',
  project_admin: 'project administrator',
  data_steward: 'data steward',
  auditor: 'auditor',
};

const oversightText: Record<WorkflowConfig['oversightModel'], { title: string; text: string }> = {
  direct_clinical: {
    title: 'Direct clinical',
    text: 'Only clinician annotators (clinicians, radiologists, pathologists) draw the segmentations. Their work needs no standard review; flagged work still goes to an expert reviewer.',
  },
  supervised_technologist: {
    title: 'Supervised technologist',
    text: 'Technologists and trained annotators draw the segmentations, and a clinician reviewer reviews every item against the checklist (accept, correct or reject) before it counts.',
  },
};

const isProjectAdmin = (session: Session, projectId: string) => session.roles.some((r) => r.projectId === projectId && r.role === 'project_admin');

/** The caller's projects with links to the configuration and the QA dashboard. */
export function ProjectsPage({ session }: { session: Session }) {
  const [projects, setProjects] = useState<ProjectListEntry[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    projectApi
      .list()
      .then((r) => setProjects(r.projects))
      .catch((e: unknown) => setError(e));
  }, []);
  return (
    <div className="page" data-testid="projects-page">
      <h2>Projects</h2>
      <ErrorBox error={error} />
      {projects === null && !error && <p>Loading…</p>}
      {projects?.length === 0 && <p>You hold no role in any project.</p>}
      {projects && projects.length > 0 && (
        <table className="tasks" data-testid="project-list">
          <thead>
            <tr>
              <th>Project</th>
              <th>Modality</th>
              <th>Oversight</th>
              <th>Your roles</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {projects.map((p) => {
              const admin = p.roles.includes('project_admin') || session.platformAdmin;
              const quality = p.roles.some((r) => qualityRoles.includes(r));
              return (
                <tr key={p.id} data-testid="project-row" data-project-id={p.id}>
                  <td>{p.name}</td>
                  <td>{p.modality}</td>
                  <td>{oversightText[p.oversightModel].title}</td>
                  <td>{p.roles.length ? p.roles.map((r) => roleNames[r] ?? r).join(', ') : session.platformAdmin ? 'platform administrator' : '—'}</td>
                  <td style={{ display: 'flex', gap: 12 }}>
                    {(admin || p.roles.length > 0) && (
                      <a href={`#/projects/${p.id}/settings`} data-testid="open-settings">
                        {admin ? 'Configuration' : 'Configuration (read only)'}
                      </a>
                    )}
                    {quality && (
                      <a href={`#/projects/${p.id}/quality`} data-testid="open-quality">
                        Quality
                      </a>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </div>
  );
}

function FieldError({ errors, field }: { errors: FormErrors; field: keyof WorkflowForm }) {
  const message = errors[field];
  if (!message) return null;
  return (
    <div className="field-error" role="alert" data-testid={`error-${field}`}>
      {message}
    </div>
  );
}

/** The workflow configuration (project administrators edit; other members read), task creation and reassignment. */
export function ProjectSettingsPage({ session, projectId }: { session: Session; projectId: string }) {
  const [summary, setSummary] = useState<ProjectSummary | null>(null);
  const [documents, setDocuments] = useState<DocumentChoices | null>(null);
  const [form, setForm] = useState<WorkflowForm | null>(null);
  const [errors, setErrors] = useState<FormErrors>({});
  const [loadError, setLoadError] = useState<unknown>(null);
  const [saveError, setSaveError] = useState<unknown>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const canEdit = isProjectAdmin(session, projectId) || session.platformAdmin;

  const load = useCallback(async () => {
    try {
      const [s, config, docs] = await Promise.all([projectApi.get(projectId), projectApi.config(projectId), projectApi.documents(projectId)]);
      setSummary(s);
      setDocuments(docs);
      setForm(formOf(config));
      setErrors({});
    } catch (e) {
      setLoadError(e);
    }
  }, [projectId]);

  useEffect(() => {
    void load();
  }, [load]);

  const schema = useMemo(() => documents?.labelSchemas.find((s) => refKey(s) === form?.labelSchema) ?? null, [documents, form?.labelSchema]);

  if (loadError) {
    return (
      <div className="page" data-testid="project-settings">
        <h2>Project configuration</h2>
        <ErrorBox error={loadError} />
      </div>
    );
  }
  if (!summary || !form || !documents) return <div className="page" data-testid="project-settings">Loading…</div>;

  const update = (patch: Partial<WorkflowForm>) => {
    setSaved(null);
    setForm({ ...form, ...patch });
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setSaveError(null);
    setSaved(null);
    const result = validateForm(form, documents);
    setErrors(result.errors);
    if (!result.config) return;
    setBusy(true);
    try {
      const stored = await projectApi.saveConfig(projectId, result.config);
      setForm(formOf(stored));
      setSummary(await projectApi.get(projectId));
      setSaved(`Saved at ${new Date().toLocaleTimeString()}`);
    } catch (err) {
      setSaveError(err);
    } finally {
      setBusy(false);
    }
  };

  const disabled = !canEdit || busy;
  return (
    <div className="page config" data-testid="project-settings">
      <h2>
        Project configuration: <span data-testid="project-name">{summary.name}</span>
      </h2>
      <p className="muted">
        {summary.modality} · {summary.tasks.annotate} annotation, {summary.tasks.review} review and {summary.tasks.expert_review} expert-review tasks ·{' '}
        <a href={`#/projects/${projectId}/quality`}>Quality dashboard</a> · <a href={`#/projects/${projectId}/releases`} data-testid="open-releases">Releases</a> · <a href="#/projects">All projects</a>
      </p>
      {!canEdit && (
        <div className="notice" data-testid="read-only">
          You can read this configuration; only a project administrator can change it.
        </div>
      )}
      {summary.frozen && (
        <div className="notice" data-testid="frozen-note">
          Workflow tasks exist: the oversight model and the pinned label-schema and review-protocol versions can no longer change (the server refuses). Sampling, expert-review rules,
          thresholds and seed still can.
        </div>
      )}
      <form onSubmit={(e) => void submit(e)} noValidate data-testid="config-form">
        <fieldset>
          <legend>Oversight model</legend>
          {(['direct_clinical', 'supervised_technologist'] as const).map((model) => (
            <label className="choice" key={model}>
              <input type="radio" name="oversight" value={model} checked={form.oversightModel === model} disabled={disabled} onChange={() => update({ oversightModel: model })} data-testid={`oversight-${model}`} />
              <span>
                <strong>{oversightText[model].title}</strong>
                <p>{oversightText[model].text}</p>
              </span>
            </label>
          ))}
        </fieldset>

        <fieldset>
          <legend>Pinned documents</legend>
          <div className="field">
            <label htmlFor="label-schema">Label schema version</label>
            <select
              id="label-schema"
              value={form.labelSchema}
              disabled={disabled}
              onChange={(e) => {
                const next = documents.labelSchemas.find((s) => refKey(s) === e.target.value);
                const keys = new Set(next?.labels.map((l) => l.key) ?? []);
                update({ labelSchema: e.target.value, expertLabelKeys: form.expertLabelKeys.filter((k) => keys.has(k)) });
              }}
            >
              {documents.labelSchemas.map((s) => (
                <option key={refKey(s)} value={refKey(s)}>
                  {s.name} · version {s.version} ({s.labels.map((l) => l.key).join(', ')})
                </option>
              ))}
            </select>
            <FieldError errors={errors} field="labelSchema" />
          </div>
          <div className="field">
            <label htmlFor="review-protocol">Review protocol version</label>
            <select id="review-protocol" value={form.reviewProtocol} disabled={disabled} onChange={(e) => update({ reviewProtocol: e.target.value })}>
              {documents.reviewProtocols.map((p) => (
                <option key={refKey(p)} value={refKey(p)}>
                  {p.name} · version {p.version} ({p.checklist.length} checklist items)
                </option>
              ))}
            </select>
            <FieldError errors={errors} field="reviewProtocol" />
          </div>
        </fieldset>

        <fieldset>
          <legend>Agreement sampling</legend>
          <div className="field">
            <label htmlFor="fraction">Fraction of items read by several readers (0–1)</label>
            <input id="fraction" type="number" step="0.05" min="0" max="1" value={form.fraction} disabled={disabled} onChange={(e) => update({ fraction: e.target.value })} />
            <FieldError errors={errors} field="fraction" />
          </div>
          <div className="field">
            <label htmlFor="readers">Readers per sampled item</label>
            <input id="readers" type="number" step="1" min="1" max="20" value={form.readersPerItem} disabled={disabled} onChange={(e) => update({ readersPerItem: e.target.value })} />
            <FieldError errors={errors} field="readersPerItem" />
          </div>
          <label className="choice">
            <input id="blinded" type="checkbox" checked={form.blinded} disabled={disabled} onChange={(e) => update({ blinded: e.target.checked })} />
            <span>Blinded: readers of a sampled item do not see each other's masks until all have submitted</span>
          </label>
        </fieldset>

        <fieldset>
          <legend>Expert review</legend>
          <div className="field">
            <label>Labels whose presence sends the work to an expert reviewer</label>
            <div className="checks">
              {(schema?.labels ?? []).map((l) => (
                <label key={l.key} className="choice">
                  <input
                    type="checkbox"
                    data-testid={`expert-label-${l.key}`}
                    checked={form.expertLabelKeys.includes(l.key)}
                    disabled={disabled}
                    onChange={(e) => update({ expertLabelKeys: e.target.checked ? [...form.expertLabelKeys, l.key] : form.expertLabelKeys.filter((k) => k !== l.key) })}
                  />
                  <span>
                    {l.name} <code>{l.key}</code>
                  </span>
                </label>
              ))}
            </div>
            <FieldError errors={errors} field="expertLabelKeys" />
          </div>
          <label className="choice">
            <input id="significant-regions" type="checkbox" checked={form.significantRegions} disabled={disabled} onChange={(e) => update({ significantRegions: e.target.checked })} />
            <span>A region marked diagnostically significant (by the annotator or reviewer) sends the work to an expert reviewer</span>
          </label>
        </fieldset>

        <fieldset>
          <legend>Agreement thresholds and sampling seed</legend>
          <div className="field">
            <label htmlFor="dice">High agreement from mean pairwise Dice (0–1)</label>
            <input id="dice" type="number" step="0.01" min="0" max="1" value={form.dice} disabled={disabled} onChange={(e) => update({ dice: e.target.value })} />
            <FieldError errors={errors} field="dice" />
          </div>
          <div className="field">
            <label htmlFor="kappa">and from Fleiss' κ (−1–1)</label>
            <input id="kappa" type="number" step="0.01" min="-1" max="1" value={form.fleissKappa} disabled={disabled} onChange={(e) => update({ fleissKappa: e.target.value })} />
            <FieldError errors={errors} field="fleissKappa" />
          </div>
          <div className="field">
            <label htmlFor="seed">Sampling seed (recorded with every draw)</label>
            <input id="seed" type="number" step="1" min="0" value={form.samplingSeed} disabled={disabled} onChange={(e) => update({ samplingSeed: e.target.value })} />
            <FieldError errors={errors} field="samplingSeed" />
          </div>
        </fieldset>
        {Object.keys(errors).length > 0 && (
          <div className="error" data-testid="form-invalid">
            Please correct the marked fields.
          </div>
        )}
        <ErrorBox error={saveError} />
        {canEdit && (
          <div>
            <button type="submit" disabled={busy} data-testid="save-config">
              Save configuration
            </button>
            <button type="button" disabled={busy} onClick={() => void load()} style={{ marginLeft: 8 }} data-testid="reload-config">
              Reload
            </button>
            {saved && (
              <span className="saved-note" data-testid="saved">
                {saved}
              </span>
            )}
          </div>
        )}
      </form>
      {isProjectAdmin(session, projectId) && <WorkflowTasks projectId={projectId} onChanged={() => void projectApi.get(projectId).then(setSummary)} />}
    </div>
  );
}

const stageRole = (stage: WorkflowTask['stage'], oversight: WorkflowConfig['oversightModel']): Role =>
  stage === 'annotate' ? (oversight === 'direct_clinical' ? 'clinician_annotator' : 'annotator') : stage === 'review' ? 'reviewer' : 'expert_reviewer';

const reassignable = new Set(['open', 'assigned', 'in_progress']);

/** Task creation (with the recorded sample) and the task list with reassignment. */
function WorkflowTasks({ projectId, onChanged }: { projectId: string; onChanged: () => void }) {
  const [tasks, setTasks] = useState<WorkflowTask[] | null>(null);
  const [members, setMembers] = useState<Member[]>([]);
  const [oversight, setOversight] = useState<WorkflowConfig['oversightModel']>('supervised_technologist');
  const [error, setError] = useState<unknown>(null);
  const [created, setCreated] = useState<{ sample: SampleRecord[]; created: WorkflowTask[] } | null>(null);
  const [choice, setChoice] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [moved, setMoved] = useState<string | null>(null);
  const [recorded, setRecorded] = useState<SampleRecord[]>([]);

  const load = useCallback(async () => {
    const [t, m, c, s] = await Promise.all([projectApi.tasks(projectId), projectApi.members(projectId), projectApi.config(projectId), projectApi.sample(projectId)]);
    setTasks(t.tasks);
    setMembers(m.members);
    setOversight(c.oversightModel);
    setRecorded(s.sample);
  }, [projectId]);

  useEffect(() => {
    load().catch((e: unknown) => setError(e));
  }, [load]);

  const nameOf = (userId: string | null) => (userId ? (members.find((m) => m.userId === userId)?.displayName ?? userId.slice(0, 8)) : '—');

  const createTasks = async () => {
    setBusy(true);
    setError(null);
    try {
      setCreated(await projectApi.createTasks(projectId));
      await load();
      onChanged();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const reassign = async (task: WorkflowTask) => {
    const assigneeId = choice[task.id];
    if (!assigneeId) return;
    setBusy(true);
    setError(null);
    setMoved(null);
    try {
      const result = await projectApi.reassign(task.id, assigneeId);
      await load();
      setChoice({ ...choice, [task.id]: '' });
      setMoved(`Task ${task.id.slice(0, 8)} moved to ${nameOf(result.assigneeId)}`);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const eligible = (task: WorkflowTask) => {
    const role = stageRole(task.stage, oversight);
    const author = task.reviewsTaskId ? tasks?.find((t) => t.id === task.reviewsTaskId)?.assigneeId : null;
    const readers = task.stage === 'annotate' ? new Set(tasks?.filter((t) => t.stage === 'annotate' && t.itemId === task.itemId).map((t) => t.assigneeId)) : new Set<string | null>();
    return members.filter((m) => !m.disabled && m.roles.includes(role) && m.userId !== task.assigneeId && m.userId !== author && !readers.has(m.userId));
  };

  const sampled = created?.sample.filter((s) => s.sampled) ?? [];
  return (
    <section data-testid="workflow-tasks">
      <h3>Workflow tasks</h3>
      <p className="muted">Creates annotation tasks for items past the de-identification gate that have none yet, drawing the agreement sample with the seed above.</p>
      <button onClick={() => void createTasks()} disabled={busy} data-testid="create-tasks">
        Create tasks
      </button>
      {created && (
        <div className="notice" data-testid="created-result">
          <span data-testid="created-count" data-value={created.created.length}>
            Created {created.created.length} task{created.created.length === 1 ? '' : 's'}
          </span>{' '}
          for {created.sample.length} item{created.sample.length === 1 ? '' : 's'};{' '}
          <span data-testid="sampled-count" data-value={sampled.length}>
            {sampled.length} drawn for agreement
          </span>
          {created.sample.length > 0 && (
            <>
              {' '}
              (seed {created.sample[0]!.seed}, batch {created.sample[0]!.batch}).
              <table className="data" data-testid="sample-table">
                <thead>
                  <tr>
                    <th>Position</th>
                    <th>Item</th>
                    <th>Sampled</th>
                    <th>Readers</th>
                  </tr>
                </thead>
                <tbody>
                  {created.sample.map((s) => (
                    <tr key={s.itemId}>
                      <td>{s.drawPosition}</td>
                      <td>
                        <code>{s.itemId.slice(0, 8)}</code>
                      </td>
                      <td>{s.sampled ? 'yes' : 'no'}</td>
                      <td>{s.readers}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          )}
        </div>
      )}
      <p className="muted" data-testid="recorded-sample" data-sampled={recorded.filter((r) => r.sampled).length} data-items={recorded.length}>
        Recorded agreement sample: {recorded.filter((r) => r.sampled).length} of {recorded.length} item{recorded.length === 1 ? '' : 's'} drawn
        {recorded.length > 0 ? ` (seeds ${[...new Set(recorded.map((r) => r.seed))].join(', ')}; ${new Set(recorded.map((r) => r.batch)).size} batch${new Set(recorded.map((r) => r.batch)).size === 1 ? '' : 'es'})` : ''}.
      </p>
      <ErrorBox error={error} />
      {moved && (
        <div className="notice" data-testid="reassigned">
          {moved}
        </div>
      )}
      {tasks?.length === 0 && <p>No workflow tasks yet.</p>}
      {tasks && tasks.length > 0 && (
        <table className="tasks" data-testid="workflow-task-list">
          <thead>
            <tr>
              <th>Task</th>
              <th>Item</th>
              <th>Stage</th>
              <th>Status</th>
              <th>Assignee</th>
              <th>Sample</th>
              <th>Rework</th>
              <th>Reassign to</th>
            </tr>
          </thead>
          <tbody>
            {tasks.map((t) => {
              const options = reassignable.has(t.status) ? eligible(t) : [];
              return (
                <tr key={t.id} data-testid="workflow-task" data-task-id={t.id} data-stage={t.stage} data-status={t.status}>
                  <td>
                    <code>{t.id.slice(0, 8)}</code>
                  </td>
                  <td>
                    <code>{t.itemId.slice(0, 8)}</code>
                  </td>
                  <td>{t.stage.replace('_', ' ')}</td>
                  <td>{t.status.replace('_', ' ')}</td>
                  <td data-testid="assignee">{nameOf(t.assigneeId)}</td>
                  <td>{t.sampled ? (t.blinded ? 'sampled, blinded' : 'sampled') : '—'}</td>
                  <td>{t.reworkCount}</td>
                  <td>
                    {reassignable.has(t.status) ? (
                      options.length > 0 ? (
                        <span style={{ display: 'flex', gap: 6 }}>
                          <select value={choice[t.id] ?? ''} onChange={(e) => setChoice({ ...choice, [t.id]: e.target.value })} data-testid="reassign-select" aria-label="Reassign to">
                            <option value="">choose…</option>
                            {options.map((m) => (
                              <option key={m.userId} value={m.userId}>
                                {m.displayName}
                              </option>
                            ))}
                          </select>
                          <button disabled={busy || !choice[t.id]} onClick={() => void reassign(t)} data-testid="reassign">
                            Reassign
                          </button>
                        </span>
                      ) : (
                        <span className="muted">nobody else eligible</span>
                      )
                    ) : (
                      ''
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
