import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeRle8 } from '@delineate/core';
import { isDelineateError, type ModelManifest, type PreannotateJobPayload } from '@delineate/schema';
import { AnnotationRepository, DraftRepository, JobQueue, ModelRepository, PREANNOTATE_JOB_KIND, readItemHounsfield, TaskRepository } from '@delineate/store';
import { startMonaiLabelService, windowModelSlice, windowOnnxModel, type MonaiLabelService } from '@delineate/testkit';
import { createWorker, type Worker } from '../worker';
import { usePreannotationBed } from '../test/preannotation-bed';
import { preannotationJobs } from './preannotate-job';

const liver = { scheme: 'SCT', value: '10200004' } as const;
const window = { low: 55, high: 65 };

function manifest(name: string, runtime: ModelManifest['runtime'], weightsSha256: string | null = null): ModelManifest {
  return {
    name,
    version: '1.0.0',
    weightsSha256,
    licence: 'Apache-2.0',
    intendedUse: 'Liver pre-annotation on contrast CT, for correction by an annotator.',
    modality: 'CT',
    input: { dimensionality: '2d', spacingMm: null, normalisation: { kind: 'none' }, patchSize: null, overlap: 0 },
    outputs: [{ index: 1, concept: liver }],
    runtime,
  };
}

describe('pre-annotation jobs (built-in, ONNX, MONAI Label)', () => {
  const bed = usePreannotationBed('dln-preannotate-');
  let service: MonaiLabelService;
  let worker: Worker;
  let close: () => Promise<void>;
  let taskId: string;
  const models: Record<string, string> = {};
  const weights = windowOnnxModel(window);
  const weightsHash = createHash('sha256').update(weights).digest('hex');

  beforeAll(async () => {
    service = await startMonaiLabelService('liver', window);
    const jobs = preannotationJobs({ monaiLabel: { timeoutMs: 400, retries: 1 } });
    close = jobs.close;
    worker = createWorker({ database: bed.database, blobs: bed.blobs, clock: () => new Date(), region: 'local', handlers: jobs.handlers, audit: bed.audit });
    const registry = new ModelRepository(bed.database.db, { blobs: bed.blobs });
    const register = async (m: ModelManifest, w?: Uint8Array) => (await registry.registerManifest({ projectId: bed.projectId, manifest: m, createdBy: bed.adminId, weights: w })).id;
    models.grow = await register(manifest('liver-grow', { kind: 'builtin', preannotator: 'region_grow' }));
    models.box = await register(manifest('box-threshold', { kind: 'builtin', preannotator: 'box_threshold' }));
    models.onnx = await register(manifest('liver-window', { kind: 'onnx' }, weightsHash), weights);
    models.monai = await register(manifest('liver-window-remote', { kind: 'monai_label', endpoint: service.url, model: 'liver' }));
    const { created } = await bed.workflow.generateTasks(bed.projectId);
    taskId = created[0]!.id;
  });
  afterAll(async () => {
    await close?.();
    await service?.close();
  });

  async function run(modelId: string, prompt: PreannotateJobPayload['prompt']) {
    const payload: PreannotateJobPayload = { projectId: bed.projectId, modelId, target: { kind: 'task', taskId }, prompt, requestedBy: bed.annotatorId };
    const job = await new JobQueue(bed.database.db).enqueue({ kind: PREANNOTATE_JOB_KIND, region: 'local', payload, maxAttempts: 1 });
    expect(await worker.runOnce()).toBe(true);
    return new JobQueue(bed.database.db).get(job.id);
  }

  async function head() {
    const row = await bed.database.db.selectFrom('annotations').select(['id', 'head_version']).where('task_id', '=', taskId).executeTakeFirst();
    if (!row) return undefined;
    const g = bed.phantom.dims;
    const mask = await new AnnotationRepository(bed.database.db, { blobs: bed.blobs }).readMask(row.id, row.head_version);
    const decoded = decodeRle8(mask, g[0] * g[1] * g[2]);
    if (!decoded.ok) throw new Error('mask does not decode');
    return { id: row.id, version: row.head_version, labels: decoded.voxels };
  }

  it('refuses a manifest whose weights differ from its hash, or whose output code the schema lacks', async () => {
    const registry = new ModelRepository(bed.database.db, { blobs: bed.blobs });
    const refused = async (m: ModelManifest, w?: Uint8Array) => registry.registerManifest({ projectId: bed.projectId, manifest: m, createdBy: bed.adminId, weights: w }).catch((e: unknown) => (isDelineateError(e) ? e.code : e));
    expect(await refused({ ...manifest('tampered', { kind: 'onnx' }, weightsHash), version: '2' }, Uint8Array.from([...weights, 0]))).toBe('DLN_MODEL_WEIGHTS_MISMATCH');
    expect(await refused({ ...manifest('spleen', { kind: 'builtin', preannotator: 'ct_body' }), outputs: [{ index: 1, concept: { scheme: 'SCT', value: '78961009' } }] })).toBe('DLN_MODEL_LABEL_UNKNOWN');
    expect(await refused(manifest('liver-grow', { kind: 'builtin', preannotator: 'region_grow' }))).toBe('DLN_MODEL_EXISTS');
  });

  it('a click grows the demo liver into the task annotation as an ai revision with provenance', async () => {
    const [nx, ny] = bed.phantom.dims;
    // A liver voxel of the middle slice (ground truth value 1).
    const z = 3;
    let seed = -1;
    for (let i = z * nx * ny; i < (z + 1) * nx * ny && seed < 0; i++) if (bed.phantom.labels[i] === 1) seed = i;
    const point = [seed % nx, Math.floor(seed / nx) % ny, z] as [number, number, number];
    const job = await run(models.grow!, { kind: 'click', plane: 'axial', point, toleranceHu: 5 });
    expect(job.status).toBe('succeeded');
    const draft = (await head())!;
    expect(draft.version).toBe(1);
    // Noiseless phantom: the liver (60 HU) is every voxel within 5 HU of the click that connects to it.
    expect(Array.from(draft.labels)).toEqual(Array.from(bed.phantom.labels, (v) => (v === 1 ? 1 : 0)));
    const revision = await new AnnotationRepository(bed.database.db).getRevision(draft.id, 1);
    expect(revision).toMatchObject({ source: 'ai', author: { kind: 'model', name: 'liver-grow', version: '1.0.0' } });
    const [run1] = await new DraftRepository(bed.database.db, { blobs: bed.blobs }).runs(draft.id);
    expect(run1!.provenance).toMatchObject({ modelId: models.grow, runtime: 'builtin', weightsSha256: null, endpoint: null, prompt: { kind: 'click', plane: 'axial', point } });
    expect(run1!.provenance.inputSha256).toMatch(/^[0-9a-f]{64}$/);
    // The task's annotation is the assignee's, and the task is still theirs to correct.
    expect((await new TaskRepository(bed.database.db).get(taskId)).status).toBe('assigned');
  });

  it('the ONNX test model runs through onnxruntime-node slice by slice and becomes the next ai revision', async () => {
    const job = await run(models.onnx!, { kind: 'volume' });
    expect(job.lastError).toBeNull();
    const draft = (await head())!;
    expect(draft.version).toBe(2);
    // The same computation in JavaScript, slice by slice (float64 against onnxruntime's float32).
    const { hu } = await readItemHounsfield(bed.database.db, bed.blobs, bed.itemId);
    const [nx, ny, nz] = bed.phantom.dims;
    let differ = 0;
    for (let z = 0; z < nz; z++) {
      const expected = windowModelSlice(hu.subarray(z * nx * ny, (z + 1) * nx * ny), nx, ny, window);
      expected.forEach((p, i) => (differ += (p > 0.5 ? 1 : 0) === draft.labels[z * nx * ny + i] ? 0 : 1));
    }
    expect(differ).toBe(0);
    expect(draft.labels.some((v) => v === 1)).toBe(true);
    const runs = await new DraftRepository(bed.database.db, { blobs: bed.blobs }).runs(draft.id);
    expect(runs[1]!.provenance).toMatchObject({ runtime: 'onnx', weightsSha256: weightsHash, name: 'liver-window', prompt: { kind: 'volume' } });
  });

  it('the MONAI Label endpoint answers the same computation; its /info is recorded and a 503 is retried', async () => {
    const onnxDraft = (await head())!.labels;
    service.behaviour = 'server_error_once';
    const before = service.inferCalls;
    const job = await run(models.monai!, { kind: 'volume' });
    expect(job.lastError).toBeNull();
    expect(service.inferCalls - before).toBe(2);
    const draft = (await head())!;
    expect(draft.version).toBe(3);
    let differ = 0;
    draft.labels.forEach((v, i) => (differ += v === onnxDraft[i] ? 0 : 1));
    expect(differ).toBe(0);
    const runs = await new DraftRepository(bed.database.db, { blobs: bed.blobs }).runs(draft.id);
    expect(runs[2]!.provenance).toMatchObject({ runtime: 'monai_label', endpoint: service.url, infoSnapshot: { models: { liver: { labels: { liver: 1 } } } } });
  });

  it.each([
    ['timeout', 'DLN_MODEL_ENDPOINT_TIMEOUT'],
    ['garbage', 'DLN_MODEL_ENDPOINT_INVALID'],
    ['off_grid', 'DLN_MODEL_OUTPUT_OFF_GRID'],
    ['unknown_label', 'DLN_MODEL_LABEL_UNKNOWN'],
  ] as const)('an endpoint answering %s is refused with %s: no revision, the task untouched', async (behaviour, code) => {
    const before = (await head())!;
    const task = await new TaskRepository(bed.database.db).get(taskId);
    const runsBefore = (await new DraftRepository(bed.database.db, { blobs: bed.blobs }).runs(before.id)).length;
    service.behaviour = behaviour;
    const job = await run(models.monai!, { kind: 'volume' });
    expect(job.status).toBe('failed');
    expect(job.lastError).toMatch(new RegExp(`^${code}:`));
    const after = (await head())!;
    expect(after.version).toBe(before.version);
    expect(await new TaskRepository(bed.database.db).get(taskId)).toEqual(task);
    expect(await new DraftRepository(bed.database.db, { blobs: bed.blobs }).runs(before.id)).toHaveLength(runsBefore);
    service.behaviour = 'ok';
  });

  it('threshold in a box replaces the model labels inside the box only; a box outside the item is refused', async () => {
    const before = (await head())!;
    const job = await run(models.box!, { kind: 'box', plane: 'axial', min: [0, 0, 0], max: [3, 3, 0], window: { low: -2000, high: 4000 } });
    expect(job.lastError).toBeNull();
    const after = (await head())!;
    const [nx, ny] = bed.phantom.dims;
    after.labels.forEach((v, i) => {
      const x = i % nx, y = Math.floor(i / nx) % ny, z = Math.floor(i / (nx * ny));
      expect(v).toBe(x <= 3 && y <= 3 && z === 0 ? 1 : before.labels[i]);
    });
    const refused = await run(models.box!, { kind: 'box', plane: 'axial', min: [0, 0, 0], max: [nx, 3, 0], window: { low: 0, high: 1 } });
    expect(refused.lastError).toMatch(/^DLN_MODEL_PROMPT_INVALID:/);
  });
});
