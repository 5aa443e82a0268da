import { randomBytes, timingSafeEqual } from 'node:crypto';
import { DelineateError, type Modality, type QualificationKind, type Role } from '@delineate/schema';
import { AccessRepository, ApiTokenRepository, type ApiTokenRow, type Database } from '@delineate/store';
import type { Principal } from './policy';
import type { LoginThrottle } from './throttle';
import { sha256Hex } from './tokens';

/**
 * API tokens: what the CLI (and other clients) present instead of a session when a server runs
 * on the data folder. `dln_` + 256 random bits, shown once and stored as SHA-256. A token acts as
 * its user, never beyond: the policy function still decides every request against the user's
 * current memberships and qualifications; the token's scopes only narrow what it may ask.
 */
export const API_TOKEN_PREFIX = 'dln_';

/** The scopes a token may carry, each the actions (policy-table names) it opens. */
export const apiTokenScopes = {
  ingest: ['ingest.create', 'project.list', 'project.read'],
  'audit:read': ['audit.verify', 'audit.read', 'audit.export'],
  'access-review:read': ['access_review.read', 'project.list', 'project.read'],
} as const satisfies Record<string, readonly string[]>;

export type ApiTokenScope = keyof typeof apiTokenScopes;
export const apiTokenScopeNames = Object.keys(apiTokenScopes) as ApiTokenScope[];

/** The longest a token may live: a forgotten token must end on its own. */
export const API_TOKEN_MAX_DAYS = 365;

/**
 * Actions a token is never accepted for, whatever its scopes: signing in, second factors,
 * passwords and re-authentication need the person, not a stored secret; and a token cannot
 * mint or manage tokens.
 */
export function tokenNeverAccepted(action: string): boolean {
  return action.startsWith('auth.') || action === 'user.mfa.reset' || action.startsWith('api_token.');
}

export function isApiToken(bearer: string | undefined): bearer is string {
  return bearer?.startsWith(API_TOKEN_PREFIX) === true;
}

/** `ingest,audit:read` → the scopes, refusing unknown names and an empty list. */
export function parseApiTokenScopes(text: string | readonly string[]): ApiTokenScope[] {
  const names = (typeof text === 'string' ? text.split(',') : [...text]).map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !(apiTokenScopeNames as string[]).includes(n));
  if (names.length === 0 || unknown.length > 0) {
    throw new DelineateError('DLN_REQUEST_INVALID', `Token scopes must be one or more of ${apiTokenScopeNames.join(', ')}`);
  }
  return [...new Set(names)] as ApiTokenScope[];
}

/** `30d`, `12h` or a number of days → milliseconds, within {@link API_TOKEN_MAX_DAYS}. */
export function parseTokenLifetime(text: string): number {
  const match = /^(\d{1,4})([dh]?)$/.exec(text.trim());
  const ms = match ? Number(match[1]) * (match[2] === 'h' ? 3_600_000 : 86_400_000) : NaN;
  if (!Number.isFinite(ms) || ms <= 0 || ms > API_TOKEN_MAX_DAYS * 86_400_000) {
    throw new DelineateError('DLN_REQUEST_INVALID', `A token lifetime is a number of days (30d) or hours (12h), at most ${API_TOKEN_MAX_DAYS} days`);
  }
  return ms;
}

/** What is shown of a token: never its value or hash. */
export interface ApiTokenView {
  readonly id: string;
  readonly userId: string;
  readonly username: string;
  readonly name: string;
  readonly scopes: readonly string[];
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly revokedAt: string | null;
  readonly lastUsedAt: string | null;
}

function view(row: ApiTokenRow, username: string): ApiTokenView {
  return {
    id: row.id,
    userId: row.userId,
    username,
    name: row.name,
    scopes: row.scopes,
    createdAt: row.createdAt.toISOString(),
    expiresAt: row.expiresAt.toISOString(),
    revokedAt: row.revokedAt?.toISOString() ?? null,
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
  };
}

/** Creating, listing and revoking tokens: used by the token routes and by the CLI when no server runs. */
export class ApiTokens {
  readonly #tokens: ApiTokenRepository;
  readonly #access: AccessRepository;

  constructor(database: Database) {
    this.#tokens = new ApiTokenRepository(database.db);
    this.#access = new AccessRepository(database.db);
  }

  /** A new token for the user named (user name, often an e-mail address); the value is returned once. */
  async create(input: { username: string; scopes: readonly string[]; lifetimeMs: number; name?: string; now: Date }): Promise<{ token: string; view: ApiTokenView }> {
    const scopes = parseApiTokenScopes(input.scopes);
    const user = await this.#access.findUserByUsername(input.username.trim().toLowerCase());
    if (!user || user.disabled) throw new DelineateError('DLN_NOT_FOUND', 'No active user with this user name');
    const token = `${API_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
    const row = await this.#tokens.create({
      userId: user.id,
      name: input.name?.trim() || `token for ${scopes.join(', ')}`,
      tokenHash: sha256Hex(token),
      scopes,
      now: input.now,
      expiresAt: new Date(input.now.getTime() + input.lifetimeMs),
    });
    return { token, view: view(row, user.username) };
  }

  async list(): Promise<ApiTokenView[]> {
    const rows = await this.#tokens.list();
    const names = new Map<string, string>();
    for (const row of rows) if (!names.has(row.userId)) names.set(row.userId, (await this.#access.getUser(row.userId))?.username ?? '');
    return rows.map((row) => view(row, names.get(row.userId) ?? ''));
  }

  /** Revokes a token by id; DLN_NOT_FOUND when there is no live token with this id. */
  async revoke(id: string, now: Date): Promise<ApiTokenView> {
    if (!(await this.#tokens.revoke(id, now))) throw new DelineateError('DLN_NOT_FOUND', 'No live token with this id');
    const row = (await this.#tokens.get(id))!;
    return view(row, (await this.#access.getUser(row.userId))?.username ?? '');
  }
}

/** The outcome of presenting a token: a principal, or a coded refusal naming the token's user when known. */
export type TokenAuthentication =
  | { readonly ok: true; readonly principal: Extract<Principal, { kind: 'user' }>; readonly tokenId: string }
  | { readonly ok: false; readonly error: DelineateError; readonly userId: string | null };

/**
 * Checks a presented token for one action: known, live, unexpired, its user active, the action
 * within its scopes and not one tokens are never accepted for. Unknown tokens count as failed
 * sign-ins of the caller's address (the same throttle as passwords), so tokens cannot be guessed
 * faster than passwords.
 */
export class ApiTokenAuthenticator {
  readonly #tokens: ApiTokenRepository;
  readonly #access: AccessRepository;
  readonly #throttle: LoginThrottle;

  constructor(database: Database, throttle: LoginThrottle) {
    this.#tokens = new ApiTokenRepository(database.db);
    this.#access = new AccessRepository(database.db);
    this.#throttle = throttle;
  }

  async authenticate(token: string, action: string, address: string, now: Date): Promise<TokenAuthentication> {
    const refuse = (error: DelineateError, userId: string | null = null): TokenAuthentication => ({ ok: false, error, userId });
    const throttled = await this.#throttle.check('api-token', address, now.getTime());
    if (!throttled.allowed) {
      return refuse(new DelineateError('DLN_AUTH_RATE_LIMITED', 'Too many attempts: wait before trying again', { retryAfterSeconds: Math.ceil(throttled.retryAfterMs / 1000) }));
    }
    const row = await this.#tokens.findByHash(sha256Hex(token));
    if (!row) {
      await this.#throttle.recordFailure('api-token', address, now.getTime());
      return refuse(new DelineateError('DLN_TOKEN_INVALID', 'The API token is not known'));
    }
    if (row.revokedAt !== null) return refuse(new DelineateError('DLN_TOKEN_REVOKED', 'The API token was revoked'), row.userId);
    if (now.getTime() >= row.expiresAt.getTime()) return refuse(new DelineateError('DLN_TOKEN_EXPIRED', 'The API token has expired: create a new one'), row.userId);
    if (tokenNeverAccepted(action)) return refuse(new DelineateError('DLN_TOKEN_NOT_ACCEPTED', 'API tokens are not accepted here: sign in as a person'), row.userId);
    const opened = row.scopes.flatMap((scope) => (apiTokenScopes as Record<string, readonly string[]>)[scope] ?? []);
    if (!opened.includes(action)) return refuse(new DelineateError('DLN_TOKEN_SCOPE', `The API token's scopes (${row.scopes.join(', ')}) do not cover this request`), row.userId);
    const user = await this.#access.getUser(row.userId);
    if (!user || user.disabled) return refuse(new DelineateError('DLN_TOKEN_REVOKED', 'The API token’s user is disabled'), row.userId);
    const [memberships, qualifications, organisation] = await Promise.all([
      this.#access.membershipsOfUser(user.id),
      this.#access.qualificationsOfUser(user.id),
      this.#access.organisationStanding(user.id),
    ]);
    // Last use is kept to the minute: enough to find unused tokens without a write per request.
    if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() >= 60_000) await this.#tokens.touch(row.id, now);
    return {
      ok: true,
      tokenId: row.id,
      principal: {
        kind: 'user',
        userId: user.id,
        // Audit events name the token, so every use of it is found in the log.
        sessionId: `token:${row.id}`,
        platformAdmin: user.platformAdmin,
        // A token is issued by the operator of the data folder or a platform administrator who
        // passed a second factor; it is a credential of its own, never a way around one (tokens
        // are refused on every sign-in, factor and password route).
        mfa: 'verified',
        // Memberships only: an emergency (break-glass) grant belongs to a person's session.
        roles: memberships.map((m) => ({ projectId: m.project_id, role: m.role as Role, viaBreakGlass: false })),
        qualifications: qualifications.map((q) => ({ kind: q.kind as QualificationKind, modality: q.modality as Modality | null, validUntil: q.valid_until })),
        organisation,
      },
    };
  }
}

/**
 * The operator key: written by `delineate start` into the data folder's server file for the CLI
 * on the same machine (whoever can read the data folder already holds the database), and
 * accepted only for managing tokens, so `delineate token create` works while the server holds
 * the database.
 */
export const OPERATOR_KEY_PREFIX = 'dlo_';

export function newOperatorKey(): string {
  return `${OPERATOR_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
}

export function operatorKeyMatches(expected: string | undefined, presented: string | undefined): boolean {
  if (!expected || !presented?.startsWith(OPERATOR_KEY_PREFIX)) return false;
  const a = Buffer.from(sha256Hex(expected), 'hex');
  const b = Buffer.from(sha256Hex(presented), 'hex');
  return timingSafeEqual(a, b);
}
