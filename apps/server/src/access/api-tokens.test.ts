import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessRepository, BlobKey, LocalBlobStore, testing, type Database } from '@delineate/store';
import { configFromEnv } from '../config';
import { createServer, type DelineateServer } from '../server';
import { seedProject, type SeededProject } from '../test/harness';
import { newOperatorKey, parseApiTokenScopes, parseTokenLifetime } from './api-tokens';
import { openTestSession } from './testing';

const DAY = 86_400_000;

describe('API tokens', () => {
  let dir: string;
  let database: Database;
  let blobs: LocalBlobStore;
  let server: DelineateServer;
  let seeded: SeededProject;
  let now = new Date('2026-12-01T10:00:00Z');
  const operatorKey = newOperatorKey();
  let steward: { id: string; username: string };
  let admin: { id: string; username: string };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dln-tokens-'));
    database = await testing.createTestDatabase('pglite');
    blobs = new LocalBlobStore({ dir: join(dir, 'blobs'), key: BlobKey.generate() });
    const config = configFromEnv({ DELINEATE_DATA: dir, DELINEATE_LOG_LEVEL: 'silent' }, { port: 0, webRoot: join(dir, 'no-web') });
    server = await createServer({ config, database, blobs, clock: () => now, operatorKey });
    seeded = await seedProject(database);
    const repo = new AccessRepository(database.db);
    const stewardRow = await repo.createUser({ username: 'steward@example.org', displayName: 'Data Steward', now });
    await repo.addMembership({ userId: stewardRow.id, projectId: seeded.projectId, role: 'data_steward', grantedBy: null, now });
    const adminRow = await repo.createUser({ username: 'admin@example.org', displayName: 'Platform Admin', platformAdmin: true, now });
    steward = { id: stewardRow.id, username: stewardRow.username };
    admin = { id: adminRow.id, username: adminRow.username };
  }, 60_000);
  afterAll(async () => {
    await server?.app.close();
    await blobs?.close();
    await database?.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function call(credential: string, method: 'GET' | 'POST' | 'DELETE', url: string, body?: unknown, address = '127.0.0.1') {
    const res = await server.app.inject({
      method,
      url,
      remoteAddress: address,
      headers: { authorization: `Bearer ${credential}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
    });
    return { status: res.statusCode, body: res.body ? (JSON.parse(res.body) as Record<string, unknown>) : {} };
  }

  async function create(user: string, scopes: string[], expires = '30d'): Promise<{ token: string; id: string }> {
    const res = await call(operatorKey, 'POST', '/api/tokens', { user, scopes, expires });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return { token: res.body.token as string, id: (res.body.record as { id: string }).id };
  }

  async function auditRows(sessionId: string) {
    await server.app.accessRuntime.auditSettled();
    return database.db.selectFrom('audit_events' as never).selectAll().where('session_id' as never, '=', sessionId as never).execute() as Promise<Array<Record<string, unknown>>>;
  }

  it('is printed once and stored only as its SHA-256', async () => {
    const { token, id } = await create(steward.username, ['ingest']);
    expect(token).toMatch(/^dln_[A-Za-z0-9_-]{43}$/);
    const row = await database.db.selectFrom('api_tokens' as never).selectAll().where('id' as never, '=', id as never).executeTakeFirstOrThrow();
    expect((row as { token_hash: string }).token_hash).toBe(createHash('sha256').update(token).digest('hex'));
    expect(JSON.stringify(row)).not.toContain(token);
    const list = await call(operatorKey, 'GET', '/api/tokens');
    expect(JSON.stringify(list.body)).not.toContain(token);
    expect((list.body.tokens as Array<{ id: string; username: string }>).find((t) => t.id === id)?.username).toBe(steward.username);
  });

  it('acts as its user within its scopes, and every use is audited under the token', async () => {
    const { token, id } = await create(steward.username, ['ingest']);
    const read = await call(token, 'GET', `/api/projects/${seeded.projectId}`);
    expect(read.status).toBe(200);
    // audit.read is a role the steward holds, but not a scope of this token.
    const outOfScope = await call(token, 'GET', `/api/projects/${seeded.projectId}/audit?from=2026-01-01T00:00:00Z&to=2027-01-01T00:00:00Z`);
    expect(outOfScope).toMatchObject({ status: 403, body: { code: 'DLN_TOKEN_SCOPE' } });
    const rows = await auditRows(`token:${id}`);
    expect(rows.map((r) => [r.action, r.outcome, r.actor_id])).toEqual([['project.read', 'success', steward.id]]);
    const denied = await database.db.selectFrom('audit_events' as never).selectAll().where('action' as never, '=', 'audit.read' as never).execute();
    expect(denied.map((r) => [(r as { outcome: string }).outcome, (r as { actor_id: string }).actor_id])).toContainEqual(['denied', steward.id]);
  });

  it('never exceeds its user’s roles', async () => {
    // audit:read opens audit.verify, which only platform administrators may do.
    const { token } = await create(steward.username, ['audit:read']);
    expect(await call(token, 'GET', '/api/audit/verify')).toMatchObject({ status: 403, body: { code: 'DLN_AUTH_FORBIDDEN' } });
    const adminToken = await create(admin.username, ['audit:read']);
    const verified = await call(adminToken.token, 'POST', '/api/audit/verification', {});
    expect(verified.status).toBe(200);
    expect(verified.body).toMatchObject({ ok: true, keySource: 'data_folder' });
    // A role taken away is gone from the token at once.
    const repo = new AccessRepository(database.db);
    const ingestToken = await create(steward.username, ['ingest']);
    const membership = (await repo.membershipsOfUser(steward.id)).find((m) => m.project_id === seeded.projectId)!;
    await repo.removeMembership(membership.id);
    expect((await call(ingestToken.token, 'GET', `/api/projects/${seeded.projectId}`)).status).toBe(404);
    await repo.addMembership({ userId: steward.id, projectId: seeded.projectId, role: 'data_steward', grantedBy: null, now });
  });

  it('expires', async () => {
    const { token } = await create(steward.username, ['ingest'], '2d');
    expect((await call(token, 'GET', `/api/projects/${seeded.projectId}`)).status).toBe(200);
    const saved = now;
    now = new Date(saved.getTime() + 2 * DAY);
    try {
      expect(await call(token, 'GET', `/api/projects/${seeded.projectId}`)).toMatchObject({ status: 401, body: { code: 'DLN_TOKEN_EXPIRED' } });
    } finally {
      now = saved;
    }
  });

  it('is revoked at once', async () => {
    const { token, id } = await create(steward.username, ['ingest']);
    expect((await call(token, 'GET', `/api/projects/${seeded.projectId}`)).status).toBe(200);
    expect((await call(operatorKey, 'DELETE', `/api/tokens/${id}`)).status).toBe(200);
    expect(await call(token, 'GET', `/api/projects/${seeded.projectId}`)).toMatchObject({ status: 401, body: { code: 'DLN_TOKEN_REVOKED' } });
    expect(await call(operatorKey, 'DELETE', `/api/tokens/${id}`)).toMatchObject({ status: 404 });
    const refused = await database.db.selectFrom('audit_events' as never).selectAll().where('outcome' as never, '=', 'denied' as never).where('actor_id' as never, '=', steward.id as never).execute();
    expect(refused.length).toBeGreaterThan(0);
  });

  it('is not accepted for second-factor, password or token routes', async () => {
    const { token } = await create(admin.username, ['ingest', 'audit:read', 'access-review:read']);
    expect(await call(token, 'POST', '/api/auth/mfa/totp', {})).toMatchObject({ status: 403, body: { code: 'DLN_TOKEN_NOT_ACCEPTED' } });
    expect(await call(token, 'POST', '/api/auth/password', { currentPassword: 'x', newPassword: 'y' })).toMatchObject({ status: 403, body: { code: 'DLN_TOKEN_NOT_ACCEPTED' } });
    expect(await call(token, 'POST', '/api/tokens', { user: admin.username, scopes: ['ingest'], expires: '1d' })).toMatchObject({ status: 403, body: { code: 'DLN_TOKEN_NOT_ACCEPTED' } });
  });

  it('the operator key manages tokens and nothing else; a platform administrator’s session may too', async () => {
    expect(await call(operatorKey, 'GET', `/api/projects/${seeded.projectId}`)).toMatchObject({ status: 403, body: { code: 'DLN_TOKEN_NOT_ACCEPTED' } });
    expect(await call(newOperatorKey(), 'GET', '/api/tokens')).toMatchObject({ status: 403, body: { code: 'DLN_TOKEN_NOT_ACCEPTED' } });
    const adminSession = await openTestSession(server.app.accessRuntime, admin.id);
    expect((await call(adminSession.token, 'POST', '/api/tokens', { user: steward.username, scopes: ['ingest'], expires: '1d' })).status).toBe(201);
    const stewardSession = await openTestSession(server.app.accessRuntime, steward.id);
    expect((await call(stewardSession.token, 'GET', '/api/tokens')).status).toBe(403);
  });

  it('refuses unknown tokens and throttles guessing like sign-in', async () => {
    const address = '10.9.8.7';
    const guess = () => call(`dln_${'A'.repeat(43)}`, 'GET', `/api/projects/${seeded.projectId}`, undefined, address);
    expect(await guess()).toMatchObject({ status: 401, body: { code: 'DLN_TOKEN_INVALID' } });
    await guess();
    await guess();
    expect(await guess()).toMatchObject({ status: 429, body: { code: 'DLN_AUTH_RATE_LIMITED' } });
  });

  it('parses scopes and lifetimes strictly', () => {
    expect(parseApiTokenScopes('ingest, audit:read,ingest')).toEqual(['ingest', 'audit:read']);
    expect(() => parseApiTokenScopes('ingest,admin')).toThrow(/scopes must be/);
    expect(() => parseApiTokenScopes('')).toThrow();
    expect(parseTokenLifetime('30d')).toBe(30 * DAY);
    expect(parseTokenLifetime('12h')).toBe(12 * 3_600_000);
    expect(() => parseTokenLifetime('366d')).toThrow(/at most 365/);
    expect(() => parseTokenLifetime('soon')).toThrow();
  });
});
