import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DelineateError, type AuditOutcome } from '@delineate/schema';
import {
  AccessRepository,
  AccessReviewRepository,
  assertResidency,
  AuditLog,
  loadOrCreateAuditKey,
  auditCheckpointSettingsFromEnv,
  checkpointTickMs,
  type AuditAnchor,
  LoginFailureRepository,
  OrganisationRepository,
  resolveObjectOwner,
  TransferRepository,
  type AuditEntry,
  type AuditSigningKey,
  type Database,
  type StorageRegions,
} from '@delineate/store';
import type { Modality } from '@delineate/schema';
import { AuthService } from './auth-service';
import { CredentialCipher } from './secret-box';
import type { PasswordHasher } from './password';
import { agreementError } from './agreement-policy';
import { authorize, policyTable, type ActionPolicy, type Decision, type PolicyResource, type PolicyTable, type Principal } from './policy';
import { accessSettingsFromEnv, type AccessSettings } from './settings';
import { DatabaseThrottleState, LoginThrottle } from './throttle';
import { TileReadAggregator } from './tile-aggregator';
import { defaultTileCapabilitySettings, TileCapabilities, tileViewOf, type TileCapabilitySettings } from './tile-capability';
import { isTokenCredential, TokenAccess } from './token-access';

export const SESSION_COOKIE = 'dln_session';

/** What the access layer learned about a request; routes read it through {@link requestAccess}. */
export interface RequestAccess {
  readonly action: string;
  readonly policy: ActionPolicy;
  principal: Principal;
  readonly resource: PolicyResource;
  readonly decision: Decision;
  /** The person the audit event names when there is no principal (login attempts). */
  auditActorId?: string;
  /** Set by routes that touch a subject's data. */
  subjectPseudonym?: string;
  /** Set by routes whose object is not in the URL (e.g. created objects). */
  auditObjectId?: string;
}

export interface RouteInventoryEntry {
  readonly method: string;
  readonly url: string;
  readonly action: string;
  readonly resource: string;
}

export interface AccessDeps {
  readonly database: Database;
  readonly now: () => Date;
  /** Holds `keys/audit-ed25519.pem` and `audit-checkpoints/`, outside the database. */
  readonly dataDir: string;
  readonly settings?: AccessSettings;
  readonly hasher?: PasswordHasher;
  readonly policy?: PolicyTable;
  /** How often due tile-read counts are looked for (default one minute). */
  readonly tileFlushMs?: number;
  /** Checkpoint policy; default DELINEATE_AUDIT_CHECKPOINT_EVENTS / _MINUTES (1000 events, 5 minutes). */
  readonly checkpointEveryEvents?: number;
  readonly checkpointEveryMs?: number;
  /** Where checkpoints are also sent, outside the data folder; default DELINEATE_AUDIT_ANCHOR. */
  readonly auditAnchor?: AuditAnchor;
  /** How often a due time checkpoint is looked for (default from the policy, at most 30 s). */
  readonly checkpointTickMs?: number;
  /**
   * Where the database and blob stores keep data; every project must be in that region or the
   * server refuses to start. Default: DELINEATE_DATABASE_REGION / DELINEATE_BLOB_REGION, else
   * DELINEATE_REGION, else `local`.
   */
  readonly regions?: StorageRegions;
  /**
   * The first platform administrator, created only while there are no accounts at all.
   * Default: DELINEATE_BOOTSTRAP_ADMIN_USER (default `admin`) with DELINEATE_BOOTSTRAP_ADMIN_PASSWORD.
   */
  readonly bootstrapAdmin?: { readonly username: string; readonly password: string };
  /** The operator key `delineate start` wrote to the data folder (manages API tokens only). */
  readonly operatorKey?: string;
  /** Lifetime and re-validation interval of tile capabilities (tile-capability.ts). */
  readonly tileCapability?: TileCapabilitySettings;
}

export function storageRegionsFromEnv(env: Readonly<Record<string, string | undefined>>): StorageRegions {
  const region = env.DELINEATE_REGION || 'local';
  return { database: env.DELINEATE_DATABASE_REGION || region, blobStores: [env.DELINEATE_BLOB_REGION || region] };
}

export interface AccessRuntime {
  readonly now: () => Date;
  readonly auth: AuthService;
  readonly repo: AccessRepository;
  readonly reviews: AccessReviewRepository;
  readonly transfers: TransferRepository;
  readonly organisations: OrganisationRepository;
  readonly audit: AuditLog;
  readonly auditKey: AuditSigningKey;
  /** The append-only copy of the checkpoints, when configured. */
  readonly auditAnchor: AuditAnchor | undefined;
  readonly tiles: TileReadAggregator;
  /** Tile reads authorised once per slide view (tile-capability.ts). */
  readonly tileCapabilities: TileCapabilities;
  readonly settings: AccessSettings;
  readonly policy: PolicyTable;
  /** Every route registered after the plugin, as Fastify reported it (onRoute). */
  readonly routes: RouteInventoryEntry[];
  /** Resolves when every audit write started so far has finished. */
  auditSettled(): Promise<void>;
}

declare module 'fastify' {
  interface FastifyRequest {
    access?: RequestAccess;
  }
  interface FastifyInstance {
    /** The access layer of this server (tests, the CLI and the lead's context read it). */
    accessRuntime: AccessRuntime;
  }
}

export function requestAccess(request: FastifyRequest): RequestAccess {
  if (!request.access) throw new DelineateError('DLN_INTERNAL', 'The access layer did not run for this route');
  return request.access;
}

/** What a route says it did, beside the access layer's per-request event. */
export interface RouteAuditEvent {
  readonly action: string;
  readonly objectType: string;
  readonly objectId: string | null;
  readonly projectId: string | null;
  readonly purpose: string;
  readonly outcome: AuditOutcome;
}

/**
 * Appends a route's own audit event (naming what it did, such as the release it froze or the PACS
 * fields it searched), with the caller, role, session and address of the request.
 */
export async function appendRouteAudit(request: FastifyRequest, event: RouteAuditEvent): Promise<void> {
  const access = requestAccess(request);
  const principal = access.principal;
  await request.server.accessRuntime.audit.append({
    actorId: principal.kind === 'user' ? principal.userId : null,
    role: access.decision.allowed ? access.decision.role : null,
    sessionId: principal.kind === 'user' ? principal.sessionId : null,
    address: request.ip ?? null,
    subjectPseudonym: null,
    ...event,
  });
}

/** Bearer token first (API clients, CLI), then the session cookie (browser). */
export function sessionToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice(7).trim() || undefined;
  const cookies = request.headers.cookie;
  if (!cookies) return undefined;
  for (const part of cookies.split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name === SESSION_COOKIE) return decodeURIComponent(rest.join('=')) || undefined;
  }
  return undefined;
}

export function setSessionCookie(reply: FastifyReply, token: string, settings: AccessSettings): void {
  const attributes = [`${SESSION_COOKIE}=${token}`, 'Path=/', 'HttpOnly', 'SameSite=Strict', `Max-Age=${Math.floor(settings.absoluteTimeoutMs / 1000)}`];
  if (settings.secureCookie) attributes.push('Secure');
  reply.header('Set-Cookie', attributes.join('; '));
}

export function clearSessionCookie(reply: FastifyReply, settings: AccessSettings): void {
  reply.header('Set-Cookie', `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${settings.secureCookie ? '; Secure' : ''}`);
}

/** Non-API routes (the web build's files) are public assets; API routes must declare an action. */
const WEB_ASSET_ACTION = 'web.asset';

function denial(decision: Extract<Decision, { allowed: false }>): DelineateError {
  if (decision.agreement) return agreementError(decision.agreement);
  switch (decision.status) {
    case 401:
      return new DelineateError('DLN_AUTH_REQUIRED', 'Sign in to do this');
    case 403:
      return decision.reason === 'mfa_required'
        ? new DelineateError('DLN_AUTH_MFA_REQUIRED', 'Complete multi-factor authentication first')
        : new DelineateError('DLN_AUTH_FORBIDDEN', 'You are not allowed to do this');
    case 404:
      return new DelineateError('DLN_NOT_FOUND', 'Not found');
    case 500:
      return new DelineateError('DLN_INTERNAL', 'This route has no access policy');
  }
}

function outcomeOf(access: RequestAccess, statusCode: number): AuditOutcome {
  if (!access.decision.allowed) return 'denied';
  if (statusCode < 400) return 'success';
  if (statusCode === 401 || statusCode === 403 || statusCode === 429) return 'denied';
  return 'error';
}

function purposeOf(access: RequestAccess): string {
  if (access.decision.allowed && access.decision.viaBreakGlass) return 'emergency_access';
  if (access.action.startsWith('auth.')) return 'authentication';
  if (access.policy.scope === 'platform') return 'administration';
  return 'annotation_project';
}

/**
 * Plugs authentication, the policy function and the audit log into a Fastify instance. Call it
 * before any route is registered: every later route must declare `config.action` (an action in
 * the policy table) or registration throws, and every request is decided by `authorize()` in
 * `onRequest` (before body parsing and validation, so an anonymous caller learns nothing from a
 * 400) and leaves an audit event in `onSend`, before the response is sent.
 */
export async function installAccess(app: FastifyInstance, deps: AccessDeps): Promise<AccessRuntime> {
  const settings = deps.settings ?? accessSettingsFromEnv(process.env);
  const policy = deps.policy ?? policyTable;
  const repo = new AccessRepository(deps.database.db);
  // Data residency: refuse to start when a project's data would live outside its region.
  await assertResidency(deps.database.db, deps.regions ?? storageRegionsFromEnv(process.env));
  const auditKey = await loadOrCreateAuditKey(deps.dataDir);
  const checkpointSettings = auditCheckpointSettingsFromEnv(process.env, deps.dataDir, deps.now);
  const auditAnchor = deps.auditAnchor ?? checkpointSettings.anchor;
  const audit = new AuditLog(deps.database.db, {
    now: deps.now,
    checkpoints: {
      dataDir: deps.dataDir,
      key: auditKey,
      everyEvents: deps.checkpointEveryEvents ?? checkpointSettings.policy.everyEvents,
      everyMs: deps.checkpointEveryMs ?? checkpointSettings.policy.everyMs,
      graceMs: checkpointSettings.policy.graceMs,
      ...(auditAnchor ? { anchor: auditAnchor } : {}),
    },
  });
  if (!auditAnchor) {
    app.log.warn('DELINEATE_AUDIT_ANCHOR is not set: audit checkpoints are kept only in the data folder, where whoever holds it can delete or re-sign them.');
  }
  const cipher = await CredentialCipher.load(deps.dataDir);
  const throttle = new LoginThrottle(new DatabaseThrottleState(new LoginFailureRepository(deps.database.db)));
  const auth = new AuthService({ repo, now: deps.now, settings, policy, cipher, throttle, ...(deps.hasher ? { hasher: deps.hasher } : {}) });
  const bootstrap =
    deps.bootstrapAdmin ??
    (process.env.DELINEATE_BOOTSTRAP_ADMIN_PASSWORD
      ? { username: process.env.DELINEATE_BOOTSTRAP_ADMIN_USER || 'admin', password: process.env.DELINEATE_BOOTSTRAP_ADMIN_PASSWORD }
      : undefined);
  if (bootstrap && (await repo.countUsers()) === 0) {
    await auth.createAccount({ username: bootstrap.username, displayName: 'Platform administrator', password: bootstrap.password, platformAdmin: true });
    app.log.warn('Created the first platform administrator account; sign in and enrol a second factor now.');
  }
  const pending = new Set<Promise<unknown>>();
  const track = (work: Promise<unknown>): void => {
    const p = work.catch((error: unknown) => app.log.error({ errorName: (error as Error).name }, 'audit write failed')).finally(() => pending.delete(p));
    pending.add(p);
  };
  const tiles = new TileReadAggregator((entries) => audit.appendMany(entries), {
    quietMs: settings.idleTimeoutMs,
    maxAgeMs: 60 * 60_000,
    maxPending: 10_000,
  });
  // Derived from the credential key, so every server of a deployment accepts the others' capabilities.
  const tileCapabilities = new TileCapabilities(cipher.derive('tile capability'), deps.tileCapability ?? defaultTileCapabilitySettings, settings.secureCookie);
  const routes: RouteInventoryEntry[] = [];
  const tokenAccess = new TokenAccess(deps.database, throttle, deps.operatorKey);

  if (settings.relaxMfa) {
    app.log.warn('DELINEATE_DEMO_RELAX_MFA is set: multi-factor authentication is NOT required for roles that see images. Demo use only.');
  }

  app.decorateRequest('access', undefined);

  app.addHook('onRoute', (route) => {
    const config = (route.config ?? {}) as { action?: string; resource?: string };
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (!config.action) {
      if (route.url.startsWith('/api/')) {
        throw new Error(`Route ${methods.join(',')} ${route.url} declares no action: add config.action and a policy-table entry`);
      }
      route.config = { ...config, action: WEB_ASSET_ACTION, resource: 'system' } as typeof route.config;
      return;
    }
    if (!policy.actions[config.action]) {
      throw new Error(`Route ${methods.join(',')} ${route.url} declares action ${config.action}, which policy-table.json does not list`);
    }
    for (const method of methods) {
      if (method === 'HEAD') continue;
      routes.push({ method, url: route.url, action: config.action, resource: config.resource ?? 'system' });
    }
  });

  app.addHook('onRequest', async (request, reply) => {
    const config = request.routeOptions.config as { action?: string; resource?: string } | undefined;
    const action = config?.action;
    // Unmatched URLs reach the not-found handler with no route config: nothing to decide.
    if (!action || request.routeOptions.url === undefined) return;
    if (action === WEB_ASSET_ACTION) return;
    const entry = policy.actions[action];
    if (!entry) throw new DelineateError('DLN_INTERNAL', 'This route has no access policy');
    const bearer = entry.scope === 'public' ? undefined : sessionToken(request);
    if (isTokenCredential(bearer)) {
      // API tokens and the operator key: their own branch, the session path below is untouched.
      const token = await tokenAccess.decide(bearer, action, request.ip, deps.now());
      const anonymous = { kind: 'anonymous' } as const;
      if (token.kind === 'refused') {
        request.access = { action, policy: entry, principal: anonymous, resource: { kind: 'none' }, decision: token.decision, ...(token.auditActorId ? { auditActorId: token.auditActorId } : {}) };
        throw token.error;
      }
      if (token.kind === 'operator') {
        request.access = { action, policy: entry, principal: anonymous, resource: { kind: 'none' }, decision: token.decision };
        return;
      }
      const resource = entry.scope === 'project' ? await resolveResource(deps.database, config?.resource ?? 'system', request.params as Record<string, string>) : ({ kind: 'none' } as const);
      const decision = authorize(token.principal, action, resource, deps.now(), policy);
      request.access = { action, policy: entry, principal: token.principal, resource, decision };
      if (!decision.allowed) throw denial(decision);
      return;
    }
    const bySession = async (): Promise<RequestAccess> => {
      const principal = entry.scope === 'public' ? ({ kind: 'anonymous' } as const) : await auth.authenticate(bearer);
      const resource = entry.scope === 'project' ? await resolveResource(deps.database, config?.resource ?? 'system', request.params as Record<string, string>) : ({ kind: 'none' } as const);
      return { action, policy: entry, principal, resource, decision: authorize(principal, action, resource, deps.now(), policy) };
    };
    const view = tileViewOf(action, request.params);
    try {
      request.access = view ? await tileCapabilities.decide(request, reply, view, bearer, deps.now().getTime(), bySession) : await bySession();
    } catch (error) {
      // A forged or expired tile capability: audited as a refused anonymous request.
      request.access ??= { action, policy: entry, principal: { kind: 'anonymous' }, resource: { kind: 'none' }, decision: { allowed: false, status: 401, reason: 'unauthenticated' } };
      throw error;
    }
    if (!request.access.decision.allowed) throw denial(request.access.decision);
  });

  // The event is written before the response leaves (onSend, not onResponse): data is never
  // served without its audit event, and when the log cannot be written the request fails closed.
  app.addHook('onSend', async (request, reply, payload) => {
    const access = request.access;
    if (!access || access.policy.audit === 'none') return payload;
    const principal = access.principal;
    const params = (request.params ?? {}) as Record<string, string>;
    const objectType = (request.routeOptions.config as { resource?: string }).resource ?? 'system';
    const entry: AuditEntry = {
      actorId: principal.kind === 'user' ? principal.userId : (access.auditActorId ?? null),
      role: access.decision.allowed ? access.decision.role : null,
      sessionId: principal.kind === 'user' ? principal.sessionId : null,
      address: request.ip ?? null,
      action: access.action,
      objectType,
      objectId: access.resource.kind === 'object' ? access.resource.id : (access.auditObjectId ?? objectIdParam(objectType, params) ?? null),
      projectId: access.resource.kind === 'object' ? access.resource.projectId : null,
      subjectPseudonym: access.subjectPseudonym ?? (access.resource.kind === 'object' ? (access.resource.subjectPseudonym ?? null) : null),
      purpose: purposeOf(access),
      outcome: outcomeOf(access, reply.statusCode),
    };
    const write = access.policy.audit === 'aggregate' && principal.kind === 'user' ? tiles.record(entry, deps.now().getTime()) : audit.append(entry);
    track(write);
    try {
      await write;
    } catch {
      // Fail closed: without its audit event the response is not sent.
      reply.code(503).header('content-type', 'application/json; charset=utf-8').removeHeader('etag');
      return JSON.stringify({ code: 'DLN_STORE_UNAVAILABLE', message: 'The audit log could not be written; the request was not answered' });
    }
    return payload;
  });

  const flushEvery = deps.tileFlushMs ?? 60_000;
  const timer = setInterval(() => track(tiles.flushDue(deps.now().getTime())), flushEvery);
  timer.unref();
  // Checkpoints by time also when no request comes: events wait at most everyMs plus a tick.
  const checkpointTimer = setInterval(() => track(audit.checkpointIfDue()), deps.checkpointTickMs ?? checkpointTickMs(audit.policy));
  checkpointTimer.unref();
  app.addHook('onClose', async () => {
    clearInterval(timer);
    clearInterval(checkpointTimer);
    await Promise.allSettled([...pending]);
    await tiles.flush();
    try {
      await audit.checkpointNow();
    } finally {
      await auditAnchor?.close();
    }
  });

  const runtime: AccessRuntime = {
    now: deps.now,
    auth,
    repo,
    reviews: new AccessReviewRepository(deps.database.db),
    transfers: new TransferRepository(deps.database.db),
    organisations: new OrganisationRepository(deps.database.db),
    audit,
    auditKey,
    auditAnchor,
    tiles,
    tileCapabilities,
    settings,
    policy,
    routes,
    auditSettled: async () => {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
  };
  app.decorate('accessRuntime', runtime);
  return runtime;
}

function objectIdParam(resource: string, params: Record<string, string>): string | undefined {
  return params[`${resource}Id`] ?? params.id;
}

/**
 * The object of a project-scoped route: the `<resource>Id` (or `id`) parameter when the route
 * has one, else the `projectId` parameter. Ids of another type or of nothing are `missing`.
 */
async function resolveResource(database: Database, resource: string, params: Record<string, string>): Promise<PolicyResource> {
  const own = objectIdParam(resource, params);
  const [type, id] = own !== undefined ? [resource, own] : params.projectId !== undefined ? ['project', params.projectId] : [undefined, undefined];
  if (type === undefined || id === undefined) return { kind: 'none' };
  const owner = await resolveObjectOwner(database.db, type, id);
  if (!owner) return { kind: 'missing', type };
  return { kind: 'object', type, id, projectId: owner.projectId, modality: owner.modality as Modality, subjectPseudonym: owner.subjectPseudonym, governance: owner.governance };
}
