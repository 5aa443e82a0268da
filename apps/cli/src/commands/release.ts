import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { DelineateError, Region, type ReleaseTrace, type ReleaseVerification } from '@delineate/schema';
import { configFromEnv, openPlatform } from '@delineate/server';
import {
  auditCheckpointSettingsFromEnv,
  AuditLog,
  enqueueReleaseExport,
  getReleaseExport,
  loadOrCreateAuditKey,
  parseVoxel,
  regenerateReleaseDocuments,
  releaseDocumentHashes,
  releaseExportArchive,
  ReleaseRepository,
  traceVoxel,
  verifyRelease,
  type BlobStore,
  type Database,
} from '@delineate/store';
import { createWorker, releaseJobHandlers } from '@delineate/worker';
import { usageError } from '../failure';
import { commandSummary } from '../catalog';

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

/** What `release documents` found: each file written, and the recorded hash it does or does not match. */
export interface RegeneratedDocuments {
  readonly files: { readonly name: string; readonly sha256: string; readonly recorded: string | null }[];
  readonly ok: boolean;
}

/**
 * `release documents`: the four documents generated again from the frozen release's records,
 * written to `out` as kind.format, each compared with the hash recorded at freeze; audited.
 */
export async function releaseDocumentsCommand(platform: ReleasePlatform, id: string, out: string): Promise<RegeneratedDocuments> {
  const { release, documents } = await regenerateReleaseDocuments(platform.database.db, platform.blobs, id);
  await mkdir(out, { recursive: true });
  const recorded = new Map(release.documents.map((d) => [d.kind, d.hash]));
  for (const d of documents) for (const f of Object.values(d.files)) await writeFile(join(out, `${d.kind}.${f.format}`), f.bytes);
  const files = releaseDocumentHashes(documents).map((d) => ({ name: d.kind, sha256: d.hash, recorded: recorded.get(d.kind) ?? null }));
  const ok = files.length > 0 && files.length === release.documents.length && files.every((f) => f.sha256 === f.recorded);
  await auditRelease(platform.audit, ok ? 'release.documents.regenerated' : 'release.documents.mismatch', release, 'success');
  return { files, ok };
}

export function formatDocuments(r: RegeneratedDocuments): string {
  const lines = r.files.map((f) => `  ${f.sha256 === f.recorded ? 'same' : 'DIFFERS'}  ${f.name}  ${f.sha256}${f.sha256 === f.recorded ? '' : ` (recorded ${f.recorded ?? 'none'})`}`);
  return [`${r.files.length} document file(s) regenerated: ${r.ok ? 'every one matches its recorded hash' : 'some do not match their recorded hashes'}`, ...lines].join('\n') + '\n';
}

/** `trace`: who drew one voxel of a released item, audited. */
export async function traceCommand(platform: ReleasePlatform, releaseId: string, itemId: string, voxel: string): Promise<ReleaseTrace> {
  const trace = await traceVoxel(platform.database.db, platform.blobs, releaseId, itemId, parseVoxel(voxel));
  await auditRelease(platform.audit, 'release.traced', await new ReleaseRepository(platform.database.db).get(releaseId), 'success');
  return trace;
}

export function formatTrace(t: ReleaseTrace): string {
  const who = (a: ReleaseTrace['readings'][number]['setBy']['author']) => (a.kind === 'user' ? `${a.name ?? 'user'} (${a.userId})` : `model ${a.name} ${a.version}`);
  const lines = [
    `voxel ${t.voxel.join(',')} of item ${t.itemId} in release ${t.releaseId}: ${t.label.name}`,
    `  label schema ${t.labelSchema.id} v${t.labelSchema.version}, review protocol ${t.reviewProtocol.id} v${t.reviewProtocol.version}${t.consensusMethod ? `, consensus ${t.consensusMethod}` : ''}`,
    `  source instance ${t.source.sopInstanceUid}, DeidRecord ${t.source.deidRecordId ?? 'none'}`,
  ];
  for (const r of t.readings) {
    lines.push(`  reading ${r.annotationId} (released v${r.releasedVersion}): ${r.label.name}, set by v${r.setBy.version} (${r.setBy.source}) of ${who(r.setBy.author)}`);
    lines.push(`    chain: ${r.chain.map((c) => `v${c.version} ${c.source} ${who(c.author)}`).join(' <- ')}`);
    for (const v of r.reviews) lines.push(`    review: ${v.decision} by ${v.reviewerName ?? 'reviewer'} (${v.reviewerId}), signed ${v.signedAt}`);
    if (r.staple) lines.push(`    STAPLE ${r.staple.labelKey}: sensitivity ${r.staple.sensitivity.toFixed(3)}, specificity ${r.staple.specificity.toFixed(3)}`);
  }
  return lines.join('\n') + '\n';
}

export function register(program: Command): void {
  program
    .command('trace')
    .description(commandSummary('trace'))
    .requiredOption('--release <id>', 'release id')
    .requiredOption('--item <id>', 'item id')
    .requiredOption('--voxel <x,y,z>', 'voxel column,row,slice from 0')
    .option('--json', 'print JSON')
    .action(async (flags: { release: string; item: string; voxel: string; json?: boolean }) => {
      await withPlatform(async (platform) => {
        const trace = await traceCommand(platform, flags.release, flags.item, flags.voxel);
        process.stdout.write(flags.json ? `${JSON.stringify(trace, null, 2)}\n` : formatTrace(trace));
      });
    });

  const release = program.command('release').description(commandSummary('release'));

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
    .command('documents')
    .description('Generate the four documents of a frozen release again from its records into a folder; exit 1 unless every hash matches the recorded one')
    .argument('<id>', 'release id')
    .requiredOption('--out <dir>', 'folder to write kind.format files into')
    .action(async (id: string, flags: { out: string }) => {
      await withPlatform(async (platform) => {
        const result = await releaseDocumentsCommand(platform, id, flags.out);
        process.stdout.write(formatDocuments(result));
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
