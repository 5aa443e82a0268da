import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeRle8 } from '@delineate/core';
import { liverCtLabelSchema, liverCtReviewProtocol, type QualificationKind, type Role, type WorkflowConfig, type WorkflowTask } from '@delineate/schema';
import {
  AnnotationRepository,
  BlobKey,
  DeidRecordRepository,
  ItemRepository,
  LabelSchemaRepository,
  LocalBlobStore,
  ProjectRepository,
  ReviewProtocolRepository,
  testing,
  type Database,
} from '@delineate/store';
import { FakeClock } from '../../access/test/fixtures';
import { configFromEnv } from '../../config';
import { createServer, type DelineateServer } from '../../server';
import { callAs } from '../../test/harness';

/**
 * Issue 11 §5, §7, §10 and §14 through the HTTP API: a blinded reader learns nothing of another
 * reader's work before every reader submitted; only the owner (or the task's assignee, or its
 * reviewer with a correction) writes an annotation; a mask with a label value the schema does
 * not define is refused; significant-region marks survive a reload and reach the reviewer.
 */

const NX = 16, NY = 16, NZ = 4;
const N = NX * NY * NZ;
const LIVER = 1, LESION = 2;

function volume(options: { lesion?: boolean; extra?: number } = {}): Uint8Array {
  const v = new Uint8Array(N);
  for (let z = 1; z < 3; z++) for (let y = 2; y < 10; y++) for (let x = 2; x < 10; x++) v[x + NX * (y + NY * z)] = LIVER;
  if (options.lesion) v[4 + NX * (4 + NY * 1)] = LESION;
  if (options.extra !== undefined) v[N - 1] = options.extra;
  return v;
}

describe('workflow security (issue 11) on pglite', () => {
  let dir: string;
  let database: Database;
  let blobs: LocalBlobStore;
  let server: DelineateServer;
  const clock = new FakeClock();
  const users: Record<string, string> = {};
  let projectId: string;
  let labelSchema: { id: string; version: number };
  let protocol: { id: string; version: number };
  const items: string[] = [];
  /** The annotate tasks by reader and item: tasks.tech1[0] is tech1's task on items[0]. */
  const tasks: Record<string, WorkflowTask[]> = {};

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dln-wf-sec-'));
    database = await testing.createTestDatabase('pglite');
    blobs = new LocalBlobStore({ dir: join(dir, 'blobs'), key: BlobKey.generate() });
    const config = configFromEnv({ DELINEATE_DATA: dir, DELINEATE_LOG_LEVEL: 'silent' }, { port: 0, webRoot: join(dir, 'no-web') });
    server = await createServer({ config, database, blobs, clock: clock.now });
    const db = database.db;
    const schema = await new LabelSchemaRepository(db).create(liverCtLabelSchema);
    const proto = await new ReviewProtocolRepository(db).create(liverCtReviewProtocol);
    labelSchema = { id: schema.id, version: schema.version };
    protocol = { id: proto.id, version: proto.version };
    const project = await new ProjectRepository(db).create({
      name: 'workflow-security',
      modality: 'CT',
      oversightModel: 'supervised_technologist',
      region: 'local',
      purpose: 'Workflow security test on synthetic masks.',
      legalBasis: 'legitimate_interest',
      labelSchema,
      reviewProtocol: protocol,
      agreementSampling: { fraction: 0, readersPerItem: 1, blinded: false },
      deid: { profile: 'basic', options: [] },
    });
    projectId = project.id;
    const repo = server.app.accessRuntime.repo;
    const now = clock.now();
    const person = async (name: string, role: Role, kind: QualificationKind) => {
      const user = await repo.createUser({ username: `${name}-${crypto.randomUUID().slice(0, 6)}`, displayName: name, now });
      await repo.addMembership({ userId: user.id, projectId, role, grantedBy: null, now });
      await repo.addQualification({ userId: user.id, kind, modality: null, verifiedBy: null, validUntil: null, now });
      users[name] = user.id;
    };
    await person('admin', 'project_admin', 'clinician');
    await person('tech1', 'annotator', 'technologist');
    await person('tech2', 'annotator', 'technologist');
    await person('clin', 'clinician_annotator', 'clinician');
    await person('rev1', 'reviewer', 'clinician');
    await person('expert', 'expert_reviewer', 'radiologist');
    const itemRepo = new ItemRepository(db);
    const deid = new DeidRecordRepository(db);
    for (let i = 0; i < 2; i++) {
      const subject = await itemRepo.createSubject({ projectId, pseudonym: `SEC-${i}`, ageBand: 'unknown', sex: 'unknown' });
      const study = await itemRepo.createStudy({ subjectId: subject.id, studyInstanceUid: `2.25.7${i}${Date.now()}` });
      const series = await itemRepo.createSeries({ studyId: study.id, seriesInstanceUid: `2.25.7${i}${Date.now()}1`, modality: 'CT' });
      await db
        .updateTable('series')
        .set({ rows: NY, columns: NX, slices: NZ, spacing: [1, 1, 1], origin: [0, 0, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] })
        .where('id', '=', series.id)
        .execute();
      const output = (await blobs.put(new TextEncoder().encode(`security instance ${i}`))).hash;
      await deid.record({ projectId, sourceHash: output.replace(/^./, 'a'), outputHash: output, profile: 'basic', options: [], actions: [], pixelRegionsRedacted: [], findings: [], status: 'passed' });
      await itemRepo.addInstances([{ seriesId: series.id, sopInstanceUid: `2.25.8${i}${Date.now()}`, instanceNumber: 1, blobHash: output }]);
      items.push((await itemRepo.createItem({ projectId, subjectId: subject.id, target: { kind: 'series_volume', seriesId: series.id } })).id);
    }
    // Every item read blinded by both technologists; no clinician annotator is an eligible reader here.
    const workflowConfig: WorkflowConfig = {
      oversightModel: 'supervised_technologist',
      labelSchema,
      reviewProtocol: protocol,
      agreementSampling: { fraction: 1, readersPerItem: 2, blinded: true },
      expertReview: { labelKeys: ['liver_lesion'], significantRegions: true },
      agreementThresholds: { dice: 0.8, fleissKappa: 0.6 },
      samplingSeed: 5,
    };
    await ok('admin', 'PUT', `/api/projects/${projectId}/workflow/config`, workflowConfig);
    const generated: WorkflowTask[] = (await ok('admin', 'POST', `/api/projects/${projectId}/workflow/tasks`)).created;
    for (const name of ['tech1', 'tech2']) tasks[name] = items.map((itemId) => generated.find((t) => t.itemId === itemId && t.assigneeId === users[name])!);
  }, 120_000);

  afterAll(async () => {
    await server?.app.close();
    await blobs?.close();
    await database?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const call = (user: string, method: 'GET' | 'POST' | 'PUT', url: string, body?: unknown, extra: Record<string, string> = {}) => callAs(server, users[user]!, method, url, body, extra);
  async function ok(user: string, method: 'GET' | 'POST' | 'PUT', url: string, body?: unknown, extra?: Record<string, string>) {
    const res = await call(user, method, url, body, extra);
    expect(res.status, `${method} ${url} → ${JSON.stringify(res.body)}`).toBeLessThan(300);
    return res.body;
  }
  const save = (user: string, annotationId: string, head: number, mask: Uint8Array, source: 'human' | 'correction' = 'human') =>
    call(user, 'POST', `/api/annotations/${annotationId}/revisions?source=${source}`, encodeRle8(mask), { 'if-match': `"${head}"` });
  const revert = (user: string, annotationId: string, head: number) =>
    call(user, 'POST', `/api/annotations/${annotationId}/revert`, { toVersion: 1 }, { 'if-match': `"${head}"`, 'idempotency-key': crypto.randomUUID() });

  const mark = { labelKey: 'liver', box: { min: [2, 2, 1], max: [5, 5, 2] }, note: 'Hilum: needs an expert opinion' };
  let marked: { annotationId: string; reviewTask: WorkflowTask };

  it("§5: a blinded reader sees nothing of another reader's work until every reader has submitted", async () => {
    const other = tasks.tech1![0]!;
    const own = tasks.tech2![0]!;
    const work = await ok('tech1', 'POST', `/api/items/${other.itemId}/annotations`, { labelSchema, taskId: other.id });
    expect((await save('tech1', work.id, 0, volume())).status).toBe(201);
    const submitted = await ok('tech1', 'POST', `/api/workflow/tasks/${other.id}/submit`, { annotationId: work.id, significantRegions: [mark] });
    const reviewTask = submitted.created[0] as WorkflowTask;
    const hidden = [other.id, reviewTask.id];
    for (const id of hidden) {
      expect((await call('tech2', 'GET', `/api/workflow/tasks/${id}`)).status).toBe(403);
      const context = await call('tech2', 'GET', `/api/workflow/tasks/${id}/review-context`);
      expect(context.status).toBe(403);
      expect(JSON.stringify(context.body)).not.toContain('Hilum');
    }
    const listed: WorkflowTask[] = (await ok('tech2', 'GET', `/api/projects/${projectId}/workflow/tasks`)).tasks;
    expect(listed.map((t) => t.id)).not.toContain(other.id);
    expect(listed.map((t) => t.id)).not.toContain(reviewTask.id);
    expect(listed.map((t) => t.id).sort()).toEqual(tasks.tech2!.map((t) => t.id).sort());
    expect((await ok('tech2', 'GET', `/api/projects/${projectId}/workflow/tasks?stage=review`)).tasks).toEqual([]);
    // The project summary's counts do not tell that another reader submitted.
    expect((await ok('tech2', 'GET', `/api/projects/${projectId}`)).tasks).toEqual({ annotate: 2, review: 0, expert_review: 0 });
    expect((await ok('admin', 'GET', `/api/projects/${projectId}`)).tasks).toEqual({ annotate: 4, review: 1, expert_review: 0 });
    // The other reader's masks and revisions, and a free annotation they drew of the same item.
    expect((await call('tech2', 'GET', `/api/annotations/${work.id}/revisions/1/mask`)).status).toBe(403);
    const free = await ok('tech1', 'POST', `/api/items/${own.itemId}/annotations`, { labelSchema });
    expect((await save('tech1', free.id, 0, volume())).status).toBe(201);
    expect((await call('tech2', 'GET', `/api/annotations/${free.id}`)).status).toBe(403);
    expect((await call('tech2', 'GET', `/api/annotations/${free.id}/revisions/1/mask`)).status).toBe(403);
    // Their own task stays readable, and the reviewer sees everything.
    expect((await call('tech2', 'GET', `/api/workflow/tasks/${own.id}/review-context`)).status).toBe(200);
    expect((await call('rev1', 'GET', `/api/workflow/tasks/${other.id}/review-context`)).status).toBe(200);

    // Once the last reader submits, the blinding lifts.
    const annotation = await ok('tech2', 'POST', `/api/items/${own.itemId}/annotations`, { labelSchema, taskId: own.id });
    expect((await save('tech2', annotation.id, 0, volume())).status).toBe(201);
    await ok('tech2', 'POST', `/api/workflow/tasks/${own.id}/submit`, { annotationId: annotation.id });
    expect((await call('tech2', 'GET', `/api/workflow/tasks/${other.id}/review-context`)).status).toBe(200);
    expect((await call('tech2', 'GET', `/api/annotations/${free.id}`)).status).toBe(200);
    expect((await ok('tech2', 'GET', `/api/projects/${projectId}/workflow/tasks`)).tasks.map((t: WorkflowTask) => t.id)).toContain(other.id);
  });

  it('§14: a significant-region mark is kept before submission, shown after a reload and reaches the reviewer', async () => {
    const task = tasks.tech1![1]!;
    const annotation = await ok('tech1', 'POST', `/api/items/${task.itemId}/annotations`, { labelSchema, taskId: task.id });
    expect((await save('tech1', annotation.id, 0, volume({ lesion: false }))).status).toBe(201);
    const url = `/api/workflow/tasks/${task.id}/significant-regions`;
    // Only the assignee keeps marks on the task; the grid bounds are checked as on submit.
    expect((await call('tech2', 'PUT', url, { significantRegions: [mark] })).status).toBe(403);
    expect((await call('tech1', 'PUT', url, { significantRegions: [{ ...mark, box: { min: [0, 0, 0], max: [NX, 0, 0] } }] })).status).toBe(400);
    expect(await ok('tech1', 'PUT', url, { significantRegions: [mark] })).toEqual({ significantRegions: [mark] });
    // A reload: the page asks again and gets the mark back.
    expect(await ok('tech1', 'GET', url)).toEqual({ significantRegions: [mark] });
    // Submitted without repeating the marks: the kept ones are recorded with the revision.
    const submitted = await ok('tech1', 'POST', `/api/workflow/tasks/${task.id}/submit`, { annotationId: annotation.id });
    const reviewTask = submitted.created.find((t: WorkflowTask) => t.stage === 'review') as WorkflowTask;
    expect(reviewTask.assigneeId).toBe(users.rev1);
    const context = await ok('rev1', 'GET', `/api/workflow/tasks/${reviewTask.id}/review-context`);
    expect(context.significantRegions).toEqual([{ labelKey: 'liver', box: mark.box, note: mark.note, markedBy: users.tech1, version: 1 }]);
    expect((await ok('tech1', 'GET', `/api/workflow/tasks/${task.id}/review-context`)).significantRegions).toHaveLength(1);
    expect(await ok('tech1', 'GET', url)).toEqual({ significantRegions: [] });
    expect((await call('tech1', 'PUT', url, { significantRegions: [mark] })).status).toBe(409);
    marked = { annotationId: annotation.id, reviewTask };
  });

  it('§7: only the owner writes a free annotation, only the assignee starts a task annotation, a reviewer only corrects', async () => {
    const item = items[1]!;
    // A clinician cannot start an annotation on a technologist's task (it would show as theirs).
    const onTask = await call('clin', 'POST', `/api/items/${item}/annotations`, { labelSchema, taskId: tasks.tech2![1]!.id });
    expect(onTask.status).toBe(403);
    expect(onTask.body.code).toBe('DLN_AUTH_FORBIDDEN');
    expect(await database.db.selectFrom('annotations').select('id').where('task_id', '=', tasks.tech2![1]!.id).execute()).toEqual([]);
    // A free annotation: its owner writes; a reviewer's plain revision and an expert's revert are refused.
    const free = await ok('clin', 'POST', `/api/items/${item}/annotations`, { labelSchema });
    expect((await save('clin', free.id, 0, volume())).status).toBe(201);
    expect((await save('clin', free.id, 1, volume({ lesion: true }))).status).toBe(201);
    for (const [user, res] of [
      ['rev1', await save('rev1', free.id, 2, volume())],
      ['rev1', await save('rev1', free.id, 2, volume(), 'correction')],
      ['expert', await revert('expert', free.id, 2)],
      ['tech1', await save('tech1', free.id, 2, volume())],
    ] as const) {
      expect(res.status, user).toBe(403);
      expect(res.body.code).toBe('DLN_AUTH_FORBIDDEN');
    }
    expect((await ok('clin', 'GET', `/api/annotations/${free.id}`)).headVersion).toBe(2);
    expect((await revert('clin', free.id, 2)).status).toBe(201);
    // The store refuses the same writes whatever the way in.
    const repo = new AnnotationRepository(database.db, { blobs });
    const bytes = encodeRle8(volume());
    const hash = createHash('sha256').update(bytes).digest('hex');
    await expect(
      repo.saveRevision({ annotationId: free.id, expectedVersion: 3, author: { kind: 'user', userId: users.rev1! }, source: 'human', maskHash: hash, maskEncoding: 'rle', maskBytes: bytes }),
    ).rejects.toMatchObject({ code: 'DLN_AUTH_FORBIDDEN' });
    await expect(repo.revert({ annotationId: free.id, toVersion: 1, expectedVersion: 3, idempotencyKey: 'k-expert', author: { kind: 'user', userId: users.expert! } })).rejects.toMatchObject({
      code: 'DLN_AUTH_FORBIDDEN',
    });
    await expect(repo.create({ projectId, itemId: item, taskId: tasks.tech2![1]!.id, labelSchema, createdBy: users.clin })).rejects.toMatchObject({ code: 'DLN_AUTH_FORBIDDEN' });
    // A task's annotation: the reviewer of the submitted work writes only a correction.
    expect((await save('rev1', marked.annotationId, 1, volume())).status).toBe(403);
    expect((await save('rev1', marked.annotationId, 1, volume({ lesion: true }), 'correction')).status).toBe(201);
  });

  it('§10: a mask holding a label value the schema does not define is refused, naming the value', async () => {
    const free = await ok('clin', 'POST', `/api/items/${items[0]}/annotations`, { labelSchema });
    const refused = await save('clin', free.id, 0, volume({ extra: 7 }));
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe('DLN_REVISION_LABEL_UNDEFINED');
    expect(refused.body.message).toContain('7');
    expect((await ok('clin', 'GET', `/api/annotations/${free.id}`)).headVersion).toBe(0);
    expect((await save('clin', free.id, 0, volume({ extra: LESION }))).status).toBe(201);
  });
});
