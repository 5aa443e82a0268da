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

  it('answers lookups that wait together from one query, each as stored when it ran and at its own time', async () => {
    const { db, kind } = getDb();
    const seed = await seedProject(db);
    let queries = 0;
    const repo = new AccessRepository(
      db.withPlugin({
        transformQuery: (args) => {
          queries++;
          return args.node;
        },
        transformResult: async (args) => args.result,
      }),
    );
    const admin = new AccessRepository(db);
    const now = new Date('2026-06-01T12:00:00Z');
    const expiresAt = new Date(now.getTime() + 60 * minute);
    const kept = await admin.createSession({ userId: seed.userId, tokenHash: 'c'.repeat(64), address: null, now, expiresAt, mfaVerified: false });
    const revoked = await admin.createSession({ userId: seed.userId, tokenHash: 'd'.repeat(64), address: null, now, expiresAt, mfaVerified: false });
    // A break-glass grant ending between two requests' times: the earlier one has it, the later one not.
    await admin.createBreakGlass({ userId: seed.userId, projectId: seed.projectId, role: 'reviewer', reason: 'Urgent clinical question on case', grantedAt: new Date(now.getTime() - minute), expiresAt: new Date(now.getTime() + minute) });

    // Another statement holds the one connection while a revocation and then the lookups arrive, as under load.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let held!: () => void;
    const holding = new Promise<void>((resolve) => (held = resolve));
    const holder = db.connection().execute(async () => {
      held();
      await gate;
    });
    await holding;
    const revoke = admin.revokeSession(revoked.id, 'logout', now);
    // PostgreSQL's pool runs the revocation at once on another connection, beside the lookups
    // unless it is awaited; on PGlite's one connection it queues before them.
    if (kind === 'postgres') await revoke;
    const lookups = Promise.all([
      repo.findSessionHolder('c'.repeat(64), now),
      repo.findSessionHolder('d'.repeat(64), now),
      repo.findSessionHolder('e'.repeat(64), now),
      repo.findSessionHolder('c'.repeat(64), new Date(now.getTime() + 2 * minute)),
    ]);
    release();
    await Promise.all([holder, revoke]);
    const [first, second, missing, later] = await lookups;
    expect(queries).toBe(1);
    expect(first).toMatchObject({ session: { id: kept.id, revoked_at: null }, breakGlass: [{ projectId: seed.projectId, role: 'reviewer' }] });
    // The revocation came before the lookups: grouped, they still see it.
    expect(second!.session.id).toBe(revoked.id);
    expect(second!.session.revoked_at).not.toBeNull();
    expect(missing).toBeUndefined();
    expect(later).toMatchObject({ session: { id: kept.id }, breakGlass: [] });
  });
});
