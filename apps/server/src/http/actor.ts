import type { FastifyRequest } from 'fastify';
import { DelineateError } from '@delineate/schema';
import { requestAccess } from '../access';

/**
 * The signed-in user of a request, as the access plugin resolved it. Routes that write
 * provenance (revisions, reviews) need a person: an anonymous request never gets here past
 * the policy check, so a missing principal is a server fault, not a user error.
 */
export function requestUserId(request: FastifyRequest): string {
  const principal = requestAccess(request).principal;
  if (principal.kind === 'user') return principal.userId;
  throw new DelineateError('DLN_AUTH_REQUIRED', 'Sign in to do this');
}
