import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PasswordHasher, policyTable } from '@delineate/server';
import {
  AccessRepository,
  AgreementRepository,
  agreementReport,
  BlobKey,
  cineOfItem,
  labelConventionsOf,
  LocalBlobStore,
  OrganisationRepository,
  ProjectRepository,
  testing,
  WorkflowRepository,
  type Database,
} from '@delineate/store';
import { seedDemo, type DemoResult } from './demo';
import { CINE_DEMO_NAME } from './demo-cine';
import { lessCarefulReading } from './demo-work';

/** The demo that shows everything, seeded small (16 slices of 48²) into an embedded store. */
describe('the demo project', () => {
  let dir = '';
  let database: Database;
  let blobs: LocalBlobStore;
  let demo: DemoResult;
  const clock = () => new Date();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dln-demo-'));
    database = await testing.createTestDatabase('pglite');
    blobs = new LocalBlobStore({ dir: join(dir, 'blobs'), key: BlobKey.generate() });
    const hasher = new PasswordHasher({ testOnlyParams: { memoryKiB: 64, timeCost: 1, parallelism: 1 } });
    demo = await seedDemo({ database, blobs, clock, hasher }, { slices: 16, size: 48 });
  }, 240_000);

  afterAll(async () => {
    await blobs?.close();
    await database?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('holds three CT phantoms and two technologists to read them', () => {
    if (!demo.created) throw new Error('expected a fresh store');
    expect(demo.items).toHaveLength(3);
    expect(new Set(demo.items.map((i) => i.subjectPseudonym)).size).toBe(3);
    expect(demo.credentials.filter((c) => c.role === 'annotator').map((c) => c.username).sort()).toEqual(['demo.annotator', 'demo.technologist']);
  });

  it('samples items for agreement, each sampled item read by two different technologists', async () => {
    const workflow = new WorkflowRepository(database.db, { blobs, clock, requirements: policyTable.roleQualifications });
    const sample = await workflow.sample(demo.projectId);
    const sampled = sample.filter((s) => s.sampled);
    expect(sampled.length).toBeGreaterThanOrEqual(2);
    const annotate = await workflow.listTasks(demo.projectId, { stage: 'annotate' });
    for (const s of sampled) {
      expect(s.readers).toBe(2);
      const readers = annotate.filter((t) => t.itemId === s.itemId).map((t) => t.assigneeId);
      expect(new Set(readers).size).toBe(2);
    }
    // The seeded item's readings are submitted, so the reviewer has work waiting too.
    expect((await workflow.listTasks(demo.projectId, { stage: 'review' })).length).toBe(2);
  });

  it('has agreement figures for the QA dashboard as soon as it is seeded', async () => {
    const report = await agreementReport(database.db, demo.projectId);
    const liver = report.labels.find((l) => l.labelKey === 'liver');
    expect(liver).toBeDefined();
    expect(liver!.items).toBe(1);
    // The second reader missed the liver's top slice: close agreement, not a trivial 1.
    expect(liver!.meanDice).toBeGreaterThan(0.8);
    expect(liver!.meanDice).toBeLessThan(1);
    expect(liver!.meanFleissKappa).not.toBeNull();
  });

  it('seeds once: a second run finds the project and adds nothing', async () => {
    const again = await seedDemo({ database, blobs, clock, hasher: new PasswordHasher() }, { slices: 16, size: 48 });
    expect(again).toEqual({ created: false, projectId: demo.projectId });
  });
});

describe('the minimal demo (the browser tests\' starting point)', () => {
  it('has one phantom, one technologist and no agreement sample, so the one task is demo.annotator\'s', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dln-demo-minimal-'));
    const database = await testing.createTestDatabase('pglite');
    const blobs = new LocalBlobStore({ dir: join(dir, 'blobs'), key: BlobKey.generate() });
    try {
      const clock = () => new Date();
      const hasher = new PasswordHasher({ testOnlyParams: { memoryKiB: 64, timeCost: 1, parallelism: 1 } });
      const demo = await seedDemo({ database, blobs, clock, hasher }, { slices: 8, size: 32, minimal: true });
      if (!demo.created) throw new Error('expected a fresh store');
      expect(demo.items).toHaveLength(1);
      expect(demo.credentials.map((c) => c.username)).not.toContain('demo.technologist');
      const workflow = new WorkflowRepository(database.db, { blobs, clock, requirements: policyTable.roleQualifications });
      expect((await workflow.sample(demo.projectId)).map((s) => s.sampled)).toEqual([false]);
      const [task, ...others] = await workflow.listTasks(demo.projectId, { stage: 'annotate' });
      expect(others).toEqual([]);
      const annotator = await new AccessRepository(database.db).findUserByUsername('demo.annotator');
      expect(task!.assigneeId).toBe(annotator!.id);
      // The hospital owns the project; the annotator works for the annotation service, admitted as annotators under a DUA in force.
      const organisations = new OrganisationRepository(database.db);
      const byName = new Map((await organisations.list()).map((o) => [o.name, o]));
      const hospital = byName.get('Demo University Hospital')!;
      const service = byName.get('Demo Annotation Services')!;
      expect([hospital.kind, service.kind]).toEqual(['hospital', 'annotation_service']);
      const governance = (await organisations.projectGovernance(demo.projectId))!;
      expect(governance.ownerOrganisationId).toBe(hospital.id);
      expect(governance.admitted).toMatchObject([{ organisationId: service.id, roles: ['annotator'] }]);
      expect((await organisations.standingOf(annotator!.id))!.organisationId).toBe(service.id);
      const [dua, ...more] = await new AgreementRepository(database.db).list({ now: clock(), projectIds: [demo.projectId] });
      expect(more).toEqual([]);
      expect(dua).toMatchObject({ organisationId: service.id, kind: 'dua', status: 'in_force', identifiableUses: [] });
      // The cardiac cine demo: one cine item of the small phantom through the gate, its map named, the annotator a member.
      const cineProject = (await new ProjectRepository(database.db).findByName(CINE_DEMO_NAME))!;
      const [cineItem, ...moreCines] = await database.db.selectFrom('items').select(['id', 'kind']).where('project_id', '=', cineProject.id).execute();
      expect(moreCines).toEqual([]);
      expect(cineItem!.kind).toBe('cine_volume');
      const cine = await cineOfItem(database.db, cineItem!.id);
      expect([cine.shape.slices, cine.shape.phases, cine.columns, cine.rows]).toEqual([4, 8, 64, 64]);
      expect((await labelConventionsOf(database.db, cineProject.labelSchema.id, cineProject.labelSchema.version)).labelMap).toBe('mnms');
      expect(await database.db.selectFrom('memberships').select('role').where('project_id', '=', cineProject.id).where('user_id', '=', annotator!.id).execute()).toEqual([{ role: 'annotator' }]);
      expect((await organisations.projectGovernance(cineProject.id))!.admitted).toMatchObject([{ organisationId: service.id, roles: ['annotator'] }]);
    } finally {
      await blobs.close();
      await database.close();
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('the second reader of the seeded item', () => {
  it("leaves out a lesion's rim and the liver's top slice", () => {
    const dims = [5, 5, 3] as const;
    const truth = new Uint8Array(75).fill(1);
    for (let y = 1; y <= 3; y++) for (let x = 1; x <= 3; x++) truth[x + 5 * (y + 5)] = 2;
    const read = lessCarefulReading(truth, dims);
    expect(read[2 + 5 * (2 + 5)]).toBe(2); // the lesion's centre
    expect(read[1 + 5 * (1 + 5)]).toBe(1); // its rim, drawn as liver
    expect(read.subarray(50).every((v) => v === 0)).toBe(true); // the top slice
    expect(read.subarray(0, 25).every((v) => v === 1)).toBe(true);
  });
});
