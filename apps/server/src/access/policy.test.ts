import { describe, expect, it } from 'vitest';
import { authorize, mfaRequired, parsePolicyTable, policyTable, type Principal, type PolicyResource } from './policy';

const now = new Date('2026-06-01T12:00:00Z');
const P1 = '11111111-1111-4111-8111-111111111111';
const P2 = '22222222-2222-4222-8222-222222222222';
const HOSPITAL = '33333333-3333-4333-8333-333333333333';
const governance = { region: 'eu', ownerOrganisationId: HOSPITAL, requiredAgreements: null };
const item: Extract<PolicyResource, { kind: 'object' }> = { kind: 'object', type: 'item', id: 'i', projectId: P1, modality: 'CT', governance };
const otherItem: PolicyResource = { kind: 'object', type: 'item', id: 'j', projectId: P2, modality: 'CT', governance };

function user(overrides: Partial<Extract<Principal, { kind: 'user' }>> = {}): Principal {
  const organisation = { organisationId: HOSPITAL, admissions: [], agreements: [] };
  return { kind: 'user', userId: 'u', sessionId: 's', platformAdmin: false, mfa: 'verified', roles: [], qualifications: [], organisation, ...overrides };
}

describe('authorize', () => {
  it('lets anyone use public actions and asks everyone else to sign in', () => {
    expect(authorize({ kind: 'anonymous' }, 'system.health', { kind: 'none' }, now).allowed).toBe(true);
    expect(authorize({ kind: 'anonymous' }, 'item.read', item, now)).toMatchObject({ allowed: false, status: 401 });
    expect(authorize({ kind: 'anonymous' }, 'user.list', { kind: 'none' }, now)).toMatchObject({ allowed: false, status: 401 });
  });

  it('refuses unknown actions', () => {
    expect(authorize(user(), 'nothing.here', { kind: 'none' }, now)).toMatchObject({ allowed: false, status: 500, reason: 'unknown_action' });
  });

  it('allows a role in the object’s project, hides other projects as 404', () => {
    const annotator = user({ roles: [{ projectId: P1, role: 'annotator', viaBreakGlass: false }] });
    expect(authorize(annotator, 'item.read', item, now)).toEqual({ allowed: true, role: 'annotator', viaBreakGlass: false });
    expect(authorize(annotator, 'item.read', otherItem, now)).toMatchObject({ allowed: false, status: 404 });
    expect(authorize(annotator, 'item.read', { kind: 'missing', type: 'item' }, now)).toMatchObject({ allowed: false, status: 404 });
    expect(authorize(annotator, 'release.create', item, now)).toMatchObject({ allowed: false, status: 403, reason: 'role' });
  });

  it('gates task permissions on an unexpired qualification, with the clock', () => {
    const q = { kind: 'radiologist' as const, modality: 'CT' as const, validUntil: new Date('2026-07-01T00:00:00Z') };
    const expert = user({ roles: [{ projectId: P1, role: 'expert_reviewer', viaBreakGlass: false }], qualifications: [q] });
    expect(authorize(expert, 'expert_review.create', item, now).allowed).toBe(true);
    expect(authorize(expert, 'expert_review.create', item, new Date('2026-07-01T00:00:00Z'))).toMatchObject({ allowed: false, status: 403, reason: 'qualification' });
    // Modality must match for expert review.
    expect(authorize(expert, 'expert_review.create', { ...item, modality: 'MR' }, now)).toMatchObject({ allowed: false, reason: 'qualification' });
    // Reading project metadata needs no qualification.
    expect(authorize(expert, 'project.read', item, new Date('2027-01-01T00:00:00Z')).allowed).toBe(true);
  });

  it('holds users with MFA pending to session actions', () => {
    const pending = user({ mfa: 'pending', roles: [{ projectId: P1, role: 'annotator', viaBreakGlass: false }] });
    expect(authorize(pending, 'auth.mfa.verify', { kind: 'none' }, now).allowed).toBe(true);
    expect(authorize(pending, 'item.read', item, now)).toMatchObject({ allowed: false, status: 403, reason: 'mfa_required' });
    expect(authorize(user({ mfa: 'enrolment_required' }), 'project.list', { kind: 'none' }, now)).toMatchObject({ allowed: false, reason: 'mfa_required' });
  });

  it('gives platform admins platform actions and only the project actions the table names', () => {
    const admin = user({ platformAdmin: true });
    expect(authorize(admin, 'user.create', { kind: 'none' }, now)).toMatchObject({ allowed: true, role: 'platform_admin' });
    expect(authorize(user(), 'user.create', { kind: 'none' }, now)).toMatchObject({ allowed: false, status: 403 });
    expect(authorize(admin, 'project.read', item, now).allowed).toBe(true);
    expect(authorize(admin, 'image.read', item, now)).toMatchObject({ allowed: false, status: 403 });
  });

  it('refuses a member of another organisation without its agreements in force, naming what is missing, until the expiry instant', () => {
    const VENDOR = '44444444-4444-4444-8444-444444444444';
    const q = { kind: 'radiographer' as const, modality: null, validUntil: null };
    const dpa = { projectId: P1, kind: 'dpa', signedAt: new Date('2026-01-01T00:00:00Z'), expiresAt: new Date('2026-06-01T12:00:01Z'), identifiableUses: [], regions: ['eu'] };
    const vendor = (agreements: (typeof dpa)[]) =>
      user({
        roles: [{ projectId: P1, role: 'annotator', viaBreakGlass: false }],
        qualifications: [q],
        organisation: { organisationId: VENDOR, admissions: [{ projectId: P1, roles: ['annotator'] }], agreements },
      });
    // EU project: a DPA and a DUA by default.
    expect(authorize(vendor([]), 'image.read', item, now)).toMatchObject({ allowed: false, status: 403, reason: 'agreement', agreement: { problem: 'missing', kind: 'dpa' } });
    expect(authorize(vendor([dpa]), 'image.read', item, now)).toMatchObject({ agreement: { problem: 'missing', kind: 'dua' } });
    const dua = { ...dpa, kind: 'dua' };
    expect(authorize(vendor([dpa, dua]), 'image.read', item, now)).toMatchObject({ allowed: true, role: 'annotator' });
    // The instant of expiry ends access.
    expect(authorize(vendor([dpa, dua]), 'image.read', item, new Date('2026-06-01T12:00:01Z'))).toMatchObject({ agreement: { problem: 'expired', kind: 'dpa' } });
    // The project's own setting replaces the defaults.
    expect(authorize(vendor([dua]), 'image.read', { ...item, governance: { ...governance, requiredAgreements: ['dua'] } }, now).allowed).toBe(true);
    // Owning organisation: no agreement needed.
    expect(authorize(user({ roles: [{ projectId: P1, role: 'annotator', viaBreakGlass: false }], qualifications: [q] }), 'image.read', item, now).allowed).toBe(true);
  });

  it('marks roles held through break-glass', () => {
    const q = { kind: 'radiologist' as const, modality: null, validUntil: null };
    const bg = user({ roles: [{ projectId: P1, role: 'reviewer', viaBreakGlass: true }], qualifications: [q] });
    expect(authorize(bg, 'image.read', item, now)).toEqual({ allowed: true, role: 'reviewer', viaBreakGlass: true });
  });
});

describe('policy table', () => {
  it('requires MFA for every role that can see images', () => {
    const imageActions = Object.entries(policyTable.actions).filter(([name]) => name.startsWith('image.') || name === 'mask.read');
    expect(imageActions.length).toBeGreaterThan(0);
    for (const [, entry] of imageActions) for (const role of entry.roles) expect(policyTable.mfaRoles).toContain(role);
    expect(mfaRequired(policyTable, false, ['auditor'])).toBe(false);
    expect(mfaRequired(policyTable, false, ['annotator'])).toBe(true);
    expect(mfaRequired(policyTable, true, [])).toBe(true);
  });

  it('refuses a malformed table', () => {
    expect(() => parsePolicyTable({ mfaRoles: [], actions: { 'x.y': { scope: 'project', roles: ['wizard'] } } })).toThrow(/unknown role/);
    expect(() => parsePolicyTable({ mfaRoles: [], actions: { 'x.y': { scope: 'project' } } })).toThrow(/nobody/);
    expect(() => parsePolicyTable({ mfaRoles: [], actions: { 'x.y': { scope: 'user', audit: 'none' } } })).toThrow(/unaudited/);
  });
});

describe('any_project scope', () => {
  const table = parsePolicyTable({ mfaRoles: [], actions: { 'log.read': { scope: 'any_project', roles: ['auditor'], platformAdmin: true } } });
  const holding = (roles: Array<{ projectId: string; role: 'auditor' | 'annotator' }>, platformAdmin = false) =>
    user({ platformAdmin, roles: roles.map((r) => ({ ...r, viaBreakGlass: false })) });
  const at = now;
  it('allows a role held in any project, or a platform administrator, and nobody else', () => {
    expect(authorize(holding([{ projectId: P1, role: 'auditor' }]), 'log.read', { kind: 'none' }, at, table)).toMatchObject({ allowed: true, role: 'auditor' });
    expect(authorize(holding([], true), 'log.read', { kind: 'none' }, at, table)).toMatchObject({ allowed: true, role: 'platform_admin' });
    expect(authorize(holding([{ projectId: P2, role: 'annotator' }]), 'log.read', { kind: 'none' }, at, table)).toMatchObject({ allowed: false, status: 403 });
    expect(() => parsePolicyTable({ mfaRoles: [], actions: { 'x.y': { scope: 'any_project' } } })).toThrow(/nobody/);
  });
});
