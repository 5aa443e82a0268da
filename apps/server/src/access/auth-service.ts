import { DelineateError, type Modality, type QualificationKind, type Role } from '@delineate/schema';
import type { AccessRepository, AccountRow, SessionHolder, SessionRow } from '@delineate/store';
import { PasswordHasher, passwordProblem } from './password';
import type { CredentialCipher } from './secret-box';
import { mfaRequired, policyTable, type MfaState, type Principal, type PolicyTable } from './policy';
import type { AccessSettings } from './settings';
import { CredentialThrottle, LoginThrottle, type CredentialKind } from './throttle';
import { hashRecoveryCode, newRecoveryCodes, newSessionToken, sha256Hex } from './tokens';
import { base32Decode, base32Encode, matchTotp, newTotpSecret, otpauthUri } from './totp';

export interface AuthServiceDeps {
  readonly repo: AccessRepository;
  readonly now: () => Date;
  readonly settings: AccessSettings;
  readonly hasher?: PasswordHasher;
  readonly throttle?: LoginThrottle;
  readonly policy?: PolicyTable;
  /** Encrypts TOTP seeds at rest. */
  readonly cipher: CredentialCipher;
}

export type UserPrincipal = Extract<Principal, { kind: 'user' }>;

export interface LoginResult {
  readonly token: string;
  readonly userId: string;
  readonly sessionId: string;
  readonly mfa: MfaState;
  readonly expiresAt: Date;
  /** Things the user must be told at this sign-in (e.g. an administrator reset their second factor). */
  readonly notices: ReadonlyArray<{ readonly kind: string; readonly createdAt: Date }>;
}

/** Wrong second-factor codes after which a sign-in that has not passed its second factor ends. */
export const PENDING_SESSION_MAX_FAILURES = 5;

/** Notices shown once at the next sign-in. */
const SIGN_IN_NOTICES = ['mfa_reset'];

/** The same message for an unknown user and a wrong password (no user enumeration). */
const INVALID = 'The user name or password is not correct';
const CODE_INVALID = 'The authentication code is wrong';
const RECOVERY_CODE_INVALID = 'The recovery code is wrong or was used before';
const PASSWORD_INVALID = 'The password is wrong';

function rateLimited(retryAfterMs: number): DelineateError {
  return new DelineateError('DLN_AUTH_RATE_LIMITED', 'Too many attempts: wait before trying again', { retryAfterSeconds: Math.ceil(retryAfterMs / 1000) });
}

/**
 * Accounts, sessions and second factors. Stateless apart from the login throttle: sessions
 * live in the database (token stored as SHA-256), so any server can check any session and
 * logout or revocation takes effect everywhere at once.
 */
export class AuthService {
  readonly #repo: AccessRepository;
  readonly #now: () => Date;
  readonly #settings: AccessSettings;
  readonly #hasher: PasswordHasher;
  readonly #throttle: LoginThrottle;
  readonly #credentialThrottle: CredentialThrottle;
  readonly #policy: PolicyTable;
  readonly #cipher: CredentialCipher;

  constructor(deps: AuthServiceDeps) {
    this.#repo = deps.repo;
    this.#now = deps.now;
    this.#settings = deps.settings;
    this.#hasher = deps.hasher ?? new PasswordHasher();
    this.#throttle = deps.throttle ?? new LoginThrottle();
    this.#credentialThrottle = new CredentialThrottle(this.#throttle);
    this.#policy = deps.policy ?? policyTable;
    this.#cipher = deps.cipher;
  }

  get settings(): AccessSettings {
    return this.#settings;
  }

  async createAccount(input: { username: string; displayName: string; password: string; platformAdmin?: boolean }): Promise<AccountRow> {
    const problem = passwordProblem(input.password, { username: input.username, displayName: input.displayName });
    if (problem) throw new DelineateError('DLN_AUTH_PASSWORD_WEAK', problem);
    const now = this.#now();
    if (await this.#repo.findUserByUsername(input.username)) {
      throw new DelineateError('DLN_CONFLICT', 'A user with this user name exists');
    }
    const user = await this.#repo.createUser({ ...input, now });
    await this.#repo.setPasswordHash(user.id, await this.#hasher.hash(input.password), now);
    return user;
  }

  /**
   * Checks the password (and a TOTP code when given) and opens a new session with a new token.
   * Unknown accounts cost the same argon2 work as known ones; throttling is per (account,
   * address) and per address, never a lock-out of the account.
   */
  async login(input: {
    username: string;
    password: string;
    address: string;
    totpCode?: string;
    previousToken?: string;
    /** Told the account id when the name matched one, for the audit event (never the client). */
    onAccount?: (userId: string) => void;
  }): Promise<LoginResult> {
    const now = this.#now();
    const account = input.username.trim().toLowerCase();
    const decision = await this.#throttle.check(account, input.address, now.getTime());
    if (!decision.allowed) throw rateLimited(decision.retryAfterMs);
    const user = await this.#repo.findUserByUsername(account);
    if (user) input.onAccount?.(user.id);
    const stored = user ? await this.#repo.getPasswordHash(user.id) : undefined;
    if (!user || !stored || user.disabled) {
      await this.#hasher.verifyDummy(input.password);
      await this.#throttle.recordFailure(account, input.address, now.getTime());
      throw new DelineateError('DLN_AUTH_INVALID_CREDENTIALS', INVALID);
    }
    const check = await this.#hasher.verify(stored, input.password);
    if (!check.ok) {
      await this.#throttle.recordFailure(account, input.address, now.getTime());
      throw new DelineateError('DLN_AUTH_INVALID_CREDENTIALS', INVALID);
    }
    if (check.needsRehash) await this.#repo.setPasswordHash(user.id, await this.#hasher.hash(input.password), now);

    let mfaVerified = false;
    if (input.totpCode !== undefined) {
      // The code is a second-factor guess like any other: the same per-account throttle.
      await this.#checkThrottle('second_factor', user.id, now);
      // Only a confirmed seed: an enrolment is confirmed at /mfa/verify, which hands out the recovery codes.
      mfaVerified = await this.#checkTotp(user.id, input.totpCode, now, { confirmedOnly: true });
      if (!mfaVerified) {
        await this.#throttle.recordFailure(account, input.address, now.getTime());
        await this.#credentialThrottle.recordFailure('second_factor', user.id, now.getTime());
        throw new DelineateError('DLN_AUTH_CODE_INVALID', CODE_INVALID);
      }
      await this.#credentialThrottle.recordSuccess('second_factor', user.id);
    }
    await this.#throttle.recordSuccess(account, input.address);
    // Rotation: a session token the client still held is ended, never reused.
    if (input.previousToken) {
      const previous = await this.#repo.findSessionByTokenHash(sha256Hex(input.previousToken));
      if (previous) await this.#repo.revokeSession(previous.id, 'rotated_at_login', now);
    }
    const token = newSessionToken();
    const expiresAt = new Date(now.getTime() + this.#settings.absoluteTimeoutMs);
    const session = await this.#repo.createSession({ userId: user.id, tokenHash: sha256Hex(token), address: input.address, now, expiresAt, mfaVerified });
    const principal = await this.#principalFor(user, session, now);
    const notices = await this.#repo.takeNotices(user.id, SIGN_IN_NOTICES, now);
    return { token, userId: user.id, sessionId: session.id, mfa: principal.mfa, expiresAt, notices };
  }

  /** The principal of a session token, or anonymous. Enforces idle and absolute timeouts. */
  async authenticate(token: string | undefined): Promise<Principal> {
    if (!token) return { kind: 'anonymous' };
    const now = this.#now();
    // One query for the session, its user and what the principal is built from (no cache).
    const holder = await this.#repo.findSessionHolder(sha256Hex(token), now);
    if (!holder || holder.session.revoked_at !== null) return { kind: 'anonymous' };
    const { session, user } = holder;
    if (now.getTime() >= session.expires_at.getTime()) {
      await this.#repo.revokeSession(session.id, 'absolute_timeout', now);
      return { kind: 'anonymous' };
    }
    if (now.getTime() - session.last_seen_at.getTime() >= this.#settings.idleTimeoutMs) {
      await this.#repo.revokeSession(session.id, 'idle_timeout', now);
      return { kind: 'anonymous' };
    }
    if (!user || user.disabled) {
      await this.#repo.revokeSession(session.id, 'user_disabled', now);
      return { kind: 'anonymous' };
    }
    // Activity is recorded at most every 30 s: the idle timeout needs no finer grain, and a
    // burst of tile requests should not write the session row each time.
    if (now.getTime() - session.last_seen_at.getTime() >= 30_000) await this.#repo.touchSession(session.id, now);
    return this.#principalOf(user, session, holder);
  }

  async logout(sessionId: string): Promise<void> {
    await this.#repo.revokeSession(sessionId, 'logout', this.#now());
  }

  /** Disables an account and ends all of its sessions in one transaction. */
  async setDisabled(userId: string, disabled: boolean): Promise<void> {
    const done = await this.#repo.setDisabled(userId, disabled, this.#now());
    if (!done) throw new DelineateError('DLN_NOT_FOUND', 'No such user');
  }

  /**
   * Re-entering the password (also the password signature of a review) opens the short window
   * in which credentials may change. Throttled per account like second-factor codes.
   */
  async reauthenticate(principal: UserPrincipal, password: string): Promise<void> {
    const now = this.#now();
    await this.#checkThrottle('password', principal.userId, now);
    const stored = await this.#repo.getPasswordHash(principal.userId);
    const ok = stored ? (await this.#hasher.verify(stored, password)).ok : false;
    if (!ok) {
      await this.#credentialThrottle.recordFailure('password', principal.userId, now.getTime());
      throw new DelineateError('DLN_AUTH_PASSWORD_INVALID', PASSWORD_INVALID);
    }
    await this.#credentialThrottle.recordSuccess('password', principal.userId);
    await this.#repo.markSessionReauthenticated(principal.sessionId, now);
  }

  /**
   * Changes the password after re-entering the current one; ends the user's other sessions.
   * A sign-in still owing its second factor may not: the password alone must not take over
   * an account that has one.
   */
  async changePassword(principal: UserPrincipal, currentPassword: string, newPassword: string): Promise<void> {
    if (principal.mfa === 'pending') throw new DelineateError('DLN_AUTH_MFA_REQUIRED', 'Enter the code from your authenticator app first');
    await this.reauthenticate(principal, currentPassword);
    const user = await this.#repo.getUser(principal.userId);
    const problem = passwordProblem(newPassword, { username: user?.username ?? '', displayName: user?.displayName ?? '' });
    if (problem) throw new DelineateError('DLN_AUTH_PASSWORD_WEAK', problem);
    const now = this.#now();
    await this.#repo.setPasswordHash(principal.userId, await this.#hasher.hash(newPassword), now);
    await this.#repo.revokeUserSessions(principal.userId, 'password_changed', now, principal.sessionId);
  }

  /**
   * Starts TOTP enrolment: a new secret, unconfirmed until a code from it is verified. Replacing
   * a confirmed second factor needs this session to have passed that factor (or a recovery
   * code) and a recent password; the new seed waits beside the confirmed one, which stays in
   * force until a code from the new one is proved.
   */
  async beginTotpEnrolment(principal: UserPrincipal, accountName: string): Promise<{ secret: string; uri: string }> {
    const existing = await this.#repo.getTotp(principal.userId);
    const secret = newTotpSecret();
    const sealed = this.#cipher.seal(base32Encode(secret));
    if (existing?.confirmedAt) {
      if (principal.mfa !== 'verified') {
        throw new DelineateError('DLN_AUTH_MFA_REQUIRED', 'Enter a code from your current authenticator (or a recovery code) before replacing it');
      }
      await this.#requireRecentReauth(principal);
      if (!(await this.#repo.setReplacementTotp(principal.userId, sealed))) throw new DelineateError('DLN_CONFLICT', 'The second factor changed meanwhile; try again');
    } else {
      await this.#repo.setPendingTotp(principal.userId, sealed, this.#now());
    }
    return { secret: base32Encode(secret), uri: otpauthUri(secret, accountName) };
  }

  /**
   * Verifies a TOTP code (confirming a pending enrolment or a replacement) or a recovery code
   * for this session. Returns fresh recovery codes when this confirmed a new seed, and a new
   * session token (the session's privilege rose, so its token rotates). Guesses are throttled
   * per account, and a sign-in still owing its second factor ends after a few wrong codes.
   */
  async verifySecondFactor(
    principal: UserPrincipal,
    input: { code?: string; recoveryCode?: string },
  ): Promise<{ recoveryCodes?: string[]; token: string }> {
    const now = this.#now();
    await this.#checkThrottle('second_factor', principal.userId, now);
    const before = await this.#repo.getTotp(principal.userId);
    let ok = false;
    let newSeed = false;
    if (input.code !== undefined) {
      // Only a session that already passed the confirmed factor may prove its replacement.
      if (before?.replacementSecret && principal.mfa === 'verified') newSeed = ok = await this.#confirmReplacement(principal.userId, before.replacementSecret, input.code, now);
      if (!ok) {
        ok = await this.#checkTotp(principal.userId, input.code, now);
        newSeed = ok && before !== undefined && before.confirmedAt === null;
      }
    } else if (input.recoveryCode !== undefined) {
      ok = await this.#repo.useRecoveryCode(principal.userId, hashRecoveryCode(input.recoveryCode), now);
    }
    if (!ok) {
      await this.#credentialThrottle.recordFailure('second_factor', principal.userId, now.getTime());
      const failures = await this.#repo.recordSecondFactorFailure(principal.sessionId);
      if (principal.mfa !== 'verified' && failures >= PENDING_SESSION_MAX_FAILURES) {
        await this.#repo.revokeSession(principal.sessionId, 'second_factor_failures', now);
        throw new DelineateError('DLN_AUTH_REQUIRED', 'Too many wrong codes: sign in again');
      }
      throw input.code !== undefined ? new DelineateError('DLN_AUTH_CODE_INVALID', CODE_INVALID) : new DelineateError('DLN_AUTH_CODE_INVALID', RECOVERY_CODE_INVALID);
    }
    await this.#credentialThrottle.recordSuccess('second_factor', principal.userId);
    let recoveryCodes: string[] | undefined;
    if (newSeed) {
      recoveryCodes = newRecoveryCodes();
      await this.#repo.replaceRecoveryCodes(principal.userId, recoveryCodes.map(hashRecoveryCode), now);
    }
    const token = await this.#rotate(principal.sessionId, now, true);
    return recoveryCodes ? { recoveryCodes, token } : { token };
  }

  /**
   * A platform administrator resets another user's second factor (lost device): the seed and
   * recovery codes go, the user's sessions end and they are told at their next sign-in, where
   * they enrol again. Their own factor an administrator replaces like anyone else.
   */
  async resetSecondFactor(admin: UserPrincipal, userId: string): Promise<void> {
    if (admin.userId === userId) throw new DelineateError('DLN_REQUEST_INVALID', 'Replace your own second factor from your own session');
    await this.#requireRecentReauth(admin);
    if (!(await this.#repo.getUser(userId))) throw new DelineateError('DLN_NOT_FOUND', 'No such user');
    await this.#repo.resetSecondFactor(userId, admin.userId, this.#now());
  }

  /** New recovery codes (the old ones stop working); needs a recent re-authentication. */
  async regenerateRecoveryCodes(principal: UserPrincipal): Promise<string[]> {
    await this.#requireRecentReauth(principal);
    const codes = newRecoveryCodes();
    await this.#repo.replaceRecoveryCodes(principal.userId, codes.map(hashRecoveryCode), this.#now());
    return codes;
  }

  async #requireRecentReauth(principal: UserPrincipal): Promise<void> {
    const session = await this.#repo.getSession(principal.sessionId);
    const now = this.#now().getTime();
    if (!session || now - session.reauthenticated_at.getTime() > this.#settings.reauthWindowMs) {
      throw new DelineateError('DLN_AUTH_REAUTH_REQUIRED', 'Enter your password again to change credentials');
    }
  }

  async #checkThrottle(kind: CredentialKind, userId: string, now: Date): Promise<void> {
    const decision = await this.#credentialThrottle.check(kind, userId, now.getTime());
    if (!decision.allowed) throw rateLimited(decision.retryAfterMs);
  }

  async #confirmReplacement(userId: string, sealed: string, code: string, now: Date): Promise<boolean> {
    const step = matchTotp(base32Decode(this.#cipher.open(sealed)), code.trim(), now.getTime());
    if (step === undefined) return false;
    return this.#repo.confirmReplacementTotp(userId, sealed, step, now);
  }

  async #checkTotp(userId: string, code: string, now: Date, options: { confirmedOnly?: boolean } = {}): Promise<boolean> {
    const totp = await this.#repo.getTotp(userId);
    if (!totp || (options.confirmedOnly && !totp.confirmedAt)) return false;
    const step = matchTotp(base32Decode(this.#cipher.open(totp.secret)), code.trim(), now.getTime());
    if (step === undefined) return false;
    return this.#repo.useTotpStep(userId, step, now);
  }

  /** Replaces the session by a new one with a new token, carrying its MFA state forward. */
  async #rotate(sessionId: string, now: Date, mfaVerified: boolean): Promise<string> {
    const old = await this.#repo.getSession(sessionId);
    if (!old || old.revoked_at !== null) throw new DelineateError('DLN_AUTH_REQUIRED', 'The session has ended');
    await this.#repo.revokeSession(sessionId, 'rotated', now);
    const token = newSessionToken();
    await this.#repo.createSession({
      userId: old.user_id,
      tokenHash: sha256Hex(token),
      address: old.address,
      now,
      // Rotation never extends the absolute lifetime of the sign-in.
      expiresAt: old.expires_at,
      mfaVerified,
      // A code is not the password: the time the password was last entered carries over.
      reauthenticatedAt: old.reauthenticated_at,
    });
    return token;
  }

  async #principalFor(user: AccountRow, session: SessionRow, now: Date): Promise<UserPrincipal> {
    const [memberships, qualifications, grants, totp, organisation] = await Promise.all([
      this.#repo.membershipsOfUser(user.id),
      this.#repo.qualificationsOfUser(user.id),
      this.#repo.activeBreakGlass(user.id, now),
      this.#repo.getTotp(user.id),
      this.#repo.organisationStanding(user.id),
    ]);
    return this.#principalOf(user, session, {
      memberships: memberships.map((m) => ({ projectId: m.project_id, role: m.role })),
      qualifications: qualifications.map((q) => ({ kind: q.kind, modality: q.modality, validUntil: q.valid_until })),
      breakGlass: grants.map((g) => ({ projectId: g.project_id, role: g.role })),
      totpConfirmed: Boolean(totp?.confirmedAt),
      organisation,
    });
  }

  #principalOf(user: AccountRow, session: SessionRow, held: Pick<SessionHolder, 'memberships' | 'qualifications' | 'breakGlass' | 'totpConfirmed' | 'organisation'>): UserPrincipal {
    const roles = [
      ...held.memberships.map((m) => ({ projectId: m.projectId, role: m.role as Role, viaBreakGlass: false })),
      ...held.breakGlass.map((g) => ({ projectId: g.projectId, role: g.role as Role, viaBreakGlass: true })),
    ];
    let mfa: MfaState;
    if (session.mfa_verified_at !== null) mfa = 'verified';
    else if (held.totpConfirmed) mfa = 'pending';
    else if (!this.#settings.relaxMfa && mfaRequired(this.#policy, user.platformAdmin, roles.map((r) => r.role))) mfa = 'enrolment_required';
    else mfa = 'not_required';
    return {
      kind: 'user',
      userId: user.id,
      sessionId: session.id,
      platformAdmin: user.platformAdmin,
      mfa,
      roles,
      qualifications: held.qualifications.map((q) => ({
        kind: q.kind as QualificationKind,
        modality: q.modality as Modality | null,
        validUntil: q.validUntil,
      })),
      organisation: held.organisation,
    };
  }
}
