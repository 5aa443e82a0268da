import { Link } from '@tanstack/react-router';
import { useProjects } from '../data/projects';
import { useSignedInSession } from '../data/session';
import { qualityRoles } from '../project-api';
import { QueryError } from '../ui/ErrorBox';
import { oversightText, roleNames } from './project-words';
import { uploadRoles } from './UploadPage';
import '../ui/project-styles.css';

/** The caller's projects with links to the configuration and the QA dashboard. */
export function ProjectsPage() {
  const session = useSignedInSession();
  const projects = useProjects();
  return (
    <div className="page" data-testid="projects-page">
      <h2>Projects</h2>
      <QueryError queries={[projects]} />
      {projects.isPending && <p>Loading…</p>}
      {projects.data?.length === 0 && <p>You hold no role in any project.</p>}
      {projects.data && projects.data.length > 0 && (
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
            {projects.data.map((p) => {
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
                      <Link to="/projects/$projectId/settings" params={{ projectId: p.id }} data-testid="open-settings">
                        {admin ? 'Configuration' : 'Configuration (read only)'}
                      </Link>
                    )}
                    {p.roles.some((r) => uploadRoles.includes(r)) && (
                      <Link to="/projects/$projectId/upload" params={{ projectId: p.id }} data-testid="open-upload">
                        Upload images
                      </Link>
                    )}
                    {quality && (
                      <Link to="/projects/$projectId/quality" params={{ projectId: p.id }} data-testid="open-quality">
                        Quality
                      </Link>
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
