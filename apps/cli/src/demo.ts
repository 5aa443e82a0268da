import { randomBytes } from 'node:crypto';
import { generateCtPhantom } from '@delineate/formats';
import {
  demoProjectSettings,
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
import { seedPathologyDemo } from './demo-slide';

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
  /** Where the synthetic H&E slide is cached; without it the pathology demo is not seeded. */
  slideCacheDir?: string;
  /** Base size of the synthetic slide (default 20,480²). */
  slideSize?: number;
}

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
 * one user per role with a generated password (returned once, stored only as argon2id hashes),
 * and a synthetic CT phantom that goes through the same de-identification gate as real data;
 * with a slide cache folder, also the pathology demo (seedPathologyDemo: a synthetic H&E slide).
 */
export async function seedDemo(deps: DemoDeps, options: DemoOptions = {}): Promise<DemoResult> {
  const db = deps.database.db;
  const projects = new ProjectRepository(db);
  const existing = await projects.findByName(demoProjectSettings.name);
  if (existing) return { created: false, projectId: existing.id };

  const now = deps.clock();
  const labelSchema = await new LabelSchemaRepository(db).create(liverCtLabelSchema);
  const protocol = await new ReviewProtocolRepository(db).create(liverCtReviewProtocol);
  const project = await projects.create({
    ...demoProjectSettings,
    labelSchema: { id: labelSchema.id, version: labelSchema.version },
    reviewProtocol: { id: protocol.id, version: protocol.version },
  });


  const access = new AccessRepository(db);
  const credentials: DemoCredential[] = [];
  const validUntil = new Date(now.getTime() + 365 * 24 * 3600 * 1000);
  let admin: string | null = null;
  const members: { userId: string; role: Role }[] = [];
  for (const [index, user] of demoUsers.entries()) {
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
    options.onProgress?.('users', index + 1, demoUsers.length);
  }

  const phantom = generateCtPhantom({ slices: options.slices ?? 128, rows: options.size ?? 512, columns: options.size ?? 512 });
  const settings = await projectDeidSettings(deps, project.id);
  const report = await ingestDicom(
    deps,
    phantom.slices.map((s) => s.bytes),
    {
      projectId: project.id,
      ...settings,
      // The phantom is the platform's own synthetic CT, checked against its IOD by testkit's
      // dciodvfy test; the demo then starts without dicom3tools installed.
      validator: null,
      onProgress: (done, total) => options.onProgress?.('de-identify and store the CT phantom', done, total),
    },
  );
  // Tasks come from the workflow module, as in any project: the demo runs the supervised-
  // technologist model (the technologist annotates, the reviewer reviews every item) and
  // sends items with a liver lesion to the expert reviewer after the standard review.
  const workflow = new WorkflowRepository(db, { blobs: deps.blobs, clock: deps.clock, requirements: policyTable.roleQualifications });
  await workflow.updateConfig(project.id, { ...demoWorkflowSettings, labelSchema: { id: labelSchema.id, version: labelSchema.version }, reviewProtocol: { id: protocol.id, version: protocol.version } }, admin);
  await workflow.generateTasks(project.id);
  if (options.slideCacheDir) {
    await seedPathologyDemo(deps, {
      cacheDir: options.slideCacheDir,
      ...(options.slideSize ? { size: options.slideSize } : {}),
      members,
      grantedBy: admin,
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
  }
  return { created: true, projectId: project.id, labelSchema: { id: labelSchema.id, version: labelSchema.version }, credentials, items: report.items };
}
