import { openTestSession } from '../access';
import type { Harness } from './harness';

/**
 * Request headers that act as the given user: a real session (MFA satisfied) opened through the
 * access layer, with the annotator and reviewer roles in the seeded project and a qualification.
 */
export async function asUser(h: Harness, userId: string): Promise<Record<string, string>> {
  const { headers } = await openTestSession(h.server.app.accessRuntime, userId, {
    grant: { projectId: h.seeded.projectId, roles: ['annotator', 'reviewer'] },
  });
  return headers;
}
