import { describe, expect, it } from 'vitest';
import { agreementError, agreementRefusal, requiredAgreementKinds, type PrincipalAgreement } from './agreement-policy';

const now = new Date('2026-06-01T12:00:00Z');
const project = { projectId: 'p1', region: 'us', ownerOrganisationId: 'hospital', requiredAgreements: null };
const signed = new Date('2026-01-01T00:00:00Z');
const until = new Date('2027-01-01T00:00:00Z');
const agreement = (kind: string, extra: Partial<PrincipalAgreement> = {}): PrincipalAgreement => ({ projectId: 'p1', kind, signedAt: signed, expiresAt: until, identifiableUses: [], regions: ['us'], ...extra });
const vendor = (agreements: PrincipalAgreement[], roles = ['annotator', 'data_steward']) => ({ organisationId: 'vendor', admissions: [{ projectId: 'p1', roles }], agreements });

describe('agreementRefusal', () => {
  it('asks a BAA of a US project, a DPA of an EU or UK one, and a DUA always; the owner nothing', () => {
    expect(requiredAgreementKinds(project)).toEqual(['baa', 'dua']);
    expect(requiredAgreementKinds({ ...project, region: 'eu' })).toEqual(['dpa', 'dua']);
    expect(requiredAgreementKinds({ ...project, region: 'uk' })).toEqual(['dpa', 'dua']);
    expect(requiredAgreementKinds({ ...project, region: 'local' })).toEqual(['dua']);
    expect(requiredAgreementKinds({ ...project, requiredAgreements: [] })).toEqual([]);
    expect(agreementRefusal({ organisationId: 'hospital', admissions: [], agreements: [] }, project, 'annotator', 'dicomweb_search', now)).toBeNull();
  });

  it('refuses an organisation not admitted in the role', () => {
    expect(agreementRefusal({ organisationId: 'vendor', admissions: [], agreements: [] }, project, 'annotator', null, now)).toEqual({ problem: 'not_admitted', kind: null });
    expect(agreementRefusal(vendor([agreement('baa'), agreement('dua')], ['reviewer']), project, 'annotator', null, now)).toEqual({ problem: 'not_admitted', kind: null });
  });

  it('names the missing, expired, out-of-region or out-of-scope agreement', () => {
    expect(agreementRefusal(vendor([agreement('dua')]), project, 'annotator', null, now)).toEqual({ problem: 'missing', kind: 'baa' });
    // Signed in the future is not yet in force.
    expect(agreementRefusal(vendor([agreement('baa', { signedAt: new Date('2026-07-01T00:00:00Z') }), agreement('dua')]), project, 'annotator', null, now)).toEqual({ problem: 'missing', kind: 'baa' });
    expect(agreementRefusal(vendor([agreement('baa', { expiresAt: now }), agreement('dua')]), project, 'annotator', null, now)).toEqual({ problem: 'expired', kind: 'baa' });
    // An expired one beside its renewal: the renewal counts.
    expect(agreementRefusal(vendor([agreement('baa', { expiresAt: now }), agreement('baa'), agreement('dua')]), project, 'annotator', null, now)).toBeNull();
    expect(agreementRefusal(vendor([agreement('baa', { regions: ['eu'] }), agreement('dua')]), project, 'annotator', null, now)).toEqual({ problem: 'region', kind: 'baa' });
    expect(agreementRefusal(vendor([agreement('baa'), agreement('dua')]), project, 'data_steward', 'quarantine_pixels', now)).toEqual({ problem: 'scope', kind: 'baa' });
    const both = vendor([agreement('baa', { identifiableUses: ['quarantine_pixels'] }), agreement('dua', { identifiableUses: ['quarantine_pixels'] })]);
    expect(agreementRefusal(both, project, 'data_steward', 'quarantine_pixels', now)).toBeNull();
    expect(agreementRefusal(both, project, 'data_steward', 'break_glass', now)).toEqual({ problem: 'scope', kind: 'baa' });
    // A project requiring nothing still needs an agreement allowing identifiable data.
    const none = { ...project, requiredAgreements: [] };
    expect(agreementRefusal(vendor([]), none, 'annotator', null, now)).toBeNull();
    expect(agreementRefusal(vendor([]), none, 'data_steward', 'dicomweb_search', now)).toEqual({ problem: 'scope', kind: null });
  });

  it('words each refusal with its code, naming the agreement and nothing of the record', () => {
    expect(agreementError({ problem: 'missing', kind: 'baa' })).toMatchObject({ code: 'DLN_ACCESS_AGREEMENT_MISSING', status: 403, message: 'Your organisation has no business associate agreement (HIPAA) in force for this project' });
    expect(agreementError({ problem: 'expired', kind: 'dua' }).code).toBe('DLN_ACCESS_AGREEMENT_EXPIRED');
    expect(agreementError({ problem: 'expired', kind: 'dua' }).message).toContain('data use agreement');
    expect(agreementError({ problem: 'scope', kind: 'dpa' }).code).toBe('DLN_ACCESS_AGREEMENT_SCOPE');
    expect(agreementError({ problem: 'region', kind: 'dpa' }).code).toBe('DLN_ACCESS_AGREEMENT_REGION');
    expect(agreementError({ problem: 'not_admitted', kind: null }).code).toBe('DLN_ACCESS_ORGANISATION_NOT_ADMITTED');
  });
});
