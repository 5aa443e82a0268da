import { expect, it } from 'vitest';
import { platformOrganisationId } from '@delineate/schema';
import { describeStore } from '../test/describe-store';
import { seedProject } from '../test/fixtures';
import { AgreementRepository } from './agreements';
import { OrganisationRepository } from './organisations';
import { AccessRepository } from './repository';
import { findSessionHolder } from './session-holder';

const day = 86_400_000;

describeStore('organisations and agreements', (getDb) => {
  it('puts accounts and projects that name no organisation in the platform’s own, which owns them', async () => {
    const { db } = getDb();
    const seed = await seedProject(db);
    const organisations = new OrganisationRepository(db);
    expect((await organisations.list()).find((o) => o.id === platformOrganisationId)).toMatchObject({ name: 'Delineate platform', kind: 'platform_operator' });
    expect((await organisations.standingOf(seed.userId))!.organisationId).toBe(platformOrganisationId);
    expect(await organisations.projectGovernance(seed.projectId)).toMatchObject({ ownerOrganisationId: platformOrganisationId, requiredAgreements: null, admitted: [] });
  });

  it('gives a session the standing of its organisation, in the one session query', async () => {
    const { db } = getDb();
    const seed = await seedProject(db);
    const other = await seedProject(db, '-b');
    const now = new Date('2026-06-01T00:00:00Z');
    const access = new AccessRepository(db);
    const organisations = new OrganisationRepository(db);
    const agreements = new AgreementRepository(db);
    const service = await organisations.create({ name: 'Service', kind: 'annotation_service', now });
    await expect(organisations.create({ name: 'SERVICE', kind: 'partner', now })).rejects.toMatchObject({ code: 'DLN_ORGANISATION_NAME_TAKEN' });
    await organisations.setUserOrganisation(seed.userId, service.id);
    await access.addMembership({ userId: seed.userId, projectId: seed.projectId, role: 'annotator', grantedBy: null, now });
    for (const projectId of [seed.projectId, other.projectId]) {
      await organisations.admit({ projectId, organisationId: service.id, roles: ['annotator'], admittedBy: null, now });
      await agreements.record({ projectId, organisationId: service.id, kind: 'dua', parties: ['H', 'S'], signedAt: now, expiresAt: new Date(now.getTime() + 30 * day), identifiableUses: [], regions: ['local'], recordedBy: null, now });
    }
    await access.createSession({ userId: seed.userId, tokenHash: 'h'.repeat(64), address: null, now, expiresAt: new Date(now.getTime() + day), mfaVerified: true });
    const holder = (await findSessionHolder(db, 'h'.repeat(64), now))!;
    expect(holder.organisation.organisationId).toBe(service.id);
    const byProject = <T extends { projectId: string }>(list: readonly T[]) => [...list].sort((a, b) => a.projectId.localeCompare(b.projectId));
    const projects = [seed.projectId, other.projectId].sort();
    expect(byProject(holder.organisation.admissions)).toEqual(projects.map((projectId) => ({ projectId, roles: ['annotator'] })));
    expect(byProject(holder.organisation.agreements)).toEqual(
      projects.map((projectId) => ({ projectId, kind: 'dua', signedAt: now, expiresAt: new Date(now.getTime() + 30 * day), identifiableUses: [], regions: ['local'] })),
    );
    const standing = (await organisations.standingOf(seed.userId))!;
    expect({ ...standing, admissions: byProject(standing.admissions), agreements: byProject(standing.agreements) }).toEqual({
      ...holder.organisation,
      admissions: byProject(holder.organisation.admissions),
      agreements: byProject(holder.organisation.agreements),
    });
  });

  it('lists agreements ending within the window until they are renewed; a renewal keeps the old record', async () => {
    const { db } = getDb();
    const seed = await seedProject(db);
    const now = new Date('2026-06-01T00:00:00Z');
    const organisations = new OrganisationRepository(db);
    const agreements = new AgreementRepository(db);
    const service = await organisations.create({ name: 'Lab', kind: 'research_group', now });
    const base = { projectId: seed.projectId, organisationId: service.id, parties: ['H', 'L'], signedAt: now, identifiableUses: [], regions: ['eu' as const], recordedBy: null, now };
    const soon = await agreements.record({ ...base, kind: 'dpa', expiresAt: new Date(now.getTime() + 59 * day) });
    await agreements.record({ ...base, kind: 'dua', expiresAt: new Date(now.getTime() + 61 * day) });
    await agreements.record({ ...base, kind: 'baa', expiresAt: null });
    expect((await agreements.expiring(now, 60)).map((a) => a.id)).toEqual([soon.id]);
    expect(await agreements.expiring(now, 60, [])).toEqual([]);
    const renewal = await agreements.renew(soon.id, { signedAt: now, expiresAt: new Date(now.getTime() + 400 * day), recordedBy: null, now });
    expect(renewal).toMatchObject({ renewsId: soon.id, kind: 'dpa', parties: ['H', 'L'], regions: ['eu'], status: 'in_force', renewed: false });
    expect(await agreements.expiring(now, 60)).toEqual([]);
    expect((await agreements.get(soon.id, new Date(now.getTime() + 59 * day)))!).toMatchObject({ status: 'expired', renewed: true });
    expect((await agreements.get(soon.id, new Date(now.getTime() - 1)))!.status).toBe('not_yet_in_force');
  });
});
