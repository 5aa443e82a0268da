import { getRouteApi, Link } from '@tanstack/react-router';
import { useProjectSummary } from '../data/projects';
import { useMyQuarantine, useProjectQuarantine, type QuarantinedFile } from '../data/quarantine';
import { QueryError } from '../ui/ErrorBox';
import { QuarantineRecordView } from './QuarantineRecordView';
import { shortReason } from './quarantine-words';

const when = (iso: string) => new Date(iso).toLocaleString();

/** Where a held file came from: its upload or ingest run, in words. */
function batchWords(file: QuarantinedFile): string {
  if (!file.batch) return 'an earlier ingest';
  return `the batch of ${when(file.batch.startedAt)} (${file.batch.files} file${file.batch.files === 1 ? '' : 's'})`;
}

function counts(files: readonly QuarantinedFile[]): string {
  const releasing = files.filter((f) => f.state === 'releasing').length;
  const held = files.length - releasing;
  return `${held} file${held === 1 ? '' : 's'} held${releasing ? `, ${releasing} being released` : ''}`;
}

/** The queue as a table, oldest first; each row opens the file in its project's quarantine page. */
function QueueTable({ files, showProject, selected }: { files: readonly QuarantinedFile[]; showProject: boolean; selected?: string }) {
  if (files.length === 0) return <p data-testid="quarantine-empty">Nothing is held in quarantine.</p>;
  return (
    <table className="tasks" data-testid="quarantine-list">
      <caption className="muted" style={{ textAlign: 'left' }}>
        Files held by the de-identification gate, oldest first
      </caption>
      <thead>
        <tr>
          <th scope="col">File</th>
          {showProject && <th scope="col">Project</th>}
          <th scope="col">Why it is held</th>
          <th scope="col">Received</th>
          <th scope="col">From</th>
          <th scope="col" />
        </tr>
      </thead>
      <tbody>
        {files.map((f, i) => (
          <tr key={f.id} data-testid="quarantine-row" data-record={f.id} aria-current={f.id === selected ? 'true' : undefined} style={f.id === selected ? { fontWeight: 'bold' } : undefined}>
            <td>Held file {i + 1}</td>
            {showProject && <td>{f.projectName}</td>}
            <td data-testid="quarantine-reason">{shortReason(f.findings)}</td>
            <td>{when(f.createdAt)}</td>
            <td>{batchWords(f)}</td>
            <td>
              {f.state === 'releasing' ? (
                <span>Being released</span>
              ) : (
                <Link to="/projects/$projectId/quarantine" params={{ projectId: f.projectId }} search={{ record: f.id }} data-testid="open-held-file">
                  Review
                </Link>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** `/steward`: the steward's queue across every project where they are a data steward. */
export function StewardPage() {
  const queue = useMyQuarantine();
  const files = queue.data?.files ?? [];
  return (
    <div className="page config" data-testid="steward-page">
      <h2>Quarantine</h2>
      <QueryError queries={[queue]} />
      {queue.isPending && <p>Loading…</p>}
      {queue.data && (
        <p className="muted" data-testid="quarantine-counts">
          {counts(files)} in {queue.data.projects} project{queue.data.projects === 1 ? '' : 's'} where you are the data steward.
        </p>
      )}
      {queue.data && <QueueTable files={files} showProject />}
    </div>
  );
}

const projectRoute = getRouteApi('/projects/$projectId/quarantine');

/** `/projects/$projectId/quarantine`: one project's queue; `?record=` opens one held file below it. */
export function ProjectQuarantinePage() {
  const { projectId } = projectRoute.useParams();
  const { record } = projectRoute.useSearch();
  const queue = useProjectQuarantine(projectId);
  const project = useProjectSummary(projectId);
  const files = queue.data ?? [];
  return (
    <div className="page" data-testid="project-quarantine-page">
      <h2>Quarantine{project.data ? ` of ${project.data.name}` : ''}</h2>
      <p className="muted">
        <Link to="/steward">All my projects</Link>
        {queue.data && <span data-testid="quarantine-counts"> · {counts(files)}</span>}
      </p>
      <QueryError queries={[queue]} />
      {queue.isPending && <p>Loading…</p>}
      {queue.data && <QueueTable files={files} showProject={false} {...(record ? { selected: record } : {})} />}
      {record && <QuarantineRecordView key={record} recordId={record} />}
    </div>
  );
}
