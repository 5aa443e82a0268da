import { DelineateError } from '@delineate/schema';
import { AccessRepository, LoginFailureRepository } from '@delineate/store';
import { expect, it } from 'vitest';
import { AuthService, PENDING_SESSION_MAX_FAILURES, type UserPrincipal } from './auth-service';
import { PasswordHasher, parsePhc } from './password';
import { CredentialCipher } from './secret-box';
import { defaultAccessSettings, type AccessSettings } from './settings';
import { FakeClock, describeWithDatabase, seedProject, testHasher } from './test/fixtures';
import { DatabaseThrottleState, LoginThrottle } from './throttle';
import { sha256Hex } from './tokens';
import { base32Decode, totp } from './totp';

const PASSWORD = 'correct horse battery staple';
const cipher = CredentialCipher.inMemory();

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  return promise.then(
    () => undefined,
    (e: unknown) => (e instanceof DelineateError ? e.code : String(e)),
  );
}

describeWithDatabase('AuthService', (getDb) => {
  async function setup(settings: Partial<AccessSettings> = {}, hasher = testHasher) {
    const db = getDb().db;
    const clock = new FakeClock();
    const repo = new AccessRepository(db);
    const auth = new AuthService({ repo, now: clock.now, settings: { ...defaultAccessSettings, ...settings }, hasher, cipher });
    const user = await auth.createAccount({ username: 'ana', displayName: 'Ana', password: PASSWORD });
    return { db, clock, repo, auth, user };
  }
  const signedIn = async (auth: AuthService, token: string) => (await auth.authenticate(token)) as UserPrincipal;

  it('opens a session with a fresh ≥128-bit token stored only as its SHA-256', async () => {
    const { auth, repo, user } = await setup();
    const a = await auth.login({ username: 'ana', password: PASSWORD, address: '10.0.0.1' });
    expect(Buffer.from(a.token, 'base64url').length).toBeGreaterThanOrEqual(16);
    const rows = await repo.sessionsOfUser(user.id);
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(a.token);
    expect(rows[0]!.token_hash).toBe(sha256Hex(a.token));
    expect(await auth.authenticate(a.token)).toMatchObject({ kind: 'user', userId: a.userId, mfa: 'not_required' });
  });

  it('answers an unknown user and a wrong password alike', async () => {
    const { auth } = await setup();
    const failure = (p: Promise<unknown>) => p.then(() => new DelineateError('DLN_INTERNAL', 'login succeeded'), (e: DelineateError) => e);
    const unknown = await failure(auth.login({ username: 'nobody', password: PASSWORD, address: '10.0.0.1' }));
    const wrong = await failure(auth.login({ username: 'ana', password: 'wrong password!!', address: '10.0.0.2' }));
    expect(unknown.code).toBe('DLN_AUTH_INVALID_CREDENTIALS');
    expect([unknown.code, unknown.message, unknown.status]).toEqual([wrong.code, wrong.message, wrong.status]);
  });

  it('spends the same argon2 work on an unknown user as on a wrong password (real parameters)', async () => {
    const { auth } = await setup({}, new PasswordHasher());
    const time = async (username: string, address: string) => {
      const start = performance.now();
      await auth.login({ username, password: 'wrong password!!', address }).catch(() => undefined);
      return performance.now() - start;
    };
    await time('nobody', '10.9.9.9'); // builds the dummy hash once
    const unknown: number[] = [];
    const known: number[] = [];
    for (let i = 0; i < 3; i++) {
      unknown.push(await time(`nobody${i}`, `10.0.1.${i}`));
      known.push(await time('ana', `10.0.2.${i}`));
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    // Medians, interleaved, with wide bounds: the suite shares two cores. Without the dummy
    // hash the unknown path takes a few milliseconds against ~50-100 ms.
    expect(median(unknown) / median(known)).toBeGreaterThan(0.33);
    expect(median(unknown) / median(known)).toBeLessThan(3);
  });

  it('slows guessing from one address without locking out the user elsewhere', async () => {
    const { auth, clock } = await setup();
    for (let i = 0; i < 3; i++) {
      expect(await codeOf(auth.login({ username: 'ana', password: 'guess number ' + i, address: '203.0.113.9' }))).toBe('DLN_AUTH_INVALID_CREDENTIALS');
    }
    expect(await codeOf(auth.login({ username: 'ana', password: PASSWORD, address: '203.0.113.9' }))).toBe('DLN_AUTH_RATE_LIMITED');
    expect(await codeOf(auth.login({ username: 'ana', password: PASSWORD, address: '10.0.0.1' }))).toBeUndefined();
    clock.advance(1000);
    expect(await codeOf(auth.login({ username: 'ana', password: PASSWORD, address: '203.0.113.9' }))).toBeUndefined();
  });

  it('shares the throttle between servers through the database', async () => {
    const { db, repo, clock } = await setup();
    const server = () =>
      new AuthService({
        repo,
        now: clock.now,
        settings: defaultAccessSettings,
        hasher: testHasher,
        cipher,
        throttle: new LoginThrottle(new DatabaseThrottleState(new LoginFailureRepository(db))),
      });
    const [a, b, c] = [server(), server(), server()];
    for (const s of [a, b, c]) expect(await codeOf(s.login({ username: 'ana', password: 'wrong guess!!', address: '203.0.113.9' }))).toBe('DLN_AUTH_INVALID_CREDENTIALS');
    expect(await codeOf(a.login({ username: 'ana', password: PASSWORD, address: '203.0.113.9' }))).toBe('DLN_AUTH_RATE_LIMITED');
    expect(await codeOf(b.login({ username: 'ana', password: PASSWORD, address: '10.0.0.1' }))).toBeUndefined();
    clock.advance(1000);
    expect(await codeOf(c.login({ username: 'ana', password: PASSWORD, address: '203.0.113.9' }))).toBeUndefined();
    // Success cleared the pair for everyone.
    expect(await codeOf(a.login({ username: 'ana', password: PASSWORD, address: '203.0.113.9' }))).toBeUndefined();
  });

  it('ends a session after 15 idle minutes, and activity keeps it alive', async () => {
    const { auth, clock } = await setup();
    const { token } = await auth.login({ username: 'ana', password: PASSWORD, address: '10.0.0.1' });
    clock.advance(14 * 60_000);
    expect((await auth.authenticate(token)).kind).toBe('user');
    clock.advance(14 * 60_000);
    expect((await auth.authenticate(token)).kind).toBe('user');
    clock.advance(15 * 60_000);
    expect((await auth.authenticate(token)).kind).toBe('anonymous');
    clock.advance(-60 * 60_000);
    expect((await auth.authenticate(token)).kind).toBe('anonymous'); // revoked, not merely stale
  });

  it('ends a session after 12 hours however active, with configurable timeouts', async () => {
    const { auth, clock } = await setup({ absoluteTimeoutMs: 2 * 3_600_000 });
    const { token } = await auth.login({ username: 'ana', password: PASSWORD, address: '10.0.0.1' });
    for (let i = 0; i < 11; i++) {
      clock.advance(10 * 60_000);
      expect((await auth.authenticate(token)).kind).toBe('user');
    }
    clock.advance(10 * 60_000);
    expect((await auth.authenticate(token)).kind).toBe('anonymous');
  });

  it('logs out server-side and rotates the token at each login', async () => {
    const { auth } = await setup();
    const first = await auth.login({ username: 'ana', password: PASSWORD, address: '10.0.0.1' });
    const second = await auth.login({ username: 'ana', password: PASSWORD, address: '10.0.0.1', previousToken: first.token });
    expect(second.token).not.toBe(first.token);
    expect((await auth.authenticate(first.token)).kind).toBe('anonymous');
    const p = await signedIn(auth, second.token);
    await auth.logout(p.sessionId);
    expect((await auth.authenticate(second.token)).kind).toBe('anonymous');
  });

  it('ends every session of a user at once when the user is disabled, and refuses new logins', async () => {
    const { auth, user } = await setup();
    const a = await auth.login({ username: 'ana', password: PASSWORD, address: '10.0.0.1' });
    const b = await auth.login({ username: 'ana', password: PASSWORD, address: '10.0.0.2' });
    await auth.setDisabled(user.id, true);
    expect((await auth.authenticate(a.token)).kind).toBe('anonymous');
    expect((await auth.authenticate(b.token)).kind).toBe('anonymous');
    expect(await codeOf(auth.login({ username: 'ana', password: PASSWORD, address: '10.0.0.3' }))).toBe('DLN_AUTH_INVALID_CREDENTIALS');
    await auth.setDisabled(user.id, false);
    expect((await auth.authenticate(a.token)).kind).toBe('anonymous');
  });

  it('demands TOTP enrolment of roles that see images, then verifies codes once each', async () => {
    const { auth, repo, db, clock, user } = await setup();
    const projectId = await seedProject(db);
    await repo.addMembership({ userId: user.id, projectId, role: 'annotator', grantedBy: null, now: clock.now() });
    const login = await auth.login({ username: 'ana', password: PASSWORD, address: '10.0.0.1' });
    expect(login.mfa).toBe('enrolment_required');
    const principal = await signedIn(auth, login.token);
    const { secret, uri } = await auth.beginTotpEnrolment(principal, 'ana');
    expect(uri).toContain(secret);
    const stored = (await repo.getTotp(user.id))!.secret;
    expect(stored.startsWith('v1.')).toBe(true);
    expect(stored).not.toContain(secret);
    const seed = base32Decode(secret);
    expect(await codeOf(auth.verifySecondFactor(principal, { code: '000000' === totp(seed, clock.now().getTime()) ? '111111' : '000000' }))).toBe('DLN_AUTH_CODE_INVALID');
    const confirmed = await auth.verifySecondFactor(principal, { code: totp(seed, clock.now().getTime()) });
    expect(confirmed.recoveryCodes).toHaveLength(10);
    // The privileged session has a new token; the pre-MFA one is gone.
    expect((await auth.authenticate(login.token)).kind).toBe('anonymous');
    expect(await auth.authenticate(confirmed.token)).toMatchObject({ mfa: 'verified' });

    // Next sign-in: MFA pending until a new code; the code just used cannot be replayed.
    const again = await auth.login({ username: 'ana', password: PASSWORD, address: '10.0.0.1' });
    expect(again.mfa).toBe('pending');
    const pending = await signedIn(auth, again.token);
    expect(await codeOf(auth.verifySecondFactor(pending, { code: totp(seed, clock.now().getTime()) }))).toBe('DLN_AUTH_CODE_INVALID');
    clock.advance(30_000);
    const verified = await auth.verifySecondFactor(pending, { code: totp(seed, clock.now().getTime()) });
    expect(verified.recoveryCodes).toBeUndefined();
    expect(await auth.authenticate(verified.token)).toMatchObject({ mfa: 'verified' });

    // Recovery codes work once.
    const third = await auth.login({ username: 'ana', password: PASSWORD, address: '10.0.0.1' });
    const p3 = await signedIn(auth, third.token);
    const recovery = confirmed.recoveryCodes![0]!;
    await auth.verifySecondFactor(p3, { recoveryCode: recovery.toUpperCase() });
    const fourth = await auth.login({ username: 'ana', password: PASSWORD, address: '10.0.0.1' });
    expect(await codeOf(auth.verifySecondFactor(await signedIn(auth, fourth.token), { recoveryCode: recovery }))).toBe('DLN_AUTH_CODE_INVALID');

    // Login with the code in one step.
    clock.advance(30_000);
    const oneStep = await auth.login({ username: 'ana', password: PASSWORD, address: '10.0.0.1', totpCode: totp(seed, clock.now().getTime()) });
    expect(oneStep.mfa).toBe('verified');
  });

  it('relaxes MFA only when the demo setting says so', async () => {
    const { auth, repo, db, clock, user } = await setup({ relaxMfa: true });
    const projectId = await seedProject(db);
    await repo.addMembership({ userId: user.id, projectId, role: 'annotator', grantedBy: null, now: clock.now() });
    expect((await auth.login({ username: 'ana', password: PASSWORD, address: '10.0.0.1' })).mfa).toBe('not_required');
  });

  it('changes the password only with the current one, ending the other sessions', async () => {
    const { auth } = await setup();
    const other = await auth.login({ username: 'ana', password: PASSWORD, address: '10.0.0.2' });
    const mine = await auth.login({ username: 'ana', password: PASSWORD, address: '10.0.0.1' });
    const me = await signedIn(auth, mine.token);
    expect(await codeOf(auth.changePassword(me, 'not my password', 'a brand new passphrase'))).toBe('DLN_AUTH_PASSWORD_INVALID');
    expect(await codeOf(auth.changePassword(me, PASSWORD, 'short'))).toBe('DLN_AUTH_PASSWORD_WEAK');
    await auth.changePassword(me, PASSWORD, 'a brand new passphrase');
    expect((await auth.authenticate(other.token)).kind).toBe('anonymous');
    expect((await auth.authenticate(mine.token)).kind).toBe('user');
    expect(await codeOf(auth.login({ username: 'ana', password: PASSWORD, address: '10.0.0.5' }))).toBe('DLN_AUTH_INVALID_CREDENTIALS');
    expect(await codeOf(auth.login({ username: 'ana', password: 'a brand new passphrase', address: '10.0.0.5' }))).toBeUndefined();
  });

  it('needs a recent re-authentication to replace a second factor or recovery codes', async () => {
    const { auth, clock } = await setup();
    const login = await auth.login({ username: 'ana', password: PASSWORD, address: '10.0.0.1' });
    let me = await signedIn(auth, login.token);
    const { secret } = await auth.beginTotpEnrolment(me, 'ana');
    const { token } = await auth.verifySecondFactor(me, { code: totp(base32Decode(secret), clock.now().getTime()) });
    me = await signedIn(auth, token);
    clock.advance(6 * 60_000);
    expect(await codeOf(auth.beginTotpEnrolment(me, 'ana'))).toBe('DLN_AUTH_REAUTH_REQUIRED');
    expect(await codeOf(auth.regenerateRecoveryCodes(me))).toBe('DLN_AUTH_REAUTH_REQUIRED');
    expect(await codeOf(auth.reauthenticate(me, 'wrong password!!'))).toBe('DLN_AUTH_PASSWORD_INVALID');
    await auth.reauthenticate(me, PASSWORD);
    expect(await auth.regenerateRecoveryCodes(me)).toHaveLength(10);
    expect((await auth.beginTotpEnrolment(me, 'ana')).secret).not.toBe(secret);
  });

  it('rehashes a password stored with weaker parameters at login', async () => {
    const { repo, clock, user } = await setup();
    const stronger = new PasswordHasher({ testOnlyParams: { memoryKiB: 512, timeCost: 1, parallelism: 1 } });
    const auth = new AuthService({ repo, now: clock.now, settings: defaultAccessSettings, hasher: stronger, cipher: CredentialCipher.inMemory() });
    await auth.login({ username: 'ana', password: PASSWORD, address: '10.0.0.1' });
    expect(parsePhc((await repo.getPasswordHash(user.id))!)?.memoryKiB).toBe(512);
  });

  /** Ana with a confirmed authenticator and her recovery codes, signed out. */
  async function enrolled(settings: Partial<AccessSettings> = {}) {
    const ctx = await setup(settings);
    const projectId = await seedProject(ctx.db);
    await ctx.repo.addMembership({ userId: ctx.user.id, projectId, role: 'annotator', grantedBy: null, now: ctx.clock.now() });
    const first = await ctx.auth.login({ username: 'ana', password: PASSWORD, address: '10.0.0.1' });
    const principal = await signedIn(ctx.auth, first.token);
    const seed = base32Decode((await ctx.auth.beginTotpEnrolment(principal, 'ana')).secret);
    const { recoveryCodes } = await ctx.auth.verifySecondFactor(principal, { code: totp(seed, ctx.clock.now().getTime()) });
    ctx.clock.advance(30_000);
    return { ...ctx, seed, recoveryCodes: recoveryCodes!, code: () => totp(seed, ctx.clock.now().getTime()) };
  }
  const wrongCode = (right: string) => (right === '000000' ? '111111' : '000000');

  it('never lets a password-only sign-in replace a confirmed second factor', async () => {
    const { auth, repo, user, code } = await enrolled();
    const stolen = await auth.login({ username: 'ana', password: PASSWORD, address: '198.51.100.7' });
    expect(stolen.mfa).toBe('pending');
    const attacker = await signedIn(auth, stolen.token);
    expect(await codeOf(auth.beginTotpEnrolment(attacker, 'ana'))).toBe('DLN_AUTH_MFA_REQUIRED');
    expect(await codeOf(auth.changePassword(attacker, PASSWORD, 'an attacker chosen passphrase'))).toBe('DLN_AUTH_MFA_REQUIRED');
    expect((await repo.getTotp(user.id))!.replacementSecret).toBeNull();
    expect(await repo.countUnusedRecoveryCodes(user.id)).toBe(10);
    // The real authenticator still works.
    const verified = await auth.verifySecondFactor(attacker, { code: code() });
    expect(verified.recoveryCodes).toBeUndefined();
  });

  it('replaces a factor only after that factor (or a recovery code) and a recent password; the old one holds until the new one is proved', async () => {
    const { auth, repo, user, clock, seed, recoveryCodes } = await enrolled();
    const login = await auth.login({ username: 'ana', password: PASSWORD, address: '10.0.0.1' });
    // A recovery code counts as the factor (lost phone).
    let me = await signedIn(auth, (await auth.verifySecondFactor(await signedIn(auth, login.token), { recoveryCode: recoveryCodes[0]! })).token);
    const { secret } = await auth.beginTotpEnrolment(me, 'ana');
    const next = base32Decode(secret);
    // Abandoned here, the account keeps its confirmed factor: a later password-only sign-in is pending, not enrolling.
    expect((await auth.login({ username: 'ana', password: PASSWORD, address: '10.0.0.2' })).mfa).toBe('pending');
    clock.advance(30_000);
    const proved = await auth.verifySecondFactor(me, { code: totp(next, clock.now().getTime()) });
    expect(proved.recoveryCodes).toHaveLength(10);
    expect(await repo.countUnusedRecoveryCodes(user.id)).toBe(10);
    expect(await codeOf(auth.verifySecondFactor(await signedIn(auth, proved.token), { recoveryCode: recoveryCodes[1]! }))).toBe('DLN_AUTH_CODE_INVALID');
    clock.advance(30_000);
    const later = await signedIn(auth, (await auth.login({ username: 'ana', password: PASSWORD, address: '10.0.0.3' })).token);
    expect(await codeOf(auth.verifySecondFactor(later, { code: totp(seed, clock.now().getTime()) }))).toBe('DLN_AUTH_CODE_INVALID');
    expect(await codeOf(auth.verifySecondFactor(later, { code: totp(next, clock.now().getTime()) }))).toBeUndefined();
    // A code proves the factor, not the password: after the window, replacing needs the password again.
    me = await signedIn(auth, proved.token);
    clock.advance(6 * 60_000);
    const rotated = await signedIn(auth, (await auth.verifySecondFactor(me, { code: totp(next, clock.now().getTime()) })).token);
    expect(await codeOf(auth.beginTotpEnrolment(rotated, 'ana'))).toBe('DLN_AUTH_REAUTH_REQUIRED');
  });

  it('throttles second-factor guesses per account and ends a pending sign-in after a few wrong codes', async () => {
    const { auth, clock, code } = await enrolled();
    const login = await auth.login({ username: 'ana', password: PASSWORD, address: '198.51.100.7' });
    const pending = await signedIn(auth, login.token);
    const outcomes: Array<string | undefined> = [];
    for (let i = 0; i < 600; i++) {
      outcomes.push(await codeOf(auth.verifySecondFactor(pending, { code: wrongCode(code()) })));
      clock.advance(100);
    }
    // Three free guesses, then waits; the fifth wrong code ends the sign-in.
    expect(outcomes.filter((o) => o === 'DLN_AUTH_CODE_INVALID').length).toBe(PENDING_SESSION_MAX_FAILURES - 1);
    expect(outcomes).toContain('DLN_AUTH_RATE_LIMITED');
    const ended = outcomes.indexOf('DLN_AUTH_REQUIRED');
    expect(ended).toBeGreaterThan(0);
    expect(outcomes.slice(ended)).not.toContain('DLN_AUTH_CODE_INVALID');
    expect((await auth.authenticate(login.token)).kind).toBe('anonymous');
    // The right code no longer helps the ended sign-in, and a new one waits too: per account, whatever the address.
    expect(await codeOf(auth.verifySecondFactor(pending, { code: code() }))).toBeDefined();
    const fresh = await signedIn(auth, (await auth.login({ username: 'ana', password: PASSWORD, address: '203.0.113.50' })).token);
    expect(await codeOf(auth.verifySecondFactor(fresh, { code: code() }))).toBe('DLN_AUTH_RATE_LIMITED');
    expect(await codeOf(auth.login({ username: 'ana', password: PASSWORD, address: '203.0.113.51', totpCode: code() }))).toBe('DLN_AUTH_RATE_LIMITED');
    clock.advance(20 * 60_000);
    expect(await codeOf(auth.verifySecondFactor(fresh, { code: code() }))).toBeUndefined();
  });

  it('throttles recovery-code guesses and a wrong code at sign-in the same way, each with its own error', async () => {
    const { auth, code } = await enrolled();
    const pending = await signedIn(auth, (await auth.login({ username: 'ana', password: PASSWORD, address: '10.0.0.1' })).token);
    for (let i = 0; i < 2; i++) expect(await codeOf(auth.verifySecondFactor(pending, { recoveryCode: `guessed-code-${i}` }))).toBe('DLN_AUTH_CODE_INVALID');
    const atLogin = await auth.login({ username: 'ana', password: PASSWORD, address: '10.0.0.9', totpCode: wrongCode(code()) }).catch((e: DelineateError) => e);
    expect([(atLogin as DelineateError).code, (atLogin as DelineateError).message]).toEqual(['DLN_AUTH_CODE_INVALID', 'The authentication code is wrong']);
    expect(await codeOf(auth.verifySecondFactor(pending, { code: code() }))).toBe('DLN_AUTH_RATE_LIMITED');
  });

  it('throttles the password entered again (re-authentication, review signatures) per account, with its own error', async () => {
    const { auth, clock } = await setup();
    const me = await signedIn(auth, (await auth.login({ username: 'ana', password: PASSWORD, address: '10.0.0.1' })).token);
    const wrong = await auth.reauthenticate(me, 'not the password').catch((e: DelineateError) => e);
    expect([(wrong as DelineateError).code, (wrong as DelineateError).message]).toEqual(['DLN_AUTH_PASSWORD_INVALID', 'The password is wrong']);
    for (let i = 0; i < 2; i++) await auth.reauthenticate(me, `not the password ${i}`).catch(() => undefined);
    expect(await codeOf(auth.reauthenticate(me, PASSWORD))).toBe('DLN_AUTH_RATE_LIMITED');
    clock.advance(1000);
    expect(await codeOf(auth.reauthenticate(me, PASSWORD))).toBeUndefined();
  });

  it('refuses common, breached and context passwords for new accounts and password changes', async () => {
    const { auth } = await setup();
    expect(await codeOf(auth.createAccount({ username: 'bob', displayName: 'Bob Smith', password: 'password1234' }))).toBe('DLN_AUTH_PASSWORD_WEAK');
    expect(await codeOf(auth.createAccount({ username: 'bob', displayName: 'Bob Smith', password: 'Delineate-2026!' }))).toBe('DLN_AUTH_PASSWORD_WEAK');
    expect(await codeOf(auth.createAccount({ username: 'bob.smith', displayName: 'Bob Smith', password: 'bob.smith12345' }))).toBe('DLN_AUTH_PASSWORD_WEAK');
    expect(await codeOf(auth.createAccount({ username: 'bob', displayName: 'Bob Smith', password: 'four unrelated words here' }))).toBeUndefined();
    const me = await signedIn(auth, (await auth.login({ username: 'ana', password: PASSWORD, address: '10.0.0.1' })).token);
    expect(await codeOf(auth.changePassword(me, PASSWORD, 'QWERTYUIOP123'))).toBe('DLN_AUTH_PASSWORD_WEAK');
  });

  it('confirms a new enrolment only at verification (with its recovery codes), never by a code given at sign-in', async () => {
    const { auth, repo, user, clock } = await setup();
    const me = await signedIn(auth, (await auth.login({ username: 'ana', password: PASSWORD, address: '10.0.0.1' })).token);
    const seed = base32Decode((await auth.beginTotpEnrolment(me, 'ana')).secret);
    expect(await codeOf(auth.login({ username: 'ana', password: PASSWORD, address: '10.0.0.1', totpCode: totp(seed, clock.now().getTime()) }))).toBe('DLN_AUTH_CODE_INVALID');
    expect((await repo.getTotp(user.id))!.confirmedAt).toBeNull();
    expect((await auth.verifySecondFactor(me, { code: totp(seed, clock.now().getTime()) })).recoveryCodes).toHaveLength(10);
  });
});
