import { expect, it } from 'vitest';
import { DelineateError, platformOrganisationId } from '@delineate/schema';
import { AuditLog } from '../audit/log';
import { describeStore } from '../test/describe-store';
import { seedProject } from '../test/fixtures';
import { AccessRepository } from './repository';
import { resolveObjectOwner } from './resolve';
import { assertResidency, assertWorkerMayClaim, residencyProblems, TransferRepository } from './residency';
import { AccessReviewRepository } from './review';

const day = 86_400_000;

async function code(promise: Promise<unknown>): Promise<string | undefined> {
  return promise.then(
    () => undefined,
    (e: unknown) => (e instanceof DelineateError ? e.code : String(e)),
  );
}

describeStore('access repositories', (getDb) => {
  it('lists members with roles, qualifications, last access and accesses in the period; flags an overdue review', async () => {
    const { db } = getDb();
    const seed = await seedProject(db);
    const repo = new AccessRepository(db);
    const reviews = new AccessReviewRepository(db);
    const now = new Date('2026-06-01T00:00:00Z');
    const m1 = await repo.addMembership({ userId: seed.userId, projectId: seed.projectId, role: 'annotator', grantedBy: null, now: new Date(now.getTime() - 200 * day) });
    const m2 = await repo.addMembership({ userId: seed.otherUserId, projectId: seed.projectId, role: 'reviewer', grantedBy: seed.userId, now: new Date(now.getTime() - 10 * day) });
    await repo.addQualification({ userId: seed.otherUserId, kind: 'radiologist', modality: 'CT', verifiedBy: null, validUntil: new Date(now.getTime() - day), now });
    let t = now.getTime() - 120 * day;
    const audit = new AuditLog(db, { now: () => new Date(t) });
    const read = { role: 'annotator' as const, sessionId: 's', address: null, action: 'item.read', objectType: 'item', objectId: seed.itemId, projectId: seed.projectId, subjectPseudonym: null, purpose: null, outcome: 'success' as const };
    await audit.append({ ...read, actorId: seed.userId }); // outside the 90-day period
    t = now.getTime() - 5 * day;
    await audit.append({ ...read, actorId: seed.userId, action: 'image.tile.read', count: 40 });
    await audit.append({ ...read, actorId: seed.userId, outcome: 'denied' });

    const review = await reviews.review(seed.projectId, now, { periodDays: 90, intervalDays: 90 });
    expect(review.overdue).toBe(true);
    const annotator = review.members.find((m) => m.userId === seed.userId)!;
    expect(annotator.grants.map((g) => g.role)).toEqual(['annotator']);
    expect(annotator.accessesInPeriod).toBe(40);
    expect(annotator.lastAccess).toBe(new Date(now.getTime() - 5 * day).toISOString());
    const reviewer = review.members.find((m) => m.userId === seed.otherUserId)!;
    expect(reviewer.qualifications).toEqual([{ kind: 'radiologist', modality: 'CT', validUntil: new Date(now.getTime() - day).toISOString(), expired: true }]);
    expect(reviewer.accessesInPeriod).toBe(0);
    expect(reviewer.lastAccess).toBeNull();

    const result = await reviews.attest(seed.projectId, seed.userId, [{ membershipId: m1.id, decision: 'attest' }, { membershipId: m2.id, decision: 'revoke' }], now);
    expect(result.revoked).toEqual([m2.id]);
    const after = await reviews.review(seed.projectId, new Date(now.getTime() + day), { periodDays: 90, intervalDays: 90 });
    expect(after.overdue).toBe(false);
    expect(after.members.map((m) => m.userId)).toEqual([seed.userId]);
    expect(after.members[0]!.grants[0]!.lastDecision).toMatchObject({ decision: 'attest', decidedBy: seed.userId });
    expect((await reviews.review(seed.projectId, new Date(now.getTime() + 91 * day), { periodDays: 90, intervalDays: 90 })).overdue).toBe(true);

    const other = await seedProject(db, '-b');
    const foreign = await repo.addMembership({ userId: seed.userId, projectId: other.projectId, role: 'auditor', grantedBy: null, now });
    expect(await code(reviews.attest(seed.projectId, seed.userId, [{ membershipId: foreign.id, decision: 'revoke' }], now))).toBe('DLN_REQUEST_INVALID');
  });

  it('keeps break-glass grants to at most four hours and ends them with the clock', async () => {
    const { db } = getDb();
    const seed = await seedProject(db);
    const repo = new AccessRepository(db);
    const now = new Date('2026-06-01T08:00:00Z');
    const grant = { userId: seed.userId, projectId: seed.projectId, role: 'reviewer', reason: 'Urgent clinical question on case', grantedAt: now };
    expect(await code(repo.createBreakGlass({ ...grant, expiresAt: new Date(now.getTime() + 4 * 3_600_000 + 1000) }))).toBeDefined();
    expect(await code(repo.createBreakGlass({ ...grant, reason: 'short', expiresAt: new Date(now.getTime() + 3_600_000) }))).toBeDefined();
    await repo.createBreakGlass({ ...grant, expiresAt: new Date(now.getTime() + 2 * 3_600_000) });
    expect(await repo.activeBreakGlass(seed.userId, new Date(now.getTime() + 3_600_000))).toHaveLength(1);
    expect(await repo.activeBreakGlass(seed.userId, new Date(now.getTime() + 2 * 3_600_000))).toHaveLength(0);
  });

  it('refuses storage outside a project’s region, foreign workers and exports without a transfer basis', async () => {
    const { db } = getDb();
    const seed = await seedProject(db);
    await assertResidency(db, { database: 'local', blobStores: ['local'] });
    expect(await code(assertResidency(db, { database: 'local', blobStores: ['eu'] }))).toBe('DLN_REGION_MISMATCH');
    expect(await code(assertResidency(db, { database: 'us', blobStores: ['local'] }))).toBe('DLN_REGION_MISMATCH');
    expect(residencyProblems([{ id: 'p', region: 'eu' }], { database: 'eu', blobStores: ['eu', 'us'] })).toEqual([
      { projectId: 'p', projectRegion: 'eu', store: 'blob_store', storeRegion: 'us' },
    ]);
    expect(() => assertWorkerMayClaim('us', 'eu')).toThrow(DelineateError);
    expect(() => assertWorkerMayClaim('eu', 'eu')).not.toThrow();

    const transfers = new TransferRepository(db);
    const now = new Date('2026-06-01T00:00:00Z');
    expect(await transfers.assertExportAllowed(seed.projectId, 'local', now)).toBeUndefined();
    expect(await code(transfers.assertExportAllowed(seed.projectId, 'us', now))).toBe('DLN_REGION_MISMATCH');
    await transfers.record({ projectId: seed.projectId, destinationRegion: 'us', basis: 'art46_standard_contractual_clauses', description: 'SCC with the reading centre', recordedBy: seed.userId, validUntil: new Date(now.getTime() + day), now });
    expect((await transfers.assertExportAllowed(seed.projectId, 'us', now))?.basis).toBe('art46_standard_contractual_clauses');
    expect(await code(transfers.assertExportAllowed(seed.projectId, 'us', new Date(now.getTime() + 2 * day)))).toBe('DLN_REGION_MISMATCH');
    expect(await code(transfers.assertExportAllowed(seed.projectId, 'eu', now))).toBe('DLN_REGION_MISMATCH');
  });

  it('resolves the project that owns an object, and nothing for ids of another type', async () => {
    const { db } = getDb();
    const seed = await seedProject(db);
    // With the project's governance for the policy's agreement check (issue 24).
    const governance = { region: expect.any(String), ownerOrganisationId: platformOrganisationId, requiredAgreements: null };
    expect(await resolveObjectOwner(db, 'item', seed.itemId)).toEqual({ projectId: seed.projectId, modality: 'CT', subjectPseudonym: expect.any(String), governance });
    expect(await resolveObjectOwner(db, 'project', seed.projectId)).toEqual({ projectId: seed.projectId, modality: 'CT', subjectPseudonym: null, governance });
    expect(await resolveObjectOwner(db, 'annotation', seed.itemId)).toBeUndefined();
    expect(await resolveObjectOwner(db, 'item', 'not-a-uuid')).toBeUndefined();
    expect(await resolveObjectOwner(db, 'unknown', seed.itemId)).toBeUndefined();
  });
});
