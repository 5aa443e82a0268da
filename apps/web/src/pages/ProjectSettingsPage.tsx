import { getRouteApi, Link } from '@tanstack/react-router';
import { useState } from 'react';
import { useDocumentChoices, useProjectSummary, useWorkflowConfig } from '../data/projects';
import { useSignedInSession } from '../data/session';
import { QueryError } from '../ui/ErrorBox';
import { ConfigForm } from './ConfigForm';
import { isProjectAdmin } from './project-words';
import { WorkflowTasks } from './WorkflowTasks';
import '../ui/project-styles.css';
import { ExpiringAgreementsBanner } from './OrganisationsBanner';

const route = getRouteApi('/projects/$projectId/settings');

/** The workflow configuration (project administrators edit; other members read), task creation and reassignment. */
export function ProjectSettingsPage() {
  const session = useSignedInSession();
  const { projectId } = route.useParams();
  const summary = useProjectSummary(projectId);
  const config = useWorkflowConfig(projectId);
  const documents = useDocumentChoices(projectId);
  // Bumped to start the form again from the stored configuration (after a save or a reload).
  const [formGeneration, setFormGeneration] = useState(0);
  const [saved, setSaved] = useState<string | null>(null);
  const canEdit = isProjectAdmin(session, projectId) || session.platformAdmin;

  const queries = [summary, config, documents];
  if (queries.some((q) => q.error)) {
    return (
      <div className="page" data-testid="project-settings">
        <h2>Project configuration</h2>
        <QueryError queries={queries} />
      </div>
    );
  }
  if (!summary.data || !config.data || !documents.data) return <div className="page" data-testid="project-settings">Loading…</div>;

  const reload = async () => {
    setSaved(null);
    await Promise.all(queries.map((q) => q.refetch()));
    setFormGeneration((g) => g + 1);
  };

  const s = summary.data;
  return (
    <div className="page config" data-testid="project-settings">
      <h2>
        Project configuration: <span data-testid="project-name">{s.name}</span>
      </h2>
      <ExpiringAgreementsBanner projectId={projectId} />
      <p className="muted">
        {s.modality} · {s.tasks.annotate} annotation, {s.tasks.review} review and {s.tasks.expert_review} expert-review tasks ·{' '}
        <Link to="/projects/$projectId/quality" params={{ projectId }}>
          Quality dashboard
        </Link>{' '}
        ·{' '}
        <Link to="/projects/$projectId/releases" params={{ projectId }} data-testid="open-releases">
          Releases
        </Link>{' '}
        ·{' '}
        <Link to="/projects/$projectId/pacs" params={{ projectId }} data-testid="open-pacs">
          PACS
        </Link>{' '}
        ·{' '}
        <Link to="/projects/$projectId/label-schema" params={{ projectId }} data-testid="open-label-schema">
          Label schema
        </Link>{' '}
        · <Link to="/projects">All projects</Link>
      </p>
      {!canEdit && (
        <div className="notice" data-testid="read-only">
          You can read this configuration; only a project administrator can change it.
        </div>
      )}
      {s.frozen && (
        <div className="notice" data-testid="frozen-note">
          Workflow tasks exist: the oversight model and the pinned label-schema and review-protocol versions can no longer change (the server refuses). Sampling, expert-review rules,
          thresholds and seed still can.
        </div>
      )}
      <ConfigForm
        key={formGeneration}
        projectId={projectId}
        stored={config.data}
        documents={documents.data}
        canEdit={canEdit}
        saved={saved}
        onSaved={() => {
          setFormGeneration((g) => g + 1);
          setSaved(`Saved at ${new Date().toLocaleTimeString()}`);
        }}
        onReload={() => void reload()}
        onEdit={() => setSaved(null)}
      />
      {isProjectAdmin(session, projectId) && <WorkflowTasks projectId={projectId} />}
    </div>
  );
}
