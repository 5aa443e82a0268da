import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { DelineateError, Region, type ReleaseVerification } from '@delineate/schema';
import { configFromEnv, openPlatform } from '@delineate/server';
import {
  auditCheckpointSettingsFromEnv,
  AuditLog,
  enqueueReleaseExport,
  getReleaseExport,
  loadOrCreateAuditKey,
  releaseExportArchive,
  ReleaseRepository,
  verifyRelease,
  type BlobStore,
  type Database,
} from '@delineate/store';
import { createWorker, releaseJobHandlers } from '@delineate/worker';
import { usageError } from '../failure';

/** The platform of the environment (DELINEATE_DATA, DELINEATE_DATABASE_URL, ...) and its audit log. */
async function withPlatform<T>(run: (p: ReleasePlatform) => Promise<T>): Promise<T> {
  const config = configFromEnv(process.env);
  const { database, blobs } = await openPlatform(config, process.env);
  try {
    const now = () => new Date();
    const settings = auditCheckpointSettingsFromEnv(process.env, config.dataDir, now);
    const audit = new AuditLog(database.db, {
      now,
      checkpoints: { dataDir: config.dataDir, key: await loadOrCreateAuditKey(config.dataDir), ...settings.policy, ...(settings.anchor ? { anchor: settings.anchor } : {}) },
    });
    return await run({ database, blobs, audit });
  } finally {
    await blobs.close();
    await database.close();
  }
}

/** An event of the operator at the console (no user session): the action, the release and its project. */
async function auditRelease(audit: Pick<AuditLog, 'append'>, action: string, release: { id: string; projectId: string }, outcome: 'success') {
  await audit.append({
    actorId: null, role: null, sessionId: null, address: null, action, objectType: 'release', objectId: release.id,
    projectId: release.projectId, subjectPseudonym: null, purpose: 'release', outcome,
  });
}

export function formatVerification(v: ReleaseVerification): string {
  const head = v.ok ? `release ${v.releaseId} verified: ${v.checked} blob(s) and documents match manifest ${v.manifestHash}` : `release ${v.releaseId}: ${v.problems.length} problem(s) in ${v.checked} checked`;
  return [head, ...v.problems.map((p) => `  ${p.problem}: ${p.what} (${p.hash})`)].join('\n') + '\n';
}

/** What `delineate release` works on: the platform's database, blobs and audit log. */
export interface ReleasePlatform {
  readonly database: Database;
  readonly blobs: BlobStore;
  readonly audit: Pick<AuditLog, 'append'>;
}

/** `release verify`: the verification, audited; the caller exits 1 when it is not ok. */
export async function verifyReleaseCommand(platform: ReleasePlatform, id: string): Promise<ReleaseVerification> {
  const found = await new ReleaseRepository(platform.database.db).get(id);
  const result = await verifyRelease(platform.database.db, platform.blobs, id);
  await auditRelease(platform.audit, result.ok ? 'release.verified' : 'release.verify.mismatch', found, 'success');
  return result;
}

/** `release export`: queues the export, runs its job here as the worker would, and writes the archive. */
export async function exportReleaseCommand(platform: ReleasePlatform, id: string, format: string, out: string): Promise<string> {
  const { database, blobs, audit } = platform;
  const found = await new ReleaseRepository(database.db).get(id);
  const queued = await enqueueReleaseExport(database.db, { releaseId: id, format, userId: null });
  await auditRelease(audit, `release.export.queued.${format}`, found, 'success');
  const worker = createWorker({ database, blobs, clock: () => new Date(), region: Region.parse(await projectRegion(database, found.projectId)), handlers: releaseJobHandlers(), audit });
  for (;;) {
    const state = await getReleaseExport(database.db, id, queued.id);
    if (state.status === 'succeeded') break;
    if (state.status === 'failed' && state.error) throw new DelineateError('DLN_INTERNAL', `The export failed: ${state.error}`);
    if (!(await worker.runOnce())) throw new DelineateError('DLN_INTERNAL', 'The export job could not be run here');
  }
  const { bytes, export: done } = await releaseExportArchive(database.db, blobs, id, queued.id);
  await writeFile(out, bytes);
  await auditRelease(audit, `release.export.downloaded.${format}`, found, 'success');
  return `export ${done.id} of release ${id} (${done.format}): ${done.progress.done} item(s), ${bytes.length} bytes, sha256 ${done.archiveHash}\n`;
}

export function register(program: Command): void {
  const release = program.command('release').description('Frozen releases: verify them against their manifests, export them');

  release
    .command('verify')
    .description('Re-hash every blob and document of a frozen release against its manifest; exit 1 naming what differs')
    .argument('<id>', 'release id')
    .option('--json', 'print JSON')
    .action(async (id: string, flags: { json?: boolean }) => {
      await withPlatform(async (platform) => {
        const result = await verifyReleaseCommand(platform, id);
        process.stdout.write(flags.json ? `${JSON.stringify(result, null, 2)}\n` : formatVerification(result));
        if (!result.ok) process.exitCode = 1;
      });
    });

  release
    .command('export')
    .description('Export a frozen release as a tar archive (dataset.json, manifest.json, per item the format files and provenance.json)')
    .argument('<id>', 'release id')
    .option('--format <format>', 'export format, e.g. nifti')
    .option('--layout <layout>', `a training layout: ${trainingLayouts.join(' or ')} (instead of --format)`)
    .requiredOption('--out <file>', 'where to write the archive (.tar)')
    .action(async (id: string, flags: { format?: string; layout?: string; out: string }) => {
      if (!flags.out.endsWith('.tar')) usageError('--out must name a .tar file');
      const format = exportChoice(flags);
      await withPlatform(async (platform) => process.stdout.write(await exportReleaseCommand(platform, id, format, flags.out)));
    });
}

/** The training layouts `--layout` names (issue 25); each is an export format of the registry. */
export const trainingLayouts = ['nnunet', 'msd'] as const;

/** `--format` or `--layout`, exactly one; a layout must be one of the training layouts. */
export function exportChoice(flags: { format?: string | undefined; layout?: string | undefined }): string {
  if ((flags.format === undefined) === (flags.layout === undefined)) usageError('give either --format or --layout');
  if (flags.layout !== undefined && !(trainingLayouts as readonly string[]).includes(flags.layout)) usageError(`--layout must be ${trainingLayouts.join(' or ')}`);
  return (flags.format ?? flags.layout)!;
}

async function projectRegion(database: Database, projectId: string): Promise<string> {
  const row = await database.db.selectFrom('projects').select('region').where('id', '=', projectId).executeTakeFirstOrThrow();
  return row.region;
}
