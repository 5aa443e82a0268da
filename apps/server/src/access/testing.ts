import type { Role } from '@delineate/schema';
import type { AccessRuntime } from './plugin';
import { newSessionToken, sha256Hex } from './tokens';

/**
 * Test support: a session for a user without going through password and TOTP (tests of the
 * login itself use the real routes). Optionally grants project roles with a valid qualification
 * that satisfies every role's requirement.
 */
export async function openTestSession(
  runtime: AccessRuntime,
  userId: string,
  options: { mfaVerified?: boolean; grant?: { projectId: string; roles: readonly Role[] } } = {},
): Promise<{ token: string; headers: Record<string, string> }> {
  const now = runtime.now();
  if (options.grant) {
    const held = await runtime.repo.membershipsOfUser(userId);
    for (const role of options.grant.roles) {
      if (!held.some((m) => m.project_id === options.grant!.projectId && m.role === role)) {
        await runtime.repo.addMembership({ userId, projectId: options.grant.projectId, role, grantedBy: null, now });
      }
    }
    if ((await runtime.repo.qualificationsOfUser(userId)).length === 0) {
      await runtime.repo.addQualification({ userId, kind: 'radiologist', modality: null, verifiedBy: null, validUntil: null, now });
    }
  }
  const token = newSessionToken();
  await runtime.repo.createSession({
    userId,
    tokenHash: sha256Hex(token),
    address: '127.0.0.1',
    now,
    expiresAt: new Date(now.getTime() + runtime.settings.absoluteTimeoutMs),
    mfaVerified: options.mfaVerified ?? true,
  });
  return { token, headers: { authorization: `Bearer ${token}` } };
}
