import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessRepository } from '@delineate/store';
import { openTestSession } from '../access';
import { startHarness, type Harness } from '../test/harness';

describe('accepted modalities of a project', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('pglite');
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  it('a project admin lists MR beside the project’s CT; others may not', async () => {
    const url = `/api/projects/${h.seeded.projectId}/accepted-modalities`;
    const admin = await openTestSession(h.server.app.accessRuntime, h.seeded.userId, { grant: { projectId: h.seeded.projectId, roles: ['project_admin'] } });
    const set = await h.server.app.inject({ method: 'PUT', url, headers: { ...admin.headers, 'content-type': 'application/json' }, payload: { modalities: ['MR', 'CT'] } });
    expect(set.statusCode).toBe(200);
    expect(set.json().acceptedModalities).toEqual(['CT', 'MR']);
    const read = await h.server.app.inject({ method: 'GET', url: `/api/projects/${h.seeded.projectId}`, headers: admin.headers });
    expect(read.json().acceptedModalities).toEqual(['CT', 'MR']);
    // Listing none leaves the project's own modality.
    const cleared = await h.server.app.inject({ method: 'PUT', url, headers: { ...admin.headers, 'content-type': 'application/json' }, payload: { modalities: [] } });
    expect(cleared.json().acceptedModalities).toEqual(['CT']);
    const bad = await h.server.app.inject({ method: 'PUT', url, headers: { ...admin.headers, 'content-type': 'application/json' }, payload: { modalities: ['XR'] } });
    expect(bad.json()).toMatchObject({ code: 'DLN_REQUEST_INVALID' });

    const other = await new AccessRepository(h.database.db).createUser({ username: `annotator-${crypto.randomUUID()}`, displayName: 'Annotator', now: new Date() });
    const annotator = await openTestSession(h.server.app.accessRuntime, other.id, { grant: { projectId: h.seeded.projectId, roles: ['annotator'] } });
    const refused = await h.server.app.inject({ method: 'PUT', url, headers: { ...annotator.headers, 'content-type': 'application/json' }, payload: { modalities: ['MR'] } });
    expect(refused.statusCode).toBe(403);
  });
});
