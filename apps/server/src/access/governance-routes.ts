import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { DelineateError, Region, Role, Timestamp } from '@delineate/schema';
import { transferBases } from '@delineate/store';
import { defineRoute, type RouteRegistry } from '../http/route';
import { agreementError, agreementRefusal } from './agreement-policy';
import { requestAccess, type AccessRuntime } from './plugin';
import { withOrganisations } from './review-organisations';

const projectParams = z.object({ projectId: z.uuid() });
const reviewQuery = z.object({ periodDays: z.coerce.number().int().min(1).max(3650).default(90) });
const attestBody = z.object({
  decisions: z.array(z.object({ membershipId: z.uuid(), decision: z.enum(['attest', 'revoke']) })).min(1).max(10_000),
});
const breakGlassRoles = ['annotator', 'clinician_annotator', 'reviewer', 'expert_reviewer', 'auditor'] as const;
const breakGlassBody = z.object({
  role: z.enum(breakGlassRoles),
  reason: z.string().trim().min(10).max(1000),
  minutes: z.number().int().min(1).max(240),
});
const transferBody = z.object({
  destinationRegion: Region,
  basis: z.enum(transferBases),
  description: z.string().trim().min(10).max(2000),
  validUntil: Timestamp.nullable().optional(),
});

function signedInUser(access: ReturnType<typeof requestAccess>) {
  if (access.principal.kind !== 'user') throw new DelineateError('DLN_AUTH_REQUIRED', 'Sign in to do this');
  return access.principal;
}

/** Access reviews, break-glass grants and transfer bases. */
export function registerGovernanceRoutes(app: FastifyInstance, registry: RouteRegistry, runtime: AccessRuntime): void {
  const { reviews, transfers } = runtime;

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/projects/:projectId/access-review',
    operationId: 'getAccessReview',
    summary: 'Every member with roles, qualifications, organisation and agreement status, last access and accesses in the period; whether a review is overdue',
    tags: ['access'],
    action: 'access_review.read',
    resource: 'project',
    params: projectParams,
    query: reviewQuery,
    responses: { 200: { description: 'The review' } },
    handler: async ({ params, query }, request) => {
      const review = await reviews.review(params.projectId, runtime.now(), { periodDays: query.periodDays, intervalDays: runtime.settings.accessReviewIntervalDays });
      // Whether the policy lets this caller decide and sign off, so pages show the controls only to them.
      const principal = requestAccess(request).principal;
      const attest = runtime.policy.actions['access_review.attest']!;
      const canSignOff =
        principal.kind === 'user' &&
        ((principal.platformAdmin && attest.platformAdmin) || principal.roles.some((r) => r.projectId === params.projectId && attest.roles.includes(r.role)));
      return { ...(await withOrganisations(review, runtime.organisations, runtime.now())), canSignOff };
    },
  });

  defineRoute(app, registry, {
    method: 'POST',
    url: '/api/projects/:projectId/access-review/attestations',
    operationId: 'attestAccess',
    summary: 'A data steward attests or revokes each grant; completes a review',
    tags: ['access'],
    action: 'access_review.attest',
    resource: 'project',
    params: projectParams,
    body: attestBody,
    responses: { 201: { description: 'Recorded', schema: z.object({ reviewId: z.uuid(), revoked: z.array(z.uuid()) }) } },
    handler: async ({ params, body }, request, reply) => {
      const access = requestAccess(request);
      const steward = signedInUser(access);
      const result = await reviews.attest(params.projectId, steward.userId, body.decisions, runtime.now());
      await runtime.audit.appendMany(
        body.decisions.map((d) => ({
          actorId: steward.userId,
          role: 'data_steward' as const,
          sessionId: steward.sessionId,
          address: request.ip,
          action: `access_review.${d.decision}`,
          objectType: 'membership',
          objectId: d.membershipId,
          projectId: params.projectId,
          subjectPseudonym: null,
          purpose: 'access_review',
          outcome: 'success' as const,
        })),
      );
      access.auditObjectId = result.reviewId;
      return reply.status(201).send(result);
    },
  });

  defineRoute(app, registry, {
    method: 'POST',
    url: '/api/projects/:projectId/break-glass',
    operationId: 'breakGlass',
    summary: 'Emergency access for a project member (a role the policy names) with a verified second factor: a time-boxed role (at most 4 hours) with a reason; the data stewards are notified',
    tags: ['access'],
    action: 'break_glass.request',
    resource: 'project',
    params: projectParams,
    body: breakGlassBody,
    responses: { 201: { description: 'Granted', schema: z.object({ id: z.uuid(), role: Role, expiresAt: z.iso.datetime() }) } },
    handler: async ({ params, body }, request, reply) => {
      const access = requestAccess(request);
      const me = signedInUser(access);
      const members = await runtime.repo.membershipsOfProject(params.projectId);
      // Only someone already on the project may break the glass. The same answer whether or
      // not the project exists, so ids cannot be probed.
      const eligible = new Set<string>(runtime.policy.breakGlass.memberRoles);
      if (!members.some((m) => m.user_id === me.userId && eligible.has(m.role))) {
        throw new DelineateError('DLN_BREAK_GLASS_NOT_ELIGIBLE', 'Emergency access is only for members of this project in a role the access policy names');
      }
      // Even where the policy relaxes MFA (demo), emergency access needs a proved second factor.
      if (me.mfa !== 'verified') throw new DelineateError('DLN_AUTH_MFA_REQUIRED', 'Emergency access needs a verified second factor: enrol one and sign in with it');
      const now = runtime.now();
      // Emergency access shows identifiable data: another organisation's agreements must allow it.
      const governance = (await runtime.organisations.projectGovernance(params.projectId))!;
      const refusal = agreementRefusal(me.organisation, governance, body.role, 'break_glass', now);
      if (refusal) throw agreementError(refusal);
      const minutes = Math.min(body.minutes, runtime.settings.breakGlassMaxMs / 60_000);
      const grant = await runtime.repo.createBreakGlass({
        userId: me.userId,
        projectId: params.projectId,
        role: body.role,
        reason: body.reason,
        grantedAt: now,
        expiresAt: new Date(now.getTime() + minutes * 60_000),
      });
      const stewards = members.filter((m) => m.role === 'data_steward').map((m) => m.user_id);
      await runtime.repo.notify({ recipientIds: stewards, kind: 'break_glass', subjectId: grant.id, projectId: params.projectId, now });
      await runtime.audit.append({
        actorId: me.userId,
        role: body.role,
        sessionId: me.sessionId,
        address: request.ip,
        action: 'break_glass.granted',
        objectType: 'break_glass',
        objectId: grant.id,
        projectId: params.projectId,
        subjectPseudonym: null,
        purpose: 'emergency_access',
        outcome: 'success',
      });
      access.auditObjectId = grant.id;
      return reply.status(201).send({ id: grant.id, role: body.role, expiresAt: grant.expires_at.toISOString() });
    },
  });

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/projects/:projectId/transfer-bases',
    operationId: 'listTransferBases',
    summary: 'The recorded bases for transferring this project’s data to other regions',
    tags: ['access'],
    action: 'transfer_basis.list',
    resource: 'project',
    params: projectParams,
    responses: { 200: { description: 'Transfer bases' } },
    handler: async ({ params }) => ({ transferBases: await transfers.list(params.projectId) }),
  });

  defineRoute(app, registry, {
    method: 'POST',
    url: '/api/projects/:projectId/transfer-bases',
    operationId: 'recordTransferBasis',
    summary: 'A data steward records the GDPR Art. 46 or 49 basis for exporting to another region',
    tags: ['access'],
    action: 'transfer_basis.record',
    resource: 'project',
    params: projectParams,
    body: transferBody,
    responses: { 201: { description: 'Recorded' } },
    handler: async ({ params, body }, request, reply) => {
      const access = requestAccess(request);
      const record = await transfers.record({
        projectId: params.projectId,
        destinationRegion: body.destinationRegion,
        basis: body.basis,
        description: body.description,
        recordedBy: signedInUser(access).userId,
        validUntil: body.validUntil ? new Date(body.validUntil) : null,
        now: runtime.now(),
      });
      access.auditObjectId = record.id;
      return reply.status(201).send(record);
    },
  });
}
