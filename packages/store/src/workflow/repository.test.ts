import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { encodeRle8 } from '@delineate/core';
import { liverCtLabelSchema, liverCtReviewProtocol, type Role, type SignificantRegionMark, type WorkflowConfig } from '@delineate/schema';
import { AccessRepository } from '../access/repository';
import { BlobKey } from '../blob/key';
import { LocalBlobStore } from '../blob/local';
import { AnnotationRepository } from '../repositories/annotations';
import { DeidRecordRepository } from '../repositories/deid-records';
import { ItemRepository } from '../repositories/items';
import { LabelSchemaRepository } from '../repositories/label-schemas';
import { ProjectRepository } from '../repositories/projects';
import { ReviewProtocolRepository } from '../repositories/review-protocols';
import type { Database } from '../sql/database';
import { describeStore } from '../test/describe-store';
import { WorkflowRepository, type WorkflowRequirements } from './repository';

/** As the access policy table says (the server passes its table; the store test spells it out). */
const requirements: WorkflowRequirements = {
  annotator: { kinds: ['technologist', 'radiographer', 'trained_annotator', 'clinician', 'radiologist', 'pathologist'], matchModality: false },
  clinician_annotator: { kinds: ['clinician', 'radiologist', 'pathologist'], matchModality: false },
  reviewer: { kinds: ['clinician', 'radiologist', 'pathologist', 'radiographer'], matchModality: false },
  expert_reviewer: { kinds: ['radiologist', 'pathologist'], matchModality: true },
};
const [NX, NY, NZ] = [8, 8, 2];

async function seed(database: Database, blobs: LocalBlobStore, itemCount: number, options: { experts?: boolean } = {}) {
  const db = database.db;
  const schema = await new LabelSchemaRepository(db).create(liverCtLabelSchema);
  const protocol = await new ReviewProtocolRepository(db).create(liverCtReviewProtocol);
  const project = await new ProjectRepository(db).create({
    name: `wf-${crypto.randomUUID()}`,
    modality: 'CT',
    oversightModel: 'direct_clinical',
    region: 'local',
    purpose: 'Workflow repository test.',
    legalBasis: 'consent',
    labelSchema: { id: schema.id, version: 1 },
    reviewProtocol: { id: protocol.id, version: 1 },
    agreementSampling: { fraction: 0, readersPerItem: 1, blinded: false },
    deid: { profile: 'basic', options: [] },
  });
  const items = new ItemRepository(db);
  const itemIds: string[] = [];
  for (let i = 0; i < itemCount; i++) {
    const subject = await items.createSubject({ projectId: project.id, pseudonym: `W${i}`, ageBand: 'unknown', sex: 'unknown' });
    const study = await items.createStudy({ subjectId: subject.id, studyInstanceUid: `2.25.7${i}${Date.now()}` });
    const series = await items.createSeries({ studyId: study.id, seriesInstanceUid: `2.25.8${i}${Date.now()}`, modality: 'CT' });
    await db.updateTable('series').set({ rows: NY, columns: NX, slices: NZ, spacing: [1, 1, 1] }).where('id', '=', series.id).execute();
    const output = createHash('sha256').update(`instance ${project.id} ${i}`).digest('hex');
    await new DeidRecordRepository(db).record({ projectId: project.id, sourceHash: output.replace(/^./, 'b'), outputHash: output, profile: 'basic', options: [], actions: [], pixelRegionsRedacted: [], findings: [], status: 'passed' });
    await items.addInstances([{ seriesId: series.id, sopInstanceUid: `2.25.9${i}${Date.now()}`, instanceNumber: 1, blobHash: output }]);
    itemIds.push((await items.createItem({ projectId: project.id, subjectId: subject.id, target: { kind: 'series_volume', seriesId: series.id } })).id);
  }
  const access = new AccessRepository(db);
  const now = new Date();
  const users: Record<string, string> = {};
  const person = async (name: string, role: Role, kind: 'clinician' | 'technologist' | 'radiologist', modality: 'CT' | 'MR' | null = null) => {
    const user = await access.createUser({ username: `${name}-${crypto.randomUUID().slice(0, 8)}`, displayName: name, now });
    await access.addMembership({ userId: user.id, projectId: project.id, role, grantedBy: null, now });
    await access.addQualification({ userId: user.id, kind, modality, verifiedBy: null, validUntil: null, now });
    users[name] = user.id;
  };
  await person('clin1', 'clinician_annotator', 'clinician');
  await person('clin2', 'clinician_annotator', 'clinician');
  await person('tech', 'annotator', 'technologist');
  await person('mrExpert', 'expert_reviewer', 'radiologist', 'MR');
  const addExpert = () => person('expert', 'expert_reviewer', 'radiologist', 'CT');
  if (options.experts !== false) await addExpert();
  const config: WorkflowConfig = {
    oversightModel: 'direct_clinical',
    labelSchema: { id: schema.id, version: 1 },
    reviewProtocol: { id: protocol.id, version: 1 },
    agreementSampling: { fraction: 0, readersPerItem: 1, blinded: false },
    expertReview: { labelKeys: ['liver_lesion'], significantRegions: false },
    agreementThresholds: { dice: 0.8, fleissKappa: 0.6 },
    samplingSeed: 3,
  };
  const workflow = new WorkflowRepository(db, { blobs, requirements });
  const annotations = new AnnotationRepository(db, { blobs });
  const draw = async (taskId: string, itemId: string, userId: string, lesion: boolean) => {
    const volume = new Uint8Array(NX * NY * NZ).fill(1, 0, 40);
    if (lesion) volume.fill(2, 10, 14);
    const bytes = encodeRle8(volume);
    const annotation = await annotations.create({ projectId: project.id, itemId, taskId, labelSchema: config.labelSchema, createdBy: userId });
    await annotations.saveRevision({
      annotationId: annotation.id,
      expectedVersion: 0,
      author: { kind: 'user', userId },
      source: 'human',
      maskHash: createHash('sha256').update(bytes).digest('hex'),
      maskEncoding: 'rle',
      maskBytes: bytes,
    });
    return annotation.id;
  };
  return { projectId: project.id, itemIds, users, config, workflow, draw, schemaId: schema.id, addExpert };
}

describeStore('clinical workflow repository', (getDb) => {
  let dir: string;
  let blobs: LocalBlobStore;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dln-wf-store-'));
    blobs = new LocalBlobStore({ dir, key: BlobKey.generate() });
  });
  afterEach(async () => {
    await blobs.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('validates the configuration against the pinned documents', async () => {
    const s = await seed(getDb(), blobs, 0);
    await expect(s.workflow.updateConfig(s.projectId, { ...s.config, expertReview: { labelKeys: ['spleen'], significantRegions: false } }, null)).rejects.toMatchObject({ code: 'DLN_REQUEST_INVALID' });
    await expect(s.workflow.updateConfig(s.projectId, { ...s.config, labelSchema: { id: s.schemaId, version: 2 } }, null)).rejects.toMatchObject({ code: 'DLN_REQUEST_INVALID' });
    await expect(s.workflow.updateConfig(s.projectId, { ...s.config, agreementSampling: { fraction: 0.5, readersPerItem: 1, blinded: true } }, null)).rejects.toMatchObject({ code: 'DLN_REQUEST_INVALID' });
    expect(await s.workflow.updateConfig(s.projectId, s.config, s.users.clin1!)).toEqual(s.config);
  });

  it('direct clinical: clinician annotators only, no standard review, expert review for a label that requires it', async () => {
    const s = await seed(getDb(), blobs, 2);
    await s.workflow.updateConfig(s.projectId, s.config, null);
    const { created, sample } = await s.workflow.generateTasks(s.projectId);
    expect(sample.every((x) => !x.sampled && x.readers === 1)).toBe(true);
    expect(created.map((t) => t.assigneeId).sort()).toEqual([s.users.clin1, s.users.clin2].sort());
    const [plain, flagged] = created as [(typeof created)[0], (typeof created)[0]];
    const a1 = await s.draw(plain.id, plain.itemId, plain.assigneeId!, false);
    const first = await s.workflow.submitAnnotation({ taskId: plain.id, userId: plain.assigneeId!, annotationId: a1 });
    expect(first.created).toEqual([]);
    expect(first.task.status).toBe('done');
    const a2 = await s.draw(flagged.id, flagged.itemId, flagged.assigneeId!, true);
    await expect(s.workflow.submitAnnotation({ taskId: flagged.id, userId: plain.assigneeId!, annotationId: a2 })).rejects.toMatchObject({ code: 'DLN_AUTH_FORBIDDEN' });
    const second = await s.workflow.submitAnnotation({ taskId: flagged.id, userId: flagged.assigneeId!, annotationId: a2 });
    expect(second.created).toHaveLength(1);
    const expertTask = second.created[0]!;
    expect(expertTask).toMatchObject({ stage: 'expert_review', assigneeId: s.users.expert, reviewsTaskId: flagged.id, revisionVersion: 1 });
    const answers = liverCtReviewProtocol.checklist.map((c) => ({ itemKey: c.key, passed: true }));
    const signedAt = new Date('2026-06-01T10:00:00Z');
    await expect(s.workflow.recordReview({ taskId: expertTask.id, reviewerId: s.users.expert!, stage: 'expert_review', decision: 'accept', answers: answers.slice(0, 10), signedAt })).rejects.toMatchObject({
      code: 'DLN_REQUEST_INVALID',
    });
    const review = await s.workflow.recordReview({ taskId: expertTask.id, reviewerId: s.users.expert!, stage: 'expert_review', decision: 'accept', answers, signedAt });
    expect(review.review).toMatchObject({ decision: 'accept', signedAt: signedAt.toISOString() });
    expect((await s.workflow.getTask(flagged.id)).status).toBe('done');
    await expect(s.workflow.recordReview({ taskId: expertTask.id, reviewerId: s.users.expert!, stage: 'expert_review', decision: 'accept', answers, signedAt })).rejects.toMatchObject({ code: 'DLN_CONFLICT' });
  });

  it('hides a blinded reader’s mask from the other readers until all have submitted', async () => {
    const s = await seed(getDb(), blobs, 1);
    await s.workflow.updateConfig(s.projectId, { ...s.config, agreementSampling: { fraction: 1, readersPerItem: 2, blinded: true } }, null);
    const { created } = await s.workflow.generateTasks(s.projectId);
    expect(created.every((t) => t.sampled && t.blinded)).toBe(true);
    const [r1, r2] = created as [(typeof created)[0], (typeof created)[0]];
    const a1 = await s.draw(r1.id, r1.itemId, r1.assigneeId!, false);
    const a2 = await s.draw(r2.id, r2.itemId, r2.assigneeId!, false);
    await s.workflow.submitAnnotation({ taskId: r1.id, userId: r1.assigneeId!, annotationId: a1 });
    expect(await s.workflow.maskReadableBy(r2.assigneeId!, a1)).toBe(false);
    expect(await s.workflow.maskReadableBy(r1.assigneeId!, a1)).toBe(true);
    expect(await s.workflow.maskReadableBy(s.users.expert!, a1)).toBe(true);
    const done = await s.workflow.submitAnnotation({ taskId: r2.id, userId: r2.assigneeId!, annotationId: a2 });
    expect(done.agreementJobId).not.toBeNull();
    expect(await s.workflow.maskReadableBy(r2.assigneeId!, a1)).toBe(true);
    expect(await s.workflow.maskReadableBy(r1.assigneeId!, a2)).toBe(true);
  });

  it('leaves an expert review open when no matching expert exists, until an admin assigns one', async () => {
    const s = await seed(getDb(), blobs, 1, { experts: false });
    await s.workflow.updateConfig(s.projectId, s.config, null);
    const [task] = (await s.workflow.generateTasks(s.projectId)).created;
    const annotationId = await s.draw(task!.id, task!.itemId, task!.assigneeId!, true);
    const { created } = await s.workflow.submitAnnotation({ taskId: task!.id, userId: task!.assigneeId!, annotationId });
    expect(created).toMatchObject([{ stage: 'expert_review', status: 'open', assigneeId: null }]);
    await expect(s.workflow.reassign(created[0]!.id, s.users.mrExpert!)).rejects.toMatchObject({ code: 'DLN_REQUEST_INVALID' });
    await expect(s.workflow.reassign(created[0]!.id, task!.assigneeId!)).rejects.toMatchObject({ code: 'DLN_REQUEST_INVALID' });
    await s.addExpert();
    expect(await s.workflow.reassign(created[0]!.id, s.users.expert!)).toMatchObject({ task: { status: 'assigned', assigneeId: s.users.expert }, previousAssigneeId: null });
  });
  it('issue 11: only the assignee starts and the owner writes; blinded readers get none of the others’ tasks; kept marks reach the review', async () => {
    const s = await seed(getDb(), blobs, 1);
    await s.workflow.updateConfig(s.projectId, { ...s.config, agreementSampling: { fraction: 1, readersPerItem: 2, blinded: true }, expertReview: { labelKeys: [], significantRegions: true } }, null);
    const { created } = await s.workflow.generateTasks(s.projectId);
    const [r1, r2] = created as [(typeof created)[0], (typeof created)[0]];
    const reader1 = r1.assigneeId!, reader2 = r2.assigneeId!;
    const annotations = new AnnotationRepository(getDb().db, { blobs });
    const labelSchema = s.config.labelSchema;
    const bytes = encodeRle8(new Uint8Array(NX * NY * NZ).fill(1, 0, 10));
    const mask = { source: 'human' as const, maskHash: createHash('sha256').update(bytes).digest('hex'), maskEncoding: 'rle' as const, maskBytes: bytes };

    // §7: a task's annotation is started by its assignee only, and written by them only.
    for (const createdBy of [reader2, undefined]) {
      await expect(annotations.create({ projectId: s.projectId, itemId: r1.itemId, taskId: r1.id, labelSchema, createdBy })).rejects.toMatchObject({ code: 'DLN_AUTH_FORBIDDEN' });
    }
    const a1 = await s.draw(r1.id, r1.itemId, reader1, false);
    await expect(annotations.saveRevision({ annotationId: a1, expectedVersion: 1, author: { kind: 'user', userId: reader2 }, ...mask })).rejects.toMatchObject({ code: 'DLN_AUTH_FORBIDDEN' });
    // A free annotation: its owner writes, nobody else (nor a model), not even by reverting.
    const free = await annotations.create({ projectId: s.projectId, itemId: r1.itemId, labelSchema, createdBy: s.users.tech });
    await expect(annotations.saveRevision({ annotationId: free.id, expectedVersion: 0, author: { kind: 'user', userId: s.users.expert! }, ...mask })).rejects.toMatchObject({ code: 'DLN_AUTH_FORBIDDEN' });
    await expect(annotations.saveRevision({ annotationId: free.id, expectedVersion: 0, author: { kind: 'model', name: 'm', version: '1' }, ...mask, source: 'ai' })).rejects.toMatchObject({ code: 'DLN_AUTH_FORBIDDEN' });
    await annotations.saveRevision({ annotationId: free.id, expectedVersion: 0, author: { kind: 'user', userId: s.users.tech! }, ...mask });
    await expect(annotations.revert({ annotationId: free.id, toVersion: 1, expectedVersion: 1, idempotencyKey: 'r', author: { kind: 'user', userId: s.users.expert! } })).rejects.toMatchObject({ code: 'DLN_AUTH_FORBIDDEN' });
    expect((await annotations.get(free.id)).headVersion).toBe(1);

    // §5: reader 1 submits; reader 2 gets none of it until they submit too.
    await s.workflow.submitAnnotation({ taskId: r1.id, userId: reader1, annotationId: a1, significantRegions: [{ labelKey: 'liver', note: 'Reader 1 thinks so' }] });
    expect((await s.workflow.listTasks(s.projectId, {}, reader2)).map((t) => t.id)).toEqual([r2.id]);
    expect(await s.workflow.listTasks(s.projectId, {}, s.users.expert!)).toHaveLength(3);
    await expect(s.workflow.getTask(r1.id, reader2)).rejects.toMatchObject({ code: 'DLN_AUTH_FORBIDDEN' });
    await expect(s.workflow.reviewContext(r1.id, reader2)).rejects.toMatchObject({ code: 'DLN_AUTH_FORBIDDEN' });
    const expertTask = (await s.workflow.listTasks(s.projectId, { stage: 'expert_review' }))[0]!;
    await expect(s.workflow.reviewContext(expertTask.id, reader2)).rejects.toMatchObject({ code: 'DLN_AUTH_FORBIDDEN' });
    // A co-reader who is also a qualified expert is never put onto the other reader's work.
    const access = new AccessRepository(getDb().db);
    await access.addMembership({ userId: reader2, projectId: s.projectId, role: 'expert_reviewer', grantedBy: null, now: new Date() });
    await access.addQualification({ userId: reader2, kind: 'radiologist', modality: 'CT', verifiedBy: null, validUntil: null, now: new Date() });
    await expect(s.workflow.reassign(expertTask.id, reader2)).rejects.toMatchObject({ code: 'DLN_REQUEST_INVALID' });
    // Reading blind means no other annotation of the item at all, a reader's or anyone's free one.
    expect(await s.workflow.maskReadableBy(reader2, free.id)).toBe(false);
    expect(await s.workflow.maskReadableBy(s.users.tech!, free.id)).toBe(true);
    const freeOfReader1 = await annotations.create({ projectId: s.projectId, itemId: r1.itemId, labelSchema, createdBy: reader1 });
    expect(await s.workflow.maskReadableBy(reader2, freeOfReader1.id)).toBe(false);

    // §14: marks kept before submission (only by the assignee) are recorded when they submit.
    const kept: SignificantRegionMark[] = [{ labelKey: 'liver', box: { min: [1, 1, 0], max: [3, 3, 1] }, note: 'Reader 2 marks the hilum' }];
    await expect(s.workflow.saveRegionDraft(r2.id, reader1, kept)).rejects.toMatchObject({ code: 'DLN_AUTH_FORBIDDEN' });
    await expect(s.workflow.saveRegionDraft(r2.id, reader2, [{ labelKey: 'spleen' }])).rejects.toMatchObject({ code: 'DLN_REQUEST_INVALID' });
    await s.workflow.saveRegionDraft(r2.id, reader2, kept);
    expect(await s.workflow.regionDraft(r2.id, reader2)).toEqual(kept);
    const a2 = await s.draw(r2.id, r2.itemId, reader2, false);
    await s.workflow.submitAnnotation({ taskId: r2.id, userId: reader2, annotationId: a2 });
    expect((await s.workflow.reviewContext(r2.id, reader2)).significantRegions).toMatchObject([{ labelKey: 'liver', box: kept[0]!.box, note: kept[0]!.note, markedBy: reader2, version: 1 }]);
    expect(await s.workflow.regionDraft(r2.id, reader2)).toEqual([]);
    // Every reader submitted: the blinding lifts.
    expect((await s.workflow.reviewContext(r1.id, reader2)).significantRegions).toHaveLength(1);
    expect(await s.workflow.listTasks(s.projectId, {}, reader2)).toHaveLength(4);
  });
});
