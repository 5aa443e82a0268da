import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestSession } from '../access';
import { startHarness, type Harness } from '../test/harness';

/** Words of SQL that must never reach a user: constraint suffixes, SQLSTATE phrases, table names. */
const databaseWords = /_key\b|_pkey\b|_fkey\b|_check\b|constraint|violates|duplicate key|relation "|byte sequence|out of range for type/i;

describe('bad strings and dates get coded 400s, database refusals domain words', () => {
  let h: Harness;
  let admin: Record<string, string>;
  beforeAll(async () => {
    h = await startHarness('pglite');
    const adminUser = await h.server.app.accessRuntime.repo.createUser({ username: `admin-${crypto.randomUUID().slice(0, 8)}`, displayName: 'Admin', platformAdmin: true, now: new Date() });
    admin = (await openTestSession(h.server.app.accessRuntime, adminUser.id)).headers;
  });
  afterAll(async () => h?.close());

  it('refuses a NUL byte in a user name at login with a coded 400', async () => {
    const res = await h.server.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'doe\u0000john', password: 'whatever-password' } });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('DLN_REQUEST_INVALID');
    expect(res.body).not.toContain('doe');
  });

  it('refuses control characters in names anywhere in a body, and in query strings', async () => {
    const user = await h.server.app.inject({ method: 'POST', url: '/api/users', headers: admin, payload: { username: 'carol', displayName: 'Carol\u0000', password: 'a-long-enough-password' } });
    expect([user.statusCode, user.json().code]).toEqual([400, 'DLN_REQUEST_INVALID']);
    const bell = await h.server.app.inject({ method: 'POST', url: '/api/users', headers: admin, payload: { username: 'carol', displayName: 'Carol\u0007', password: 'a-long-enough-password' } });
    expect([bell.statusCode, bell.json().code]).toEqual([400, 'DLN_REQUEST_INVALID']);
    const query = await h.server.app.inject({ method: 'GET', url: `/api/projects/${h.seeded.projectId}/audit?from=2024-01-01T00:00:00Z%00&to=2025-01-01T00:00:00Z`, headers: admin });
    expect(query.statusCode).toBe(400);
    // Line breaks and tabs in free text stay allowed.
    const fine = await h.server.app.inject({ method: 'POST', url: '/api/users', headers: admin, payload: { username: 'dave', displayName: 'Dave\tSmith', password: 'a-long-enough-password' } });
    expect(fine.statusCode).toBe(201);
  });

  it('refuses dates outside the calendar with a coded 400', async () => {
    const user = await h.server.app.accessRuntime.repo.createUser({ username: `reader-${crypto.randomUUID().slice(0, 8)}`, displayName: 'Reader', now: new Date() });
    for (const validUntil of ['0000-01-01T00:00:00Z', '0001-01-01T00:00:00+14:00', '2023-02-30T00:00:00Z', '10000-01-01T00:00:00Z']) {
      const res = await h.server.app.inject({ method: 'POST', url: `/api/users/${user.id}/qualifications`, headers: admin, payload: { kind: 'radiologist', validUntil } });
      expect([validUntil, res.statusCode, res.json().code]).toEqual([validUntil, 400, 'DLN_REQUEST_INVALID']);
    }
    const ok = await h.server.app.inject({ method: 'POST', url: `/api/users/${user.id}/qualifications`, headers: admin, payload: { kind: 'radiologist', validUntil: '0001-01-01T00:00:00Z' } });
    expect(ok.statusCode).toBe(201);
    const audit = await h.server.app.inject({ method: 'GET', url: `/api/projects/${h.seeded.projectId}/audit?from=0000-01-01T00:00:00Z&to=2025-01-01T00:00:00Z`, headers: admin });
    expect([audit.statusCode, audit.json().code]).toEqual([400, 'DLN_REQUEST_INVALID']);
  });

  it('answers a duplicate with DLN_CONFLICT in domain words, never a constraint name', async () => {
    const body = { username: 'erin', displayName: 'Erin', password: 'a-long-enough-password' };
    expect((await h.server.app.inject({ method: 'POST', url: '/api/users', headers: admin, payload: body })).statusCode).toBe(201);
    const again = await h.server.app.inject({ method: 'POST', url: '/api/users', headers: admin, payload: body });
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('DLN_CONFLICT');
    expect(again.json().message).not.toMatch(databaseWords);
  });
});
