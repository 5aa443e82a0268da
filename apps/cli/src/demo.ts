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
  type Role,
} from '@delineate/schema';
import {
  AccessRepository,
  LabelSchemaRepository,
  ProjectRepository,
  ReviewProtocolRepository,
  WorkflowRepository,
  type BlobStore,
  type Clock,
  type Database,
} from '@delineate/store';
import { passwordProblem, policyTable, type PasswordHasher } from '@delineate/server';
import { ingestDicom, projectDeidSettings, type IngestedItem } from '@delineate/worker';
import { seedAgreementWork } from './demo-work';
import { seedPathologyDemo } from './demo-slide';
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
 */
export async function seedDemo(deps: DemoDeps, options: DemoOptions = {}): Promise<DemoResult> {
  const db = deps.database.db;
  const projects = new ProjectRepository(db);
  const existing = await projects.findByName(demoProjectSettings.name);
  if (existing) return { created: false, projectId: existing.id };

  const now = deps.clock();
  const labelSchema = await new LabelSchemaRepository(db).create(liverCtLabelSchema);
  const protocol = await new ReviewProtocolRepository(db).create(liverCtReviewProtocol);
  const agreementSampling = options.minimal ? demoProjectSettings.agreementSampling : demoAgreementSampling;
  const project = await projects.create({
    ...demoProjectSettings,
    agreementSampling,
    labelSchema: { id: labelSchema.id, version: labelSchema.version },
    reviewProtocol: { id: protocol.id, version: protocol.version },
  });


  const access = new AccessRepository(db);
  const credentials: DemoCredential[] = [];
  const validUntil = new Date(now.getTime() + 365 * 24 * 3600 * 1000);
  let admin: string | null = null;
  const members: { userId: string; role: Role }[] = [];
  // The minimal demo has one reader, so its one task is the first annotator's.
  const users = options.minimal ? demoUsers.filter((u) => u.username !== demoSecondReader) : demoUsers;
  for (const [index, user] of users.entries()) {
    const password = generatePassword(user);
    const account = await access.createUser({ username: user.username, displayName: user.displayName, platformAdmin: user.platformAdmin, now });
    await access.setPasswordHash(account.id, await deps.hasher.hash(password), now);
    if (user.platformAdmin) admin ??= account.id;
    if (user.role) await access.addMembership({ userId: account.id, projectId: project.id, role: user.role, grantedBy: admin, now });
    if (user.role) members.push({ userId: account.id, role: user.role });
    if (user.qualification) {
      await access.addQualification({ userId: account.id, kind: user.qualification.kind, modality: user.qualification.modality, verifiedBy: admin, validUntil, now });
    }
    credentials.push({ username: user.username, role: user.role ?? 'platform_admin', password });
    options.onProgress?.('users', index + 1, users.length);
  }
  options.onUsersCreated?.(credentials);

  const settings = await projectDeidSettings(deps, project.id);
  const phantoms = options.minimal ? demoPhantoms.slice(0, 1) : demoPhantoms;
  const items: IngestedItem[] = [];
  const truths = new Map<string, { truth: Uint8Array; dims: readonly [number, number, number] }>();
  for (const [n, spec] of phantoms.entries()) {
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
    items.push(...report.items);
  }
  // Tasks come from the workflow module, as in any project: the demo runs the supervised-
  // technologist model (the technologist annotates, the reviewer reviews every item) and
  // sends items with a liver lesion to the expert reviewer after the standard review.
  const workflow = new WorkflowRepository(db, { blobs: deps.blobs, clock: deps.clock, requirements: policyTable.roleQualifications });
  await workflow.updateConfig(
    project.id,
    {
      ...demoWorkflowSettings,
      agreementSampling,
      labelSchema: { id: labelSchema.id, version: labelSchema.version },
      reviewProtocol: { id: protocol.id, version: protocol.version },
    },
    admin,
  );
  const { sample } = await workflow.generateTasks(project.id);
  const seeded = options.minimal ? undefined : sample.find((s) => s.sampled);
  if (seeded) {
    options.onProgress?.('seed the readers of one sampled item and their agreement', 0, 1);
    await seedAgreementWork(deps, workflow, { projectId: project.id, itemId: seeded.itemId, ...truths.get(seeded.itemId)! });
    options.onProgress?.('seed the readers of one sampled item and their agreement', 1, 1);
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
  const service = new Set(users.filter((u) => u.role === 'annotator').map((u) => u.username));
  const accounts = await Promise.all(credentials.map(async (c) => ({ ...c, id: (await access.findUserByUsername(c.username))!.id })));
  await seedDemoOrganisations(deps.database, {
    projects: demoProjects,
    serviceUserIds: accounts.filter((a) => service.has(a.username)).map((a) => a.id),
    recordedBy: admin,
    now,
  });
  return { created: true, projectId: project.id, labelSchema: { id: labelSchema.id, version: labelSchema.version }, credentials, items };
}
