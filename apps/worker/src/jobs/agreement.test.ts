import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeRle8 } from '@delineate/core';
import { liverCtLabelSchema, liverCtReviewProtocol } from '@delineate/schema';
import {
  AccessRepository,
  AuditLog,
  AnnotationRepository,
  BlobKey,
  DeidRecordRepository,
  ItemRepository,
  JobQueue,
  LabelSchemaRepository,
  listAgreements,
  LocalBlobStore,
  ProjectRepository,
  ReviewProtocolRepository,
  testing,
  WorkflowRepository,
  type Database,
} from '@delineate/store';
import { createWorker } from '../worker';
import { AGREEMENT_JOB_KIND, workflowJobHandlers } from './agreement';

describe.each(testing.testDatabaseKinds().run)('workflow.agreement job on %s', (kind) => {
  let database: Database;
  let blobs: LocalBlobStore;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dln-agreement-job-'));
    database = await testing.createTestDatabase(kind);
    blobs = new LocalBlobStore({ dir, key: BlobKey.generate() });
  });
  afterAll(async () => {
    await blobs.close();
    await database.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('computes the agreement of a sampled item once both readers submitted, and fails a job without an item', async () => {
    const db = database.db;
    const schema = await new LabelSchemaRepository(db).create(liverCtLabelSchema);
    const protocol = await new ReviewProtocolRepository(db).create(liverCtReviewProtocol);
    const project = await new ProjectRepository(db).create({
      name: `agreement-${kind}`,
      modality: 'CT',
      oversightModel: 'direct_clinical',
      region: 'local',
      purpose: 'Agreement job test.',
      legalBasis: 'consent',
      labelSchema: { id: schema.id, version: 1 },
      reviewProtocol: { id: protocol.id, version: 1 },
      agreementSampling: { fraction: 1, readersPerItem: 2, blinded: true },
      deid: { profile: 'basic', options: [] },
    });
    const items = new ItemRepository(db);
    const subject = await items.createSubject({ projectId: project.id, pseudonym: 'J1', ageBand: 'unknown', sex: 'unknown' });
    const study = await items.createStudy({ subjectId: subject.id, studyInstanceUid: `2.25.61${Date.now()}` });
    const series = await items.createSeries({ studyId: study.id, seriesInstanceUid: `2.25.62${Date.now()}`, modality: 'CT' });
    await db.updateTable('series').set({ rows: 4, columns: 4, slices: 1, spacing: [1, 1, 1] }).where('id', '=', series.id).execute();
    const output = createHash('sha256').update(`job ${kind}`).digest('hex');
    await new DeidRecordRepository(db).record({ projectId: project.id, sourceHash: output.replace(/^./, 'c'), outputHash: output, profile: 'basic', options: [], actions: [], pixelRegionsRedacted: [], findings: [], status: 'passed' });
    await items.addInstances([{ seriesId: series.id, sopInstanceUid: `2.25.63${Date.now()}`, instanceNumber: 1, blobHash: output }]);
    const item = await items.createItem({ projectId: project.id, subjectId: subject.id, target: { kind: 'series_volume', seriesId: series.id } });
    const access = new AccessRepository(db);
    for (const name of ['a', 'b']) {
      const user = await access.createUser({ username: `reader-${name}-${kind}`, displayName: name, now: new Date() });
      await access.addMembership({ userId: user.id, projectId: project.id, role: 'clinician_annotator', grantedBy: null, now: new Date() });
      await access.addQualification({ userId: user.id, kind: 'clinician', modality: null, verifiedBy: null, validUntil: null, now: new Date() });
    }
    const workflow = new WorkflowRepository(db, { blobs, requirements: { clinician_annotator: { kinds: ['clinician'], matchModality: false } } });
    const { created } = await workflow.generateTasks(project.id);
    expect(created).toHaveLength(2);
    // Reader masks on a 4 × 4 grid: 4 and 6 liver voxels, 4 shared: Dice = 8 / 10.
    const masks = [Uint8Array.from([1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), Uint8Array.from([1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0])];
    const annotations = new AnnotationRepository(db, { blobs });
    let jobId: string | null = null;
    for (const [i, task] of created.entries()) {
      const annotation = await annotations.create({ projectId: project.id, itemId: item.id, taskId: task.id, labelSchema: { id: schema.id, version: 1 }, createdBy: task.assigneeId! });
      const bytes = encodeRle8(masks[i]!);
      await annotations.saveRevision({ annotationId: annotation.id, expectedVersion: 0, author: { kind: 'user', userId: task.assigneeId! }, source: 'human', maskHash: createHash('sha256').update(bytes).digest('hex'), maskEncoding: 'rle', maskBytes: bytes });
      jobId = (await workflow.submitAnnotation({ taskId: task.id, userId: task.assigneeId!, annotationId: annotation.id })).agreementJobId;
      if (i === 0) expect(jobId).toBeNull();
    }
    expect(jobId).not.toBeNull();
    const queue = new JobQueue(db);
    const broken = await queue.enqueue({ kind: AGREEMENT_JOB_KIND, region: 'local', payload: {}, maxAttempts: 1 });
    const audit = new AuditLog(db, { now: () => new Date() });
    const before = (await audit.head()).sequence;
    const worker = createWorker({ database, blobs, clock: () => new Date(), region: 'local', handlers: workflowJobHandlers(), audit });
    while (await worker.runOnce());
    const events: { action: string; objectType: string; objectId: string | null; projectId: string | null; outcome: string }[] = [];
    for await (const row of audit.rows()) if (row.sequence > before) events.push(row);
    expect(events.map(({ action, objectType, objectId, projectId, outcome }) => ({ action, objectType, objectId, projectId, outcome }))).toContainEqual({
      action: 'job.workflow.agreement.succeeded',
      objectType: 'item',
      objectId: item.id,
      projectId: project.id,
      outcome: 'success',
    });
    expect(events.filter((e) => e.action === 'job.workflow.agreement.failed')).toHaveLength(1);
    expect((await queue.get(jobId!)).status).toBe('succeeded');
    expect(await queue.get(broken.id)).toMatchObject({ status: 'failed', lastError: 'DLN_REQUEST_INVALID: The agreement job names no item' });
    const [liver] = await listAgreements(db, { itemId: item.id });
    expect(liver).toMatchObject({ labelKey: 'liver', jobId, pairs: [{ a: 0, b: 1, dice: 0.8 }], fleissKappa: expect.any(Number) });
    expect(liver!.inputs.map((r) => r.version)).toEqual([1, 1]);
    expect(await blobs.has(liver!.consensusHash)).toBe(true);
    expect(await blobs.has(liver!.softHash)).toBe(true);
  });
});
