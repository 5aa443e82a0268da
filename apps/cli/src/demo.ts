import { randomBytes } from 'node:crypto';
import { generateCtPhantom, type PhantomLesionPlacement } from '@delineate/formats';
import {
  demoAgreementSampling,
  demoProjectSettings,
  demoSecondReader,
  demoWorkflowSettings,
  demoUsers,
  liverCtLabelSchema,
  liverCtReviewProtocol,
  type Project,
  type Role,
} from '@delineate/schema';
import {
  AccessRepository,
  LabelSchemaRepository,
  ProjectRepository,
  ReviewProtocolRepository,
  SeedingSteps,
  WorkflowRepository,
  type BlobStore,
  type Clock,
  type Database,
} from '@delineate/store';
import { passwordProblem, policyTable, type PasswordHasher } from '@delineate/server';
import { ingestDicom, projectDeidSettings, type IngestedItem } from '@delineate/worker';
import { seedAgreementWork } from './demo-work';
import { seedPathologyDemo } from './demo-slide';
import { seedCineDemo } from './demo-cine';
import { seedDemoOrganisations } from './demo-organisations';

export interface DemoDeps {
  database: Database;
  blobs: BlobStore;
  clock: Clock;
  hasher: PasswordHasher;
}

export interface DemoOptions {
  /** Phantom size; the demo default is the 128 slices of 512×512. */
  slices?: number;
  size?: number;
  onProgress?: (stage: string, done: number, total: number) => void;
  /**
   * One phantom, no agreement sample and no seeded work: the plain starting point the browser
   * tests build their scenarios on. The default is the demo that shows everything.
   */
  minimal?: boolean;
  /** Where the synthetic H&E slide is cached; without it the pathology demo is not seeded. */
  slideCacheDir?: string;
  /** Base size of the synthetic slide (default 20,480², or {@link MINIMAL_DEMO_SLIDE_SIZE} in the minimal demo). */
  slideSize?: number;
  /**
   * Called once the users exist, before the images are generated and ingested (minutes): a
   * server that seeds while it serves prints the passwords here, so people can sign in at once.
   */
  onUsersCreated?: (credentials: readonly DemoCredential[]) => void;
}

/** The minimal demo's slide: 4 × 4 mask tiles, small enough that every browser test's seeding stays quick. */
export const MINIMAL_DEMO_SLIDE_SIZE = 2048;

/** The demo's phantoms: the same anatomy with different lesions (each its own synthetic patient). */
export const demoPhantoms: readonly { patientId: string; seed: number; lesions: readonly PhantomLesionPlacement[] | undefined; description: string }[] = [
  { patientId: 'PHANTOM-0001', seed: 1, lesions: undefined, description: 'two lesions, 30 and 12 mm' },
  { patientId: 'PHANTOM-0002', seed: 2, lesions: [{ at: [-0.35, 0.05, 0.2], diameterMm: 45 }], description: 'one 45 mm lesion' },
  {
    patientId: 'PHANTOM-0003',
    seed: 3,
    lesions: [
      { at: [-0.5, -0.05, 0.3], diameterMm: 8 },
      { at: [-0.3, 0.1, 0.1], diameterMm: 10 },
      { at: [-0.15, -0.2, 0.35], diameterMm: 15 },
    ],
    description: 'three small lesions, 8 to 15 mm',
  },
];

export interface DemoCredential {
  username: string;
  role: Role | 'platform_admin';
  password: string;
}

export type DemoResult =
  | { created: false; projectId: string }
  | { created: true; projectId: string; labelSchema: { id: string; version: number }; credentials: DemoCredential[]; items: IngestedItem[] };

/**
 * 18 random bytes as base64url: 24 characters, 144 bits, drawn again in the (astronomically
 * rare) case the password policy would refuse it, so every printed password could be typed
 * into the password change form as it is.
 */
function generatePassword(context: { username: string; displayName: string }): string {
  for (;;) {
    const password = randomBytes(18).toString('base64url');
    if (!passwordProblem(password, context)) return password;
  }
}

/**
 * Seeds the demo project once: the liver CT label schema and review protocol, the project,
 * one user per role (two technologists, so sampled items have two readers) with a generated
 * password (returned once, stored only as argon2id hashes), three synthetic CT phantoms differing
 * in their lesions that go through the same de-identification gate as real data, the tasks with
 * an agreement sample, and one sampled item read by both technologists with its agreement; with a
 * slide cache folder, also the pathology demo (seedPathologyDemo: a synthetic H&E slide, small in the minimal demo).
 *
 * Resumable (`npm start` stopped while it seeds): each step's completion is recorded with its
 * writes (SeedingSteps), and the next run does the steps not recorded. Ingests cannot share a
 * transaction with their record, so they are idempotent instead: phantom n is ingested only while
 * the project holds fewer than n + 1 items, the slide only while its project holds none. A demo
 * project without any recorded step was seeded whole before steps were recorded.
 */
export async function seedDemo(deps: DemoDeps, options: DemoOptions = {}): Promise<DemoResult> {
  const db = deps.database.db;
  const steps = new SeedingSteps(db, DEMO_SEED);
  const existing = await new ProjectRepository(db).findByName(demoProjectSettings.name);
  const done = await steps.completed();
  if (existing && (done.size === 0 || done.has('complete'))) return { created: false, projectId: existing.id };

  const now = deps.clock();
  const project = existing ?? (await createDemoProject(deps, steps, now, options));
  const labelSchema = project.labelSchema;
  const agreementSampling = options.minimal ? demoProjectSettings.agreementSampling : demoAgreementSampling;

  // The minimal demo has one reader, so its one task is the first annotator's.
  const users = options.minimal ? demoUsers.filter((u) => u.username !== demoSecondReader) : demoUsers;
  const credentials = await seedDemoUsers(deps, steps, project.id, users, now, options);
  const access = new AccessRepository(db);
  const accounts = await Promise.all(users.map(async (u) => ({ ...u, id: (await access.findUserByUsername(u.username))!.id })));
  const admin = accounts.find((a) => a.platformAdmin)?.id ?? null;
  const members = accounts.flatMap((a) => (a.role ? [{ userId: a.id, role: a.role }] : []));

  const settings = await projectDeidSettings(deps, project.id);
  const phantoms = options.minimal ? demoPhantoms.slice(0, 1) : demoPhantoms;
  const truths = new Map<string, { truth: Uint8Array; dims: readonly [number, number, number] }>();
  for (const [n, spec] of phantoms.entries()) {
    // One item per phantom, in order: the items held say which phantoms are in.
    if ((await demoItems(deps.database, project.id)).length > n) continue;
    const phantom = generateCtPhantom({ slices: options.slices ?? 128, rows: options.size ?? 512, columns: options.size ?? 512, seed: spec.seed, patientId: spec.patientId, lesions: spec.lesions });
    const report = await ingestDicom(
      deps,
      phantom.slices.map((s) => s.bytes),
      {
        projectId: project.id,
        ...settings,
        // The phantom is the platform's own synthetic CT, checked against its IOD by testkit's
        // dciodvfy test; the demo then starts without dicom3tools installed.
        validator: null,
        onProgress: (done, total) => options.onProgress?.(`de-identify and store CT phantom ${n + 1} of ${phantoms.length}`, done, total),
      },
    );
    for (const item of report.items) truths.set(item.itemId, { truth: phantom.labels, dims: phantom.dims });
  }
  const items = await demoItems(deps.database, project.id);
  // Tasks come from the workflow module, as in any project: the demo runs the supervised-
  // technologist model (the technologist annotates, the reviewer reviews every item) and
  // sends items with a liver lesion to the expert reviewer after the standard review.
  const workflowOn = (tx: Database['db']) => new WorkflowRepository(tx, { blobs: deps.blobs, clock: deps.clock, requirements: policyTable.roleQualifications });
  await steps.run('workflow', now, async (tx) => {
    const workflow = workflowOn(tx);
    await workflow.updateConfig(project.id, { ...demoWorkflowSettings, agreementSampling, labelSchema, reviewProtocol: project.reviewProtocol }, admin);
    await workflow.generateTasks(project.id);
  });
  if (!options.minimal) {
    await steps.run('agreement work', now, async (tx) => {
      const workflow = workflowOn(tx);
      const seeded = (await workflow.sample(project.id)).find((s) => s.sampled);
      if (!seeded) return;
      options.onProgress?.('seed the readers of one sampled item and their agreement', 0, 1);
      const truth = truths.get(seeded.itemId) ?? regeneratedTruth(items, seeded.itemId, options);
      await seedAgreementWork({ ...deps, database: { ...deps.database, db: tx } }, workflow, { projectId: project.id, itemId: seeded.itemId, ...truth });
      options.onProgress?.('seed the readers of one sampled item and their agreement', 1, 1);
    });
  }
  const demoProjects = [{ id: project.id, region: project.region }];
  if (options.slideCacheDir) {
    // The browser tests open a slide too (apps/web/e2e/slide-workspace.test.ts): the minimal demo has a small one.
    const size = options.slideSize ?? (options.minimal ? MINIMAL_DEMO_SLIDE_SIZE : undefined);
    const pathology = await seedPathologyDemo(deps, {
      cacheDir: options.slideCacheDir,
      ...(size ? { size } : {}),
      members,
      grantedBy: admin,
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
    demoProjects.push({ id: pathology.projectId, region: project.region });
  }
  // The cardiac cine demo (issue 21): a cine item of the synthetic phantom, small in the minimal demo.
  const cine = await seedCineDemo(deps, { minimal: options.minimal ?? false, members, grantedBy: admin, reviewProtocol: project.reviewProtocol, ...(options.onProgress ? { onProgress: options.onProgress } : {}) });
  demoProjects.push({ id: cine.projectId, region: project.region });
  const service = new Set(users.filter((u) => u.role === 'annotator').map((u) => u.username));
  await steps.run('organisations', now, (tx) =>
    seedDemoOrganisations({ ...deps.database, db: tx }, {
      projects: demoProjects,
      serviceUserIds: accounts.filter((a) => service.has(a.username)).map((a) => a.id),
      recordedBy: admin,
      now,
    }).then(() => undefined),
  );
  await steps.record('complete', deps.clock());
  return { created: true, projectId: project.id, labelSchema: { id: labelSchema.id, version: labelSchema.version }, credentials, items };
}

/** The seed's name in the seeding steps table. */
const DEMO_SEED = 'demo';

/** The label schema, review protocol and project, made together. */
async function createDemoProject(deps: DemoDeps, steps: SeedingSteps, now: Date, options: DemoOptions): Promise<Project> {
  let project: Project | undefined;
  await steps.run('project', now, async (tx) => {
    const labelSchema = await new LabelSchemaRepository(tx).create(liverCtLabelSchema);
    const protocol = await new ReviewProtocolRepository(tx).create(liverCtReviewProtocol);
    project = await new ProjectRepository(tx).create({
      ...demoProjectSettings,
      agreementSampling: options.minimal ? demoProjectSettings.agreementSampling : demoAgreementSampling,
      labelSchema: { id: labelSchema.id, version: labelSchema.version },
      reviewProtocol: { id: protocol.id, version: protocol.version },
    });
  });
  // Another seeder of the same store made it first.
  return project ?? (await new ProjectRepository(deps.database.db).findByName(demoProjectSettings.name))!;
}

/**
 * The demo's users, memberships and qualifications, made in one transaction with new passwords
 * (hashed before it opens), and announced once made. Empty when an earlier run made them: their
 * passwords were printed then and are stored only as hashes.
 */
async function seedDemoUsers(
  deps: DemoDeps,
  steps: SeedingSteps,
  projectId: string,
  users: typeof demoUsers,
  now: Date,
  options: DemoOptions,
): Promise<DemoCredential[]> {
  if ((await steps.completed()).has('users')) return [];
  const credentials: DemoCredential[] = [];
  const hashes: string[] = [];
  for (const [index, user] of users.entries()) {
    const password = generatePassword(user);
    hashes.push(await deps.hasher.hash(password));
    credentials.push({ username: user.username, role: user.role ?? 'platform_admin', password });
    options.onProgress?.('users', index + 1, users.length);
  }
  const validUntil = new Date(now.getTime() + 365 * 24 * 3600 * 1000);
  const made = await steps.run('users', now, async (tx) => {
    const access = new AccessRepository(tx);
    let admin: string | null = null;
    for (const [index, user] of users.entries()) {
      const account = await access.createUser({ username: user.username, displayName: user.displayName, platformAdmin: user.platformAdmin, now });
      await access.setPasswordHash(account.id, hashes[index]!, now);
      if (user.platformAdmin) admin ??= account.id;
      if (user.role) await access.addMembership({ userId: account.id, projectId, role: user.role, grantedBy: admin, now });
      if (user.qualification) {
        await access.addQualification({ userId: account.id, kind: user.qualification.kind, modality: user.qualification.modality, verifiedBy: admin, validUntil, now });
      }
    }
  });
  if (!made) return [];
  options.onUsersCreated?.(credentials);
  return credentials;
}

/** The demo project's CT items in ingest order, as the ingest reported them. */
async function demoItems(database: Database, projectId: string): Promise<IngestedItem[]> {
  const rows = await database.db
    .selectFrom('items as i')
    .innerJoin('series as s', 's.id', 'i.series_id')
    .innerJoin('subjects as p', 'p.id', 'i.subject_id')
    .select(['i.id', 'i.series_id', 'p.pseudonym', 's.slices'])
    .where('i.project_id', '=', projectId)
    .orderBy('i.created_at')
    .orderBy('i.id')
    .execute();
  return rows.map((r) => ({ itemId: r.id, seriesId: r.series_id!, subjectPseudonym: r.pseudonym, slices: r.slices ?? 0 }));
}

/** The ground truth of an item's phantom when an earlier run ingested it (phantoms are deterministic). */
function regeneratedTruth(items: readonly IngestedItem[], itemId: string, options: DemoOptions): { truth: Uint8Array; dims: readonly [number, number, number] } {
  const spec = demoPhantoms[items.findIndex((i) => i.itemId === itemId)]!;
  const phantom = generateCtPhantom({ slices: options.slices ?? 128, rows: options.size ?? 512, columns: options.size ?? 512, seed: spec.seed, patientId: spec.patientId, lesions: spec.lesions });
  return { truth: phantom.labels, dims: phantom.dims };
}
