import type { AccessReview, OrganisationRepository } from '@delineate/store';
import { agreementRefusal, type AgreementProblem } from './agreement-policy';

/** Where a member stands with their organisation's agreements: the owner needs none. */
export type MemberAgreementStatus = 'owner' | 'in_force' | AgreementProblem;

/**
 * The access review with each member's organisation and agreement status (issue 24), decided by
 * the policy's own agreement check for each grant; a member's status is their first refused grant's.
 */
export async function withOrganisations(review: AccessReview, organisations: OrganisationRepository, now: Date) {
  const governance = (await organisations.projectGovernance(review.projectId))!;
  const standing = await organisations.membersStanding(review.projectId);
  const project = { ...governance, projectId: review.projectId };
  const admissions = governance.admitted.map((a) => ({ projectId: review.projectId, roles: a.roles }));
  return {
    ...review,
    members: review.members.map((member) => {
      const organisation = standing.organisations.get(member.userId) ?? null;
      const own = { organisationId: organisation?.id ?? '', admissions, agreements: standing.agreements.filter((a) => a.organisationId === organisation?.id) };
      let agreementStatus: MemberAgreementStatus = organisation?.id === governance.ownerOrganisationId ? 'owner' : 'in_force';
      let agreementKind: string | null = null;
      for (const grant of member.grants) {
        const refusal = agreementRefusal(own, project, grant.role, null, now);
        if (refusal) {
          agreementStatus = refusal.problem;
          agreementKind = refusal.kind;
          break;
        }
      }
      return { ...member, organisation, agreementStatus, agreementKind };
    }),
  };
}
