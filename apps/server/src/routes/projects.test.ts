import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liverCtLabelSchema, liverCtReviewProtocol, type Role } from '@delineate/schema';
import { DeidRecordRepository, ItemRepository, LabelSchemaRepository, testing } from '@delineate/store';
import { openTestSession } from '../access';
import { seedProject, startHarness, type Harness, type SeededProject } from '../test/harness';

const kinds = testing.testDatabaseKinds();
if (kinds.required && kinds.missing.length > 0) {
  it(`needs ${testing.TEST_DATABASE_URL_ENV} under CI`, () => {
    throw new Error(`${testing.TEST_DATABASE_URL_ENV} is not set`);
  });
}

describe.each(kinds.run)('project read routes on %s', (kind) => {
  let h: Harness;
  let other: SeededProject;
  const users: Record<string, { id: string; headers: Record<string, string> }> = {};

  const get = async (user: string, url: string) => {
    const res = await h.server.app.inject({ method: 'GET', url, headers: users[user]!.headers });
    return { status: res.statusCode, body: res.json() as any }; // eslint-disable-line @typescript-eslint/no-explicit-any
  };

  beforeAll(async () => {
    h = await startHarness(kind);
    other = await seedProject(h.database);
    const runtime = h.server.app.accessRuntime;
    const now = runtime.now();
    const person = async (name: string, displayName: string, grants: Array<[string, Role]>, platformAdmin = false) => {
      const user = await runtime.repo.createUser({ username: `${name}-${crypto.randomUUID().slice(0, 8)}`, displayName, platformAdmin, now });
      for (const [projectId, role] of grants) await runtime.repo.addMembership({ userId: user.id, projectId, role, grantedBy: null, now });
      users[name] = { id: user.id, headers: (await openTestSession(runtime, user.id)).headers };
      return user.id;
    };
    const own = h.seeded.projectId;
    await person('padmin', 'Pat Admin', [[own, 'project_admin']]);
    const tech = await person('tech', 'Tess Tech', [[own, 'annotator'], [other.projectId, 'annotator'], [other.projectId, 'reviewer']]);
    await runtime.repo.addQualification({ userId: tech, kind: 'technologist', modality: 'CT', verifiedBy: null, validUntil: null, now });
    await person('admin', 'Ada Platform', [], true);
    await person('outsider', 'Otto Outside', []);
  }, 120_000);
  afterAll(async () => h?.close());

  it("lists the caller's projects with their roles; a platform administrator sees every project", async () => {
    const mine = await get('padmin', '/api/projects');
    expect(mine.status).toBe(200);
    expect(mine.body.projects).toEqual([{ id: h.seeded.projectId, name: expect.any(String), modality: 'CT', oversightModel: 'supervised_technologist', roles: ['project_admin'] }]);
    const tech = await get('tech', '/api/projects');
    expect(tech.body.projects.map((p: { id: string; roles: string[] }) => [p.id, p.roles])).toEqual([
      [h.seeded.projectId, ['annotator']],
      [other.projectId, ['annotator', 'reviewer']],
    ]);
    const admin = await get('admin', '/api/projects');
    const ids = admin.body.projects.map((p: { id: string }) => p.id);
    expect(ids).toEqual(expect.arrayContaining([h.seeded.projectId, other.projectId]));
    expect(admin.body.projects.find((p: { id: string }) => p.id === other.projectId).roles).toEqual([]);
    expect((await get('outsider', '/api/projects')).body).toEqual({ projects: [] });
  });

  it('summarises one project with its pinned documents, and freezes once workflow tasks exist', async () => {
    const first = await get('padmin', `/api/projects/${h.seeded.projectId}`);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      id: h.seeded.projectId,
      modality: 'CT',
      labelSchema: { id: h.seeded.labelSchema.id, version: 1, name: liverCtLabelSchema.name },
      reviewProtocol: { version: 1, name: liverCtReviewProtocol.name },
      roles: ['project_admin'],
      tasks: { annotate: 0, review: 0, expert_review: 0 },
      frozen: false,
    });
    expect((await get('outsider', `/api/projects/${h.seeded.projectId}`)).status).toBe(404);
    expect((await get('tech', `/api/projects/${h.seeded.projectId}`)).status).toBe(200);

    // Pass the item through the gate (a stored instance) and create its task.
    const db = h.database.db;
    const item = await db.selectFrom('items').select('series_id').where('id', '=', h.seeded.itemId).executeTakeFirstOrThrow();
    const stored = await h.server.context.blobs.put(new TextEncoder().encode(`instance ${crypto.randomUUID()}`));
    await new DeidRecordRepository(db).record({ projectId: h.seeded.projectId, sourceHash: stored.hash.replace(/^./, 'a'), outputHash: stored.hash, profile: 'basic', options: [], actions: [], pixelRegionsRedacted: [], findings: [], status: 'passed' });
    await new ItemRepository(db).addInstances([{ seriesId: item.series_id!, sopInstanceUid: `2.25.${Date.now()}7`, instanceNumber: 1, blobHash: stored.hash }]);
    const created = await h.server.app.inject({ method: 'POST', url: `/api/projects/${h.seeded.projectId}/workflow/tasks`, headers: users.padmin!.headers });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json().created).toHaveLength(1);
    const after = await get('padmin', `/api/projects/${h.seeded.projectId}`);
    expect(after.body).toMatchObject({ tasks: { annotate: 1, review: 0, expert_review: 0 }, frozen: true });
  });

  it('lists every label-schema and review-protocol version a configuration may pin', async () => {
    await new LabelSchemaRepository(h.database.db).addVersion(h.seeded.labelSchema.id, [...liverCtLabelSchema.labels].slice(0, 1));
    const res = await get('padmin', `/api/projects/${h.seeded.projectId}/workflow/documents`);
    expect(res.status).toBe(200);
    const versions = res.body.labelSchemas.filter((s: { id: string }) => s.id === h.seeded.labelSchema.id);
    expect(versions.map((s: { version: number; labels: { key: string }[] }) => [s.version, s.labels.map((l) => l.key)])).toEqual([
      [1, liverCtLabelSchema.labels.map((l) => l.key)],
      [2, [liverCtLabelSchema.labels[0]!.key]],
    ]);
    const protocol = res.body.reviewProtocols.find((p: { name: string }) => p.name === liverCtReviewProtocol.name);
    expect(protocol.checklist.map((c: { key: string }) => c.key)).toEqual(liverCtReviewProtocol.checklist.map((c) => c.key));
    // Two seeded projects, each with its own copies.
    expect(res.body.labelSchemas.length).toBeGreaterThanOrEqual(3);
    expect((await get('outsider', `/api/projects/${h.seeded.projectId}/workflow/documents`)).status).toBe(404);
  });

  it('lists members with display names, roles and qualifications for project administrators only', async () => {
    const res = await get('padmin', `/api/projects/${h.seeded.projectId}/members`);
    expect(res.status).toBe(200);
    const tess = res.body.members.find((m: { displayName: string }) => m.displayName === 'Tess Tech');
    expect(tess).toMatchObject({ userId: users.tech!.id, roles: ['annotator'], disabled: false, qualifications: [{ kind: 'technologist', modality: 'CT', validUntil: null }] });
    expect(res.body.members.map((m: { displayName: string }) => m.displayName)).toEqual(expect.arrayContaining(['Pat Admin', 'Tess Tech']));
    expect(res.body.members.some((m: { displayName: string }) => m.displayName === 'Otto Outside')).toBe(false);
    expect((await get('tech', `/api/projects/${h.seeded.projectId}/members`)).status).toBe(403);
  });

  it('documents the routes in the OpenAPI document', async () => {
    const res = await h.server.app.inject({ method: 'GET', url: '/api/openapi.json' });
    const doc = res.json() as { paths: Record<string, Record<string, { operationId: string }>> };
    const ops = Object.values(doc.paths).flatMap((p) => Object.values(p).map((o) => o.operationId));
    expect(ops).toEqual(expect.arrayContaining(['listProjects', 'getProject', 'listWorkflowDocumentVersions', 'listProjectMembers']));
  });
});
