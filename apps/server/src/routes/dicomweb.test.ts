import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '@delineate/schema';
import { AccessRepository } from '@delineate/store';
import { orthancAvailable, requireTestData, startOrthanc, type OrthancServer } from '@delineate/testkit';
import { openTestSession } from '../access';
import { startHarness, type Harness } from '../test/harness';

const sharedFiles = ['dicom/pydicom/CT_small.dcm', 'dicom/deid-data/ctbrain1.dcm', 'dicom/pydicom/MR_small.dcm'];

describe.runIf(orthancAvailable())('DICOMweb routes against a real Orthanc', () => {
  let h: Harness;
  let orthanc: OrthancServer;
  const users: Partial<Record<'admin' | 'steward' | 'annotator', string>> = {};
  const url = (path: string) => `/api/projects/${h.seeded.projectId}/dicomweb${path}`;

  async function call(who: keyof typeof users, method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown) {
    const roles: Record<keyof typeof users, Role> = { admin: 'project_admin', steward: 'data_steward', annotator: 'annotator' };
    const { headers } = await openTestSession(h.server.app.accessRuntime, users[who]!, { grant: { projectId: h.seeded.projectId, roles: [roles[who]] } });
    const res = await h.server.app.inject({ method, url: url(path), headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, ...(body !== undefined ? { payload: JSON.stringify(body) } : {}) });
    return { status: res.statusCode, body: res.body ? res.json() : {}, headers: res.headers };
  }

  const connect = (overrides: Record<string, unknown> = {}) =>
    call('admin', 'PUT', '/connection', { baseUrl: orthanc.dicomWebUrl, username: orthanc.username, password: orthanc.password, timeoutMs: 10_000, ...overrides });

  beforeAll(async () => {
    [h, orthanc] = await Promise.all([startHarness('pglite'), startOrthanc()]);
    await orthanc.load(await Promise.all(sharedFiles.map((f) => readFile(requireTestData(f)))));
    const access = new AccessRepository(h.database.db);
    for (const who of ['admin', 'steward', 'annotator'] as const) {
      users[who] = (await access.createUser({ username: `${who}-${crypto.randomUUID()}`, displayName: who, now: new Date() })).id;
    }
  }, 120_000);
  afterAll(async () => {
    await h?.close();
    await orthanc?.stop();
  });

  it('refuses to search before a connection is set', async () => {
    expect((await call('steward', 'GET', '/connection')).body).toEqual({ configured: false });
    const res = await call('steward', 'POST', '/search', { level: 'studies' });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('DLN_DICOMWEB_NOT_CONFIGURED');
  });

  it('lets project admins set the connection, stores the password sealed and never shows it', async () => {
    expect((await call('steward', 'PUT', '/connection', { baseUrl: orthanc.dicomWebUrl })).status).toBe(403);
    expect((await call('annotator', 'GET', '/connection')).status).toBe(403);
    expect((await call('admin', 'PUT', '/connection', { baseUrl: 'ftp://pacs.example.org' })).status).toBe(400);
    const saved = await connect();
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({ configured: true, baseUrl: orthanc.dicomWebUrl, username: orthanc.username, hasPassword: true, timeoutMs: 10_000 });
    expect(JSON.stringify(saved.body)).not.toContain(orthanc.password);
    const row = await h.database.db.selectFrom('dicomweb_connections' as never).selectAll().executeTakeFirstOrThrow() as { sealed_password: string };
    expect(row.sealed_password).toMatch(/^v1\./);
    expect(row.sealed_password).not.toContain(orthanc.password);
    // Saving without a password keeps the stored one.
    expect((await call('admin', 'PUT', '/connection', { baseUrl: orthanc.dicomWebUrl, username: orthanc.username, timeoutMs: 10_000 })).body.hasPassword).toBe(true);
  });

  it('searches studies and series for stewards and admins, audits the fields searched and never their values', async () => {
    expect((await call('annotator', 'POST', '/search', { level: 'studies' })).status).toBe(403);
    const ct = await call('steward', 'POST', '/search', { level: 'studies', modality: 'CT' });
    expect(ct.status).toBe(200);
    expect(ct.headers['cache-control']).toBe('no-store');
    expect(ct.body.matches).toHaveLength(2);
    expect(ct.body.matches.every((m: { modalities: string[] }) => m.modalities.includes('CT'))).toBe(true);
    const byDescription = await call('admin', 'POST', '/search', { level: 'studies', studyDescription: 'brain' });
    expect(byDescription.body.matches).toHaveLength(1);
    const study = byDescription.body.matches[0];
    expect(study.studyDescription).toBe('CT BRAIN WO IVCON');
    const byPatient = await call('steward', 'POST', '/search', { level: 'studies', patientId: study.patientId, studyDateFrom: '2000-01-01' });
    expect(byPatient.body.matches.map((m: { studyInstanceUid: string }) => m.studyInstanceUid)).toEqual([study.studyInstanceUid]);
    expect((await call('steward', 'POST', '/search', { level: 'studies', accessionNumber: 'no-such-accession' })).body.matches).toEqual([]);
    const series = await call('steward', 'POST', '/search', { level: 'series', studyInstanceUid: study.studyInstanceUid });
    expect(series.body.matches).toEqual([expect.objectContaining({ studyInstanceUid: study.studyInstanceUid, modalities: ['CT'], instances: 1 })]);

    await h.server.app.accessRuntime.auditSettled();
    const events = (await h.database.db.selectFrom('audit_events' as never).selectAll().execute()) as Array<Record<string, unknown>>;
    const actions = events.map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['dicomweb.search.studies.modality', 'dicomweb.search.studies.studyDescription', 'dicomweb.search.studies.patientId+studyDateFrom', 'dicomweb.search.series.studyInstanceUid']));
    const trail = JSON.stringify(events);
    for (const value of [study.patientId, 'brain', study.studyInstanceUid, 'no-such-accession']) expect(trail).not.toContain(value);
    const queries = (await h.database.db.selectFrom('dicomweb_queries' as never).selectAll().execute()) as Array<{ fields: string[]; matches: number | null }>;
    expect(queries.map((q) => q.fields)).toEqual(expect.arrayContaining([['modality'], ['patientId', 'studyDateFrom']]));
    expect(JSON.stringify(queries)).not.toContain(study.patientId);
  });

  it('refuses with a code when the PACS rejects the credentials or cannot be reached', async () => {
    await connect({ password: 'wrong-password' });
    const refused = await call('steward', 'POST', '/search', { level: 'studies' });
    expect(refused.status).toBe(502);
    expect(refused.body).toMatchObject({ code: 'DLN_DICOMWEB_UNAUTHORIZED' });
    expect(JSON.stringify(refused.body)).not.toContain('wrong-password');
    await connect({ baseUrl: 'http://127.0.0.1:9/dicom-web' });
    const unreachable = await call('steward', 'POST', '/search', { level: 'studies' });
    expect(unreachable.status).toBe(502);
    expect(unreachable.body.code).toBe('DLN_DICOMWEB_UNREACHABLE');
    const failed = (await h.database.db.selectFrom('dicomweb_queries' as never).select('error_code' as never).execute()) as Array<{ error_code: string | null }>;
    expect(failed.map((q) => q.error_code)).toEqual(expect.arrayContaining(['DLN_DICOMWEB_UNAUTHORIZED', 'DLN_DICOMWEB_UNREACHABLE']));
    await connect();
  });

  it('refuses a retrieval on a server without the ingest gate, and bad targets', async () => {
    const search = await call('steward', 'POST', '/search', { level: 'studies', modality: 'MR' });
    const target = { studyInstanceUid: search.body.matches[0].studyInstanceUid };
    expect((await call('annotator', 'POST', '/retrievals', { targets: [target] })).status).toBe(403);
    expect((await call('steward', 'POST', '/retrievals', { targets: [] })).status).toBe(400);
    expect((await call('steward', 'POST', '/retrievals', { targets: [{ studyInstanceUid: '1.2.x' }] })).status).toBe(400);
    const res = await call('steward', 'POST', '/retrievals', { targets: [target] });
    expect(res.status).toBe(503);
    expect(res.body.code).toBe('DLN_INGEST_UNAVAILABLE');
    expect((await call('steward', 'GET', '/retrievals')).body).toEqual({ retrievals: [] });
    const unknown = await call('steward', 'GET', `/retrievals/${crypto.randomUUID()}`);
    expect([unknown.status, unknown.body.code]).toEqual([404, 'DLN_DICOMWEB_RETRIEVAL_NOT_FOUND']);
  });
});
