import type { FastifyReply, FastifyRequest } from 'fastify';
import { requestAccess, sessionToken } from './plugin';
import { authorize } from './policy';
import { isTokenCredential } from './token-access';
import { TILE_CAPABILITY_HEADER, TILE_READ_ACTION, type TileView } from './tile-capability';

export interface GrantedTileView {
  /** Send it as this header with the slide's tile requests (browsers get it as a cookie too). */
  readonly header: string;
  readonly token: string;
  readonly expiresAt: string;
}

/**
 * Opening a slide view authorises its tile reads once: when the caller of this request (a signed-in
 * session) may read the item's tiles, a capability for `view` is issued and set as a cookie on the
 * slide's tile URLs. Undefined when the caller may not read tiles (or is not a signed-in session).
 */
export function grantTileView(request: FastifyRequest, reply: FastifyReply, view: TileView): GrantedTileView | undefined {
  const access = requestAccess(request);
  const runtime = request.server.accessRuntime;
  const policy = runtime.policy.actions[TILE_READ_ACTION];
  const token = sessionToken(request);
  // API tokens take their own branch for every request; capabilities are for sessions.
  if (!policy || token === undefined || isTokenCredential(token)) return undefined;
  const now = runtime.now();
  const decision = authorize(access.principal, TILE_READ_ACTION, access.resource, now, runtime.policy);
  const issued = runtime.tileCapabilities.grant(reply, { ...access, action: TILE_READ_ACTION, policy, decision }, token, view, now.getTime());
  return issued && { header: TILE_CAPABILITY_HEADER, token: issued.token, expiresAt: issued.expiresAt.toISOString() };
}
