import { expect, it } from 'vitest';
import { describeStore } from '../test/describe-store';
import { seedProject } from '../test/fixtures';
import { AccessRepository } from './repository';

const minute = 60_000;

describeStore('session holder (one query per authenticated request)', (getDb) => {
  it('reads the session with its user, memberships, qualifications, active break-glass and second factor, as stored now', async () => {
    const { db } = getDb();
    const seed = await seedProject(db);
    const repo = new AccessRepository(db);
    const now = new Date('2026-06-01T12:00:00Z');
    const session = await repo.createSession({ userId: seed.userId, tokenHash: 'a'.repeat(64), address: null, now, expiresAt: new Date(now.getTime() + 60 * minute), mfaVerified: false });
    expect(await repo.findSessionHolder('b'.repeat(64), now)).toBeUndefined();

    const bare = await repo.findSessionHolder('a'.repeat(64), now);
    expect(bare).toMatchObject({ session: { id: session.id, user_id: seed.userId }, user: { id: seed.userId, disabled: false }, memberships: [], qualifications: [], breakGlass: [], totpConfirmed: false });

    const membership = await repo.addMembership({ userId: seed.userId, projectId: seed.projectId, role: 'annotator', grantedBy: null, now });
    const validUntil = new Date('2027-01-01T00:00:00Z');
    await repo.addQualification({ userId: seed.userId, kind: 'radiologist', modality: 'CT', verifiedBy: null, validUntil, now });
    await repo.createBreakGlass({ userId: seed.userId, projectId: seed.projectId, role: 'reviewer', reason: 'Urgent clinical question on case', grantedAt: new Date(now.getTime() - minute), expiresAt: new Date(now.getTime() + minute) });
    await repo.createBreakGlass({ userId: seed.userId, projectId: seed.projectId, role: 'expert_reviewer', reason: 'Earlier urgent question, now over', grantedAt: new Date(now.getTime() - 10 * minute), expiresAt: new Date(now.getTime() - minute) });
    await repo.setPendingTotp(seed.userId, 'sealed-secret', now);
    const pending = await repo.findSessionHolder('a'.repeat(64), now);
    expect(pending).toMatchObject({
      memberships: [{ projectId: seed.projectId, role: 'annotator' }],
      qualifications: [{ kind: 'radiologist', modality: 'CT', validUntil }],
      breakGlass: [{ projectId: seed.projectId, role: 'reviewer' }],
      totpConfirmed: false,
    });
    expect(pending!.qualifications[0]!.validUntil).toBeInstanceOf(Date);
    expect(await repo.useTotpStep(seed.userId, 1, now)).toBe(true);
    expect((await repo.findSessionHolder('a'.repeat(64), now))!.totpConfirmed).toBe(true);

    // Nothing is cached: a membership removed or a session revoked shows in the very next read.
    await repo.removeMembership(membership.id);
    await repo.revokeSession(session.id, 'logout', now);
    const after = await repo.findSessionHolder('a'.repeat(64), now);
    expect(after!.memberships).toEqual([]);
    expect(after!.session.revoked_at).not.toBeNull();
  });
});
