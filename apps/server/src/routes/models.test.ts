import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelManifest } from '@delineate/schema';
import { AccessRepository, TaskRepository, testing } from '@delineate/store';
import { windowOnnxModel } from '@delineate/testkit';
import { openTestSession } from '../access';
import { startHarness, type Harness } from '../test/harness';
import { asUser } from '../test/auth';

const weights = windowOnnxModel({ low: 40, high: 80 });
const weightsHash = createHash('sha256').update(weights).digest('hex');
const manifest = (name: string, runtime: ModelManifest['runtime'], extra: Partial<ModelManifest> = {}): ModelManifest => ({
  name,
  version: '1.0.0',
  weightsSha256: runtime.kind === 'onnx' ? weightsHash : null,
  licence: 'Apache-2.0',
  intendedUse: 'Liver drafts for correction.',
  modality: 'CT',
  input: { dimensionality: '2d', spacingMm: null, normalisation: { kind: 'none' }, patchSize: null, overlap: 0 },
  outputs: [{ index: 1, concept: { scheme: 'SCT', value: '10200004' } }],
  runtime,
  ...extra,
});

describe.each(testing.testDatabaseKinds().run)('model registry and pre-annotation routes on %s', (kind) => {
  let h: Harness;
  let admin: Record<string, string>;
  let annotator: Record<string, string>;
  let taskId: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    h = await startHarness(kind);
    const user = await new AccessRepository(h.database.db).createUser({ username: `admin-${kind}`, displayName: 'Admin', now: new Date() });
    admin = (await openTestSession(h.server.app.accessRuntime, user.id, { grant: { projectId: h.seeded.projectId, roles: ['project_admin'] } })).headers;
    annotator = await asUser(h, h.seeded.userId);
    taskId = (await new TaskRepository(h.database.db).create({ projectId: h.seeded.projectId, kind: 'annotate', itemId: h.seeded.itemId, assigneeId: h.seeded.userId })).id;
  });
  afterAll(async () => h?.close());

  const call = (headers: Record<string, string>, method: 'GET' | 'POST' | 'PUT', url: string, body?: unknown) =>
    h.server.app.inject({
      method,
      url,
      headers: { ...headers, ...(body === undefined ? {} : { 'content-type': body instanceof Uint8Array ? 'application/octet-stream' : 'application/json' }) },
      ...(body === undefined ? {} : { payload: body instanceof Uint8Array ? Buffer.from(body) : JSON.stringify(body) }),
    });

  it('project admins upload weights pinned by hash and register manifests; mismatches and unknown codes are refused', async () => {
    const base = `/api/projects/${h.seeded.projectId}`;
    const wrong = await call(admin, 'PUT', `${base}/model-weights/${'0'.repeat(64)}`, weights);
    expect([wrong.statusCode, wrong.json().code]).toEqual([422, 'DLN_MODEL_WEIGHTS_MISMATCH']);
    const missing = await call(admin, 'POST', `${base}/models`, { manifest: manifest('liver-window', { kind: 'onnx' }) });
    expect([missing.statusCode, missing.json().code]).toEqual([409, 'DLN_MODEL_WEIGHTS_MISSING']);
    expect((await call(admin, 'PUT', `${base}/model-weights/${weightsHash}`, weights)).statusCode).toBe(201);
    const onnx = await call(admin, 'POST', `${base}/models`, { manifest: manifest('liver-window', { kind: 'onnx' }) });
    expect(onnx.statusCode).toBe(201);
    expect(onnx.json()).toMatchObject({ name: 'liver-window', runtime: 'onnx', projectId: h.seeded.projectId, labelKeys: ['liver'], manifest: { weightsSha256: weightsHash } });
    ids.onnx = onnx.json().id;
    const grow = await call(admin, 'POST', `${base}/models`, { manifest: manifest('liver-grow', { kind: 'builtin', preannotator: 'region_grow' }) });
    ids.grow = grow.json().id;
    const unknown = await call(admin, 'POST', `${base}/models`, { manifest: manifest('spleen', { kind: 'builtin', preannotator: 'ct_body' }, { outputs: [{ index: 1, concept: { scheme: 'SCT', value: '78961009' } }] }) });
    expect([unknown.statusCode, unknown.json().code]).toEqual([422, 'DLN_MODEL_LABEL_UNKNOWN']);
    const invalid = await call(admin, 'POST', `${base}/models`, { manifest: { ...manifest('x', { kind: 'builtin', preannotator: 'ct_bone' }), weightsSha256: weightsHash } });
    expect([invalid.statusCode, invalid.json().code]).toEqual([422, 'DLN_MODEL_MANIFEST_INVALID']);
    expect((await call(annotator, 'POST', `${base}/models`, { manifest: manifest('mine', { kind: 'builtin', preannotator: 'ct_bone' }) })).statusCode).toBe(403);
    const listed = await call(annotator, 'GET', `${base}/models`);
    expect(listed.json().models.map((m: { name: string }) => m.name)).toEqual(['liver-grow', 'liver-window']);
    // Every registration is audited, refused ones too (against the project that owns the registry).
    const events = (await h.database.db.selectFrom('audit_events' as never).selectAll().execute()) as Array<Record<string, unknown>>;
    const registrations = events.filter((e) => e.action === 'model.register');
    expect(registrations.map((e) => e.outcome)).toEqual(['error', 'success', 'success', 'error', 'error', 'denied']);
    expect(new Set(registrations.map((e) => e.project_id))).toEqual(new Set([h.seeded.projectId]));
  });

  it('the project setting names the model that drafts new tasks, and the effort tolerance', async () => {
    const url = `/api/projects/${h.seeded.projectId}/preannotation-settings`;
    expect((await call(annotator, 'GET', url)).json()).toEqual({ onTaskCreationModelId: null, surfaceToleranceMm: 1 });
    const set = await call(admin, 'PUT', url, { onTaskCreationModelId: ids.grow, surfaceToleranceMm: 2 });
    expect(set.statusCode).toBe(200);
    expect((await call(annotator, 'GET', url)).json()).toEqual({ onTaskCreationModelId: ids.grow, surfaceToleranceMm: 2 });
    const foreign = await call(admin, 'PUT', url, { onTaskCreationModelId: crypto.randomUUID(), surfaceToleranceMm: 1 });
    expect(foreign.statusCode).toBe(400);
    expect((await call(annotator, 'PUT', url, { onTaskCreationModelId: null, surfaceToleranceMm: 1 })).statusCode).toBe(403);
  });

  it("the task's assignee asks for a draft: queued as a job whose state is readable; bad prompts and others are refused", async () => {
    const run = await call(annotator, 'POST', `/api/tasks/${taskId}/preannotations`, { modelId: ids.grow, prompt: { kind: 'click', plane: 'axial', point: [3, 4, 1], toleranceHu: 20 } });
    expect(run.statusCode).toBe(202);
    const job = await call(annotator, 'GET', `/api/tasks/${taskId}/preannotations/${run.json().jobId}`);
    expect(job.json()).toMatchObject({ status: 'queued', error: null, annotationId: null });
    const stored = await h.database.db.selectFrom('jobs').select(['kind', 'payload', 'max_attempts']).where('id', '=', run.json().jobId).executeTakeFirstOrThrow();
    expect(stored).toMatchObject({ kind: 'preannotation.run', max_attempts: 1, payload: { target: { kind: 'task', taskId }, requestedBy: h.seeded.userId } });
    const bad = await call(annotator, 'POST', `/api/tasks/${taskId}/preannotations`, { modelId: ids.grow, prompt: { kind: 'click', plane: 'sagittal', point: [3, 4, 1], toleranceHu: 20 } });
    expect(bad.statusCode).toBe(400);
    expect((await call(admin, 'POST', `/api/tasks/${taskId}/preannotations`, { modelId: ids.grow, prompt: { kind: 'volume' } })).statusCode).toBe(403);
  });

  it('a live preview is refused with a code where the server runs no previews, and to anyone but the assignee first', async () => {
    const body = { modelId: ids.onnx, prompt: { kind: 'click', plane: 'axial', point: [3, 4, 1], toleranceHu: 20 } };
    const unwired = await call(annotator, 'POST', `/api/tasks/${taskId}/preannotations/preview`, body);
    expect([unwired.statusCode, unwired.json().code]).toEqual([503, 'DLN_MODEL_PREVIEW_UNAVAILABLE']);
    expect((await call(admin, 'POST', `/api/tasks/${taskId}/preannotations/preview`, body)).statusCode).toBe(403);
  });

  it('records the editing figures of the open task and answers the effort dashboard', async () => {
    const put = await call(annotator, 'PUT', `/api/tasks/${taskId}/editing-activity`, { activeEditingMs: 1200, strokes: 2, clicks: 3, undos: 0 });
    expect([put.statusCode, put.json()]).toEqual([200, { activeEditingMs: 1200, strokes: 2, clicks: 3, undos: 0 }]);
    expect((await call(annotator, 'PUT', `/api/tasks/${taskId}/editing-activity`, { activeEditingMs: -1, strokes: 0, clicks: 0, undos: 0 })).statusCode).toBe(400);
    const dashboard = await call(admin, 'GET', `/api/projects/${h.seeded.projectId}/quality/correction-effort`);
    expect([dashboard.statusCode, dashboard.json()]).toEqual([200, { models: [] }]);
    expect((await call(admin, 'GET', `/api/tasks/${taskId}/correction-effort`)).statusCode).toBe(404);
  });
});
