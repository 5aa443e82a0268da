import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessRepository, LabelSchemaRepository } from '@delineate/store';
import { openTestSession } from '../access';
import { startHarness, type Harness } from '../test/harness';

describe('label-schema templates', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('pglite');
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  it('lists the shipped templates and creates a schema from one that records the template and version', async () => {
    const repo = new AccessRepository(h.database.db);
    const admin = await repo.createUser({ username: `admin-${crypto.randomUUID()}`, displayName: 'Admin', platformAdmin: true, now: new Date() });
    const session = await openTestSession(h.server.app.accessRuntime, admin.id);
    const listed = await h.server.app.inject({ method: 'GET', url: '/api/label-schema-templates', headers: session.headers });
    expect(listed.statusCode).toBe(200);
    const templates = listed.json().templates as { id: string; version: number; labels: { key: string; rtRoiInterpretedType?: string }[] }[];
    const headNeck = templates.find((t) => t.id === 'rt-head-neck');
    expect(headNeck?.labels.find((l) => l.key === 'parotid_left')?.rtRoiInterpretedType).toBe('ORGAN');

    const created = await h.server.app.inject({
      method: 'POST',
      url: '/api/label-schemas/from-template',
      headers: { ...session.headers, 'content-type': 'application/json' },
      payload: { templateId: 'rt-head-neck', name: 'Oropharynx study' },
    });
    expect(created.statusCode, created.body).toBe(201);
    // Without a version the latest (2, with FMA identifiers) is used.
    expect(created.json()).toMatchObject({ name: 'Oropharynx study', version: 1, template: { id: 'rt-head-neck', version: 2 } });
    const stored = await new LabelSchemaRepository(h.database.db).get(created.json().id);
    expect(stored.template).toEqual({ id: 'rt-head-neck', version: 2 });
    expect(stored.labels.find((l) => l.key === 'brainstem')?.fma).toEqual({ id: 'FMA:79876', name: 'Brainstem' });
    expect(stored.labels.map((l) => l.key)).toContain('brainstem');

    const unknown = await h.server.app.inject({
      method: 'POST',
      url: '/api/label-schemas/from-template',
      headers: { ...session.headers, 'content-type': 'application/json' },
      payload: { templateId: 'rt-head-neck', version: 7 },
    });
    expect([unknown.statusCode, unknown.json().code]).toEqual([404, 'DLN_TEMPLATE_NOT_FOUND']);
    const parotid = (headNeck as unknown as { guidelines: string[]; labels: { key: string; concept: { scheme: string }; colour: string; referenceStandard: { title: string } }[] } | undefined)?.labels.find((l) => l.key === 'parotid_left');
    expect(parotid?.concept.scheme).toBe('SCT');
    expect(parotid?.colour).toMatch(/^#[0-9a-f]{6}$/i);
    expect((headNeck as unknown as { guidelines: string[] }).guidelines).toContain(parotid?.referenceStandard.title);

    // The project pinned to the new schema shows where its structures came from.
    await h.database.db.updateTable('projects').set({ label_schema_id: created.json().id, label_schema_version: 1 }).where('id', '=', h.seeded.projectId).execute();
    const pinned = await h.server.app.inject({ method: 'GET', url: `/api/projects/${h.seeded.projectId}/label-schema`, headers: session.headers });
    expect(pinned.statusCode, pinned.body).toBe(200);
    expect(pinned.json()).toMatchObject({ name: 'Oropharynx study', version: 1, template: { id: 'rt-head-neck', version: 2, name: headNeck?.labels ? expect.stringContaining('Brouwer') : '' } });

    const other = await repo.createUser({ username: `annotator-${crypto.randomUUID()}`, displayName: 'Annotator', now: new Date() });
    const annotator = await openTestSession(h.server.app.accessRuntime, other.id, { grant: { projectId: h.seeded.projectId, roles: ['annotator'] } });
    const refused = await h.server.app.inject({
      method: 'POST',
      url: '/api/label-schemas/from-template',
      headers: { ...annotator.headers, 'content-type': 'application/json' },
      payload: { templateId: 'rt-thorax' },
    });
    expect(refused.statusCode).toBe(403);
  });
});
