import type { Session } from '../api';
import { viewers } from '../viewers';
import { WorkspaceShell } from '../workspace/WorkspaceShell';

/**
 * The annotation workspace of an item: the shared shell (src/workspace/) with the viewer
 * registered for the item's kind (src/viewers/). See docs/web-workspace.md.
 */
export function Workspace(props: { session: Session; itemId: string; taskId: string | null; annotationId: string | null }) {
  return <WorkspaceShell {...props} viewers={viewers} />;
}
