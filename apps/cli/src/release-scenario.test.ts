import { execFileSync } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeRle8, RLE8 } from '@delineate/core';
import { decodeNifti, elementString, findElement, generateCtPhantom, niftiValues, PIXEL_DATA, tag, walkDicom } from '@delineate/formats';
import { isManifestV2, liverCtReviewProtocol, type Release, type ReleaseManifestV2, type WorkflowTask } from '@delineate/schema';
import { policyTable, type DelineateServer } from '@delineate/server';
import {
  AnnotationRepository,
  blobAddress,
  LocalBlobStore,
  ModelRepository,
  ReleaseRepository,
  WorkflowRepository,
  type Database,
} from '@delineate/store';
import { createWorker, releaseJobHandlers } from '@delineate/worker';
import { openReleaseScenario, type ReleaseScenario } from './release-scenario.fixture';
import { exportReleaseCommand, formatVerification, verifyReleaseCommand } from './commands/release';
import { checkDocuments, checkSegExports, checkTraces, type ScenarioRelease } from './test/release-scenario-checks';

/**
 * Issue 13, what it must show (release core): the workflow run on de-identified CT series to a
 * frozen release; unreviewed work refused with its list; a subject in two splits refused; the
 * NIfTI export agreeing with Debian dcm2niix's conversion of the same de-identified series in
 * world coordinates; the manifest naming author, revision and review; verify catching a tampered blob.
 */
const SIZE = 32, SLICES = 8;
const N = SIZE * SIZE * SLICES;
const dcm2niix = (() => {
  try {
    execFileSync('dcm2niix', ['-v'], { stdio: 'ignore' });
    return true;
  } catch (error) {
    return (error as { status?: number }).status !== undefined; // dcm2niix -v exits non-zero but runs
  }
})();
if (process.env.CI === 'true' && !dcm2niix) it('needs dcm2niix under CI', () => { throw new Error('dcm2niix is not installed'); });

describe.skipIf(!dcm2niix)('release scenario: workflow to a frozen release, exports and verification', () => {
  let dir: string;
  let database: Database;
  let blobs: LocalBlobStore;
  let server: DelineateServer;
  let projectId: string;
  let scenario: ReleaseScenario;
  const users: Record<string, string> = {};
  const truth = generateCtPhantom({ slices: SLICES, rows: SIZE, columns: SIZE }).labels;
  const itemsBySubject = new Map<string, string[]>();

  beforeAll(async () => {
    // Five series of four subjects: subject P1 has two studies. Through the real de-identification gate.
    scenario = await openReleaseScenario({ size: SIZE, slices: SLICES, series: [[1, 'P0'], [2, 'P1'], [3, 'P1'], [4, 'P2'], [5, 'P3']] });
    ({ dir, database, blobs, server, projectId } = scenario);
    Object.assign(users, scenario.users);
    for (const [subject, items] of scenario.itemsBySubject) itemsBySubject.set(subject, items);
  }, 120_000);

  afterAll(async () => {
    await scenario?.close();
  });

  const call = (user: string, method: 'GET' | 'POST' | 'PUT', url: string, body?: unknown) => scenario.call(user, method, url, body);

  it('runs the workflow to a frozen release that exports, names its provenance and verifies', async () => {
    const db = database.db;
    const clock = () => new Date();
    const workflow = new WorkflowRepository(db, { blobs, clock, requirements: policyTable.roleQualifications });
    const annotations = new AnnotationRepository(db, { blobs, clock });
    const config = await workflow.config(projectId);
    await workflow.updateConfig(projectId, { ...config, expertReview: { labelKeys: [], significantRegions: false }, samplingSeed: 7 }, users.admin!);
    const { sample } = await workflow.generateTasks(projectId);
    expect(sample.filter((s) => s.sampled)).toHaveLength(1);
    const sampledItem = sample.find((s) => s.sampled)!.itemId;
    const tasks = await workflow.listTasks(projectId, { stage: 'annotate' });

    const save = async (annotationId: string, expected: number, volume: Uint8Array, userId: string, source: 'human' | 'correction') => {
      const bytes = encodeRle8(volume);
      return (await annotations.saveRevision({ annotationId, expectedVersion: expected, author: { kind: 'user', userId }, source, maskHash: blobAddress(bytes), maskEncoding: RLE8, maskBytes: bytes })).revision.version;
    };
    // The slices that hold liver: reader 3 of the sampled item leaves out the first, the reviewer trims the last.
    const liverSlices = Array.from({ length: SLICES }, (_, k) => k).filter((k) => truth.subarray(k * SIZE * SIZE, (k + 1) * SIZE * SIZE).includes(1));
    const [firstLiver, lastLiver] = [liverSlices[0]!, liverSlices.at(-1)!];
    expect(lastLiver).toBeGreaterThan(firstLiver);
    const partial = truth.map((v, i) => (v === 1 && Math.floor(i / (SIZE * SIZE)) === firstLiver ? 0 : v));
    const annotationOf = new Map<string, string>();
    const singles = tasks.filter((t) => t.itemId !== sampledItem);
    const corrected = singles[0]!;
    const model = await new ModelRepository(db).register({ name: 'liver-preannotator', version: '1.2.0', labelKeys: ['liver'], runtime: 'onnx', region: 'local' });
    let readerIndex = 0;
    for (const task of tasks) {
      const annotation = await annotations.create({ projectId, itemId: task.itemId, taskId: task.id, labelSchema: config.labelSchema, createdBy: task.assigneeId! });
      annotationOf.set(task.id, annotation.id);
      const volume = task.itemId === sampledItem && readerIndex++ === 2 ? partial : truth;
      let head = 0;
      if (task.id === corrected.id) {
        // A model's pre-annotation as version 1, recorded as the pre-annotation job records one
        // (the workflow's write rule admits people only); the annotator then redraws on top of it.
        const bytes = encodeRle8(truth.map((v) => (v === 1 ? 1 : 0)));
        const stored = await blobs.put(bytes);
        await db.insertInto('revisions').values({ annotation_id: annotation.id, version: 1, parent_version: null, author_user_id: null, author_model_name: model.name, author_model_version: model.version, source: 'ai', mask_hash: stored.hash, mask_encoding: RLE8, idempotency_key: null, created_at: clock() }).execute();
        await db.updateTable('annotations').set({ head_version: 1 }).where('id', '=', annotation.id).execute();
        head = 1;
      }
      await save(annotation.id, head, volume, task.assigneeId!, 'human');
      await workflow.submitAnnotation({ taskId: task.id, userId: task.assigneeId!, annotationId: annotation.id });
    }
    // Submitted but not yet reviewed: every annotation is unsigned work, and the build would be refused.
    const beforeReview = (await call('admin', 'POST', `/api/projects/${projectId}/releases/preview`, { name: 'v0', defaultSplit: 'train' })).json();
    expect(beforeReview.items).toEqual([]);
    expect(beforeReview.unreviewed).toHaveLength(tasks.length);
    expect(new Set(beforeReview.unreviewed.map((u: { reason: string }) => u.reason))).toEqual(new Set(['not_signed']));
    const answers = (labels: string[]) => liverCtReviewProtocol.checklist.filter((c) => labels.includes(c.labelKey)).map((c) => ({ itemKey: c.key, passed: true }));
    const reviews: WorkflowTask[] = await workflow.listTasks(projectId, { stage: 'review' });
    const signedAt = new Date(Date.UTC(2026, 0, 5, 10, 0, 0));
    const present = ['liver', ...(truth.includes(2) ? ['liver_lesion'] : [])];
    let correctionVersion = 0;
    for (const review of reviews) {
      if (review.reviewsTaskId === corrected.id) {
        // The reviewer trims the liver on its last slice: a correction revision, signed.
        const trimmed = truth.map((v, i) => (v === 1 && Math.floor(i / (SIZE * SIZE)) === lastLiver ? 0 : v));
        correctionVersion = await save(review.annotationId!, review.revisionVersion!, trimmed, users.rev!, 'correction');
        const failed = answers(present).map((a) => (a.itemKey === 'liver.full-extent' ? { itemKey: a.itemKey, passed: false, errorType: 'over_segmentation' as const } : a));
        await workflow.recordReview({ taskId: review.id, reviewerId: users.rev!, stage: 'review', decision: 'correct', correctedVersion: correctionVersion, answers: failed, signedAt });
      } else await workflow.recordReview({ taskId: review.id, reviewerId: users.rev!, stage: 'review', decision: 'accept', answers: answers(present), signedAt });
    }

    // ---- a free annotation on an item with one subject: unreviewed work refuses the build ----
    const sharedSubject = [...itemsBySubject.entries()].find(([, ids]) => ids.length === 2)![0];
    const freeItem = singles.map((t) => t.itemId).find((id) => ![...itemsBySubject.get(sharedSubject)!].includes(id) && id !== corrected.itemId)!;
    const free = await annotations.create({ projectId, itemId: freeItem, labelSchema: config.labelSchema, createdBy: users.tech1! });
    await save(free.id, 0, truth, users.tech1!, 'human');
    const base = `/api/projects/${projectId}/releases`;
    const refused = await call('admin', 'POST', base, { name: 'v1', defaultSplit: 'train' });
    expect(refused.status).toBe(409);
    expect(refused.json().code).toBe('DLN_RELEASE_UNREVIEWED');
    expect(refused.json().unreviewed).toBe(`${freeItem}:${free.id}@1:free_annotation`);

    // ---- a subject in two splits is refused, naming the subject ----
    const [twinA, twinB] = itemsBySubject.get(sharedSubject)!;
    const splitRequest = { name: 'v1', defaultSplit: 'train', excludeUnreviewed: true, splits: [{ itemId: twinA, split: 'train' }, { itemId: twinB, split: 'test' }] };
    const overlap = await call('admin', 'POST', base, splitRequest);
    expect(overlap.status).toBe(422);
    expect(overlap.json()).toMatchObject({ code: 'DLN_RELEASE_SPLIT_OVERLAP', subjects: `${sharedSubject}:test+train` });
    const preview = (await call('admin', 'POST', `${base}/preview`, splitRequest)).json();
    expect(preview.sharedSubjects).toEqual([{ subjectPseudonym: sharedSubject, splits: ['test', 'train'] }]);
    expect(preview.excluded).toEqual([{ itemId: freeItem, reason: 'unreviewed' }]);
    expect((await call('auditor', 'POST', base, { ...splitRequest, splits: [] })).status).toBe(403);

    // ---- the filter's exclusions, each with its reason; an item without a split is refused ----
    const onlySampled = (await call('admin', 'POST', `${base}/preview`, { ...splitRequest, splits: [], filter: { agreementSample: 'sampled' } })).json();
    expect(onlySampled.items.map((i: { itemId: string }) => i.itemId)).toEqual([sampledItem]);
    expect(onlySampled.excluded.map((e: { reason: string }) => e.reason)).toEqual(Array(4).fill('agreement_sample'));
    const mr = (await call('admin', 'POST', `${base}/preview`, { name: 'v1', filter: { modality: 'MR' } })).json();
    expect(mr.items).toEqual([]);
    expect(new Set(mr.excluded.map((e: { reason: string }) => e.reason))).toEqual(new Set(['modality']));
    const lesionOnly = (await call('admin', 'POST', `${base}/preview`, { ...splitRequest, splits: [], filter: { labelKeys: ['liver', 'no_such_label'] } })).json();
    expect(lesionOnly.items).toEqual([]);
    expect(lesionOnly.excluded.filter((e: { reason: string }) => e.reason === 'label_absent')).toHaveLength(4);
    const noSplit = await call('admin', 'POST', base, { name: 'v1', excludeUnreviewed: true, splits: [{ itemId: twinA, split: 'train' }] });
    expect(noSplit.json()).toMatchObject({ code: 'DLN_RELEASE_SPLIT_MISSING' });
    // The consensus method is the project's setting (STAPLE unless set); auditors cannot change it.
    expect((await call('auditor', 'GET', `${base}/settings`)).json()).toEqual({ consensusMethod: 'staple' });
    expect((await call('auditor', 'PUT', `${base}/settings`, { consensusMethod: 'majority_vote' })).status).toBe(403);
    expect((await call('admin', 'PUT', `${base}/settings`, { consensusMethod: 'majority_vote' })).json()).toEqual({ consensusMethod: 'majority_vote' });
    expect((await call('admin', 'POST', `${base}/preview`, splitRequest)).json().consensusMethod).toBe('majority_vote');
    await call('admin', 'PUT', `${base}/settings`, { consensusMethod: 'staple' });

    // ---- build, freeze ----
    const built = await call('admin', 'POST', base, { ...splitRequest, splits: [{ itemId: corrected.itemId, split: 'test' }] });
    expect(built.status, JSON.stringify(built.json())).toBe(201);
    const draft = built.json() as Release;
    const notFrozen = await call('admin', 'POST', `${base}/${draft.id}/exports`, { format: 'nifti' });
    expect([notFrozen.status, notFrozen.json().code]).toEqual([409, 'DLN_RELEASE_NOT_FROZEN']);
    const frozen = (await call('admin', 'POST', `${base}/${draft.id}/freeze`)).json() as Release;
    expect(frozen.status).toBe('frozen');
    // Freezing generated the four documents, each as JSON, HTML and PDF, with their hashes recorded.
    expect(frozen.documents.map((d) => d.kind).sort()).toEqual(
      ['annotation_protocol', 'dataset_composition', 'inter_observer_variability', 'qa_results'].flatMap((k) => ['html', 'json', 'pdf'].map((f) => `${k}.${f}`)),
    );
    expect((await call('admin', 'POST', `${base}/${draft.id}/freeze`)).status).toBe(409);
    expect((await call('auditor', 'GET', `${base}/${draft.id}`)).json().manifestHash).toBe(frozen.manifestHash);
    const manifest = frozen.manifest as ReleaseManifestV2;
    expect(isManifestV2(manifest)).toBe(true);
    expect(manifest.items).toHaveLength(4);
    expect(manifest.excluded).toEqual([{ itemId: freeItem, reason: 'unreviewed' }]);

    // The corrected item: released mask = the reviewer's correction, author and review named.
    const entry = manifest.items.find((i) => i.itemId === corrected.itemId)!;
    expect(entry.split).toBe('test');
    expect(entry.revisions).toEqual([{ annotationId: annotationOf.get(corrected.id), version: correctionVersion }]);
    const reading = entry.readings[0]!;
    expect(reading.revisions.map((r) => [r.version, r.source, r.author])).toEqual([
      [1, 'ai', { kind: 'model', modelId: model.id, name: 'liver-preannotator', version: '1.2.0', weightsHash: null }],
      [2, 'human', { kind: 'user', userId: corrected.assigneeId }],
      [3, 'correction', { kind: 'user', userId: users.rev }],
    ]);
    expect(reading.reviews).toEqual([
      expect.objectContaining({ reviewerId: users.rev, decision: 'correct', reviewedVersion: 2, correctedVersion: 3, errorTypes: ['over_segmentation'], signedAt: signedAt.toISOString(), stage: 'review' }),
    ]);
    expect(entry.instances).toHaveLength(SLICES);
    expect(entry.instances.every((i) => i.deidRecordId !== null)).toBe(true);
    expect(entry.maskHash).toBe(reading.revisions[2]!.maskHash);
    // The sampled item: STAPLE consensus of three readers with soft labels.
    const multi = manifest.items.find((i) => i.itemId === sampledItem)!;
    expect(multi.consensus?.method).toBe('staple');
    expect(multi.readings).toHaveLength(3);
    expect(multi.consensus?.labels.map((l) => l.labelKey)).toEqual(present);

    // ---- NIfTI export through the job, downloaded ----
    expect((await call('admin', 'POST', `${base}/${draft.id}/exports`, { format: 'no-such-format' })).json().code).toBe('DLN_RELEASE_EXPORT_FORMAT');
    const queued = await call('admin', 'POST', `${base}/${draft.id}/exports`, { format: 'nifti' });
    expect(queued.status).toBe(202);
    const early = await call('admin', 'GET', `/api/releases/${draft.id}/exports/${queued.json().id}/download`);
    expect([early.status, early.json().code]).toEqual([409, 'DLN_RELEASE_EXPORT_NOT_READY']);
    const worker = createWorker({ database, blobs, clock, region: 'local', handlers: releaseJobHandlers(), audit: server.audit });
    expect(await worker.runOnce()).toBe(true);
    const state = (await call('admin', 'GET', `/api/releases/${draft.id}/exports/${queued.json().id}`)).json();
    expect(state).toMatchObject({ status: 'succeeded', progress: { done: 4, total: 4 } });
    const download = await call('admin', 'GET', `/api/releases/${draft.id}/exports/${queued.json().id}/download`);
    expect(download.status).toBe(200);
    const out = join(dir, 'export');
    await mkdir(out);
    await writeFile(join(out, 'release.tar'), download.raw);
    execFileSync('tar', ['-xf', join(out, 'release.tar'), '-C', out]);
    // `delineate release export` runs the same job: the same release gives the same archive, byte for byte.
    const platform = { database, blobs, audit: server.audit };
    await exportReleaseCommand(platform, draft.id, 'nifti', join(dir, 'cli.tar'));
    expect(new Uint8Array(await readFile(join(dir, 'cli.tar')))).toEqual(new Uint8Array(download.raw));
    const dataset = JSON.parse(await readFile(join(out, 'dataset.json'), 'utf8'));
    expect(dataset.manifestHash).toBe(frozen.manifestHash);
    expect(dataset.splits.test).toEqual([corrected.itemId]);
    expect(dataset.labels['1'].key).toBe('liver');
    const provenance = JSON.parse(await readFile(join(out, 'test', corrected.itemId, 'provenance.json'), 'utf8'));
    expect(provenance.item).toEqual(entry);
    const staple = decodeNifti(await readFile(join(out, 'train', sampledItem, 'soft', 'liver_staple.nii.gz')));
    expect(staple.sclSlope).toBeCloseTo(1 / 255, 9);

    // ---- the NIfTI agrees with dcm2niix on the same de-identified series, in world coordinates ----
    const ours = decodeNifti(await readFile(join(out, 'test', corrected.itemId, 'label.nii.gz')));
    const series = join(dir, 'series');
    await mkdir(series);
    const instances = await db.selectFrom('instances').innerJoin('items', 'items.series_id', 'instances.series_id').select(['instances.blob_hash']).where('items.id', '=', corrected.itemId).execute();
    const slices = new Map<number, Uint8Array>();
    for (const [k, row] of instances.entries()) {
      const bytes = await blobs.get(row.blob_hash);
      await writeFile(join(series, `${k}.dcm`), bytes);
      const z = Number(elementString(walkDicom(bytes), tag(0x0020, 0x0032))!.split('\\')[2]);
      slices.set(Math.round(z * 1000), bytes);
    }
    execFileSync('dcm2niix', ['-z', 'n', '-b', 'n', '-f', 'converted', '-o', series, series], { stdio: 'ignore' });
    const theirs = decodeNifti(await readFile(join(series, (await readdir(series)).find((f) => f.endsWith('.nii'))!)));
    const theirValues = niftiValues(theirs);
    const inverse = invertAffine(theirs.affine);
    const [nx, ny] = [ours.grid.dims[0], ours.grid.dims[1]];
    const geometry = entry.geometry;
    let labelled = 0;
    for (let k = 0; k < SLICES; k++) {
      // The slice the DICOM puts at this grid position (origin + k × step along the normal).
      const zLps = geometry.origin[2] + k * geometry.spacing[2] * geometry.direction[8]!;
      const pixels = storedPixels(slices.get(Math.round(zLps * 1000))!);
      for (let j = 0; j < ny; j++)
        for (let i = 0; i < nx; i++) {
          if ((ours.data[i + nx * (j + ny * k)] ?? 0) === 0) continue;
          labelled++;
          const world = apply(ours.affine, [i, j, k]);
          const v = apply(inverse, world).map((x) => {
            expect(Math.abs(x - Math.round(x))).toBeLessThan(1e-3);
            return Math.round(x);
          });
          const index = v[0]! + theirs.grid.dims[0] * (v[1]! + theirs.grid.dims[1] * v[2]!);
          // Same world position → same stored CT value: both files put this voxel in the same place.
          expect(theirValues[index]! * 1).toBeCloseTo(pixels[i + nx * j]! * (theirs.sclSlope || 1) + theirs.sclInter, 3);
        }
    }
    expect(labelled).toBe(entry.labelKeys.length > 0 ? [...ours.data].filter((x) => x !== 0).length : 0);
    expect(labelled).toBeGreaterThan(0);

    const scenario: ScenarioRelease = { dir, blobs, platform, call, manifest, frozen, corrected: { itemId: corrected.itemId, assigneeId: corrected.assigneeId! }, users, correctionVersion, signedAt, sampledItem, freeItem, truth, size: SIZE, slices: SLICES, lastLiver };
    await checkSegExports(scenario);
    await checkDocuments(scenario);
    await checkTraces(scenario);

    // ---- verify: clean (a document appended after freezing included), then a tampered blob and a lost document are named ----
    const releases = new ReleaseRepository(db);
    const protocolDocument = await blobs.put(new TextEncoder().encode('{"document":"annotation protocol"}'));
    await releases.addDocument(draft.id, { kind: 'annotation-protocol', hash: protocolDocument.hash });
    const clean = (await call('auditor', 'POST', `${base}/${draft.id}/verify`)).json();
    expect(clean).toMatchObject({ ok: true, problems: [] });
    // The manifest, 4 released masks, every revision of every reading, 2 labels × 2 soft labels, 12 documents of the freeze and the appended one.
    const revisionCount = manifest.items.reduce((n, i) => n + i.readings.reduce((m, r) => m + r.revisions.length, 0), 0);
    expect(clean.checked).toBe(1 + 4 + revisionCount + multi.consensus!.labels.length * 2 + 12 + 1);
    const lost = 'f'.repeat(64);
    await releases.addDocument(draft.id, { kind: 'qa-results', hash: lost });
    const votes = multi.consensus!.labels[0]!.votesHash;
    await overwriteBlob(blobs, join(dir, 'blobs'), votes, encodeRle8(new Uint8Array(N)));
    const tampered = (await call('admin', 'POST', `${base}/${draft.id}/verify`)).json();
    expect(tampered.ok).toBe(false);
    expect(tampered.problems).toEqual([
      { what: `item ${sampledItem} reader votes liver`, hash: votes, problem: 'differs' },
      { what: 'document qa-results', hash: lost, problem: 'missing' },
    ]);
    const cliVerify = await verifyReleaseCommand(platform, draft.id);
    expect(cliVerify.ok).toBe(false);
    expect(formatVerification(cliVerify)).toContain(`differs: item ${sampledItem} reader votes liver (${votes})`);

    // ---- every release request left an audit event naming the release ----
    await server.app.accessRuntime.auditSettled();
    const events = await server.app.accessRuntime.audit.range(new Date(0), new Date(Date.now() + 60_000));
    const about = (action: string) => events.filter((e) => e.action === action && e.objectId === draft.id && e.outcome === 'success');
    expect(about('release.built')).toHaveLength(1);
    expect(about('release.frozen')).toHaveLength(1);
    // Exports and downloads: one through the API, one by the CLI; verifications: the API's clean one, then API and CLI after tampering.
    expect(about('release.export.queued.nifti')).toHaveLength(2);
    expect(about('release.export.downloaded.nifti')).toHaveLength(2);
    expect(about('release.verified')).toHaveLength(1);
    expect(about('release.verify.mismatch')).toHaveLength(2);
    expect(about('release.traced').length).toBe(3 + (truth.includes(2) ? 1 : 0) + 2); // API traces that answered, then the CLI's two
    expect(about('release.document.read.html')).toHaveLength(1);
    expect(about('release.documents.regenerated')).toHaveLength(1);
    expect(events.filter((e) => e.action === 'release.create' && e.projectId === projectId && e.outcome === 'denied')).toHaveLength(2); // the auditor's build and settings change
    expect(events.some((e) => e.action === 'job.release.export.succeeded' && e.objectId === draft.id)).toBe(true);
  }, 240_000);
});

function apply(a: readonly number[], v: readonly number[]): number[] {
  return [0, 1, 2].map((r) => a[r * 4]! * v[0]! + a[r * 4 + 1]! * v[1]! + a[r * 4 + 2]! * v[2]! + a[r * 4 + 3]!);
}

/** Inverse of a 4 × 4 affine with a 3 × 3 linear part (Cramer's rule). */
function invertAffine(a: readonly number[]): number[] {
  const m = (r: number, c: number) => a[r * 4 + c]!;
  const det = m(0, 0) * (m(1, 1) * m(2, 2) - m(1, 2) * m(2, 1)) - m(0, 1) * (m(1, 0) * m(2, 2) - m(1, 2) * m(2, 0)) + m(0, 2) * (m(1, 0) * m(2, 1) - m(1, 1) * m(2, 0));
  const inv = [
    [m(1, 1) * m(2, 2) - m(1, 2) * m(2, 1), m(0, 2) * m(2, 1) - m(0, 1) * m(2, 2), m(0, 1) * m(1, 2) - m(0, 2) * m(1, 1)],
    [m(1, 2) * m(2, 0) - m(1, 0) * m(2, 2), m(0, 0) * m(2, 2) - m(0, 2) * m(2, 0), m(0, 2) * m(1, 0) - m(0, 0) * m(1, 2)],
    [m(1, 0) * m(2, 1) - m(1, 1) * m(2, 0), m(0, 1) * m(2, 0) - m(0, 0) * m(2, 1), m(0, 0) * m(1, 1) - m(0, 1) * m(1, 0)],
  ].map((row) => row.map((x) => x / det));
  const t = [0, 1, 2].map((r) => -(inv[r]![0]! * m(0, 3) + inv[r]![1]! * m(1, 3) + inv[r]![2]! * m(2, 3)));
  return [...inv[0]!, t[0]!, ...inv[1]!, t[1]!, ...inv[2]!, t[2]!, 0, 0, 0, 1];
}

/** The native 16-bit stored values of a single-frame slice (the phantom is uncompressed). */
function storedPixels(bytes: Uint8Array): Int16Array {
  const walked = walkDicom(bytes);
  const pixel = findElement(walked, PIXEL_DATA)!;
  const value = walked.bytes.subarray(pixel.valueOffset, pixel.valueOffset + pixel.valueLength);
  return new Int16Array(value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength));
}

/** Replaces a blob's stored bytes with another blob's (what an attacker with the folder could do). */
async function overwriteBlob(blobs: LocalBlobStore, folder: string, hash: string, other: Uint8Array): Promise<void> {
  const { hash: otherHash } = await blobs.put(other);
  const path = (h: string) => join(folder, h.slice(0, 2), h.slice(2, 4), h);
  await writeFile(path(hash), await readFile(path(otherHash)));
}
