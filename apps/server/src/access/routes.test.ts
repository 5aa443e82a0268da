import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../test/harness';
import { PasswordHasher } from './password';
import { openTestSession } from './testing';
import { base32Decode, totp } from './totp';

const PASSWORD = 'a long enough passphrase';

describe('access routes over HTTP', () => {
  let h: Harness;
  let adminHeaders: Record<string, string>;
  // The server's clock runs with the wall clock, and a test may move it forward (waits the
  // throttle asks for), so nothing here depends on how fast the machine answers.
  let skewMs = 0;
  beforeAll(async () => {
    h = await startHarness('pglite', {}, { clock: () => new Date(Date.now() + skewMs) });
    const runtime = h.server.app.accessRuntime;
    const admin = await runtime.repo.createUser({ username: 'admin', displayName: 'Admin', platformAdmin: true, now: runtime.now() });
    adminHeaders = (await openTestSession(runtime, admin.id)).headers;
  });
  afterAll(async () => h?.close());

  const inject = (method: 'GET' | 'POST' | 'DELETE', url: string, headers: Record<string, string> = {}, payload?: unknown) =>
    h.server.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) });

  it('creates a user, who signs in, enrols TOTP, gets recovery codes and signs out', async () => {
    // A cheap hash for the account (the server verifies with the parameters in the PHC string).
    const runtime = h.server.app.accessRuntime;
    const created = await inject('POST', '/api/users', adminHeaders, { username: 'rita', displayName: 'Rita', password: PASSWORD });
    expect(created.statusCode).toBe(201);
    const userId = created.json().id as string;
    await runtime.repo.setPasswordHash(userId, await new PasswordHasher({ testOnlyParams: { memoryKiB: 256, timeCost: 1, parallelism: 1 } }).hash(PASSWORD), runtime.now());
    const grant = await inject('POST', `/api/projects/${h.seeded.projectId}/memberships`, adminHeaders, { userId, role: 'reviewer' });
    expect(grant.statusCode).toBe(201);

    const login = await inject('POST', '/api/auth/login', {}, { username: 'rita', password: PASSWORD });
    expect(login.statusCode).toBe(200);
    expect(login.json()).toMatchObject({ userId, mfa: 'enrolment_required' });
    const cookie = String(login.headers['set-cookie']);
    expect(cookie).toMatch(/^dln_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200; Secure$/);
    const session = { cookie: cookie.split(';')[0]! };

    // Before MFA, nothing but the session routes.
    expect((await inject('GET', `/api/projects/${h.seeded.projectId}/memberships`, session)).statusCode).toBe(403);
    expect((await inject('GET', '/api/auth/session', session)).json()).toMatchObject({ username: 'rita', mfa: 'enrolment_required' });

    const enrol = await inject('POST', '/api/auth/mfa/totp', session);
    const secret = base32Decode(enrol.json().secret);
    const verified = await inject('POST', '/api/auth/mfa/verify', session, { code: totp(secret, runtime.now().getTime()) });
    expect(verified.statusCode).toBe(200);
    expect(verified.json().recoveryCodes).toHaveLength(10);
    const mfaSession = { authorization: `Bearer ${verified.json().token}` };
    expect((await inject('GET', '/api/auth/session', session)).statusCode).toBe(401);
    expect((await inject('GET', '/api/auth/session', mfaSession)).json()).toMatchObject({ mfa: 'verified', roles: [{ role: 'reviewer' }] });

    expect((await inject('POST', '/api/auth/logout', mfaSession)).statusCode).toBe(204);
    expect((await inject('GET', '/api/auth/session', mfaSession)).statusCode).toBe(401);

    const events = await runtime.audit.range(new Date(0), new Date(Date.now() + 60_000));
    const mine = events.filter((e) => e.actorId === userId).map((e) => `${e.action}:${e.outcome}`);
    expect(mine).toEqual(expect.arrayContaining(['auth.login:success', 'auth.mfa.verify:success', 'membership.list:denied', 'auth.logout:success']));
  });

  it('gives the same answer for an unknown user and a wrong password, and audits both', async () => {
    const unknown = await inject('POST', '/api/auth/login', {}, { username: 'nobody-here', password: PASSWORD });
    const wrong = await inject('POST', '/api/auth/login', {}, { username: 'admin', password: 'not the password' });
    expect(unknown.statusCode).toBe(401);
    expect(wrong.statusCode).toBe(401);
    expect(unknown.json()).toEqual(wrong.json());
    await h.server.app.accessRuntime.auditSettled();
    const logins = (await h.server.app.accessRuntime.audit.range(new Date(0), new Date(Date.now() + 60_000))).filter((e) => e.action === 'auth.login' && e.outcome === 'denied');
    expect(logins.length).toBeGreaterThanOrEqual(2);
  });

  it('answers throttled sign-ins with 429 and Retry-After', async () => {
    for (let i = 0; i < 3; i++) await inject('POST', '/api/auth/login', { 'x-forwarded-for': 'ignored' }, { username: 'throttled', password: `guess ${i} wrong` });
    const limited = await inject('POST', '/api/auth/login', {}, { username: 'throttled', password: 'guess 4 wrong' });
    expect(limited.statusCode).toBe(429);
    expect(limited.json().code).toBe('DLN_AUTH_RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('answers anonymous requests with data only for health, the API document and login', async () => {
    const runtime = h.server.app.accessRuntime;
    const open = new Set(['system.health', 'system.openapi', 'auth.login', 'web.app']);
    for (const route of runtime.routes.filter((r) => r.url.startsWith('/api/'))) {
      const url = route.url.replace(/:([A-Za-z]+)/g, (_m, name: string) => (name === 'version' ? '1' : name === 'projectId' ? h.seeded.projectId : h.seeded.itemId));
      const res = await inject(route.method as 'GET', url);
      if (open.has(route.action)) continue;
      expect(res.statusCode, `${route.method} ${route.url}`).toBe(401);
      expect(Object.keys(res.json()).sort()).toEqual(['code', 'message']);
    }
  });

  it('disabling a user over the API ends their sessions', async () => {
    const runtime = h.server.app.accessRuntime;
    const user = await runtime.repo.createUser({ username: 'temp', displayName: 'Temp', now: runtime.now() });
    const { headers } = await openTestSession(runtime, user.id);
    expect((await inject('GET', '/api/auth/session', headers)).statusCode).toBe(200);
    expect((await inject('POST', `/api/users/${user.id}/disable`, adminHeaders)).statusCode).toBe(204);
    expect((await inject('GET', '/api/auth/session', headers)).statusCode).toBe(401);
  });

  /** A reviewer with a confirmed authenticator, signed in with both factors. */
  async function enrolledUser(username: string, platformAdmin = false) {
    const runtime = h.server.app.accessRuntime;
    const created = await inject('POST', '/api/users', adminHeaders, { username, displayName: username, password: PASSWORD, platformAdmin });
    const userId = created.json().id as string;
    await runtime.repo.setPasswordHash(userId, await new PasswordHasher({ testOnlyParams: { memoryKiB: 256, timeCost: 1, parallelism: 1 } }).hash(PASSWORD), runtime.now());
    await inject('POST', `/api/projects/${h.seeded.projectId}/memberships`, adminHeaders, { userId, role: 'reviewer' });
    const login = await inject('POST', '/api/auth/login', {}, { username, password: PASSWORD });
    const pending = { authorization: `Bearer ${login.json().token}` };
    const secret = base32Decode((await inject('POST', '/api/auth/mfa/totp', pending)).json().secret);
    const verified = await inject('POST', '/api/auth/mfa/verify', pending, { code: totp(secret, runtime.now().getTime()) });
    return { userId, secret, recoveryCodes: verified.json().recoveryCodes as string[], headers: { authorization: `Bearer ${verified.json().token}` } };
  }
  const signIn = async (username: string) => ({ authorization: `Bearer ${(await inject('POST', '/api/auth/login', {}, { username, password: PASSWORD })).json().token}` });

  it('refuses a password-only session replacing a platform admin’s confirmed second factor', async () => {
    const victim = await enrolledUser('takeover-admin', true);
    const attacker = await signIn('takeover-admin');
    const takeover = await inject('POST', '/api/auth/mfa/totp', attacker);
    expect([takeover.statusCode, takeover.json().code]).toEqual([403, 'DLN_AUTH_MFA_REQUIRED']);
    expect((await inject('POST', '/api/auth/password', attacker, { currentPassword: PASSWORD, newPassword: 'attacker chosen passphrase' })).json().code).toBe('DLN_AUTH_MFA_REQUIRED');
    // Nothing changed: the victim's recovery codes still work, and the attacker's session is still pending.
    expect((await inject('GET', '/api/auth/session', attacker)).json().mfa).toBe('pending');
    expect((await inject('POST', '/api/auth/mfa/verify', await signIn('takeover-admin'), { recoveryCode: victim.recoveryCodes[0] })).statusCode).toBe(200);
  });

  it('answers 600 wrong codes from one pending session with the code error, then 429, then an ended sign-in; the right code no longer helps', async () => {
    const runtime = h.server.app.accessRuntime;
    const user = await enrolledUser('guessed-reviewer');
    const pending = await signIn('guessed-reviewer');
    const right = () => totp(user.secret, runtime.now().getTime());
    const answers: Array<{ status: number; code: string }> = [];
    for (let i = 0; i < 600; i++) {
      const res = await inject('POST', '/api/auth/mfa/verify', pending, { code: right() === '000000' ? '111111' : '000000' });
      answers.push({ status: res.statusCode, code: res.json().code });
      if (res.statusCode === 429) {
        const wait = Number(res.headers['retry-after']);
        expect(wait).toBeGreaterThan(0);
        // Half of the guesses come after waiting out the delay, as a patient attacker would.
        if (i % 2 === 0) skewMs += wait * 1000;
      }
    }
    const wrong = answers.filter((a) => a.code === 'DLN_AUTH_CODE_INVALID');
    expect(wrong.length).toBeGreaterThanOrEqual(3);
    expect(wrong.length).toBeLessThanOrEqual(5);
    expect(wrong[0]!.status).toBe(401);
    expect(answers.some((a) => a.status === 429)).toBe(true);
    expect(answers.at(-1)).toEqual({ status: 401, code: 'DLN_AUTH_REQUIRED' });
    // (The per-account wait for a new sign-in is checked with a fake clock in auth-service.test.ts.)
    expect((await inject('POST', '/api/auth/mfa/verify', pending, { code: right() })).json().code).toBe('DLN_AUTH_REQUIRED');
  });

  it('lets a platform admin reset another user’s second factor as an audited action; the user is told at the next sign-in', async () => {
    const runtime = h.server.app.accessRuntime;
    const user = await enrolledUser('lost-phone');
    const self = await inject('POST', `/api/users/${(await inject('GET', '/api/auth/session', adminHeaders)).json().userId}/mfa/reset`, adminHeaders);
    expect(self.json().code).toBe('DLN_REQUEST_INVALID');
    expect((await inject('POST', `/api/users/${user.userId}/mfa/reset`, user.headers)).statusCode).toBe(403);
    expect((await inject('POST', `/api/users/${user.userId}/mfa/reset`, adminHeaders)).statusCode).toBe(204);
    expect((await inject('GET', '/api/auth/session', user.headers)).statusCode).toBe(401);
    expect(await runtime.repo.getTotp(user.userId)).toBeUndefined();
    expect(await runtime.repo.countUnusedRecoveryCodes(user.userId)).toBe(0);
    await runtime.auditSettled();
    const events = await runtime.audit.range(new Date(0), new Date(Date.now() + 60_000));
    expect(events).toContainEqual(expect.objectContaining({ action: 'user.mfa.reset', objectType: 'user', objectId: user.userId, outcome: 'success', role: 'platform_admin' }));
    const next = await inject('POST', '/api/auth/login', {}, { username: 'lost-phone', password: PASSWORD });
    expect(next.json()).toMatchObject({ mfa: 'enrolment_required', notices: [{ kind: 'mfa_reset' }] });
    expect((await inject('POST', '/api/auth/login', {}, { username: 'lost-phone', password: PASSWORD })).json().notices).toEqual([]);
  });

  it('answers a wrong password entered again with its own error, then 429 with Retry-After for the account', async () => {
    const user = await enrolledUser('forgetful-reviewer');
    const wrong = await inject('POST', '/api/auth/reauthenticate', user.headers, { password: 'not the password at all' });
    expect([wrong.statusCode, wrong.json().code, wrong.json().message]).toEqual([401, 'DLN_AUTH_PASSWORD_INVALID', 'The password is wrong']);
    for (let i = 0; i < 2; i++) await inject('POST', '/api/auth/reauthenticate', user.headers, { password: `wrong password ${i}` });
    const limited = await inject('POST', '/api/auth/reauthenticate', user.headers, { password: PASSWORD });
    expect([limited.statusCode, limited.json().code]).toEqual([429, 'DLN_AUTH_RATE_LIMITED']);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
  });
});
