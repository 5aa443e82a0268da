import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeRle8, RLE8 } from '@delineate/core';
import { generateCtPhantom } from '@delineate/formats';
import { liverCtLabelSchema, liverCtReviewProtocol, type Role } from '@delineate/schema';
import { createServer, configFromEnv, openTestSession, policyTable, type DelineateServer, type IngestRunner } from '@delineate/server';
import {
  AccessRepository,
  AnnotationRepository,
  blobAddress,
  BlobKey,
  LabelSchemaRepository,
  LocalBlobStore,
  ProjectRepository,
  ReviewProtocolRepository,
  testing,
  WorkflowRepository,
  type Database,
} from '@delineate/store';
import { ingestDicom, projectDeidSettings, promptPreviews } from '@delineate/worker';
import { serverIngest } from './ingest-gate';

/**
 * The release scenarios' setup (issues 13 and 25): a CT project with an admin, an auditor, three
 * technologists and a reviewer, and de-identified phantom series ingested through the real gate,
 * one per (seed, patient id); a patient id given twice is one subject with two studies.
 */
export interface ReleaseScenario {
  readonly dir: string;
  readonly database: Database;
  readonly blobs: LocalBlobStore;
  readonly server: DelineateServer;
  readonly projectId: string;
  readonly users: Record<string, string>;
  readonly itemsBySubject: Map<string, string[]>;
  /** The phantom's label map (every series of one size shares it). */
  readonly truth: Uint8Array;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- responses are JSON each test checks for itself
  call(user: string, method: 'GET' | 'POST' | 'PUT', url: string, body?: unknown): Promise<{ status: number; json: () => any; raw: Buffer; headers: Record<string, string | string[] | number | undefined> }>;
  close(): Promise<void>;
  /** The key the server seals uploads and retrievals with. */
  readonly platformKey: BlobKey;
  /** The ingest gate the server runs, with `ingestGate`. */
  readonly ingest?: IngestRunner;
}

export interface ReleaseScenarioOptions {
  readonly size: number;
  readonly slices: number;
  readonly series: ReadonlyArray<readonly [seed: number, patientId: string]>;
  /** The source's patient name of a patient id (identifying on purpose: exports must not carry it). */
  readonly patientName?: (patientId: string) => string;
  /** Runs the server with the ingest gate `delineate start` gives it (the ingest and DICOMweb routes need it). */
  readonly ingestGate?: boolean;
  /** Runs the server with the live model previews `delineate start` gives it. */
  readonly promptPreviews?: boolean;
}

export async function openReleaseScenario(options: ReleaseScenarioOptions): Promise<ReleaseScenario> {
  const { size, slices } = options;
  const dir = await mkdtemp(join(tmpdir(), 'dln-release-'));
  const database = await testing.createTestDatabase('pglite');
  const blobs = new LocalBlobStore({ dir: join(dir, 'blobs'), key: BlobKey.generate() });
  const clock = () => new Date();
  const gate = options.ingestGate ? serverIngest({ database, blobs, clock }) : undefined;
  const platformKey = BlobKey.generate();
  const previews = options.promptPreviews ? promptPreviews({ database, blobs, clock }) : undefined;
  const server = await createServer({
    config: configFromEnv({ DELINEATE_DATA: dir, DELINEATE_LOG_LEVEL: 'silent' }, { port: 0, webRoot: join(dir, 'no-web') }),
    database,
    blobs,
    clock,
    ...(gate ? { ingest: gate.run, uploadKey: platformKey } : {}),
    ...(previews ? { promptPreview: previews.preview } : {}),
  });
  const db = database.db;
  const schema = await new LabelSchemaRepository(db).create(liverCtLabelSchema);
  const protocol = await new ReviewProtocolRepository(db).create(liverCtReviewProtocol);
  const project = await new ProjectRepository(db).create({
    name: 'release-scenario', modality: 'CT', oversightModel: 'supervised_technologist', region: 'local',
    purpose: 'Release scenario test on synthetic CT.', legalBasis: 'legitimate_interest',
    labelSchema: { id: schema.id, version: schema.version }, reviewProtocol: { id: protocol.id, version: protocol.version },
    agreementSampling: { fraction: 0.2, readersPerItem: 3, blinded: false }, deid: { profile: 'basic', options: [] },
  });
  const projectId = project.id;
  const users: Record<string, string> = {};
  const access = new AccessRepository(db);
  const person = async (name: string, role: Role, kind: 'technologist' | 'clinician') => {
    const user = await access.createUser({ username: `${name}-${crypto.randomUUID().slice(0, 6)}`, displayName: name, now: clock() });
    await access.addMembership({ userId: user.id, projectId, role, grantedBy: null, now: clock() });
    await access.addQualification({ userId: user.id, kind, modality: 'CT', verifiedBy: null, validUntil: null, now: clock() });
    users[name] = user.id;
  };
  await person('admin', 'project_admin', 'clinician');
  await person('auditor', 'auditor', 'clinician');
  for (const t of ['tech1', 'tech2', 'tech3']) await person(t, 'annotator', 'technologist');
  await person('rev', 'reviewer', 'clinician');
  const itemsBySubject = new Map<string, string[]>();
  const settings = await projectDeidSettings({ database, blobs, clock }, projectId);
  const patientName = options.patientName ?? ((id: string) => `Phantom^${id}`);
  for (const [seed, patientId] of options.series) {
    const phantom = generateCtPhantom({ slices, rows: size, columns: size, seed, patientId, patientName: patientName(patientId) });
    const report = await ingestDicom({ database, blobs, clock }, phantom.slices.map((s) => s.bytes), { projectId, ...settings, validator: null });
    for (const item of report.items) itemsBySubject.set(item.subjectPseudonym, [...(itemsBySubject.get(item.subjectPseudonym) ?? []), item.itemId]);
  }
  const truth = generateCtPhantom({ slices, rows: size, columns: size }).labels;
  const call: ReleaseScenario['call'] = async (user, method, url, body) => {
    const { headers } = await openTestSession(server.app.accessRuntime, users[user]!);
    const res = await server.app.inject({ method, url, headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, ...(body !== undefined ? { payload: JSON.stringify(body) } : {}) });
    return { status: res.statusCode, json: () => res.json(), raw: res.rawPayload, headers: res.headers };
  };
  const close = async () => {
    await server.app.close();
    await gate?.close();
    await previews?.close();
    await blobs.close();
    await database.close();
    await rm(dir, { recursive: true, force: true });
  };
  return { dir, database, blobs, server, projectId, users, itemsBySubject, truth, call, close, platformKey, ...(gate ? { ingest: gate.run } : {}) };
}

/**
 * Runs the whole workflow plainly: every annotation task drawn (by `volumeOf`, the truth unless
 * given) and submitted, every review accepting with a passed checklist, signed.
 */
export async function annotateAndAcceptAll(s: ReleaseScenario, volumeOf: (itemId: string, reader: number) => Uint8Array = () => s.truth): Promise<void> {
  const db = s.database.db;
  const clock = () => new Date();
  const workflow = new WorkflowRepository(db, { blobs: s.blobs, clock, requirements: policyTable.roleQualifications });
  const annotations = new AnnotationRepository(db, { blobs: s.blobs, clock });
  const config = await workflow.config(s.projectId);
  await workflow.updateConfig(s.projectId, { ...config, expertReview: { labelKeys: [], significantRegions: false }, samplingSeed: 7 }, s.users.admin!);
  await workflow.generateTasks(s.projectId);
  const readers = new Map<string, number>();
  for (const task of await workflow.listTasks(s.projectId, { stage: 'annotate' })) {
    const reader = readers.get(task.itemId) ?? 0;
    readers.set(task.itemId, reader + 1);
    const annotation = await annotations.create({ projectId: s.projectId, itemId: task.itemId, taskId: task.id, labelSchema: config.labelSchema, createdBy: task.assigneeId! });
    const bytes = encodeRle8(volumeOf(task.itemId, reader));
    await annotations.saveRevision({ annotationId: annotation.id, expectedVersion: 0, author: { kind: 'user', userId: task.assigneeId! }, source: 'human', maskHash: blobAddress(bytes), maskEncoding: RLE8, maskBytes: bytes });
    await workflow.submitAnnotation({ taskId: task.id, userId: task.assigneeId!, annotationId: annotation.id });
  }
  const present = ['liver', ...(s.truth.includes(2) ? ['liver_lesion'] : [])];
  const answers = liverCtReviewProtocol.checklist.filter((c) => present.includes(c.labelKey)).map((c) => ({ itemKey: c.key, passed: true }));
  for (const review of await workflow.listTasks(s.projectId, { stage: 'review' })) {
    await workflow.recordReview({ taskId: review.id, reviewerId: s.users.rev!, stage: 'review', decision: 'accept', answers, signedAt: new Date(Date.UTC(2026, 0, 5, 10, 0, 0)) });
  }
}
