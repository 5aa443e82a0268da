import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoProjectSettings } from '@delineate/schema';
import { PasswordHasher, policyTable } from '@delineate/server';
import { AccessRepository, BlobKey, LocalBlobStore, OrganisationRepository, SeedingSteps, testing, WorkflowRepository, type Database } from '@delineate/store';
import { seedDemo, type DemoCredential, type DemoOptions } from './demo';
import { CINE_DEMO_NAME } from './demo-cine';
import { PATHOLOGY_DEMO_NAME } from './demo-slide';

/** Thrown from the progress callback, as `delineate start` does when it is stopped while seeding. */
class Stopped extends Error {}

/**
 * `npm start` stopped while the demo is being seeded: each run below is stopped at a later
 * point (while the passwords are hashed, halfway through the CT phantom's ingest, halfway
 * through the slide's, halfway through the cine's), and the next run completes what is missing, once.
 */
describe('a demo seeding stopped halfway', () => {
  let dir = '';
  let database: Database;
  let blobs: LocalBlobStore;
  const clock = () => new Date();
  const hasher = new PasswordHasher({ testOnlyParams: { memoryKiB: 64, timeCost: 1, parallelism: 1 } });
  const announced: DemoCredential[][] = [];

  const seedUntil = (stopAt: ((stage: string, done: number) => boolean) | undefined) => {
    const options: DemoOptions = {
      minimal: true,
      slices: 6,
      size: 32,
      slideCacheDir: join(dir, 'slides'),
      slideSize: 1024,
      onUsersCreated: (credentials) => announced.push([...credentials]),
      onProgress: (stage, done) => {
        if (stopAt?.(stage, done)) throw new Stopped(stage);
      },
    };
    return seedDemo({ database, blobs, clock, hasher }, options);
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dln-demo-resume-'));
    database = await testing.createTestDatabase('pglite');
    blobs = new LocalBlobStore({ dir: join(dir, 'blobs'), key: BlobKey.generate() });
  });
  afterAll(async () => {
    await blobs?.close();
    await database?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('resumes where it stopped and completes the demo once', { timeout: 300_000 }, async () => {
    // 1. Stopped while the passwords are hashed: the project exists, no user does.
    await expect(seedUntil((stage, done) => stage === 'users' && done === 2)).rejects.toThrow(Stopped);
    expect(announced).toEqual([]);
    expect(await database.db.selectFrom('users').select('id').execute()).toEqual([]);
    expect(await database.db.selectFrom('projects').select('name').execute()).toEqual([{ name: demoProjectSettings.name }]);

    // 2. The next start makes the users (and announces their passwords), stopped halfway through the phantom.
    await expect(seedUntil((stage, done) => stage.startsWith('de-identify') && done === 3)).rejects.toThrow(Stopped);
    expect(announced).toHaveLength(1);
    expect(await database.db.selectFrom('items').select('id').execute()).toEqual([]);

    // 3. Stopped halfway through the slide's ingest: the CT item and tasks are in, the slide is not.
    await expect(seedUntil((stage) => stage.startsWith('slide: '))).rejects.toThrow(Stopped);
    expect(await database.db.selectFrom('items').select('id').execute()).toHaveLength(1);
    expect(await database.db.selectFrom('projects').select('name').where('name', '=', PATHOLOGY_DEMO_NAME).execute()).toHaveLength(1);

    // 3b. Stopped halfway through the cine phantom's ingest: its project is in, its item is not.
    await expect(seedUntil((stage, done) => stage === 'de-identify and store the cine phantom' && done === 5)).rejects.toThrow(Stopped);
    const cineProject = await database.db.selectFrom('projects').select('id').where('name', '=', CINE_DEMO_NAME).executeTakeFirstOrThrow();
    expect(await database.db.selectFrom('items').select('id').where('project_id', '=', cineProject.id).execute()).toEqual([]);

    // 4. Completes: no second project, user, item or organisation; passwords announced once only.
    const completed = await seedUntil(undefined);
    if (!completed.created) throw new Error('the resumed seeding should report what it completed');
    expect(completed.credentials).toEqual([]);
    expect(completed.items).toHaveLength(1);
    expect(announced).toHaveLength(1);
    const projects = await database.db.selectFrom('projects').select(['id', 'name']).orderBy('name').execute();
    expect(projects.map((p) => p.name).sort()).toEqual([demoProjectSettings.name, PATHOLOGY_DEMO_NAME, CINE_DEMO_NAME].sort());
    const pathology = projects.find((p) => p.name === PATHOLOGY_DEMO_NAME)!;
    expect(await database.db.selectFrom('items').select('id').where('project_id', '=', pathology.id).execute()).toHaveLength(1);
    expect(await database.db.selectFrom('items').select('kind').where('project_id', '=', cineProject.id).execute()).toEqual([{ kind: 'cine_volume' }]);
    expect((await database.db.selectFrom('users').select('username').execute()).map((u) => u.username).sort()).toEqual(announced[0]!.map((c) => c.username).sort());
    const annotator = (await new AccessRepository(database.db).findUserByUsername('demo.annotator'))!;
    const memberships = await database.db.selectFrom('memberships').select('project_id').where('user_id', '=', annotator.id).execute();
    expect(memberships.map((m) => m.project_id).sort()).toEqual(projects.map((p) => p.id).sort());
    const workflow = new WorkflowRepository(database.db, { blobs, clock, requirements: policyTable.roleQualifications });
    expect(await workflow.listTasks(completed.projectId, { stage: 'annotate' })).toHaveLength(1);
    const organisations = (await new OrganisationRepository(database.db).list()).map((o) => o.name).sort();
    expect(organisations).toEqual(['Demo Annotation Services', 'Demo University Hospital']);
    expect(await new SeedingSteps(database.db, 'demo').completed()).toContain('complete');

    // 5. A complete demo is found and left alone.
    expect(await seedUntil(() => true)).toEqual({ created: false, projectId: completed.projectId });
  });
});
