import type { Session } from '../api';

/** Roles whose work is tasks: they land on their work list. */
const workRoles = new Set(['annotator', 'clinician_annotator', 'reviewer', 'expert_reviewer']);

/**
 * Where a person lands after signing in: the page with their work. Someone with tasks to do
 * gets the work list first (work waits on them); then a project administrator their project,
 * a data steward the quarantine, an auditor the audit log, a platform administrator the
 * administration. One function, so every role's landing is decided (and tested) in one place.
 */
export function landingPath(session: Pick<Session, 'platformAdmin' | 'roles'>): string {
  const held = session.roles.filter((r) => !r.viaBreakGlass);
  if (held.some((r) => workRoles.has(r.role))) return '/';
  const admin = held.find((r) => r.role === 'project_admin');
  if (admin) return `/projects/${admin.projectId}/settings`;
  if (held.some((r) => r.role === 'data_steward')) return '/steward';
  if (held.some((r) => r.role === 'auditor')) return '/audit';
  if (session.platformAdmin) return '/admin';
  return '/';
}
