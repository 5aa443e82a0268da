import { z } from 'zod';
import { Id, plainText, Timestamp } from './common';
import { Region, Role } from './vocabularies';

/**
 * Governance (issue 24): the organisations people work for and the agreements that let an
 * organisation's people into a project. One spelling of each vocabulary, as elsewhere.
 */

/** `platform_operator` is the organisation of the installation itself (every account starts there). */
export const organisationKinds = ['platform_operator', 'hospital', 'research_group', 'annotation_service', 'partner'] as const;
export const OrganisationKind = z.enum(organisationKinds);
export type OrganisationKind = z.infer<typeof OrganisationKind>;

/** Business associate agreement (HIPAA), data processing agreement (GDPR Art. 28), data use agreement. */
export const agreementKinds = ['baa', 'dpa', 'dua'] as const;
export const AgreementKind = z.enum(agreementKinds);
export type AgreementKind = z.infer<typeof AgreementKind>;

/** The ways an agreement may let its organisation see identifiable data. */
export const identifiableUses = ['quarantine_pixels', 'dicomweb_search', 'break_glass'] as const;
export const IdentifiableUse = z.enum(identifiableUses);
export type IdentifiableUse = z.infer<typeof IdentifiableUse>;

/** The organisation every account and project belonged to before organisations existed (migration 0850). */
export const platformOrganisationId = '00000000-0000-4000-8000-000000000001';

export const CreateOrganisationRequest = z.object({
  name: plainText(200).trim().min(1),
  kind: OrganisationKind.exclude(['platform_operator']),
});
export type CreateOrganisationRequest = z.infer<typeof CreateOrganisationRequest>;

export const RecordAgreementRequest = z
  .object({
    projectId: Id,
    organisationId: Id,
    kind: AgreementKind,
    /** The parties as named in the signed document. */
    parties: z.array(plainText(200).trim().min(1)).min(2).max(10),
    signedAt: Timestamp,
    /** Null: the agreement names no end date. */
    expiresAt: Timestamp.nullable(),
    identifiableUses: z.array(IdentifiableUse).max(identifiableUses.length).refine((u) => new Set(u).size === u.length, { message: 'duplicate use' }),
    /** Where the organisation may process the project's data. */
    regions: z.array(Region).min(1).max(10).refine((r) => new Set(r).size === r.length, { message: 'duplicate region' }),
  })
  .refine((a) => a.expiresAt === null || Date.parse(a.expiresAt) > Date.parse(a.signedAt), { message: 'the expiry must be after the signing', path: ['expiresAt'] });
export type RecordAgreementRequest = z.infer<typeof RecordAgreementRequest>;

/** A renewal: the same parties, scope and regions with new dates. */
export const RenewAgreementRequest = z
  .object({ signedAt: Timestamp, expiresAt: Timestamp.nullable() })
  .refine((a) => a.expiresAt === null || Date.parse(a.expiresAt) > Date.parse(a.signedAt), { message: 'the expiry must be after the signing', path: ['expiresAt'] });
export type RenewAgreementRequest = z.infer<typeof RenewAgreementRequest>;

export const AdmitOrganisationRequest = z.object({ roles: z.array(Role).min(1).max(7).refine((r) => new Set(r).size === r.length, { message: 'duplicate role' }) });
export type AdmitOrganisationRequest = z.infer<typeof AdmitOrganisationRequest>;

/** Null `requiredAgreements` means the defaults by the project's region (see docs/governance.md). */
export const ProjectGovernanceUpdate = z.object({
  ownerOrganisationId: Id.optional(),
  requiredAgreements: z.array(AgreementKind).max(3).refine((k) => new Set(k).size === k.length, { message: 'duplicate kind' }).nullable().optional(),
});
export type ProjectGovernanceUpdate = z.infer<typeof ProjectGovernanceUpdate>;

/**
 * The agreements an organisation other than the project's owner needs, by default: a BAA when
 * the project is US-regulated (region `us`), a DPA under the GDPR (regions `eu`, `uk`), a DUA always.
 */
export function defaultRequiredAgreements(region: Region | string): AgreementKind[] {
  return [...(region === 'us' ? (['baa'] as const) : []), ...(region === 'eu' || region === 'uk' ? (['dpa'] as const) : []), 'dua'];
}
