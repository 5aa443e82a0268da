// Signing a review (issue 19: a reviewer's signed correction took 14 s to answer): the demo's CT
// phantom at its full size (128 slices of 512²) in an embedded store, annotated with the phantom's
// truth and corrected by the reviewer as a person would (a lesion's rim and the liver's top slice),
// then signed with the reviewer's password through the HTTP API. Measured: the sign request end
// to end (argon2id re-authentication included), and the time until the correction's HD95, which
// a job computes after the answer, is on the review.
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeRle8 } from '@delineate/core';
import { generateCtPhantom } from '@delineate/formats';
import { configFromEnv, createServer, openPlatform, PasswordHasher } from '@delineate/server';
import { createWorker, workflowJobHandlers } from '@delineate/worker';
import { demoPhantoms, seedDemo } from '../apps/cli/src/demo';
import { lessCarefulReading } from '../apps/cli/src/demo-work';
import type { BenchResult } from './types';

const SLICES = Number(process.env.DELINEATE_BENCH_SIGN_SLICES ?? 128);
const SIZE = Number(process.env.DELINEATE_BENCH_SIGN_SIZE ?? 512);
const TARGET_MS = 1000;

interface Context {
  checklist: Array<{ key: string }>;
  history: Array<{ correctionSizes: Array<{ labelKey: string; hd95Mm: number | null; hd95Computing?: boolean }> }>;
}

export async function run(): Promise<BenchResult> {
  const dir = await mkdtemp(join(tmpdir(), 'dln-bench-sign-'));
  process.env.DELINEATE_DEMO_RELAX_MFA = '1';
  const env = { ...process.env, DELINEATE_DATA: dir, DATABASE_URL: '', DELINEATE_BLOB_URL: '', DELINEATE_LOG_LEVEL: 'silent' };
  const config = configFromEnv(env, { port: 0 });
  const { database, blobs } = await openPlatform(config, env);
  const clock = () => new Date();
  try {
    const demo = await seedDemo({ database, blobs, clock, hasher: new PasswordHasher() }, { minimal: true, slices: SLICES, size: SIZE });
    if (!demo.created) throw new Error('expected a fresh store');
    const server = await createServer({ config, database, blobs, clock });
    const worker = createWorker({ database, blobs, clock, region: config.region, handlers: workflowJobHandlers(), audit: server.audit, idleMs: 50 });
    const app = server.app;
    const call = async <T>(token: string, method: 'GET' | 'POST', url: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> => {
      const payload = body instanceof Uint8Array ? Buffer.from(body) : body === undefined ? undefined : JSON.stringify(body);
      const res = await app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${token}`, ...(body instanceof Uint8Array ? { 'content-type': 'application/octet-stream' } : body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
        ...(payload !== undefined ? { payload } : {}),
      });
      if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
      return (res.body ? res.json() : undefined) as T;
    };
    const login = async (username: string) => {
      const credential = demo.credentials.find((c) => c.username === username)!;
      const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password: credential.password } });
      return { token: (res.json() as { token: string }).token, password: credential.password };
    };

    const spec = demoPhantoms[0]!;
    const phantom = generateCtPhantom({ slices: SLICES, rows: SIZE, columns: SIZE, seed: spec.seed, patientId: spec.patientId, lesions: spec.lesions });
    const annotator = await login('demo.annotator');
    const [annotate] = (await call<{ tasks: Array<{ id: string; itemId: string }> }>(annotator.token, 'GET', `/api/projects/${demo.projectId}/workflow/tasks?stage=annotate`)).tasks;
    const annotation = await call<{ id: string }>(annotator.token, 'POST', `/api/items/${annotate!.itemId}/annotations`, { labelSchema: demo.labelSchema, taskId: annotate!.id });
    await call(annotator.token, 'POST', `/api/annotations/${annotation.id}/revisions`, encodeRle8(phantom.labels), { 'if-match': '"0"' });
    await call(annotator.token, 'POST', `/api/workflow/tasks/${annotate!.id}/submit`, { annotationId: annotation.id });

    const reviewer = await login('demo.reviewer');
    const [review] = (await call<{ tasks: Array<{ id: string }> }>(reviewer.token, 'GET', `/api/projects/${demo.projectId}/workflow/tasks?stage=review`)).tasks;
    const context = await call<Context>(reviewer.token, 'GET', `/api/workflow/tasks/${review!.id}/review-context`);
    await call(reviewer.token, 'POST', `/api/annotations/${annotation.id}/revisions?source=correction`, encodeRle8(lessCarefulReading(phantom.labels, phantom.dims)), { 'if-match': '"1"' });
    const answers = context.checklist.map((item, i) => (i === 0 ? { itemKey: item.key, passed: false, errorType: 'under_segmentation' } : { itemKey: item.key, passed: true }));

    const started = performance.now();
    await call(reviewer.token, 'POST', `/api/workflow/tasks/${review!.id}/review`, { decision: 'correct', answers, correctedVersion: 2, signature: { password: reviewer.password } });
    const signMs = performance.now() - started;
    // The worker shares this process's event loop, as in `delineate start`: started after the
    // answer, so its job's CPU time is not counted in the request's.
    worker.start();
    // The page asks again until the HD95 the job computes is on the review.
    let metricsMs = signMs;
    for (;;) {
      const after = await call<Context>(reviewer.token, 'GET', `/api/workflow/tasks/${review!.id}/review-context`);
      const sizes = after.history[0]?.correctionSizes ?? [];
      if (sizes.length > 0 && sizes.every((s) => !s.hd95Computing)) break;
      if (performance.now() - started > 300_000) throw new Error('the correction metrics were not computed within 5 minutes');
      await new Promise((r) => setTimeout(r, 100));
      metricsMs = performance.now() - started;
    }
    await worker.stop();
    await app.close();
    return {
      name: 'review-sign',
      description: `A reviewer's signed correction of the demo's CT phantom (${SLICES} slices of ${SIZE}², liver and lesions, a lesion's rim and the liver's top slice corrected), signed with the password (argon2id) through the HTTP API on embedded PGlite; the correction's HD95 is computed by a job after the answer.`,
      rows: [
        { measured: 'sign request, end to end', ms: Math.round(signMs) },
        { measured: 'correction metrics (HD95) on the review, from the sign request', ms: Math.round(metricsMs) },
      ],
      targets: [{ target: 'signing a review under 1 s', measured: `${Math.round(signMs)} ms`, met: signMs < TARGET_MS }],
      notes: [
        'Before the metrics moved to a job, the sign request computed counts, Dice and HD95 twice (a check before the signature, then the record): 19,230 ms in the same bench on the same machine (load average about 30).',
        `Load average ${loadavg()[0]!.toFixed(1)} when recorded (the development machine is shared with other work; figures vary with it).`,
      ],
    };
  } finally {
    await blobs.close();
    await database.close();
    await rm(dir, { recursive: true, force: true });
  }
}
