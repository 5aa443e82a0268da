import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeRle8, encodeRle8, gridOf, surfaceDistances, surfaceMetrics, selectLabel } from '@delineate/core';
import { liverCtLabelSchema, liverCtReviewProtocol, type QualificationKind, type Role, type WorkflowConfig, type WorkflowTask } from '@delineate/schema';
import {
  AGREEMENT_JOB_KIND,
  BlobKey,
  completeCorrectionMetrics,
  CORRECTION_METRICS_JOB_KIND,
  DeidRecordRepository,
  ItemRepository,
  JobQueue,
  LabelSchemaRepository,
  LocalBlobStore,
  ProjectRepository,
  ReviewProtocolRepository,
  computeItemAgreement,
  testing,
  type Database,
  type DatabaseKind,
} from '@delineate/store';
import { openTestSession } from '../../access';
import { base32Decode, totp } from '../../access/totp';
import { FakeClock, testHasher } from '../../access/test/fixtures';
import { configFromEnv } from '../../config';
import { createServer, type DelineateServer } from '../../server';
import { callAs } from '../../test/harness';

/**
 * The issue-7 scenario, end to end through the HTTP API: a supervised-technologist project with
 * 10 gated items, 3 technologists, 2 reviewers and 1 expert reviewer; 30 % of the items go to 3
 * blinded readers; synthetic masks with known differences; agreement computed by the job;
 * reviews answer the checklist, correct two masks and reject one; the expert reviews flagged
 * work; the QA statistics and the agreement report equal values worked out here by hand.
 */

const NX = 32, NY = 32, NZ = 8;
const N = NX * NY * NZ;
const grid = gridOf([NX, NY, NZ], [1, 1, 1]);
const PASSWORD = 'correct horse battery staple';
const LIVER = 1, LESION = 2;

function fill(volume: Uint8Array, [x0, x1]: [number, number], [y0, y1]: [number, number], [z0, z1]: [number, number], value: number): Uint8Array {
  for (let z = z0; z < z1; z++) for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) volume[x + NX * (y + NY * z)] = value;
  return volume;
}
/** The liver box x∈[4,x1) × y∈[4,20) × z∈[1,z1), with the lesion box (4×4×2 voxels) carved out when present. */
function mask(options: { x1?: number; z1?: number; lesion?: boolean } = {}): Uint8Array {
  const v = fill(new Uint8Array(N), [4, options.x1 ?? 20], [4, 20], [1, options.z1 ?? 7], LIVER);
  return options.lesion ? fill(v, [8, 12], [8, 12], [2, 4], LESION) : v;
}
const count = (v: Uint8Array, label: number) => v.reduce((s, x) => s + (x === label ? 1 : 0), 0);

/** Reader patterns of the sampled items: the liver drawn to x = 20, 21 and 12 (known differences). */
const readerMask = [mask({ lesion: true }), mask({ x1: 21, lesion: true }), mask({ x1: 12, lesion: true })] as const;

/** Fleiss' kappa for two categories from the number of voxels with k of R votes, written from the formula. */
function fleissByHand(votes: readonly number[], R: number): number {
  const total = votes.reduce((s, n) => s + n, 0);
  let agreement = 0, yes = 0;
  votes.forEach((n, k) => {
    agreement += (n * (k * (k - 1) + (R - k) * (R - k - 1))) / (R * (R - 1));
    yes += n * k;
  });
  const pBar = agreement / total;
  const p = yes / (total * R);
  const pe = p * p + (1 - p) * (1 - p);
  return (pBar - pe) / (1 - pe);
}
function hd95(a: Uint8Array, b: Uint8Array, label: number): number {
  return surfaceMetrics(surfaceDistances(selectLabel({ grid, data: a }, label), selectLabel({ grid, data: b }, label), 'surfel')).hausdorffPercentile;
}

const kinds = testing.testDatabaseKinds();
if (kinds.required && kinds.missing.length > 0) {
  it(`needs ${testing.TEST_DATABASE_URL_ENV} under CI`, () => {
    throw new Error(`${testing.TEST_DATABASE_URL_ENV} is not set`);
  });
}

describe.each(kinds.run)('clinical workflow scenario on %s', (kind: DatabaseKind) => {
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

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dln-workflow-'));
    database = await testing.createTestDatabase(kind);
    blobs = new LocalBlobStore({ dir: join(dir, 'blobs'), key: BlobKey.generate() });
    const config = configFromEnv({ DELINEATE_DATA: dir, DELINEATE_LOG_LEVEL: 'silent' }, { port: 0, webRoot: join(dir, 'no-web') });
    server = await createServer({ config, database, blobs, clock: clock.now });
    const db = database.db;
    const schema = await new LabelSchemaRepository(db).create(liverCtLabelSchema);
    const proto = await new ReviewProtocolRepository(db).create(liverCtReviewProtocol);
    labelSchema = { id: schema.id, version: schema.version };
    protocol = { id: proto.id, version: proto.version };
    const project = await new ProjectRepository(db).create({
      name: `workflow-${kind}`,
      modality: 'CT',
      oversightModel: 'direct_clinical',
      region: 'local',
      purpose: 'Workflow scenario test on synthetic masks.',
      legalBasis: 'legitimate_interest',
      labelSchema,
      reviewProtocol: protocol,
      agreementSampling: { fraction: 0, readersPerItem: 1, blinded: false },
      deid: { profile: 'basic', options: [] },
    });
    projectId = project.id;

    const repo = server.app.accessRuntime.repo;
    const now = clock.now();
    const hash = await testHasher.hash(PASSWORD);
    const person = async (name: string, role: Role, kind: QualificationKind, options: { modality?: 'CT' | 'MR'; validUntil?: Date } = {}) => {
      const user = await repo.createUser({ username: `${name}-${kind}-${crypto.randomUUID().slice(0, 6)}`, displayName: name, now });
      await repo.addMembership({ userId: user.id, projectId, role, grantedBy: null, now });
      await repo.addQualification({ userId: user.id, kind, modality: options.modality ?? null, verifiedBy: null, validUntil: options.validUntil ?? null, now });
      await repo.setPasswordHash(user.id, hash, now);
      users[name] = user.id;
    };
    await person('admin', 'project_admin', 'clinician');
    for (const t of ['tech1', 'tech2', 'tech3']) await person(t, 'annotator', 'technologist', { modality: 'CT' });
    // Holds the role but the qualification expired: must never be assigned.
    await person('lapsed', 'annotator', 'technologist', { validUntil: new Date(now.getTime() - 86_400_000) });
    await person('rev1', 'reviewer', 'clinician');
    await person('rev2', 'reviewer', 'radiographer');
    await person('expert', 'expert_reviewer', 'radiologist', { modality: 'CT' });
    // An expert for another modality: not a matching qualification.
    await person('mrExpert', 'expert_reviewer', 'radiologist', { modality: 'MR' });

    const itemRepo = new ItemRepository(db);
    const deid = new DeidRecordRepository(db);
    for (let i = 0; i < 11; i++) {
      const subject = await itemRepo.createSubject({ projectId, pseudonym: `WF-${kind}-${i}`, ageBand: 'unknown', sex: 'unknown' });
      const study = await itemRepo.createStudy({ subjectId: subject.id, studyInstanceUid: `2.25.${kind === 'pglite' ? 1 : 2}${i}${Date.now()}` });
      const series = await itemRepo.createSeries({ studyId: study.id, seriesInstanceUid: `2.25.${kind === 'pglite' ? 1 : 2}${i}${Date.now()}1`, modality: 'CT' });
      await db
        .updateTable('series')
        .set({ rows: NY, columns: NX, slices: NZ, spacing: [1, 1, 1], origin: [0, 0, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] })
        .where('id', '=', series.id)
        .execute();
      // The eleventh item never passes the de-identification gate: no instance, no task.
      if (i < 10) {
        const output = (await blobs.put(new TextEncoder().encode(`instance ${kind} ${i}`))).hash;
        await deid.record({ projectId, sourceHash: output.replace(/^./, 'a'), outputHash: output, profile: 'basic', options: [], actions: [], pixelRegionsRedacted: [], findings: [], status: 'passed' });
        await itemRepo.addInstances([{ seriesId: series.id, sopInstanceUid: `2.25.9${i}${Date.now()}`, instanceNumber: 1, blobHash: output }]);
      }
      const item = await itemRepo.createItem({ projectId, subjectId: subject.id, target: { kind: 'series_volume', seriesId: series.id } });
      items.push(item.id);
    }
  }, 120_000);

  afterAll(async () => {
    await server?.app.close();
    await blobs?.close();
    await database?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const call = (user: string, method: 'GET' | 'POST' | 'PUT', url: string, body?: unknown, extra: Record<string, string> = {}) => callAs(server, users[user]!, method, url, body, extra);
  const ok = async (user: string, method: 'GET' | 'POST' | 'PUT', url: string, body?: unknown, extra?: Record<string, string>) => {
    const res = await call(user, method, url, body, extra);
    expect(res.status, `${method} ${url} → ${JSON.stringify(res.body)}`).toBeLessThan(300);
    return res.body as any; // eslint-disable-line @typescript-eslint/no-explicit-any
  };
  const nameOf = (userId: string | null) => Object.entries(users).find(([, id]) => id === userId)?.[0] ?? 'nobody';

  /** Saves a revision of the annotation as `user`; returns its version. */
  async function save(user: string, annotationId: string, head: number, volume: Uint8Array, source: 'human' | 'correction' = 'human'): Promise<number> {
    const saved = await ok(user, 'POST', `/api/annotations/${annotationId}/revisions?source=${source}`, encodeRle8(volume), { 'if-match': `"${head}"` });
    return saved.revision.version as number;
  }
  const checklistFor = (labels: readonly string[]) => liverCtReviewProtocol.checklist.filter((c) => labels.includes(c.labelKey));
  const passAll = (labels: readonly string[]) => checklistFor(labels).map((c) => ({ itemKey: c.key, passed: true }));
  const labelsOf = (v: Uint8Array) => [...(count(v, LIVER) ? ['liver'] : []), ...(count(v, LESION) ? ['liver_lesion'] : [])];

  it('runs the scenario and the statistics equal the hand-computed values', async () => {
    const T0 = clock.now().getTime();
    const seconds = (t: number) => (clock.now().getTime() - t) / 1000;
    const expectedSeconds: Record<string, number[]> = { annotate: [], review: [], expert_review: [] };
    const startOf = new Map<string, number>();

    // ---- (1) configuration, with validation ------------------------------------------------
    const config: WorkflowConfig = {
      oversightModel: 'supervised_technologist',
      labelSchema,
      reviewProtocol: protocol,
      agreementSampling: { fraction: 0.3, readersPerItem: 3, blinded: true },
      expertReview: { labelKeys: ['liver_lesion'], significantRegions: true },
      agreementThresholds: { dice: 0.8, fleissKappa: 0.6 },
      samplingSeed: 7,
    };
    expect((await call('tech1', 'PUT', `/api/projects/${projectId}/workflow/config`, config)).status).toBe(403);
    expect((await call('admin', 'PUT', `/api/projects/${projectId}/workflow/config`, { ...config, expertReview: { labelKeys: ['spleen'], significantRegions: true } })).status).toBe(400);
    expect((await call('admin', 'PUT', `/api/projects/${projectId}/workflow/config`, { ...config, agreementSampling: { fraction: 0.3, readersPerItem: 1, blinded: true } })).status).toBe(400);
    expect(await ok('admin', 'PUT', `/api/projects/${projectId}/workflow/config`, config)).toEqual(config);
    expect(await ok('rev1', 'GET', `/api/projects/${projectId}/workflow/config`)).toEqual(config);

    // ---- (2) tasks after the gate, the recorded sample, qualified and balanced assignment -----
    const generated = await ok('admin', 'POST', `/api/projects/${projectId}/workflow/tasks`);
    expect(generated.sample).toHaveLength(10);
    expect(generated.sample.map((s: { itemId: string }) => s.itemId)).not.toContain(items[10]);
    const sampled: string[] = items.filter((id) => generated.sample.some((s: { itemId: string; sampled: boolean }) => s.itemId === id && s.sampled));
    const single = items.slice(0, 10).filter((id) => !sampled.includes(id));
    expect(sampled).toHaveLength(3);
    expect(generated.sample.every((s: { seed: number; batch: number }) => s.seed === 7 && s.batch === 0)).toBe(true);
    expect((await call('admin', 'PUT', `/api/projects/${projectId}/workflow/config`, { ...config, oversightModel: 'direct_clinical' })).status).toBe(409);
    expect(await ok('admin', 'POST', `/api/projects/${projectId}/workflow/tasks`)).toEqual({ sample: [], created: [] });

    const annotate: WorkflowTask[] = (await ok('admin', 'GET', `/api/projects/${projectId}/workflow/tasks?stage=annotate`)).tasks;
    expect(annotate).toHaveLength(3 * 3 + 7);
    const perTech = ['tech1', 'tech2', 'tech3'].map((t) => annotate.filter((a) => a.assigneeId === users[t]).length);
    expect(perTech.reduce((s, n) => s + n, 0)).toBe(16);
    expect(Math.max(...perTech) - Math.min(...perTech)).toBeLessThanOrEqual(1);
    expect(annotate.some((a) => a.assigneeId === users.lapsed)).toBe(false);
    for (const itemId of sampled) {
      const readers = annotate.filter((a) => a.itemId === itemId);
      expect(readers).toHaveLength(3);
      expect(new Set(readers.map((r) => r.assigneeId)).size).toBe(3);
      expect(readers.every((r) => r.blinded && r.sampled)).toBe(true);
    }
    for (const a of annotate) startOf.set(a.id, T0);

    // ---- annotation: synthetic masks with known differences, submitted through the API -------
    const readersOf = (itemId: string) => annotate.filter((a) => a.itemId === itemId);
    const plan = new Map<string, { volume: Uint8Array; significant?: boolean }>();
    readersOf(sampled[0]!).concat(readersOf(sampled[1]!), readersOf(sampled[2]!)).forEach((t) => plan.set(t.id, { volume: readerMask[readersOf(t.itemId).indexOf(t)]! }));
    const n = single.map((itemId) => readersOf(itemId)[0]!);
    plan.set(n[0]!.id, { volume: mask() });
    plan.set(n[1]!.id, { volume: fill(mask(), [20, 22], [4, 20], [1, 7], LIVER) }); // over-segmented by 2 × 16 × 6 = 192 voxels
    plan.set(n[2]!.id, { volume: mask() }); // the lesion is missed: rejected
    plan.set(n[3]!.id, { volume: mask(), significant: true });
    plan.set(n[4]!.id, { volume: mask({ lesion: true }) });
    plan.set(n[5]!.id, { volume: mask() });
    plan.set(n[6]!.id, { volume: mask() });

    const annotationOf = new Map<string, string>();
    const reviewTasks: WorkflowTask[] = [];
    const agreementJobs: string[] = [];
    for (const task of annotate) {
      const user = nameOf(task.assigneeId);
      const annotation = await ok(user, 'POST', `/api/items/${task.itemId}/annotations`, { labelSchema, taskId: task.id });
      annotationOf.set(task.id, annotation.id);
      const entry = plan.get(task.id)!;
      await save(user, annotation.id, 0, entry.volume);
      if (task.id === readersOf(sampled[0]!)[1]!.id) {
        // Blinding: reader 2 of a sampled item cannot read reader 1's mask before everyone submitted; a reviewer can.
        const first = readersOf(sampled[0]!)[0]!;
        const url = `/api/annotations/${annotationOf.get(first.id)}/revisions/1/mask`;
        expect((await call(user, 'GET', url)).status).toBe(403);
        expect((await call(user, 'GET', `/api/annotations/${annotationOf.get(first.id)}/revisions`)).status).toBe(403);
        expect((await call('rev1', 'GET', url)).status).toBe(200);
      }
      clock.advance(60_000);
      if (entry.significant) {
        const outside = { annotationId: annotation.id, significantRegions: [{ labelKey: 'liver', box: { min: [0, 0, 0], max: [NX, 1, 1] } }] };
        expect((await call(user, 'POST', `/api/workflow/tasks/${task.id}/submit`, outside)).status).toBe(400);
      }
      const submitted = await ok(user, 'POST', `/api/workflow/tasks/${task.id}/submit`, {
        annotationId: annotation.id,
        ...(entry.significant ? { significantRegions: [{ labelKey: 'liver', box: { min: [4, 4, 1], max: [8, 8, 3] }, note: 'Region at the hilum needs an expert opinion' }] } : {}),
      });
      expect(submitted.task.status).toBe('submitted');
      expect(submitted.created).toHaveLength(1);
      const review = submitted.created[0] as WorkflowTask;
      expect(review).toMatchObject({ stage: 'review', reviewsTaskId: task.id, annotationId: annotation.id, revisionVersion: 1 });
      expect([users.rev1, users.rev2]).toContain(review.assigneeId);
      reviewTasks.push(review);
      startOf.set(review.id, clock.now().getTime());
      if (submitted.agreementJobId) agreementJobs.push(submitted.agreementJobId);
    }
    // Writes to workflow annotations: not another reader's, not one's own once submitted, and a reviewer only corrects.
    const firstWork = annotationOf.get(annotate[0]!.id)!;
    const saveAs = (user: string, source: string) =>
      call(user, 'POST', `/api/annotations/${firstWork}/revisions?source=${source}`, encodeRle8(mask()), { 'if-match': '"1"' });
    expect((await saveAs(nameOf(annotate.find((a) => a.assigneeId !== annotate[0]!.assigneeId)!.assigneeId), 'human')).status).toBe(403);
    expect((await saveAs(nameOf(annotate[0]!.assigneeId), 'human')).status).toBe(403);
    expect((await saveAs(nameOf(reviewTasks[0]!.assigneeId), 'human')).status).toBe(403);
    // Someone else's task cannot be submitted.
    expect((await call('tech1', 'POST', `/api/workflow/tasks/${annotate.find((a) => a.assigneeId !== users.tech1)!.id}/submit`, { annotationId: annotationOf.get(annotate[0]!.id) })).status).toBe(403);
    // Once every reader submitted, the blinded masks are readable.
    const blindedUser = nameOf(readersOf(sampled[0]!)[1]!.assigneeId);
    expect((await call(blindedUser, 'GET', `/api/annotations/${annotationOf.get(readersOf(sampled[0]!)[0]!.id)}/revisions/1/mask`)).status).toBe(200);

    // ---- (5) the agreement job, as the worker runs it -----------------------------------------
    expect(agreementJobs).toHaveLength(3);
    const queue = new JobQueue(database.db, { clock: clock.now });
    for (;;) {
      const job = await queue.claim({ workerId: 'scenario', region: 'local', kinds: [AGREEMENT_JOB_KIND] });
      if (!job) break;
      await computeItemAgreement(database.db, blobs, { itemId: String(job.payload.itemId), jobId: job.id }, clock.now);
      await queue.complete(job.id, 'scenario');
    }

    // ---- (2) reassignment by the admin, audited; never onto the author's own work ----------------
    const moved = reviewTasks[0]!;
    const other = moved.assigneeId === users.rev1 ? 'rev2' : 'rev1';
    expect((await call('admin', 'POST', `/api/workflow/tasks/${moved.id}/reassign`, { assigneeId: annotate[0]!.assigneeId })).status).toBe(400);
    expect((await call('admin', 'POST', `/api/workflow/tasks/${moved.id}/reassign`, { assigneeId: users.expert })).status).toBe(400);
    clock.advance(10_000);
    const reassigned = await ok('admin', 'POST', `/api/workflow/tasks/${moved.id}/reassign`, { assigneeId: users[other] });
    expect(reassigned.assigneeId).toBe(users[other]);
    reviewTasks[0] = reassigned;
    startOf.set(moved.id, clock.now().getTime());

    // ---- (3) structured reviews, signed ------------------------------------------------------------
    const expertTasks: WorkflowTask[] = [];
    const correctionByTask = new Map<string, Uint8Array>([
      [n[1]!.id, mask()],
      [readersOf(sampled[0]!)[2]!.id, readerMask[0]],
    ]);
    const reviewOnce = async (review: WorkflowTask, volume: Uint8Array) => {
      const reviewer = nameOf(review.assigneeId);
      const labels = labelsOf(volume);
      const url = `/api/workflow/tasks/${review.id}/review`;
      const signature = { password: PASSWORD };
      clock.advance(45_000);
      let body: Record<string, unknown>;
      if (review.reviewsTaskId === n[2]!.id && review.revisionVersion === 1) {
        body = {
          decision: 'reject',
          answers: passAll(labels).map((a) => (a.itemKey === 'liver.full-extent' ? { itemKey: a.itemKey, passed: false, errorType: 'other', note: 'A lesion in segment VI is not drawn' } : a)),
        };
      } else if (correctionByTask.has(review.reviewsTaskId!)) {
        const corrected = correctionByTask.get(review.reviewsTaskId!)!;
        const version = await save(reviewer, review.annotationId!, review.revisionVersion!, corrected, 'correction');
        const failing = review.reviewsTaskId === n[1]!.id ? ['liver.no-neighbour-organs', 'over_segmentation'] : ['liver.full-extent', 'under_segmentation'];
        body = {
          decision: 'correct',
          correctedVersion: version,
          answers: passAll(labels).map((a) => (a.itemKey === failing[0] ? { itemKey: a.itemKey, passed: false, errorType: failing[1] } : a)),
        };
      } else body = { decision: 'accept', answers: passAll(labels) };
      const context = await ok(reviewer, 'GET', `/api/workflow/tasks/${review.id}/review-context`);
      expect(context.checklist.map((c: { key: string }) => c.key)).toEqual(checklistFor(labels).map((c) => c.key));
      expect(context.labels.filter((l: { present: boolean }) => l.present).map((l: { key: string }) => l.key)).toEqual(labels);
      expect(context.history.map((h: { decision: string }) => h.decision)).toEqual(review.revisionVersion === 2 ? ['reject'] : []);
      // Incomplete checklists, bad signatures and self-review are refused before anything is recorded.
      expect((await call(reviewer, 'POST', url, { ...body, answers: (body.answers as unknown[]).slice(1), signature })).status).toBe(400);
      expect((await call(reviewer, 'POST', url, { ...body, signature: { password: 'not the password' } })).status).toBe(401);
      const result = await ok(reviewer, 'POST', url, { ...body, signature });
      expect(result.signedAt).toBe(clock.now().toISOString());
      const overlay = await call(reviewer, 'GET', `/api/workflow/tasks/${review.id}/correction-overlay`);
      if (body.decision === 'correct') {
        const decoded = decodeRle8(new Uint8Array(overlay.raw), N);
        if (!decoded.ok) throw new Error('the overlay does not decode');
        const added = count(decoded.voxels, 1), removed = count(decoded.voxels, 2);
        expect([added, removed]).toEqual(review.reviewsTaskId === n[1]!.id ? [0, 192] : [768, 0]);
      } else expect(overlay.status).toBe(404);
      expect(result.review.signedAt).toBe(clock.now().toISOString());
      expectedSeconds.review!.push(seconds(startOf.get(review.id)!));
      for (const e of result.created as WorkflowTask[]) {
        expect(e).toMatchObject({ stage: 'expert_review', assigneeId: users.expert, reviewsTaskId: review.reviewsTaskId });
        expertTasks.push(e);
        startOf.set(e.id, clock.now().getTime());
      }
      return result;
    };
    // An "other" failure without a comment, and accepting failed work, are invalid.
    const firstReviewer = nameOf(reviewTasks[1]!.assigneeId);
    const firstLabels = labelsOf(plan.get(reviewTasks[1]!.reviewsTaskId!)!.volume);
    const otherNoNote = passAll(firstLabels).map((a, i) => (i === 0 ? { itemKey: a.itemKey, passed: false, errorType: 'other' } : a));
    expect((await call(firstReviewer, 'POST', `/api/workflow/tasks/${reviewTasks[1]!.id}/review`, { decision: 'reject', answers: otherNoNote, signature: { password: PASSWORD } })).status).toBe(400);
    const failedOne = passAll(firstLabels).map((a, i) => (i === 0 ? { itemKey: a.itemKey, passed: false, errorType: 'over_segmentation' } : a));
    expect((await call(firstReviewer, 'POST', `/api/workflow/tasks/${reviewTasks[1]!.id}/review`, { decision: 'accept', answers: failedOne, signature: { password: PASSWORD } })).status).toBe(400);

    const results = new Map<string, any>(); // eslint-disable-line @typescript-eslint/no-explicit-any
    for (const review of reviewTasks) results.set(review.reviewsTaskId!, await reviewOnce(review, plan.get(review.reviewsTaskId!)!.volume));

    // The rejected work is back with its failed items; the annotator fixes it and submits again.
    const returned: WorkflowTask = await ok(nameOf(n[2]!.assigneeId), 'GET', `/api/workflow/tasks/${n[2]!.id}`);
    expect(returned).toMatchObject({ status: 'in_progress', reworkCount: 1, returnedItems: [{ itemKey: 'liver.full-extent', labelKey: 'liver', errorType: 'other', note: 'A lesion in segment VI is not drawn' }] });
    const fixed = mask({ lesion: true });
    plan.set(n[2]!.id, { volume: fixed });
    await save(nameOf(n[2]!.assigneeId), annotationOf.get(n[2]!.id)!, 1, fixed);
    clock.advance(60_000);
    const resubmitted = await ok(nameOf(n[2]!.assigneeId), 'POST', `/api/workflow/tasks/${n[2]!.id}/submit`, { annotationId: annotationOf.get(n[2]!.id) });
    const rereview = resubmitted.created[0] as WorkflowTask;
    expect(rereview.revisionVersion).toBe(2);
    startOf.set(rereview.id, clock.now().getTime());
    await reviewOnce(rereview, fixed);
    // Annotate durations: assignment (T0) to the last submission, worked out from the clock steps.
    expectedSeconds.annotate = annotate.map((a, i) => (a.id === n[2]!.id ? (clock.now().getTime() - 45_000 - T0) / 1000 : 60 * (i + 1)));

    // ---- (4) expert review of flagged work ---------------------------------------------------------
    // Flagged: the 9 sampled readings and n4 carry a lesion (a label that requires it), n2 after its fix, n3 was marked significant.
    const flagged = new Set([...sampled.flatMap((id) => readersOf(id).map((t) => t.id)), n[2]!.id, n[3]!.id, n[4]!.id]);
    expect(new Set(expertTasks.map((e) => e.reviewsTaskId))).toEqual(flagged);
    expect(expertTasks.some((e) => e.assigneeId === users.mrExpert)).toBe(false);
    // The expert signs with TOTP: enrol through the access routes first.
    const expertSession = await openTestSession(server.app.accessRuntime, users.expert!);
    const enrol = await server.app.inject({ method: 'POST', url: '/api/auth/mfa/totp', headers: expertSession.headers });
    const seed = base32Decode((JSON.parse(enrol.body) as { secret: string }).secret);
    const confirmed = await server.app.inject({ method: 'POST', url: '/api/auth/mfa/verify', headers: { ...expertSession.headers, 'content-type': 'application/json' }, payload: JSON.stringify({ code: totp(seed, clock.now().getTime()) }) });
    expect(confirmed.statusCode).toBe(200);
    const expertHeaders = { authorization: `Bearer ${(JSON.parse(confirmed.body) as { token: string }).token}` };
    const totpSignature = () => ({ totpCode: totp(seed, clock.now().getTime()) });
    for (const e of expertTasks) {
      const work = correctionByTask.get(e.reviewsTaskId!) ?? plan.get(e.reviewsTaskId!)!.volume;
      const labels = labelsOf(work);
      clock.advance(90_000);
      const url = `/api/workflow/tasks/${e.id}/expert-review`;
      expect((await call('rev1', 'POST', url, { decision: 'accept', answers: passAll(labels), signature: { password: PASSWORD } })).status).toBe(403);
      expect((await call('expert', 'POST', url, { decision: 'reject', answers: passAll(labels), signature: { password: PASSWORD } })).status).toBe(400);
      if (e === expertTasks[0]) {
        // An incomplete review is refused before the TOTP signature, so the session is not rotated.
        const incomplete = await server.app.inject({
          method: 'POST',
          url,
          headers: { ...expertHeaders, 'content-type': 'application/json' },
          payload: JSON.stringify({ decision: 'accept', answers: passAll(labels).slice(1), signature: totpSignature() }),
        });
        expect(incomplete.statusCode).toBe(400);
        expect((await server.app.inject({ method: 'GET', url: '/api/auth/session', headers: expertHeaders })).statusCode).toBe(200);
      }
      if (e.reviewsTaskId === n[3]!.id) {
        const context = await ok('expert', 'GET', `/api/workflow/tasks/${e.id}/review-context`);
        expect(context.significantRegions).toEqual([
          { labelKey: 'liver', box: { min: [4, 4, 1], max: [8, 8, 3] }, note: 'Region at the hilum needs an expert opinion', markedBy: n[3]!.assigneeId, version: 1 },
        ]);
        const version = await save('expert', e.annotationId!, e.revisionVersion!, mask({ z1: 6 }), 'correction');
        const answers = passAll(labels).map((a) => (a.itemKey === 'liver.full-extent' ? { itemKey: a.itemKey, passed: false, errorType: 'over_segmentation' } : a));
        const r = await ok('expert', 'POST', url, { decision: 'correct', correctedVersion: version, answers, signature: totpSignature() });
        const rotated = await server.app.inject({ method: 'GET', url: '/api/auth/session', headers: { authorization: `Bearer ${r.sessionToken}` } });
        expect(rotated.statusCode).toBe(200);
        // The signature is answered before the HD95, which the correction metrics job adds (below, in (6)).
        expect(r.correctionSizes).toEqual([{ labelKey: 'liver', voxelsAdded: 0, voxelsRemoved: 256, dice: 2560 / 2816, hd95Mm: null, hd95Computing: true }]);
      } else if (expertTasks.indexOf(e) % 2 === 0) {
        expect((await call('expert', 'POST', url, { decision: 'accept', answers: passAll(labels), signature: { totpCode: '000000' } })).status).toBe(401);
        await ok('expert', 'POST', url, { decision: 'accept', answers: passAll(labels), signature: totpSignature() });
      } else await ok('expert', 'POST', url, { decision: 'accept', answers: passAll(labels), signature: { password: PASSWORD } });
      expectedSeconds.expert_review!.push(seconds(startOf.get(e.id)!));
    }
    const after: WorkflowTask[] = (await ok('admin', 'GET', `/api/projects/${projectId}/workflow/tasks`)).tasks;
    expect(after.every((t) => t.status === 'done')).toBe(true);
    // Never reviewing one's own work.
    for (const t of after.filter((t) => t.stage !== 'annotate')) expect(t.assigneeId).not.toBe(after.find((a) => a.id === t.reviewsTaskId)!.assigneeId);

    // ---- the agreement report by hand ---------------------------------------------------------------
    const livers = readerMask.map((v) => count(v, LIVER)); // 1504, 1600, 736
    expect(livers).toEqual([1504, 1600, 736]);
    const liverDice = [(2 * 1504) / (1504 + 1600), (2 * 736) / (1504 + 736), (2 * 736) / (1600 + 736)];
    const liverHd95 = [hd95(readerMask[0], readerMask[1], LIVER), hd95(readerMask[0], readerMask[2], LIVER), hd95(readerMask[1], readerMask[2], LIVER)];
    const liverKappa = fleissByHand([N - 736 - 768 - 96, 96, 768, 736], 3);
    const report = await ok('rev1', 'GET', `/api/projects/${projectId}/workflow/agreement`);
    expect(report.items).toHaveLength(6);
    for (const a of report.items) {
      const readers = readersOf(a.itemId);
      expect(a.inputs).toEqual(readers.map((t) => ({ annotationId: annotationOf.get(t.id), version: 1 })));
      expect(agreementJobs).toContain(a.jobId);
      const votes = decodeRle8(await blobs.get(a.softHash), N);
      const consensus = decodeRle8(await blobs.get(a.consensusHash), N);
      if (!votes.ok || !consensus.ok) throw new Error('derived artifacts do not decode');
      if (a.labelKey === 'liver') {
        a.pairs.forEach((p: { a: number; b: number; dice: number; hd95Mm: number }, i: number) => {
          expect(p.dice).toBeCloseTo(liverDice[i]!, 12);
          expect(p.hd95Mm).toBeCloseTo(liverHd95[i]!, 12);
        });
        expect(a.fleissKappa).toBeCloseTo(liverKappa, 12);
        expect(a.meanDice).toBeCloseTo((liverDice[0]! + liverDice[1]! + liverDice[2]!) / 3, 12);
        expect([0, 1, 2, 3].map((k) => votes.voxels.reduce((s, v) => s + (v === k ? 1 : 0), 0))).toEqual([N - 1600, 96, 768, 736]);
        // Every voxel all three readers drew is in the STAPLE consensus; none that nobody drew.
        for (let i = 0; i < N; i++) {
          if (votes.voxels[i] === 3) expect(consensus.voxels[i]).toBe(LIVER);
          if (votes.voxels[i] === 0) expect(consensus.voxels[i]).toBe(0);
        }
      } else {
        expect(a.labelKey).toBe('liver_lesion');
        expect(a.pairs.map((p: { dice: number; hd95Mm: number }) => [p.dice, p.hd95Mm])).toEqual([[1, 0], [1, 0], [1, 0]]);
        expect(a.fleissKappa).toBeCloseTo(1, 12);
        expect(Array.from(consensus.voxels)).toEqual(Array.from(readerMask[0]).map((v) => (v === LESION ? LESION : 0)));
      }
    }
    expect(report.labels).toEqual([
      { labelKey: 'liver', items: 3, meanDice: expect.closeTo((liverDice[0]! + liverDice[1]! + liverDice[2]!) / 3, 12), meanFleissKappa: expect.closeTo(liverKappa, 12), category: 'low' },
      { labelKey: 'liver_lesion', items: 3, meanDice: 1, meanFleissKappa: expect.closeTo(1, 12), category: 'high' },
    ]);

    // ---- (6) QA statistics by hand ------------------------------------------------------------------
    // The correction metrics jobs (one per signed correction), as the worker runs them.
    const corrections: string[] = [];
    for (;;) {
      const job = await queue.claim({ workerId: 'scenario', region: 'local', kinds: [CORRECTION_METRICS_JOB_KIND] });
      if (!job) break;
      corrections.push(String(job.payload.reviewId));
      await completeCorrectionMetrics(database.db, blobs, String(job.payload.reviewId));
      await queue.complete(job.id, 'scenario');
    }
    expect(corrections).toHaveLength(3);
    const stats = await ok('admin', 'GET', `/api/projects/${projectId}/workflow/quality`);
    // 17 standard reviews: 16 submissions + the resubmission. n1 and reader 3 of the first sampled item corrected, n2 rejected once.
    const withErrors = new Map<string, { reviews: number; accepted: number; corrected: number; rejected: number }>();
    for (const t of annotate) {
      const e = withErrors.get(t.assigneeId!) ?? { reviews: 0, accepted: 0, corrected: 0, rejected: 0 };
      const corrected = correctionByTask.has(t.id);
      e.reviews += t.id === n[2]!.id ? 2 : 1;
      e.corrected += corrected ? 1 : 0;
      e.rejected += t.id === n[2]!.id ? 1 : 0;
      e.accepted += corrected ? 0 : 1;
      withErrors.set(t.assigneeId!, e);
    }
    expect(stats.perAnnotator).toEqual(
      [...withErrors.entries()].map(([annotatorId, e]) => ({ annotatorId, annotatorName: Object.keys(users).find((n) => users[n] === annotatorId), ...e, errorRate: (e.corrected + e.rejected) / e.reviews })).sort((x, y) => (x.annotatorId < y.annotatorId ? -1 : 1)),
    );
    // Liver: 6 items × 17 reviews, 3 failed; lesion: 5 items × 11 reviews of masks with a lesion (9 sampled, n4, n2 fixed), none failed.
    expect(stats.perLabel).toEqual([
      { labelKey: 'liver', answered: 102, failed: 3, errorRate: 3 / 102 },
      { labelKey: 'liver_lesion', answered: 55, failed: 0, errorRate: 0 },
    ]);
    expect(stats.perErrorType).toEqual([
      { errorType: 'other', count: 1, share: 1 / 3 },
      { errorType: 'over_segmentation', count: 1, share: 1 / 3 },
      { errorType: 'under_segmentation', count: 1, share: 1 / 3 },
    ]);
    expect(stats.expertReviews).toEqual({ reviews: 12, accepted: 11, corrected: 1 });
    const sizes = [
      { labelKey: 'liver', voxelsAdded: 0, voxelsRemoved: 192, dice: 3072 / 3264, hd95Mm: hd95(plan.get(n[1]!.id)!.volume, mask(), LIVER), stage: 'review' },
      { labelKey: 'liver', voxelsAdded: 768, voxelsRemoved: 0, dice: 1472 / 2240, hd95Mm: hd95(readerMask[2], readerMask[0], LIVER), stage: 'review' },
      { labelKey: 'liver', voxelsAdded: 0, voxelsRemoved: 256, dice: 2560 / 2816, hd95Mm: hd95(mask(), mask({ z1: 6 }), LIVER), stage: 'expert_review' },
    ];
    const key = (s: { voxelsAdded: number; voxelsRemoved: number }) => s.voxelsAdded * 10_000 + s.voxelsRemoved;
    expect([...stats.corrections.sizes].sort((a, b) => key(a) - key(b)).map(({ reviewId: _, ...s }: { reviewId: string }) => s)).toEqual(
      [...sizes].sort((a, b) => key(a) - key(b)).map((s) => ({ ...s, dice: expect.closeTo(s.dice, 12), hd95Mm: expect.closeTo(s.hd95Mm, 12) })),
    );
    expect(stats.corrections.voxelsChanged).toMatchObject({ n: 3, mean: (192 + 768 + 256) / 3, median: 256, min: 192, max: 768 });
    expect(stats.rework).toEqual({ total: 1, distribution: [{ reworks: 0, tasks: 15 }, { reworks: 1, tasks: 1 }] });
    const byStage = Object.fromEntries(stats.timePerTask.map((t: { stage: string; seconds: number[] }) => [t.stage, [...t.seconds].sort((a, b) => a - b)]));
    const sorted = (v: number[]) => [...v].sort((a, b) => a - b);
    expect(byStage).toEqual({ annotate: sorted(expectedSeconds.annotate!), review: sorted(expectedSeconds.review!), expert_review: sorted(expectedSeconds.expert_review!) });
    const liverAgreement = stats.agreementPerLabel.find((l: { labelKey: string }) => l.labelKey === 'liver');
    expect(sorted(liverAgreement.dice)).toEqual(sorted([...liverDice, ...liverDice, ...liverDice]).map((d) => expect.closeTo(d, 12)));
    expect(liverAgreement.hd95Mm).toHaveLength(9);
    expect(liverAgreement.diceSummary.median).toBeCloseTo(liverDice[1]!, 12);

    // ---- (8) the state changes left explicit audit events -----------------------------------------
    const runtime = server.app.accessRuntime;
    await runtime.auditSettled();
    const events = await runtime.audit.range(new Date(0), new Date(clock.now().getTime() + 60_000));
    const actions = events.map((e) => e.action);
    const countOf = (a: string) => actions.filter((x) => x === a).length;
    expect(countOf('workflow.config.updated')).toBe(1);
    expect(countOf('workflow.sample.included')).toBe(3);
    expect(countOf('workflow.task.created.annotate')).toBe(16);
    expect(countOf('workflow.task.submitted')).toBe(17);
    expect(countOf('workflow.review.signed.accept') + countOf('workflow.review.signed.correct') + countOf('workflow.review.signed.reject')).toBe(17);
    expect(countOf('workflow.review.signed.reject')).toBe(1);
    expect(countOf('workflow.expert_review.signed.correct')).toBe(1);
    expect(countOf('workflow.task.returned')).toBe(1);
    expect(countOf('workflow.agreement.enqueued')).toBe(3);
    expect(countOf('workflow.region.marked_significant')).toBe(1);
    const reassign = events.find((e) => e.action === 'workflow.task.reassigned');
    expect(reassign).toMatchObject({ actorId: users.admin, objectType: 'task', objectId: moved.id, projectId });
    expect(events.filter((e) => e.action === 'workflow.task.assignee_added').map((e) => e.objectId)).toEqual([users[other]]);
    expect((await runtime.audit.verify(server.context.config.dataDir, runtime.auditKey)).ok).toBe(true);
  }, 240_000);
});
