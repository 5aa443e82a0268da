import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessRepository } from '@delineate/store';
import { openTestSession } from '../access';
import { startHarness, type Harness } from '../test/harness';

describe("a project's items by name", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('pglite');
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  it('names each item by modality, size and subject pseudonym for those who list tasks; others may not read them', async () => {
    const url = `/api/projects/${h.seeded.projectId}/items/names`;
    const admin = await openTestSession(h.server.app.accessRuntime, h.seeded.userId, { grant: { projectId: h.seeded.projectId, roles: ['project_admin'] } });
    const res = await h.server.app.inject({ method: 'GET', url, headers: admin.headers });
    expect(res.statusCode).toBe(200);
    const { items } = res.json() as { items: { id: string; modality: string; slices: number; rows: number; columns: number; subjectPseudonym: string }[] };
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ id: h.seeded.itemId, kind: 'series_volume', modality: 'CT', slices: 4, rows: 16, columns: 16 });
    expect(items[0]!.subjectPseudonym).toMatch(/\S/);

    const other = await new AccessRepository(h.database.db).createUser({ username: `steward-${crypto.randomUUID()}`, displayName: 'Steward', now: new Date() });
    const steward = await openTestSession(h.server.app.accessRuntime, other.id, { grant: { projectId: h.seeded.projectId, roles: ['data_steward'] } });
    expect((await h.server.app.inject({ method: 'GET', url, headers: steward.headers })).statusCode).toBe(403);
  });
});
