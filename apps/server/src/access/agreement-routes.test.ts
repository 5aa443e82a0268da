import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Role } from '@delineate/schema';
import { startHarness, type Harness } from '../test/harness';
import { FakeClock } from './test/fixtures';
import { openTestSession } from './testing';

/**
 * Organisations and agreements over HTTP with the injected clock: an annotation service's
 * annotator is refused, coded and audited, until a DUA is in force; refused again at the very
 * instant it expires; let in again by its renewal. Plus the signed document, the expiry warnings,
 * the access review's organisation column and the GDPR Art. 30 record.
 */
describe('organisations and agreements over HTTP', () => {
  let h: Harness;
  const clock = new FakeClock();
  const hour = 3_600_000;
  const day = 24 * hour;

  beforeAll(async () => {
    // The clock jumps with no checkpoint tick between; a day-long interval keeps the log verifiable.
    vi.stubEnv('DELINEATE_AUDIT_CHECKPOINT_MINUTES', '1440');
    try {
      h = await startHarness('pglite', {}, { clock: clock.now });
    } finally {
      vi.unstubAllEnvs();
    }
  }, 120_000);
  afterAll(async () => h?.close());

  const call = async (who: string, method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown, contentType = 'application/json') => {
    // A fresh session each time: the clock moves by more than the idle timeout.
    const { headers } = await openTestSession(h.server.app.accessRuntime, who);
    const body = payload === undefined ? {} : { payload: payload instanceof Uint8Array ? Buffer.from(payload) : JSON.stringify(payload), headers: { ...headers, 'content-type': contentType } };
    return h.server.app.inject({ method, url, headers, ...body });
  };
  const person = async (name: string, roles: Role[], platformAdmin = false, projectId = h.seeded.projectId) => {
    const runtime = h.server.app.accessRuntime;
    const user = await runtime.repo.createUser({ username: `${name}-${crypto.randomUUID().slice(0, 8)}`, displayName: name, platformAdmin, now: clock.now() });
    for (const role of roles) await runtime.repo.addMembership({ userId: user.id, projectId, role, grantedBy: null, now: clock.now() });
    await runtime.repo.addQualification({ userId: user.id, kind: 'trained_annotator', modality: null, verifiedBy: null, validUntil: null, now: clock.now() });
    return user.id;
  };
  const lastEvent = async (action: string) => (await h.server.app.accessRuntime.audit.range(new Date(0), new Date(clock.now().getTime() + day))).filter((e) => e.action === action).at(-1);

  it('refuses the service’s annotator until a DUA is in force, from its expiry instant, and again after its renewal', async () => {
    const admin = await person('admin', [], true);
    const auditor = await person('auditor', ['auditor']);
    const created = await call(admin, 'POST', '/api/organisations', { name: 'Acme Annotation', kind: 'annotation_service' });
    expect(created.statusCode).toBe(201);
    const service = created.json() as { id: string };
    expect((await call(admin, 'POST', '/api/organisations', { name: 'acme annotation', kind: 'partner' })).json()).toMatchObject({ code: 'DLN_ORGANISATION_NAME_TAKEN' });
    expect((await call(auditor, 'POST', '/api/organisations', { name: 'Other', kind: 'partner' })).statusCode).toBe(403);
    expect((await call(auditor, 'GET', '/api/organisations')).json().organisations.map((o: { name: string }) => o.name)).toContain('Acme Annotation');

    const annotator = await person('vendor-annotator', ['annotator']);
    expect((await call(admin, 'PUT', `/api/users/${annotator}/organisation`, { organisationId: service.id })).statusCode).toBe(204);
    const item = `/api/items/${h.seeded.itemId}`;
    expect((await call(annotator, 'GET', item)).json()).toMatchObject({ code: 'DLN_ACCESS_ORGANISATION_NOT_ADMITTED' });
    expect((await call(admin, 'PUT', `/api/projects/${h.seeded.projectId}/organisations/${service.id}`, { roles: ['annotator'] })).statusCode).toBe(204);
    const missing = await call(annotator, 'GET', item);
    expect(missing.statusCode).toBe(403);
    expect(missing.json()).toEqual({ code: 'DLN_ACCESS_AGREEMENT_MISSING', message: 'Your organisation has no data use agreement in force for this project' });
    await h.server.app.accessRuntime.auditSettled();
    expect(await lastEvent('item.read')).toMatchObject({ actorId: annotator, outcome: 'denied', projectId: h.seeded.projectId });

    const expiresAt = new Date(clock.now().getTime() + 30 * day);
    const recorded = await call(admin, 'POST', '/api/agreements', {
      projectId: h.seeded.projectId,
      organisationId: service.id,
      kind: 'dua',
      parties: ['Test Hospital', 'Acme Annotation'],
      signedAt: clock.now().toISOString(),
      expiresAt: expiresAt.toISOString(),
      identifiableUses: [],
      regions: ['local'],
    });
    expect(recorded.statusCode).toBe(201);
    const dua = recorded.json() as { id: string; status: string };
    expect(dua.status).toBe('in_force');
    expect((await call(annotator, 'GET', item)).statusCode).toBe(200);

    // Listed as expiring (within 60 days) for platform administrators and the project's administrators only.
    const projectAdmin = await person('project-admin', ['project_admin']);
    const elsewhere = await person('elsewhere-admin', []);
    const { projectId: otherProject } = await (await import('../test/harness')).seedProject(h.database);
    await h.server.app.accessRuntime.repo.addMembership({ userId: elsewhere, projectId: otherProject, role: 'project_admin', grantedBy: null, now: clock.now() });
    const expiringIds = async (who: string) => (await call(who, 'GET', '/api/agreements/expiring')).json().agreements.map((a: { id: string }) => a.id);
    expect(await expiringIds(admin)).toEqual([dua.id]);
    expect(await expiringIds(projectAdmin)).toEqual([dua.id]);
    expect(await expiringIds(elsewhere)).toEqual([]);

    clock.advance(expiresAt.getTime() - clock.now().getTime() - 1);
    expect((await call(annotator, 'GET', item)).statusCode).toBe(200);
    clock.advance(1);
    const expired = await call(annotator, 'GET', item);
    expect(expired.json()).toEqual({ code: 'DLN_ACCESS_AGREEMENT_EXPIRED', message: 'Your organisation’s data use agreement for this project has expired, so its access has ended' });
    await h.server.app.accessRuntime.auditSettled();
    expect(await lastEvent('item.read')).toMatchObject({ actorId: annotator, outcome: 'denied' });
    expect(await expiringIds(admin)).toEqual([]);

    // The access review names the member's organisation and why the agreement check refuses them.
    const steward = await person('steward', ['data_steward']);
    const review = (await call(steward, 'GET', `/api/projects/${h.seeded.projectId}/access-review`)).json();
    const row = review.members.find((m: { userId: string }) => m.userId === annotator);
    expect(row).toMatchObject({ organisation: { id: service.id, name: 'Acme Annotation', kind: 'annotation_service' }, agreementStatus: 'expired', agreementKind: 'dua' });
    expect(review.members.find((m: { userId: string }) => m.userId === steward).agreementStatus).toBe('owner');

    const renewal = await call(admin, 'POST', `/api/agreements/${dua.id}/renewal`, { signedAt: clock.now().toISOString(), expiresAt: new Date(clock.now().getTime() + 365 * day).toISOString() });
    expect(renewal.statusCode).toBe(201);
    expect(renewal.json()).toMatchObject({ renewsId: dua.id, parties: ['Test Hospital', 'Acme Annotation'], regions: ['local'], status: 'in_force' });
    expect((await call(annotator, 'GET', item)).statusCode).toBe(200);
    const listed = (await call(auditor, 'GET', '/api/agreements')).json().agreements as Array<{ id: string; status: string; renewed: boolean }>;
    expect(listed.find((a) => a.id === dua.id)).toMatchObject({ status: 'expired', renewed: true });

    // The GDPR Art. 30 record lists the service as a processor with both agreements.
    const record = await call(auditor, 'GET', `/api/projects/${h.seeded.projectId}/processing-record?format=download`);
    expect(record.headers['content-disposition']).toMatch(/^attachment; filename="processing-record-/);
    expect(record.json().processors).toMatchObject([{ organisationId: service.id, name: 'Acme Annotation', roles: ['annotator'], agreements: [{ renewsId: dua.id }, { id: dua.id }] }]);
  }, 120_000);

  it('stores the signed PDF with its SHA-256 within the size and type limits; auditors read it, only administrators upload', async () => {
    const admin = await person('admin2', [], true);
    const auditor = await person('auditor2', ['auditor']);
    const org = (await call(admin, 'POST', '/api/organisations', { name: 'Partner Lab', kind: 'research_group' })).json() as { id: string };
    const agreement = (
      await call(admin, 'POST', '/api/agreements', {
        projectId: h.seeded.projectId,
        organisationId: org.id,
        kind: 'dpa',
        parties: ['Test Hospital', 'Partner Lab'],
        signedAt: clock.now().toISOString(),
        expiresAt: null,
        identifiableUses: ['quarantine_pixels'],
        regions: ['eu'],
      })
    ).json() as { id: string };
    const url = `/api/agreements/${agreement.id}/document`;
    expect((await call(auditor, 'GET', url)).json()).toMatchObject({ code: 'DLN_AGREEMENT_DOCUMENT_MISSING' });
    expect((await call(admin, 'PUT', url, new TextEncoder().encode('not a pdf'), 'application/octet-stream')).json()).toMatchObject({ code: 'DLN_AGREEMENT_DOCUMENT_TYPE' });
    const huge = new Uint8Array(10 * 1024 * 1024 + 1);
    huge.set(new TextEncoder().encode('%PDF-1.7'));
    const tooLarge = await call(admin, 'PUT', url, huge, 'application/octet-stream');
    expect(tooLarge.statusCode).toBe(413);
    const pdf = new TextEncoder().encode('%PDF-1.4\n% signed agreement\n%%EOF\n');
    expect((await call(auditor, 'PUT', url, pdf, 'application/octet-stream')).statusCode).toBe(403);
    const stored = await call(admin, 'PUT', url, pdf, 'application/octet-stream');
    expect(stored.json()).toMatchObject({ documentSha256: createHash('sha256').update(pdf).digest('hex'), documentSize: pdf.byteLength });
    const download = await call(auditor, 'GET', url);
    expect(download.headers['content-type']).toBe('application/pdf');
    expect(new Uint8Array(download.rawPayload)).toEqual(pdf);
    // An agreement with dates the wrong way round is refused whole.
    const backwards = await call(admin, 'POST', '/api/agreements', { projectId: h.seeded.projectId, organisationId: org.id, kind: 'dua', parties: ['A', 'B'], signedAt: clock.now().toISOString(), expiresAt: new Date(clock.now().getTime() - day).toISOString(), identifiableUses: [], regions: ['local'] });
    expect(backwards.json()).toMatchObject({ code: 'DLN_REQUEST_INVALID' });
  }, 120_000);

  it('refuses an agreement that does not permit the project’s region, and identifiable data without scope', async () => {
    const admin = await person('admin3', [], true);
    const org = (await call(admin, 'POST', '/api/organisations', { name: 'Overseas Annotation', kind: 'annotation_service' })).json() as { id: string };
    const steward = await person('vendor-steward', ['data_steward']);
    await call(admin, 'PUT', `/api/users/${steward}/organisation`, { organisationId: org.id });
    await call(admin, 'PUT', `/api/projects/${h.seeded.projectId}/organisations/${org.id}`, { roles: ['data_steward'] });
    const dua = { projectId: h.seeded.projectId, organisationId: org.id, kind: 'dua', parties: ['A', 'B'], signedAt: clock.now().toISOString(), expiresAt: null, identifiableUses: [] };
    await call(admin, 'POST', '/api/agreements', { ...dua, regions: ['us'] });
    const quarantine = `/api/projects/${h.seeded.projectId}/quarantine`;
    expect((await call(steward, 'GET', quarantine)).json()).toMatchObject({ code: 'DLN_ACCESS_AGREEMENT_REGION' });
    await call(admin, 'POST', '/api/agreements', { ...dua, regions: ['local'] });
    expect((await call(steward, 'GET', quarantine)).statusCode).toBe(200);
    // The quarantine pixel view shows identifiable data: the agreement must allow it.
    const record = await h.database.db
      .insertInto('deid_records')
      .values({ project_id: h.seeded.projectId, source_hash: 'a'.repeat(64), output_hash: null, profile: 'basic', options: '[]', actions: '[]', pixel_regions: '[]', findings: '[]', status: 'quarantined' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const view = `/api/deid-records/${record.id}/view`;
    expect((await call(steward, 'GET', view)).json()).toMatchObject({ code: 'DLN_ACCESS_AGREEMENT_SCOPE' });
    // Emergency access shows identifiable data too.
    const breakGlass = await call(steward, 'POST', `/api/projects/${h.seeded.projectId}/break-glass`, { role: 'annotator', reason: 'urgent clinical question', minutes: 30 });
    expect(breakGlass.json()).toMatchObject({ code: 'DLN_ACCESS_ORGANISATION_NOT_ADMITTED' });
    await call(admin, 'POST', '/api/agreements', { ...dua, regions: ['local'], identifiableUses: ['quarantine_pixels'] });
    // Past the policy: this record has no view to show (the route's own answer).
    expect((await call(steward, 'GET', view)).json()).toMatchObject({ code: 'DLN_CONFLICT' });
  }, 120_000);
});
