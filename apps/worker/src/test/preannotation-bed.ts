import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { generateCtPhantom, type CtPhantom } from '@delineate/formats';
import { liverCtLabelSchema, liverCtReviewProtocol } from '@delineate/schema';
import {
  AccessRepository,
  AuditLog,
  BlobKey,
  DeidRecordRepository,
  ItemRepository,
  LabelSchemaRepository,
  LocalBlobStore,
  ProjectRepository,
  ReviewProtocolRepository,
  testing,
  WorkflowRepository,
  type Database,
} from '@delineate/store';

/** The phantom a pre-annotation test runs on: small, noiseless, so HU are exact. */
export const bedPhantomOptions = { rows: 40, columns: 48, slices: 6, spacing: [1.5, 1.25, 3] as const, noiseSigmaHu: 0, seed: 3 };

/** A PGlite database, an encrypted blob folder, a CT project with the demo liver schema, one item from the phantom, and an annotator. */
export interface PreannotationBed {
  readonly database: Database;
  readonly blobs: LocalBlobStore;
  readonly audit: AuditLog;
  readonly phantom: CtPhantom;
  readonly projectId: string;
  readonly itemId: string;
  readonly annotatorId: string;
  readonly adminId: string;
  readonly workflow: WorkflowRepository;
}

/** Opens the bed before the calling `describe`'s tests and closes it after them (fields are read inside tests). */
export function usePreannotationBed(prefix: string): PreannotationBed {
  const bed = {} as { -readonly [K in keyof PreannotationBed]: PreannotationBed[K] } & { dir: string };
  beforeAll(async () => {
    bed.dir = await mkdtemp(join(tmpdir(), prefix));
    bed.database = await testing.createTestDatabase('pglite');
    bed.blobs = new LocalBlobStore({ dir: bed.dir, key: BlobKey.generate() });
    bed.audit = new AuditLog(bed.database.db, { now: () => new Date() });
    const db = bed.database.db;
    const schema = await new LabelSchemaRepository(db).create(liverCtLabelSchema);
    const protocol = await new ReviewProtocolRepository(db).create(liverCtReviewProtocol);
    const project = await new ProjectRepository(db).create({
      name: `${prefix}-project`,
      modality: 'CT',
      oversightModel: 'direct_clinical',
      region: 'local',
      purpose: 'Pre-annotation test.',
      legalBasis: 'consent',
      labelSchema: { id: schema.id, version: 1 },
      reviewProtocol: { id: protocol.id, version: 1 },
      agreementSampling: { fraction: 0, readersPerItem: 2, blinded: false },
      deid: { profile: 'basic', options: [] },
    });
    bed.projectId = project.id;
    bed.phantom = generateCtPhantom(bedPhantomOptions);
    const items = new ItemRepository(db);
    const subject = await items.createSubject({ projectId: project.id, pseudonym: 'PRE-1', ageBand: 'unknown', sex: 'unknown' });
    const study = await items.createStudy({ subjectId: subject.id, studyInstanceUid: bed.phantom.uids.study });
    const series = await items.createSeries({ studyId: study.id, seriesInstanceUid: bed.phantom.uids.series, modality: 'CT' });
    const [nx, ny, nz] = bed.phantom.dims;
    const o = bed.phantom.orientation;
    await db
      .updateTable('series')
      .set({ rows: ny, columns: nx, slices: nz, spacing: [...bed.phantom.spacing], origin: [...bed.phantom.origin], direction: [o[0], o[1], o[2], o[3], o[4], o[5], 0, 0, 1] })
      .where('id', '=', series.id)
      .execute();
    for (const slice of bed.phantom.slices) {
      const stored = await bed.blobs.put(slice.bytes);
      await new DeidRecordRepository(db).record({ projectId: project.id, sourceHash: stored.hash, outputHash: stored.hash, profile: 'basic', options: [], actions: [], pixelRegionsRedacted: [], findings: [], status: 'passed' });
      await items.addInstances([{ seriesId: series.id, sopInstanceUid: bed.phantom.uids.instances[slice.index]!, instanceNumber: slice.index + 1, blobHash: stored.hash }]);
    }
    bed.itemId = (await items.createItem({ projectId: project.id, subjectId: subject.id, target: { kind: 'series_volume', seriesId: series.id } })).id;
    const access = new AccessRepository(db);
    const annotator = await access.createUser({ username: `${prefix}-annotator`, displayName: 'Annotator', now: new Date() });
    await access.addMembership({ userId: annotator.id, projectId: project.id, role: 'clinician_annotator', grantedBy: null, now: new Date() });
    await access.addQualification({ userId: annotator.id, kind: 'clinician', modality: null, verifiedBy: null, validUntil: null, now: new Date() });
    bed.annotatorId = annotator.id;
    const admin = await access.createUser({ username: `${prefix}-admin`, displayName: 'Admin', now: new Date() });
    await access.addMembership({ userId: admin.id, projectId: project.id, role: 'project_admin', grantedBy: null, now: new Date() });
    bed.adminId = admin.id;
    bed.workflow = new WorkflowRepository(db, { blobs: bed.blobs, requirements: { clinician_annotator: { kinds: ['clinician'], matchModality: false } } });
  });
  afterAll(async () => {
    await bed.blobs?.close();
    await bed.database?.close();
    if (bed.dir) await rm(bed.dir, { recursive: true, force: true });
  });
  return bed;
}
