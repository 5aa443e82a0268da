import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoProjectSettings } from '@delineate/schema';
import { callAs, startHarness, type Harness } from '../test/harness';

describe('platform administration routes', () => {
  let h: Harness;
  let admin: string;
  let projectAdmin: string;

  beforeAll(async () => {
    h = await startHarness('pglite');
    const runtime = h.server.app.accessRuntime;
    admin = (await runtime.repo.createUser({ username: `root-${crypto.randomUUID().slice(0, 6)}`, displayName: 'Root', platformAdmin: true, now: runtime.now() })).id;
    projectAdmin = (await runtime.repo.createUser({ username: `pa-${crypto.randomUUID().slice(0, 6)}`, displayName: 'PA', now: runtime.now() })).id;
    await runtime.repo.addMembership({ userId: projectAdmin, projectId: h.seeded.projectId, role: 'project_admin', grantedBy: null, now: runtime.now() });
  }, 60_000);
  afterAll(async () => h?.close());

  it('creates a project in the stores’ region, refusing another region, a taken name and non-administrators', async () => {
    const schemas = (await callAs(h.server, admin, 'GET', '/api/label-schemas')).body.labelSchemas;
    const protocols = (await callAs(h.server, admin, 'GET', '/api/review-protocols')).body.reviewProtocols;
    expect(schemas[0]).toMatchObject({ id: h.seeded.labelSchema.id, version: h.seeded.labelSchema.version });
    const body = { ...demoProjectSettings, name: 'Kidney study', region: 'local', labelSchema: { id: schemas[0].id, version: schemas[0].version }, reviewProtocol: { id: protocols[0].id, version: protocols[0].version } };
    const created = await callAs(h.server, admin, 'POST', '/api/projects', body);
    expect([created.status, created.body.name, created.body.region]).toEqual([201, 'Kidney study', 'local']);
    expect((await callAs(h.server, admin, 'POST', '/api/projects', body)).body.code).toBe('DLN_PROJECT_NAME_TAKEN');
    const elsewhere = await callAs(h.server, admin, 'POST', '/api/projects', { ...body, name: 'In the EU', region: 'eu' });
    expect([elsewhere.status, elsewhere.body.code]).toEqual([409, 'DLN_REGION_MISMATCH']);
    expect((await callAs(h.server, projectAdmin, 'POST', '/api/projects', { ...body, name: 'Not mine to make' })).status).toBe(403);
    const regions = (await callAs(h.server, admin, 'GET', '/api/regions')).body;
    expect(regions.storage).toEqual({ database: 'local', blobStores: ['local'] });
    expect(regions.regions).toContain('eu');
    expect(regions.projects).toContainEqual({ id: created.body.id, name: 'Kidney study', region: 'local' });
    expect((await callAs(h.server, projectAdmin, 'GET', '/api/regions')).status).toBe(403);
    await h.server.app.accessRuntime.auditSettled();
    const events = await h.server.app.accessRuntime.audit.range(new Date(0), new Date(Date.now() + 60_000));
    expect(events).toContainEqual(expect.objectContaining({ action: 'project.create', objectId: created.body.id, actorId: admin, outcome: 'success' }));
  });
});
