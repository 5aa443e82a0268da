import type { OrganisationStanding, StandingAgreement } from '@delineate/store';
import { DelineateError, defaultRequiredAgreements, exhaustiveSwitchError, type AgreementKind, type IdentifiableUse } from '@delineate/schema';

/**
 * The agreement part of the one policy function (issue 24, docs/governance.md). Pure: the
 * principal's organisation standing comes with the session (one query), the project's governance
 * with the resolved object. The project's owning organisation needs no agreement; any other
 * organisation must be admitted in the role, and hold, for each kind the project requires, an
 * agreement signed, not expired and permitting processing in the project's region (residency
 * keeps processing there); identifiable data needs each of those agreements to allow that use.
 */

/** What the policy function sees of a person's organisation: its admissions and its agreements, as the store reads them with the session. */
export type PrincipalAgreement = StandingAgreement;
export type PrincipalOrganisation = OrganisationStanding;

export interface ProjectGovernanceView {
  readonly region: string;
  readonly ownerOrganisationId: string;
  /** Null: the defaults by region. */
  readonly requiredAgreements: readonly string[] | null;
}

export type AgreementProblem = 'not_admitted' | 'missing' | 'expired' | 'region' | 'scope';

export interface AgreementRefusal {
  readonly problem: AgreementProblem;
  /** The agreement kind that is missing, expired, out of region or without the scope (null: not admitted). */
  readonly kind: AgreementKind | null;
}

export function requiredAgreementKinds(project: ProjectGovernanceView): AgreementKind[] {
  return project.requiredAgreements === null ? defaultRequiredAgreements(project.region) : (project.requiredAgreements as AgreementKind[]);
}

/** Null when the organisation may act in the project in `role` (and see identifiable data for `use`). */
export function agreementRefusal(
  organisation: PrincipalOrganisation,
  project: ProjectGovernanceView & { readonly projectId: string },
  role: string,
  use: IdentifiableUse | null,
  now: Date,
): AgreementRefusal | null {
  if (organisation.organisationId === project.ownerOrganisationId) return null;
  const admission = organisation.admissions.find((a) => a.projectId === project.projectId);
  if (!admission || !admission.roles.includes(role)) return { problem: 'not_admitted', kind: null };
  const t = now.getTime();
  const mine = organisation.agreements.filter((a) => a.projectId === project.projectId);
  const required = requiredAgreementKinds(project);
  for (const kind of required) {
    const signed = mine.filter((a) => a.kind === kind && a.signedAt.getTime() <= t);
    if (signed.length === 0) return { problem: 'missing', kind };
    const inForce = signed.filter((a) => a.expiresAt === null || a.expiresAt.getTime() > t);
    if (inForce.length === 0) return { problem: 'expired', kind };
    const usable = inForce.filter((a) => a.regions.includes(project.region));
    if (usable.length === 0) return { problem: 'region', kind };
    if (use !== null && !usable.some((a) => a.identifiableUses.includes(use))) return { problem: 'scope', kind };
  }
  // A project that requires no agreement still lets no other organisation see identifiable data without one.
  if (use !== null && required.length === 0) {
    const allows = mine.some((a) => a.signedAt.getTime() <= t && (a.expiresAt === null || a.expiresAt.getTime() > t) && a.regions.includes(project.region) && a.identifiableUses.includes(use));
    if (!allows) return { problem: 'scope', kind: null };
  }
  return null;
}

export const agreementKindWords: Record<AgreementKind, string> = {
  baa: 'business associate agreement (HIPAA)',
  dpa: 'data processing agreement (GDPR Art. 28)',
  dua: 'data use agreement',
};

/** The coded refusal, naming the agreement in words (no names, dates or other values of the record). */
export function agreementError(refusal: AgreementRefusal): DelineateError {
  const kind = refusal.kind ? agreementKindWords[refusal.kind] : 'agreement';
  switch (refusal.problem) {
    case 'not_admitted':
      return new DelineateError('DLN_ACCESS_ORGANISATION_NOT_ADMITTED', 'Your organisation is not admitted to this project in this role');
    case 'missing':
      return new DelineateError('DLN_ACCESS_AGREEMENT_MISSING', `Your organisation has no ${kind} in force for this project`);
    case 'expired':
      return new DelineateError('DLN_ACCESS_AGREEMENT_EXPIRED', `Your organisation’s ${kind} for this project has expired, so its access has ended`);
    case 'region':
      return new DelineateError('DLN_ACCESS_AGREEMENT_REGION', `Your organisation’s ${kind} for this project does not permit processing in the project’s region`);
    case 'scope':
      return new DelineateError('DLN_ACCESS_AGREEMENT_SCOPE', `Your organisation’s ${kind} for this project does not allow seeing identifiable data`);
    default:
      return exhaustiveSwitchError(refusal.problem);
  }
}
