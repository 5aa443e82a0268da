import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeRle8 } from '@delineate/core';
import { getString, readDicomFile } from '@delineate/formats';
import { DerivedPseudonymMap, deidentifyDicom, UidMapper } from '@delineate/deid';
import { liverCtLabelSchema, liverCtReviewProtocol, type AgeBand, type ReleaseDocumentInput, type Sex, type WorkflowConfig } from '@delineate/schema';
import { requireTestData } from '@delineate/testkit';
import { AccessRepository } from '../access/repository';
import type { LocalBlobStore } from '../blob/local';
import { AnnotationRepository } from '../repositories/annotations';
import { DeidRecordRepository } from '../repositories/deid-records';
import { ItemRepository } from '../repositories/items';
import { LabelSchemaRepository } from '../repositories/label-schemas';
import { ModelRepository } from '../repositories/models';
import { ProjectRepository } from '../repositories/projects';
import { ReviewProtocolRepository } from '../repositories/review-protocols';
import type { Database } from '../sql/database';
import { computeItemAgreement } from '../workflow/agreement';
import { WorkflowRepository, type WorkflowRequirements } from '../workflow/repository';
import { workflowDb } from '../workflow/tables';

/**
 * A supervised-technologist project run through the workflow to the point of a release: five
 * items of four subjects (each with a de-identified copy of a real CT holding PHI, so its shifted
 * study date and the absence of its identifiers can be checked), two readers on the sampled
 * items, one correction, one expert review and one AI pre-annotation. Test fixture only.
 */
const requirements: WorkflowRequirements = {
  annotator: { kinds: ['technologist', 'radiographer', 'trained_annotator', 'clinician', 'radiologist', 'pathologist'], matchModality: false },
  clinician_annotator: { kinds: ['clinician', 'radiologist', 'pathologist'], matchModality: false },
  reviewer: { kinds: ['clinician', 'radiologist', 'pathologist', 'radiographer'], matchModality: false },
  expert_reviewer: { kinds: ['radiologist', 'pathologist'], matchModality: true },
};
export const GRID = [8, 8, 2] as const;
const VOXELS = GRID[0] * GRID[1] * GRID[2];

export function mask(liver: number, lesion?: [number, number]): Uint8Array {
  const v = new Uint8Array(VOXELS).fill(1, 0, liver);
  if (lesion) v.fill(2, lesion[0], lesion[1]);
  return v;
}

export const subjects: ReadonlyArray<{ pseudonym: string; ageBand: AgeBand; sex: Sex; site: string | null; manufacturer: string; model: string }> = [
  { pseudonym: 'SUBJ-A', ageBand: '50-59', sex: 'F', site: 'SITE-NORTH', manufacturer: 'GE', model: 'LightSpeed' },
  { pseudonym: 'SUBJ-B', ageBand: '60-69', sex: 'M', site: 'SITE-SOUTH', manufacturer: 'Siemens', model: 'Force' },
  { pseudonym: 'SUBJ-C', ageBand: '50-59', sex: 'F', site: 'SITE-NORTH', manufacturer: 'GE', model: 'LightSpeed' },
  { pseudonym: 'SUBJ-D', ageBand: 'unknown', sex: 'M', site: null, manufacturer: 'Siemens', model: 'Force' },
];
/** Item → subject index and split: subject A has two items, both in train. */
export const itemPlan = [
  { subject: 0, split: 'train' },
  { subject: 0, split: 'train' },
  { subject: 1, split: 'train' },
  { subject: 2, split: 'validation' },
  { subject: 3, split: 'test' },
] as const;

export const SOURCE_CT = 'pydicom/CT_small.dcm';

export interface ReleaseScenario {
  input: ReleaseDocumentInput;
  users: Record<'tech1' | 'tech2' | 'rev' | 'expert', string>;
  sampled: string[];
  /** Shifted study dates of the de-identified copies, YYYY-MM-DD, by item. */
  shiftedDates: string[];
  /** Annotate tasks per annotator (reviews per annotator). */
  reviewsOf: Record<'tech1' | 'tech2', number>;
  reviewCount: number;
}

export async function buildReleaseScenario(database: Database, blobs: LocalBlobStore): Promise<ReleaseScenario> {
  const db = database.db;
  const schema = await new LabelSchemaRepository(db).create(liverCtLabelSchema);
  const protocol = await new ReviewProtocolRepository(db).create(liverCtReviewProtocol);
  const project = await new ProjectRepository(db).create({
    name: `docs-${randomUUID()}`,
    modality: 'CT',
    oversightModel: 'supervised_technologist',
    region: 'local',
    purpose: 'Liver and liver lesion segmentation on contrast CT for a detection model.',
    legalBasis: 'consent',
    labelSchema: { id: schema.id, version: 1 },
    reviewProtocol: { id: protocol.id, version: 1 },
    agreementSampling: { fraction: 0.5, readersPerItem: 2, blinded: true },
    deid: { profile: 'basic', options: ['modified-dates'] },
  });

  const source = readFileSync(join(requireTestData('dicom'), SOURCE_CT));
  const items = new ItemRepository(db);
  const deid = new DeidRecordRepository(db);
  const subjectIds: string[] = [];
  for (const s of subjects) {
    subjectIds.push((await items.createSubject({ projectId: project.id, pseudonym: s.pseudonym, ageBand: s.ageBand, sex: s.sex, sitePseudonym: s.site })).id);
  }
  const itemIds: string[] = [];
  const deidIds: string[] = [];
  const shiftedDates: string[] = [];
  for (const [i, plan] of itemPlan.entries()) {
    const secret = Buffer.from(`release-documents-secret-${i}`);
    const result = await deidentifyDicom(source, { secret, options: new Set(['modified-dates']), pseudonyms: new DerivedPseudonymMap(secret), uids: new UidMapper(secret) });
    if (result.record.status !== 'passed' || !result.output) throw new Error(`the fixture CT did not pass the gate (${result.record.status})`);
    const stored = await blobs.put(result.output);
    const record = await deid.record({ projectId: project.id, sourceHash: result.record.sourceSha256, outputHash: stored.hash, profile: 'basic', options: ['modified-dates'], actions: [], pixelRegionsRedacted: [], findings: [], status: 'passed' });
    deidIds.push(record.id);
    const date = getString(readDicomFile(result.output).dataset, 0x00080020)!.trim();
    shiftedDates.push(`${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}`);
    const s = subjects[plan.subject]!;
    const study = await items.createStudy({ subjectId: subjectIds[plan.subject]!, studyInstanceUid: `2.25.${100 + i}${Date.now()}` });
    const series = await items.createSeries({ studyId: study.id, seriesInstanceUid: `2.25.${200 + i}${Date.now()}`, modality: 'CT', manufacturer: s.manufacturer, model: s.model });
    await db.updateTable('series').set({ rows: GRID[1], columns: GRID[0], slices: GRID[2], spacing: [1, 1, 1] }).where('id', '=', series.id).execute();
    await items.addInstances([{ seriesId: series.id, sopInstanceUid: `2.25.${300 + i}${Date.now()}`, instanceNumber: 1, blobHash: stored.hash }]);
    itemIds.push((await items.createItem({ projectId: project.id, subjectId: subjectIds[plan.subject]!, target: { kind: 'series_volume', seriesId: series.id } })).id);
  }

  const access = new AccessRepository(db);
  const now = new Date('2026-05-01T08:00:00Z');
  const person = async (name: string, role: string, kind: string, modality: string | null) => {
    const user = await access.createUser({ username: `${name}-${randomUUID().slice(0, 8)}`, displayName: `Dr ${name}`, now });
    await access.addMembership({ userId: user.id, projectId: project.id, role, grantedBy: null, now });
    await access.addQualification({ userId: user.id, kind, modality, verifiedBy: null, validUntil: null, now } as Parameters<AccessRepository['addQualification']>[0]);
    return user.id;
  };
  const users = {
    tech1: await person('tech1', 'annotator', 'technologist', null),
    tech2: await person('tech2', 'annotator', 'technologist', null),
    rev: await person('rev', 'reviewer', 'clinician', null),
    expert: await person('expert', 'expert_reviewer', 'radiologist', 'CT'),
  };
  const config: WorkflowConfig = {
    oversightModel: 'supervised_technologist',
    labelSchema: { id: schema.id, version: 1 },
    reviewProtocol: { id: protocol.id, version: 1 },
    agreementSampling: { fraction: 0.5, readersPerItem: 2, blinded: true },
    expertReview: { labelKeys: ['liver_lesion'], significantRegions: false },
    agreementThresholds: { dice: 0.85, fleissKappa: 0.6 },
    samplingSeed: 7,
  };
  const workflow = new WorkflowRepository(db, { blobs, requirements });
  await workflow.updateConfig(project.id, config, null);
  const { sample, created } = await workflow.generateTasks(project.id);
  const sampled = sample.filter((s) => s.sampled).map((s) => s.itemId);
  const unsampled = itemIds.filter((id) => !sampled.includes(id));
  const lesionItem = unsampled[0]!;
  const aiItem = unsampled[1]!;
  const models = new ModelRepository(db);
  await models.register({ name: 'liver-seg', version: '1.2.0', labelKeys: ['liver'], runtime: 'onnx', region: 'local' });

  const annotations = new AnnotationRepository(db, { blobs });
  const save = async (annotationId: string, expectedVersion: number, volume: Uint8Array, userId: string, source: 'human' | 'correction') => {
    const bytes = encodeRle8(volume);
    return annotations.saveRevision({ annotationId, expectedVersion, author: { kind: 'user', userId }, source, maskHash: createHash('sha256').update(bytes).digest('hex'), maskEncoding: 'rle', maskBytes: bytes });
  };
  const nameOf = (id: string) => (id === users.tech1 ? 'tech1' : 'tech2');
  const reviewsOf = { tech1: 0, tech2: 0 };
  const annotationOf = new Map<string, string>();
  for (const task of created) {
    const annotation = await annotations.create({ projectId: project.id, itemId: task.itemId, taskId: task.id, labelSchema: config.labelSchema, createdBy: task.assigneeId! });
    annotationOf.set(task.id, annotation.id);
    let expected = 0;
    if (task.itemId === aiItem) {
      // No AI runner writes task annotations yet: the model's draft is recorded as a revision row.
      const bytes = encodeRle8(mask(44));
      const stored = await blobs.put(bytes);
      await db.insertInto('revisions').values({ annotation_id: annotation.id, version: 1, parent_version: null, author_user_id: null, author_model_name: 'liver-seg', author_model_version: '1.2.0', source: 'ai', mask_hash: stored.hash, mask_encoding: 'rle', idempotency_key: null }).execute();
      await db.updateTable('annotations').set({ head_version: 1 }).where('id', '=', annotation.id).execute();
      expected = 1;
    }
    const reader = nameOf(task.assigneeId!);
    const volume = task.itemId === lesionItem ? mask(40, [50, 54]) : sampled.includes(task.itemId) && reader === 'tech2' ? mask(30) : mask(40);
    await save(annotation.id, expected, volume, task.assigneeId!, 'human');
    reviewsOf[reader]++;
  }
  let corrected = false;
  for (const task of created) {
    const { created: reviewTasks } = await workflow.submitAnnotation({ taskId: task.id, userId: task.assigneeId!, annotationId: annotationOf.get(task.id)! });
    for (const review of reviewTasks.filter((t) => t.stage === 'review')) {
      const context = await workflow.reviewContext(review.id, users.rev);
      const answers = context.checklist.map((c) => ({ itemKey: c.key, passed: true }));
      const correctThis = !corrected && sampled.includes(task.itemId) && nameOf(task.assigneeId!) === 'tech2';
      const signedAt = new Date('2026-05-02T09:00:00Z');
      if (correctThis) {
        corrected = true;
        const head = (await annotations.get(annotationOf.get(task.id)!)).headVersion;
        const saved = await save(annotationOf.get(task.id)!, head, mask(36), users.rev, 'correction');
        const failed = answers.map((a) => (a.itemKey === 'liver.full-extent' ? { itemKey: a.itemKey, passed: false, errorType: 'under_segmentation' as const } : a));
        await workflow.recordReview({ taskId: review.id, reviewerId: users.rev, stage: 'review', decision: 'correct', answers: failed, correctedVersion: saved.revision.version, signedAt });
        continue;
      }
      const result = await workflow.recordReview({ taskId: review.id, reviewerId: users.rev, stage: 'review', decision: 'accept', answers, signedAt });
      for (const expertTask of result.created) {
        const expertContext = await workflow.reviewContext(expertTask.id, users.expert);
        await workflow.recordReview({ taskId: expertTask.id, reviewerId: users.expert, stage: 'expert_review', decision: 'accept', answers: expertContext.checklist.map((c) => ({ itemKey: c.key, passed: true })), signedAt });
      }
    }
  }

  // The workflow.agreement job's work on each sampled item (STAPLE consensus of its readers).
  for (const itemId of sampled) await computeItemAgreement(db, blobs, { itemId });

  const input: ReleaseDocumentInput = {
    releaseId: randomUUID(),
    projectId: project.id,
    name: 'Liver CT v1',
    manifestHash: createHash('sha256').update('manifest').digest('hex'),
    frozenAt: new Date('2026-06-30T12:00:00Z'),
    labelSchema: config.labelSchema,
    reviewProtocol: config.reviewProtocol,
    items: [],
    excluded: [
      { itemId: randomUUID(), reason: 'Unreviewed revision' },
      { itemId: randomUUID(), reason: 'Motion artefact' },
      { itemId: randomUUID(), reason: 'Unreviewed revision' },
    ],
  };
  for (const [i, itemId] of itemIds.entries()) {
    const tasks = created.filter((t) => t.itemId === itemId);
    const revisions = [];
    const readers = [];
    for (const t of tasks) {
      const annotationId = annotationOf.get(t.id)!;
      const head = await annotations.head(annotationId);
      revisions.push({ annotationId, version: head!.version, maskHash: head!.maskHash });
      const submitted = await workflowDb(db).selectFrom('workflow_tasks').select('first_submitted_version').where('task_id', '=', t.id).executeTakeFirstOrThrow();
      readers.push({ annotationId, version: submitted.first_submitted_version! });
    }
    input.items.push({
      itemId,
      subjectPseudonym: subjects[itemPlan[i]!.subject]!.pseudonym,
      split: itemPlan[i]!.split,
      modality: 'CT',
      deidRecordIds: [deidIds[i]!],
      revisions,
      consensus: readers.length > 1 ? { method: 'staple', readers } : null,
    });
  }
  const reviewCount = created.length;
  return { input, users, sampled, shiftedDates, reviewsOf, reviewCount };
}
