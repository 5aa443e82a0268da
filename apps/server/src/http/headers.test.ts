import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { asUser } from '../test/auth';
import { startHarness, type Harness } from '../test/harness';

function expectSecurityHeaders(res: LightMyRequestResponse): void {
  const csp = String(res.headers['content-security-policy']);
  expect(csp).toContain("script-src 'self'");
  expect(csp).not.toMatch(/script-src[^;]*(unsafe-inline|unsafe-eval)/);
  expect(csp).toContain("style-src 'self'");
  expect(csp).not.toContain('unsafe-inline');
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).toContain("object-src 'none'");
  expect(res.headers['x-content-type-options']).toBe('nosniff');
  expect(res.headers['referrer-policy']).toBe('no-referrer');
  expect(res.headers['x-frame-options']).toBe('DENY');
}

describe('security headers on every response', () => {
  let h: Harness;
  let webRoot: string;
  beforeAll(async () => {
    webRoot = await mkdtemp(join(tmpdir(), 'dln-web-'));
    await mkdir(join(webRoot, 'assets'));
    await writeFile(join(webRoot, 'index.html'), '<!doctype html><script type="module" src="/assets/app.js"></script>');
    await writeFile(join(webRoot, 'assets', 'app.js'), 'console.log(1)');
    h = await startHarness('pglite', { webRoot });
  });
  afterAll(async () => {
    await h?.close();
    await rm(webRoot, { recursive: true, force: true });
  });

  it('on API answers, errors and refusals, with no-store', async () => {
    const auth = await asUser(h, h.seeded.userId);
    const responses = [
      await h.server.app.inject({ method: 'GET', url: '/api/health' }),
      await h.server.app.inject({ method: 'GET', url: '/api/nothing-here' }),
      await h.server.app.inject({ method: 'GET', url: `/api/items/${h.seeded.itemId}` }),
      await h.server.app.inject({ method: 'GET', url: `/api/items/${h.seeded.itemId}`, headers: auth }),
      await h.server.app.inject({ method: 'POST', url: '/api/auth/login', headers: { 'content-type': 'text/plain' }, payload: 'x' }),
      await h.server.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'nobody', password: 'wrong-password' } }),
    ];
    expect(responses.map((r) => r.statusCode)).toEqual([200, 404, 401, 200, 415, 401]);
    for (const res of responses) {
      expectSecurityHeaders(res);
      expect(res.headers['cache-control']).toContain('no-store');
    }
  });

  it('keeps tokens out of caches: login, session and second-factor answers are no-store', async () => {
    const password = `Zq7-${crypto.randomUUID()}`;
    const user = await h.server.app.accessRuntime.auth.createAccount({ username: 'frank', displayName: 'Frank', password, platformAdmin: false });
    const login = await h.server.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'frank', password } });
    expect(login.statusCode).toBe(200);
    expect(login.json().token).toBeTruthy();
    expect(login.headers['set-cookie']).toBeDefined();
    expect(login.headers['cache-control']).toBe('no-store');
    const session = await h.server.app.inject({ method: 'GET', url: '/api/auth/session', headers: { authorization: `Bearer ${login.json().token}` } });
    expect(session.json().userId).toBe(user.id);
    expect(session.headers['cache-control']).toBe('no-store');
  });

  it('on the web build, its client-side routes and missing assets', async () => {
    for (const url of ['/', '/assets/app.js', '/projects/123', '/assets/missing.js']) {
      const res = await h.server.app.inject({ method: 'GET', url });
      expectSecurityHeaders(res);
    }
  });
});
