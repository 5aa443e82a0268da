import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { defineRoute, type RouteRegistry } from '../http/route';
import { ApiTokens, apiTokenScopeNames, parseTokenLifetime } from './api-tokens';
import type { AccessDeps, AccessRuntime } from './plugin';
import { requestAccess } from './plugin';
import { verifyAudit } from './audit-verify';

const tokenView = z.object({
  id: z.uuid(),
  userId: z.uuid(),
  username: z.string(),
  name: z.string(),
  scopes: z.array(z.string()),
  createdAt: z.string(),
  expiresAt: z.string(),
  revokedAt: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
});

const createBody = z.object({
  user: z.string().min(1).max(200),
  scopes: z.array(z.enum(apiTokenScopeNames as [string, ...string[]])).min(1),
  /** `30d` or `12h`. */
  expires: z.string().min(1).max(8),
  name: z.string().max(200).optional(),
});

const verificationBody = z.object({
  publicKey: z.string().max(10_000).optional(),
  anchor: z.string().max(2_000).optional(),
  strict: z.boolean().optional(),
});

/**
 * API tokens (platform administrators, or `delineate token` through the operator key) and the
 * audit verification the CLI runs through the server: the same report `delineate audit verify`
 * prints when it opens the database itself.
 */
export function registerTokenRoutes(app: FastifyInstance, registry: RouteRegistry, runtime: AccessRuntime, deps: AccessDeps): void {
  const tokens = new ApiTokens(deps.database);

  defineRoute(app, registry, {
    method: 'POST',
    url: '/api/tokens',
    operationId: 'createApiToken',
    summary: 'Create an API token for a user: scoped, expiring; its value is returned once and stored only as a hash',
    tags: ['access'],
    action: 'api_token.create',
    resource: 'api_token',
    body: createBody,
    responses: { 201: { description: 'The token (shown once) and its record', schema: z.object({ token: z.string(), record: tokenView }) } },
    handler: async ({ body }, request, reply) => {
      const created = await tokens.create({ username: body.user, scopes: body.scopes, lifetimeMs: parseTokenLifetime(body.expires), ...(body.name ? { name: body.name } : {}), now: runtime.now() });
      requestAccess(request).auditObjectId = created.view.id;
      reply.code(201);
      return { token: created.token, record: created.view };
    },
  });

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/tokens',
    operationId: 'listApiTokens',
    summary: 'Every API token (never its value)',
    tags: ['access'],
    action: 'api_token.list',
    resource: 'api_token',
    responses: { 200: { description: 'Tokens, newest first', schema: z.object({ tokens: z.array(tokenView) }) } },
    handler: async () => ({ tokens: await tokens.list() }),
  });

  defineRoute(app, registry, {
    method: 'DELETE',
    url: '/api/tokens/:tokenId',
    operationId: 'revokeApiToken',
    summary: 'Revoke an API token at once',
    tags: ['access'],
    action: 'api_token.revoke',
    resource: 'api_token',
    params: z.object({ tokenId: z.uuid() }),
    responses: { 200: { description: 'The revoked token', schema: tokenView } },
    handler: async ({ params }) => tokens.revoke(params.tokenId, runtime.now()),
  });

  defineRoute(app, registry, {
    method: 'POST',
    url: '/api/audit/verification',
    operationId: 'verifyAuditLogReport',
    summary: 'Verify the audit log as `delineate audit verify` does (optional independent public key, anchor, strict) and return its report',
    tags: ['audit'],
    action: 'audit.verify',
    resource: 'audit',
    body: verificationBody,
    responses: { 200: { description: 'The verification report (ok false names the first bad sequence)' } },
    handler: async ({ body }) =>
      verifyAudit(deps.database, deps.dataDir, {
        ...(body.publicKey !== undefined ? { publicKey: body.publicKey } : {}),
        ...(body.anchor !== undefined ? { anchor: body.anchor } : {}),
        ...(body.strict ? { strict: true } : {}),
        now: runtime.now(),
      }),
  });
}
