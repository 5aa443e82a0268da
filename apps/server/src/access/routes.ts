import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { DelineateError, Modality, plainText, QualificationKind, Role, Timestamp, Username } from '@delineate/schema';
import type { AccountRow } from '@delineate/store';
import { defineRoute, type RouteRegistry } from '../http/route';
import type { UserPrincipal } from './auth-service';
import { clearSessionCookie, requestAccess, sessionToken, setSessionCookie, type AccessRuntime } from './plugin';

const userParams = z.object({ userId: z.uuid() });
const projectParams = z.object({ projectId: z.uuid() });
const membershipParams = z.object({ membershipId: z.uuid() });
const qualificationParams = z.object({ qualificationId: z.uuid() });

const loginBody = z.object({ username: z.string().min(1).max(64), password: z.string().min(1).max(1024), totpCode: z.string().max(16).optional() });
const loginResult = z.object({
  userId: z.uuid(),
  token: z.string(),
  mfa: z.enum(['verified', 'pending', 'enrolment_required', 'not_required']),
  expiresAt: z.iso.datetime(),
  /** What the user must be told at this sign-in, once (`mfa_reset`: an administrator reset their second factor). */
  notices: z.array(z.object({ kind: z.string(), createdAt: z.iso.datetime() })),
});
const sessionView = z.object({
  userId: z.uuid(),
  username: z.string(),
  displayName: z.string(),
  platformAdmin: z.boolean(),
  mfa: z.enum(['verified', 'pending', 'enrolment_required', 'not_required']),
  roles: z.array(z.object({ projectId: z.uuid(), role: Role, viaBreakGlass: z.boolean() })),
});
const verifyBody = z.union([z.object({ code: z.string().min(6).max(8) }), z.object({ recoveryCode: z.string().min(8).max(64) })]);
const passwordBody = z.object({ password: z.string().min(1).max(1024) });
const changePasswordBody = z.object({ currentPassword: z.string().min(1).max(1024), newPassword: z.string().min(1).max(1024) });
const userView = z.object({
  id: z.uuid(),
  username: z.string(),
  displayName: z.string(),
  disabled: z.boolean(),
  platformAdmin: z.boolean(),
  createdAt: z.iso.datetime(),
});
const createUserBody = z.object({ username: Username, displayName: plainText(200).min(1), password: z.string().min(1).max(1024), platformAdmin: z.boolean().optional() });
const qualificationView = z.object({
  id: z.uuid(),
  userId: z.uuid(),
  kind: QualificationKind,
  modality: Modality.nullable(),
  verifiedBy: z.uuid().nullable(),
  validUntil: z.iso.datetime().nullable(),
});
const grantQualificationBody = z.object({ kind: QualificationKind, modality: Modality.nullable().optional(), validUntil: Timestamp.nullable().optional() });
const membershipView = z.object({ id: z.uuid(), userId: z.uuid(), projectId: z.uuid(), role: Role, createdAt: z.iso.datetime(), grantedBy: z.uuid().nullable() });
const grantMembershipBody = z.object({ userId: z.uuid(), role: Role });
const noContent = { 204: { description: 'Done' } };

function userPrincipal(request: FastifyRequest): UserPrincipal {
  const principal = requestAccess(request).principal;
  if (principal.kind !== 'user') throw new DelineateError('DLN_AUTH_REQUIRED', 'Sign in to do this');
  return principal;
}

function toUserView(user: AccountRow): z.infer<typeof userView> {
  return { id: user.id, username: user.username, displayName: user.displayName, disabled: user.disabled, platformAdmin: user.platformAdmin, createdAt: user.createdAt.toISOString() };
}

/** Login, logout, second factors, credentials, users, qualifications and memberships. */
export function registerAccessRoutes(app: FastifyInstance, registry: RouteRegistry, access: AccessRuntime): void {
  const { auth, repo } = access;

  defineRoute(app, registry, {
    method: 'POST',
    url: '/api/auth/login',
    operationId: 'login',
    summary: 'Sign in with user name and password (and a TOTP code); opens a new session',
    tags: ['access'],
    action: 'auth.login',
    resource: 'session',
    authenticated: false,
    body: loginBody,
    responses: { 200: { description: 'Signed in', schema: loginResult }, 401: { description: 'Wrong user name or password' }, 429: { description: 'Too many attempts' } },
    handler: async ({ body }, request, reply) => {
      const result = await auth.login({
        username: body.username,
        password: body.password,
        address: request.ip,
        ...(body.totpCode !== undefined ? { totpCode: body.totpCode } : {}),
        ...(sessionToken(request) ? { previousToken: sessionToken(request)! } : {}),
        onAccount: (userId) => {
          requestAccess(request).auditActorId = userId;
        },
      });
      requestAccess(request).auditObjectId = result.sessionId;
      setSessionCookie(reply, result.token, access.settings);
      return {
        userId: result.userId,
        token: result.token,
        mfa: result.mfa,
        expiresAt: result.expiresAt.toISOString(),
        notices: result.notices.map((n) => ({ kind: n.kind, createdAt: n.createdAt.toISOString() })),
      };
    },
  });

  defineRoute(app, registry, {
    method: 'POST',
    url: '/api/auth/logout',
    operationId: 'logout',
    summary: 'End this session on the server',
    tags: ['access'],
    action: 'auth.logout',
    resource: 'session',
    responses: noContent,
    handler: async (_input, request, reply) => {
      const me = userPrincipal(request);
      await access.tiles.flush(me.sessionId);
      await auth.logout(me.sessionId);
      access.tileCapabilities.forgetSession(me.sessionId);
      clearSessionCookie(reply, access.settings);
      return reply.status(204).send();
    },
  });

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/auth/session',
    operationId: 'getSession',
    summary: 'Who is signed in, their MFA state and roles',
    tags: ['access'],
    action: 'auth.session.read',
    resource: 'session',
    responses: { 200: { description: 'The session', schema: sessionView } },
    handler: async (_input, request) => {
      const me = userPrincipal(request);
      const user = await repo.getUser(me.userId);
      if (!user) throw new DelineateError('DLN_AUTH_REQUIRED', 'Sign in to do this');
      return { userId: me.userId, username: user.username, displayName: user.displayName, platformAdmin: me.platformAdmin, mfa: me.mfa, roles: [...me.roles] };
    },
  });

  defineRoute(app, registry, {
    method: 'POST',
    url: '/api/auth/mfa/totp',
    operationId: 'beginTotpEnrolment',
    summary: 'Start TOTP enrolment: a new secret and its otpauth URI (replacing a confirmed one needs that factor or a recovery code in this session, and a recent password)',
    tags: ['access'],
    action: 'auth.mfa.enrol',
    resource: 'session',
    responses: { 200: { description: 'The secret, shown once', schema: z.object({ secret: z.string(), uri: z.string() }) } },
    handler: async (_input, request) => {
      const me = userPrincipal(request);
      const user = await repo.getUser(me.userId);
      return auth.beginTotpEnrolment(me, user?.username ?? me.userId);
    },
  });

  defineRoute(app, registry, {
    method: 'POST',
    url: '/api/auth/mfa/verify',
    operationId: 'verifySecondFactor',
    summary: 'Verify a TOTP or recovery code; confirms a pending enrolment and rotates the session token',
    tags: ['access'],
    action: 'auth.mfa.verify',
    resource: 'session',
    body: verifyBody,
    responses: {
      200: { description: 'Verified', schema: z.object({ token: z.string(), recoveryCodes: z.array(z.string()).optional() }) },
      401: { description: 'The code is wrong (DLN_AUTH_CODE_INVALID), or too many wrong codes ended this sign-in (DLN_AUTH_REQUIRED)' },
      429: { description: 'Too many attempts for this account' },
    },
    handler: async ({ body }, request, reply) => {
      const result = await auth.verifySecondFactor(userPrincipal(request), body);
      setSessionCookie(reply, result.token, access.settings);
      return result;
    },
  });

  defineRoute(app, registry, {
    method: 'POST',
    url: '/api/auth/reauthenticate',
    operationId: 'reauthenticate',
    summary: 'Enter the password again before changing credentials',
    tags: ['access'],
    action: 'auth.reauthenticate',
    resource: 'session',
    body: passwordBody,
    responses: { ...noContent, 401: { description: 'The password is wrong (DLN_AUTH_PASSWORD_INVALID)' }, 429: { description: 'Too many attempts for this account' } },
    handler: async ({ body }, request, reply) => {
      await auth.reauthenticate(userPrincipal(request), body.password);
      return reply.status(204).send();
    },
  });

  defineRoute(app, registry, {
    method: 'POST',
    url: '/api/auth/password',
    operationId: 'changePassword',
    summary: 'Change the password (needs the current one); ends the other sessions',
    tags: ['access'],
    action: 'auth.password.change',
    resource: 'session',
    body: changePasswordBody,
    responses: noContent,
    handler: async ({ body }, request, reply) => {
      await auth.changePassword(userPrincipal(request), body.currentPassword, body.newPassword);
      return reply.status(204).send();
    },
  });

  defineRoute(app, registry, {
    method: 'POST',
    url: '/api/auth/recovery-codes',
    operationId: 'regenerateRecoveryCodes',
    summary: 'New single-use recovery codes (needs re-authentication); the old ones stop working',
    tags: ['access'],
    action: 'auth.recovery_codes.regenerate',
    resource: 'session',
    responses: { 200: { description: 'The codes, shown once', schema: z.object({ recoveryCodes: z.array(z.string()) }) } },
    handler: async (_input, request) => ({ recoveryCodes: await auth.regenerateRecoveryCodes(userPrincipal(request)) }),
  });

  // ---- users and qualifications (platform administrators) ----

  defineRoute(app, registry, {
    method: 'POST',
    url: '/api/users/:userId/mfa/reset',
    operationId: 'resetSecondFactor',
    summary: "Reset another user's second factor (lost device; needs a recent password): their seed and recovery codes go, their sessions end, they are told at their next sign-in",
    tags: ['access'],
    action: 'user.mfa.reset',
    resource: 'user',
    params: userParams,
    responses: noContent,
    handler: async ({ params }, request, reply) => {
      await auth.resetSecondFactor(userPrincipal(request), params.userId);
      return reply.status(204).send();
    },
  });

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/users',
    operationId: 'listUsers',
    summary: 'Every account',
    tags: ['access'],
    action: 'user.list',
    resource: 'user',
    responses: { 200: { description: 'Accounts', schema: z.object({ users: z.array(userView) }) } },
    handler: async () => ({ users: (await repo.listUsers()).map(toUserView) }),
  });

  defineRoute(app, registry, {
    method: 'POST',
    url: '/api/users',
    operationId: 'createUser',
    summary: 'Create an account with an initial password',
    tags: ['access'],
    action: 'user.create',
    resource: 'user',
    body: createUserBody,
    responses: { 201: { description: 'Created', schema: userView } },
    handler: async ({ body }, request, reply) => {
      const user = await auth.createAccount({ username: body.username, displayName: body.displayName, password: body.password, platformAdmin: body.platformAdmin ?? false });
      requestAccess(request).auditObjectId = user.id;
      return reply.status(201).send(toUserView(user));
    },
  });

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/users/:userId',
    operationId: 'getUser',
    summary: 'One account',
    tags: ['access'],
    action: 'user.read',
    resource: 'user',
    params: userParams,
    responses: { 200: { description: 'The account', schema: userView } },
    handler: async ({ params }) => {
      const user = await repo.getUser(params.userId);
      if (!user) throw new DelineateError('DLN_NOT_FOUND', 'No such user');
      return toUserView(user);
    },
  });

  for (const [verb, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    defineRoute(app, registry, {
      method: 'POST',
      url: `/api/users/:userId/${verb}`,
      operationId: `${verb}User`,
      summary: disabled ? 'Disable an account and end all of its sessions' : 'Enable a disabled account',
      tags: ['access'],
      action: `user.${verb}`,
      resource: 'user',
      params: userParams,
      responses: noContent,
      handler: async ({ params }, _request, reply) => {
        await auth.setDisabled(params.userId, disabled);
        return reply.status(204).send();
      },
    });
  }

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/users/:userId/qualifications',
    operationId: 'listQualifications',
    summary: 'The clinical qualifications of a user',
    tags: ['access'],
    action: 'qualification.list',
    resource: 'user',
    params: userParams,
    responses: { 200: { description: 'Qualifications', schema: z.object({ qualifications: z.array(qualificationView) }) } },
    handler: async ({ params }) => {
      if (!(await repo.getUser(params.userId))) throw new DelineateError('DLN_NOT_FOUND', 'No such user');
      const rows = await repo.qualificationsOfUser(params.userId);
      return {
        qualifications: rows.map((q) => ({
          id: q.id,
          userId: q.user_id,
          kind: q.kind as QualificationKind,
          modality: q.modality as Modality | null,
          verifiedBy: q.verified_by,
          validUntil: q.valid_until?.toISOString() ?? null,
        })),
      };
    },
  });

  defineRoute(app, registry, {
    method: 'POST',
    url: '/api/users/:userId/qualifications',
    operationId: 'grantQualification',
    summary: 'Record a verified clinical qualification (the caller is the verifier)',
    tags: ['access'],
    action: 'qualification.grant',
    resource: 'user',
    params: userParams,
    body: grantQualificationBody,
    responses: { 201: { description: 'Recorded', schema: qualificationView } },
    handler: async ({ params, body }, request, reply) => {
      if (!(await repo.getUser(params.userId))) throw new DelineateError('DLN_NOT_FOUND', 'No such user');
      const q = await repo.addQualification({
        userId: params.userId,
        kind: body.kind,
        modality: body.modality ?? null,
        verifiedBy: userPrincipal(request).userId,
        validUntil: body.validUntil ? new Date(body.validUntil) : null,
        now: access.now(),
      });
      requestAccess(request).auditObjectId = q.id;
      return reply.status(201).send({
        id: q.id,
        userId: q.user_id,
        kind: q.kind as QualificationKind,
        modality: q.modality as Modality | null,
        verifiedBy: q.verified_by,
        validUntil: q.valid_until?.toISOString() ?? null,
      });
    },
  });

  defineRoute(app, registry, {
    method: 'DELETE',
    url: '/api/qualifications/:qualificationId',
    operationId: 'revokeQualification',
    summary: 'Remove a qualification',
    tags: ['access'],
    action: 'qualification.revoke',
    resource: 'qualification',
    params: qualificationParams,
    responses: noContent,
    handler: async ({ params }, _request, reply) => {
      if (!(await repo.removeQualification(params.qualificationId))) throw new DelineateError('DLN_NOT_FOUND', 'No such qualification');
      return reply.status(204).send();
    },
  });

  // ---- memberships (project) ----

  defineRoute(app, registry, {
    method: 'GET',
    url: '/api/projects/:projectId/memberships',
    operationId: 'listMemberships',
    summary: 'Who holds which role in a project',
    tags: ['access'],
    action: 'membership.list',
    resource: 'project',
    params: projectParams,
    responses: { 200: { description: 'Memberships', schema: z.object({ memberships: z.array(membershipView) }) } },
    handler: async ({ params }) => ({
      memberships: (await repo.membershipsOfProject(params.projectId)).map((m) => ({
        id: m.id,
        userId: m.user_id,
        projectId: m.project_id,
        role: m.role as Role,
        createdAt: m.created_at.toISOString(),
        grantedBy: m.granted_by,
      })),
    }),
  });

  defineRoute(app, registry, {
    method: 'POST',
    url: '/api/projects/:projectId/memberships',
    operationId: 'grantMembership',
    summary: 'Give a user a role in a project',
    tags: ['access'],
    action: 'membership.grant',
    resource: 'project',
    params: projectParams,
    body: grantMembershipBody,
    responses: { 201: { description: 'Granted', schema: membershipView } },
    handler: async ({ params, body }, request, reply) => {
      const user = await repo.getUser(body.userId);
      if (!user || user.disabled) throw new DelineateError('DLN_REQUEST_INVALID', 'The user does not exist or is disabled');
      const existing = (await repo.membershipsOfUser(body.userId)).find((m) => m.project_id === params.projectId && m.role === body.role);
      if (existing) throw new DelineateError('DLN_CONFLICT', 'The user already holds this role');
      const m = await repo.addMembership({ userId: body.userId, projectId: params.projectId, role: body.role, grantedBy: userPrincipal(request).userId, now: access.now() });
      requestAccess(request).auditObjectId = m.id;
      return reply.status(201).send({ id: m.id, userId: m.user_id, projectId: m.project_id, role: m.role as Role, createdAt: m.created_at.toISOString(), grantedBy: m.granted_by });
    },
  });

  defineRoute(app, registry, {
    method: 'DELETE',
    url: '/api/memberships/:membershipId',
    operationId: 'revokeMembership',
    summary: 'Remove a role from a user',
    tags: ['access'],
    action: 'membership.revoke',
    resource: 'membership',
    params: membershipParams,
    responses: noContent,
    handler: async ({ params }, _request, reply) => {
      await repo.removeMembership(params.membershipId);
      return reply.status(204).send();
    },
  });
}
