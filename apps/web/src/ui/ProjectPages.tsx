import type { Session } from '../api';

// Project pages (issue 7): the list of the caller's projects, the workflow configuration and
// the QA dashboard. Being built; each page names itself until then.

export function ProjectsPage(_props: { session: Session }) {
  return <div className="page" data-testid="projects-page"><h2>Projects</h2></div>;
}

export function ProjectSettingsPage(props: { session: Session; projectId: string }) {
  return <div className="page" data-testid="project-settings"><h2>Project configuration</h2><p>{props.projectId}</p></div>;
}

export function QualityDashboardPage(props: { session: Session; projectId: string }) {
  return <div className="page" data-testid="quality-dashboard"><h2>Quality</h2><p>{props.projectId}</p></div>;
}
