import type { FastifyInstance } from 'fastify';
import type { RouteRegistry } from '../http/route';
import { installAccess, storageRegionsFromEnv, type AccessDeps, type AccessRuntime } from './plugin';
import { registerAdminRoutes } from './admin-routes';
import { registerAuditRoutes } from './audit-routes';
import { registerAuditSearchRoutes } from './audit-search-routes';
import { registerGovernanceRoutes } from './governance-routes';
import { registerAccessRoutes } from './routes';
import { registerTokenRoutes } from './token-routes';

/**
 * The access layer's single registration point. Call it right after the error handler and
 * before any other route: it installs authentication, the policy check and the audit hooks
 * (which then apply to every route registered after it) and registers the access routes.
 */
export async function registerAccess(app: FastifyInstance, deps: AccessDeps & { readonly registry: RouteRegistry }): Promise<AccessRuntime> {
  const runtime = await installAccess(app, deps);
  registerAccessRoutes(app, deps.registry, runtime);
  registerGovernanceRoutes(app, deps.registry, runtime);
  registerAuditRoutes(app, deps.registry, runtime, deps.dataDir);
  registerTokenRoutes(app, deps.registry, runtime, deps);
  registerAuditSearchRoutes(app, deps.registry, runtime, deps.database);
  registerAdminRoutes(app, deps.registry, deps.database, deps.regions ?? storageRegionsFromEnv(process.env));
  return runtime;
}

export { AuthService, type LoginResult, type UserPrincipal } from './auth-service';
export { PasswordHasher, defaultArgon2Params, passwordProblem, type Argon2Params } from './password';
export { authorize, policyTable, type Decision, type Principal, type PolicyResource, type PolicyTable } from './policy';
export { accessSettingsFromEnv, defaultAccessSettings, type AccessSettings } from './settings';
export { appendRouteAudit, requestAccess, sessionToken, storageRegionsFromEnv, SESSION_COOKIE, type AccessDeps, type AccessRuntime, type RequestAccess, type RouteAuditEvent, type RouteInventoryEntry } from './plugin';
export { openTestSession } from './testing';
export { TILE_CAPABILITY_COOKIE, TILE_CAPABILITY_HEADER, TileCapabilities, type TileCapabilitySettings, type TileView } from './tile-capability';
export { grantTileView, type GrantedTileView } from './tile-view';
export {
  API_TOKEN_PREFIX,
  ApiTokens,
  apiTokenScopeNames,
  apiTokenScopes,
  parseApiTokenScopes,
  parseTokenLifetime,
  newOperatorKey,
  type ApiTokenScope,
  type ApiTokenView,
} from './api-tokens';
export { verifyAudit, type AuditVerifyReport, type VerifyAuditOptions } from './audit-verify';
