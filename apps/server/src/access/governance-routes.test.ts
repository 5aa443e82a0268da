import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { BlobKey, LocalBlobStore, testing, type Database } from '@delineate/store';
import { configFromEnv } from '../config';
import { createServer, type DelineateServer } from '../server';
import { seedProject, type SeededProject } from '../test/harness';
import { FakeClock } from './test/fixtures';
import { openTestSession } from './testing';

describe('access reviews, break-glass, transfer bases and residency over HTTP', () => {
  let dir: string;
  let database: Database;
  let blobs: LocalBlobStore;
  let server: DelineateServer;
  let seeded: SeededProject;
  const clock = new FakeClock();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dln-governance-'));
    database = await testing.createTestDatabase('pglite');
    blobs = new LocalBlobStore({ dir: join(dir, 'blobs'), key: BlobKey.generate() });
    seeded = await seedProject(database);
    const config = configFromEnv({ DELINEATE_DATA: dir, DELINEATE_LOG_LEVEL: 'silent' }, { port: 0, webRoot: join(dir, 'no-web') });
    // The fake clock jumps an hour with no checkpoint timer tick in between; a day-long
    // checkpoint interval keeps the verify route's policy check true to what was written.
    vi.stubEnv('DELINEATE_AUDIT_CHECKPOINT_MINUTES', '1440');
    try {
      server = await createServer({ config, database, blobs, clock: clock.now });
    } finally {
      vi.unstubAllEnvs();
    }
  });
  afterAll(async () => {
    await server?.app.close();
    await blobs?.close();
    await database?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const inject = (method: 'GET' | 'POST', url: string, headers: Record<string, string>, payload?: Record<string, unknown>) =>
    server.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });

  async function person(name: string, roles: Array<'data_steward' | 'annotator' | 'auditor'> = []) {
    const runtime = server.app.accessRuntime;
    const user = await runtime.repo.createUser({ username: `${name}-${crypto.randomUUID().slice(0, 8)}`, displayName: name, now: clock.now() });
    for (const role of roles) await runtime.repo.addMembership({ userId: user.id, projectId: seeded.projectId, role, grantedBy: null, now: clock.now() });
    await runtime.repo.addQualification({ userId: user.id, kind: 'radiologist', modality: null, verifiedBy: null, validUntil: null, now: clock.now() });
    return { id: user.id, headers: async () => (await openTestSession(runtime, user.id)).headers };
  }

  it('grants time-boxed emergency access with a reason, notifies the stewards and audits it; the grant expires with the clock', async () => {
    const runtime = server.app.accessRuntime;
    const steward = await person('steward', ['data_steward']);
    // A member whose own role does not show annotations (the policy names data stewards).
    const doctor = await person('doctor', ['data_steward']);
    const annotation = await server.context.annotations.create({ projectId: seeded.projectId, itemId: seeded.itemId, labelSchema: seeded.labelSchema });
    const url = `/api/annotations/${annotation.id}`;
    expect((await inject('GET', url, await doctor.headers())).statusCode).toBe(403);

    const bg = `/api/projects/${seeded.projectId}/break-glass`;
    expect((await inject('POST', bg, await doctor.headers(), { role: 'reviewer', reason: 'short', minutes: 60 })).statusCode).toBe(400);
    expect((await inject('POST', bg, await doctor.headers(), { role: 'reviewer', reason: 'Urgent tumour board question', minutes: 241 })).statusCode).toBe(400);
    expect((await inject('POST', bg, await doctor.headers(), { role: 'project_admin', reason: 'Urgent tumour board question', minutes: 60 })).statusCode).toBe(400);
    expect((await inject('POST', `/api/projects/${crypto.randomUUID()}/break-glass`, await doctor.headers(), { role: 'reviewer', reason: 'Urgent tumour board question', minutes: 60 })).json().code).toBe('DLN_BREAK_GLASS_NOT_ELIGIBLE');
    const granted = await inject('POST', bg, await doctor.headers(), { role: 'reviewer', reason: 'Urgent tumour board question', minutes: 60 });
    expect(granted.statusCode).toBe(201);
    expect(granted.json().expiresAt).toBe(new Date(clock.now().getTime() + 3_600_000).toISOString());

    expect(await runtime.repo.notificationsOf(steward.id)).toEqual([expect.objectContaining({ kind: 'break_glass', subjectId: granted.json().id, projectId: seeded.projectId })]);
    await runtime.auditSettled();
    const events = await runtime.audit.range(new Date(0), new Date(clock.now().getTime() + 1));
    expect(events).toContainEqual(expect.objectContaining({ action: 'break_glass.granted', actorId: doctor.id, purpose: 'emergency_access', objectId: granted.json().id }));

    const read = await inject('GET', url, await doctor.headers());
    expect(read.statusCode).toBe(200);
    await runtime.auditSettled();
    const access = (await runtime.audit.range(new Date(0), new Date(clock.now().getTime() + 1))).filter((e) => e.action === 'annotation.read' && e.actorId === doctor.id);
    expect(access.at(-1)).toMatchObject({ outcome: 'success', purpose: 'emergency_access', role: 'reviewer' });

    clock.advance(59 * 60_000);
    expect((await inject('GET', url, await doctor.headers())).statusCode).toBe(200);
    clock.advance(60_000);
    expect((await inject('GET', url, await doctor.headers())).statusCode).toBe(403);
  });

  it('refuses emergency access to anyone without a role on the project that the policy names, or without a verified second factor', async () => {
    const runtime = server.app.accessRuntime;
    const bg = `/api/projects/${seeded.projectId}/break-glass`;
    const body = { role: 'reviewer', reason: 'Urgent tumour board question', minutes: 60 };
    // A qualified clinician with no role here (no second factor needed for no role): refused.
    const outsider = await person('outsider');
    const outsiderSession = (await openTestSession(runtime, outsider.id, { mfaVerified: false })).headers;
    expect((await inject('GET', '/api/auth/session', outsiderSession)).json().mfa).toBe('not_required');
    const refused = await inject('POST', bg, outsiderSession, body);
    expect([refused.statusCode, refused.json().code]).toEqual([403, 'DLN_BREAK_GLASS_NOT_ELIGIBLE']);
    expect([(await inject('POST', bg, await outsider.headers(), body)).json().code]).toEqual(['DLN_BREAK_GLASS_NOT_ELIGIBLE']);
    // An auditor is on the project but in no role the policy names.
    const auditor = await person('auditor', ['auditor']);
    expect((await inject('POST', bg, await auditor.headers(), body)).json().code).toBe('DLN_BREAK_GLASS_NOT_ELIGIBLE');
    expect(await runtime.repo.activeBreakGlass(outsider.id, clock.now())).toEqual([]);
    expect(await runtime.repo.activeBreakGlass(auditor.id, clock.now())).toEqual([]);
  });

  it('refuses emergency access without a verified second factor even where the demo relaxes MFA', async () => {
    const relaxedDir = await mkdtemp(join(tmpdir(), 'dln-governance-relaxed-'));
    vi.stubEnv('DELINEATE_DEMO_RELAX_MFA', '1');
    const relaxed = await createServer({
      config: configFromEnv({ DELINEATE_DATA: relaxedDir, DELINEATE_LOG_LEVEL: 'silent' }, { port: 0, webRoot: join(relaxedDir, 'no-web') }),
      database,
      blobs,
      clock: clock.now,
    });
    vi.unstubAllEnvs();
    try {
      const runtime = relaxed.app.accessRuntime;
      const member = await person('relaxed-annotator', ['annotator']);
      const unverified = (await openTestSession(runtime, member.id, { mfaVerified: false })).headers;
      const body = { role: 'reviewer', reason: 'Urgent tumour board question', minutes: 60 };
      const refused = await relaxed.app.inject({ method: 'POST', url: `/api/projects/${seeded.projectId}/break-glass`, headers: unverified, payload: body });
      expect([refused.statusCode, refused.json().code]).toEqual([403, 'DLN_AUTH_MFA_REQUIRED']);
      const verified = (await openTestSession(runtime, member.id)).headers;
      expect((await relaxed.app.inject({ method: 'POST', url: `/api/projects/${seeded.projectId}/break-glass`, headers: verified, payload: body })).statusCode).toBe(201);
    } finally {
      await relaxed.app.close();
      await rm(relaxedDir, { recursive: true, force: true });
    }
  });

  it('serves the access review to stewards, records attestations and revocations, and audits each decision', async () => {
    const runtime = server.app.accessRuntime;
    const steward = await person('reviewing-steward', ['data_steward']);
    const annotator = await person('annotator', ['annotator']);
    const review = `/api/projects/${seeded.projectId}/access-review`;
    expect((await inject('GET', review, await annotator.headers())).statusCode).toBe(403);
    const before = await inject('GET', review, await steward.headers());
    expect(before.statusCode).toBe(200);
    expect(before.json()).toMatchObject({ overdue: true, canSignOff: true });
    // Auditors read the review but the policy leaves the decisions to stewards.
    const auditorView = await inject('GET', review, await (await person('reading-auditor', ['auditor'])).headers());
    expect([auditorView.statusCode, auditorView.json().canSignOff]).toEqual([200, false]);
    const member = before.json().members.find((m: { userId: string }) => m.userId === annotator.id);
    expect(member.grants).toHaveLength(1);
    const decided = await inject('POST', `${review}/attestations`, await steward.headers(), { decisions: [{ membershipId: member.grants[0].membershipId, decision: 'revoke' }] });
    expect(decided.statusCode).toBe(201);
    expect(decided.json().revoked).toEqual([member.grants[0].membershipId]);
    const after = await inject('GET', review, await steward.headers());
    expect(after.json().overdue).toBe(false);
    expect(after.json().members.map((m: { userId: string }) => m.userId)).not.toContain(annotator.id);
    await runtime.auditSettled();
    const events = await runtime.audit.range(new Date(0), new Date(clock.now().getTime() + 1));
    expect(events).toContainEqual(expect.objectContaining({ action: 'access_review.revoke', objectId: member.grants[0].membershipId, actorId: steward.id }));
  });

  it('records a transfer basis by a data steward only', async () => {
    const steward = await person('transfer-steward', ['data_steward']);
    const annotator = await person('transfer-annotator', ['annotator']);
    const url = `/api/projects/${seeded.projectId}/transfer-bases`;
    const body = { destinationRegion: 'us', basis: 'art46_standard_contractual_clauses', description: 'SCC with the reading centre' };
    expect((await inject('POST', url, await annotator.headers(), body)).statusCode).toBe(403);
    expect((await inject('POST', url, await steward.headers(), body)).statusCode).toBe(201);
    await expect(server.app.accessRuntime.transfers.assertExportAllowed(seeded.projectId, 'us', clock.now())).resolves.toMatchObject({ basis: 'art46_standard_contractual_clauses' });
  });

  it('gives auditors their project’s events and exports them as FHIR and DICOM; auditors and platform admins verify the chain', async () => {
    const runtime = server.app.accessRuntime;
    const auditor = await person('auditor', ['auditor']);
    const annotator = await person('nosy-annotator', ['annotator']);
    const range = `from=${encodeURIComponent('2000-01-01T00:00:00Z')}&to=${encodeURIComponent('2100-01-01T00:00:00Z')}`;
    const base = `/api/projects/${seeded.projectId}/audit`;
    expect((await inject('GET', `${base}?${range}`, await annotator.headers())).statusCode).toBe(403);
    const listed = await inject('GET', `${base}?${range}`, await auditor.headers());
    expect(listed.statusCode).toBe(200);
    const events = listed.json().events as Array<{ projectId: string; action: string }>;
    expect(events.length).toBeGreaterThan(0);
    expect(events.every((e) => e.projectId === seeded.projectId)).toBe(true);
    const fhir = await inject('GET', `${base}/export?${range}&format=fhir`, await auditor.headers());
    expect(fhir.headers['content-type']).toContain('application/fhir+json');
    expect(fhir.json().entry[0].resource.resourceType).toBe('AuditEvent');
    const dicom = await inject('GET', `${base}/export?${range}&format=dicom`, await auditor.headers());
    expect(dicom.body).toContain('<AuditMessage>');
    await runtime.auditSettled();
    const exported = (await runtime.audit.range(new Date(0), new Date(clock.now().getTime() + 1))).filter((e) => e.action === 'audit.export' && e.actorId === auditor.id);
    expect(exported).toHaveLength(2);

    const admin = await runtime.repo.createUser({ username: `root-${crypto.randomUUID().slice(0, 8)}`, displayName: 'Root', platformAdmin: true, now: clock.now() });
    const adminHeaders = (await openTestSession(runtime, admin.id)).headers;
    // Auditors see the chain's verification too; a member in another role does not.
    expect((await inject('GET', '/api/audit/verify', await annotator.headers())).statusCode).toBe(403);
    const byAuditor = (await inject('GET', '/api/audit/verify', await auditor.headers())).json();
    expect(byAuditor).toMatchObject({ ok: true, verifiedAt: clock.now().toISOString() });
    expect(byAuditor.lastCheckpoint === null || byAuditor.lastCheckpoint.sequence <= byAuditor.lastSequence).toBe(true);
    expect((await inject('GET', '/api/audit/verify', adminHeaders)).json()).toMatchObject({ ok: true });
  });

  it('refuses to start when a project’s data would be stored outside its region', async () => {
    vi.stubEnv('DELINEATE_REGION', 'eu');
    try {
      const config = configFromEnv({ DELINEATE_DATA: dir, DELINEATE_LOG_LEVEL: 'silent' }, { port: 0, webRoot: join(dir, 'no-web') });
      await expect(createServer({ config, database, blobs, clock: clock.now })).rejects.toMatchObject({ code: 'DLN_REGION_MISMATCH' });
      vi.stubEnv('DELINEATE_REGION', 'local');
      vi.stubEnv('DELINEATE_BLOB_REGION', 'us');
      await expect(createServer({ config, database, blobs, clock: clock.now })).rejects.toMatchObject({ code: 'DLN_REGION_MISMATCH', details: { store: 'blob_store' } });
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
