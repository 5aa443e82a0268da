import { randomUUID } from 'node:crypto';
import { decodeRle8, voxelCount, type Grid } from '@delineate/core';
import { canonicalJson } from '../../audit/canonical-json';
import { DelineateError, isDelineateError, isManifestV2, type ManifestReading, type Region, type Release, type ReleaseExport, type ReleaseManifestV2 } from '@delineate/schema';
import type { Kysely, Selectable } from 'kysely';
import type { BlobStore } from '../../blob/types';
import { JobQueue } from '../../jobs/job-queue';
import { AnnotationRepository, type Clock } from '../../repositories/annotations';
import { LabelSchemaRepository } from '../../repositories/label-schemas';
import { ReleaseRepository } from '../../repositories/releases';
import { DELINEATE_TOOL } from '../documents/generate';
import type { DB } from '../../sql/tables';
import { withTransaction } from '../../sql/transaction';
import { releaseDb, type ReleaseExportsTable } from '../tables';
import { VideoTrackStore } from '../../video/tracks';
import { videoFrameTable } from '../../video/videos';
import { itemGridOf, releaseExportFormats, releaseItemKind, type SoftLabelVolumes } from './formats';
import { slideRegionWork } from './slide-work';
import { tarArchive, type ArchiveFile } from './tar';

export const RELEASE_EXPORT_JOB_KIND = 'release.export';

const json = (value: unknown) => new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`);

/** A frozen release's manifest (format 2), or the coded reason it cannot be exported. */
function exportable(release: Release): ReleaseManifestV2 {
  if (release.status !== 'frozen') throw new DelineateError('DLN_RELEASE_NOT_FROZEN', 'Only a frozen release can be exported');
  if (!isManifestV2(release.manifest)) throw new DelineateError('DLN_CONFLICT', 'This release was made before exports existed');
  return release.manifest;
}

/** Queues an export of a frozen release in a known format; the worker of the project's region runs it. */
export async function enqueueReleaseExport(
  db: Kysely<DB>,
  input: { releaseId: string; format: string; userId: string | null },
  clock: Clock = () => new Date(),
): Promise<ReleaseExport> {
  if (!Object.hasOwn(releaseExportFormats, input.format)) {
    throw new DelineateError('DLN_RELEASE_EXPORT_FORMAT', 'Unknown export format', { known: Object.keys(releaseExportFormats).join(',') });
  }
  const release = await new ReleaseRepository(db).get(input.releaseId);
  exportable(release);
  // The job runs where the project's data lives: workers claim only their own region's jobs.
  const project = await db.selectFrom('projects').select('region').where('id', '=', release.projectId).executeTakeFirstOrThrow();
  return withTransaction(db, async (tx) => {
    const id = randomUUID();
    const job = await new JobQueue(tx, { clock }).enqueue({ kind: RELEASE_EXPORT_JOB_KIND, region: project.region as Region, payload: { exportId: id, releaseId: release.id, projectId: release.projectId }, maxAttempts: 3 });
    const row = await releaseDb(tx)
      .insertInto('release_exports')
      .values({ id, release_id: release.id, format: input.format, job_id: job.id, status: 'queued', done: 0, total: 0, archive_hash: null, archive_bytes: null, error: null, created_by: input.userId, created_at: clock() })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toExport(row);
  });
}

export async function getReleaseExport(db: Kysely<DB>, releaseId: string, exportId: string): Promise<ReleaseExport> {
  const row = await releaseDb(db).selectFrom('release_exports').selectAll().where('id', '=', exportId).where('release_id', '=', releaseId).executeTakeFirst();
  if (!row) throw new DelineateError('DLN_NOT_FOUND', 'Export not found');
  return toExport(row);
}

export async function listReleaseExports(db: Kysely<DB>, releaseId: string): Promise<ReleaseExport[]> {
  const rows = await releaseDb(db).selectFrom('release_exports').selectAll().where('release_id', '=', releaseId).orderBy('created_at').orderBy('id').execute();
  return rows.map(toExport);
}

/**
 * Runs one export (the `release.export` job's work): per item the format's files and a
 * provenance JSON, then `dataset.json` and `manifest.json`, as one tar archive stored as a blob.
 * Progress is recorded per item. Entries carry the freeze time, so an export is reproducible.
 */
export async function runReleaseExport(db: Kysely<DB>, blobs: BlobStore, exportId: string, clock: Clock = () => new Date()): Promise<ReleaseExport> {
  const r = releaseDb(db);
  const row = await r.selectFrom('release_exports').selectAll().where('id', '=', exportId).executeTakeFirst();
  if (!row) throw new DelineateError('DLN_NOT_FOUND', 'Export not found');
  const setState = (values: Partial<{ status: string; done: number; total: number; archive_hash: string; archive_bytes: number; error: string | null; finished_at: Date }>) =>
    r.updateTable('release_exports').set(values).where('id', '=', exportId).execute();
  try {
    const release = await new ReleaseRepository(db).get(row.release_id);
    const manifest = exportable(release);
    const format = releaseExportFormats[row.format];
    if (!format) throw new DelineateError('DLN_RELEASE_EXPORT_FORMAT', 'Unknown export format');
    const labelSchema = await new LabelSchemaRepository(db).get(manifest.labelSchema.id, manifest.labelSchema.version);
    await setState({ status: 'running', done: 0, total: manifest.items.length, error: null });
    const files: ArchiveFile[] = [];
    const entries: unknown[] = [];
    const annotations = new AnnotationRepository(db, { blobs });
    for (const [index, item] of manifest.items.entries()) {
      const grid = itemGridOf(item);
      const folder = format.itemFolder?.(item) ?? `${item.split}/${item.itemId}`;
      const soft: SoftLabelVolumes[] = [];
      for (const l of item.consensus?.labels ?? []) {
        soft.push({ labelKey: l.labelKey, labelValue: l.labelValue, readers: item.readings.length, votes: await volume(blobs, l.votesHash, grid), staple: await volume(blobs, l.stapleHash, grid) });
      }
      const kind = releaseItemKind(item);
      const video = item.video;
      // A format writes the kinds of item it knows (volumes unless it says); the others get their
      // provenance only. Among those it takes, it may still skip one with a reason in words.
      const takes = (format.itemKinds ?? ['volume']).includes(kind);
      const skipped = takes ? (format.skipReason?.(item) ?? null) : null;
      const written = !takes || skipped !== null ? [] : await format.itemFiles({
        releaseId: release.id,
        manifest,
        labelSchema,
        frozenAt: new Date(release.frozenAt!),
        tool: DELINEATE_TOOL,
        item,
        grid,
        mask: kind === 'video' ? new Uint8Array(0) : await volume(blobs, item.maskHash, grid),
        soft,
        folder,
        sourceInstances: () => sourceInstances(db, blobs, item.instances.map((i) => i.sopInstanceUid)),
        readerMasks: () => Promise.all(item.readings.map((r) => readerVolume(annotations, r, grid))),
        ...(video
          ? { video: async () => ({ frames: await videoFrameTable(db, video.videoId), tracks: await new VideoTrackStore(db, blobs).atVersions(item.itemId, video.tracks) }) }
          : {}),
        ...(item.slide ? { slideRegion: () => slideRegionWork(db, blobs, item, clock) } : {}),
      });
      const provenance = { path: `${folder}/provenance.json`, bytes: json({ releaseId: release.id, manifestHash: release.manifestHash, labelSchema: manifest.labelSchema, reviewProtocol: manifest.reviewProtocol, consensusMethod: manifest.consensusMethod, item }) };
      files.push(...written, provenance);
      entries.push({ itemId: item.itemId, split: item.split, subjectPseudonym: item.subjectPseudonym, files: [...written.map((f) => f.path), provenance.path], ...(skipped !== null ? { skipped } : {}) });
      await setState({ done: index + 1 });
    }
    const splits = Object.fromEntries((['train', 'validation', 'test'] as const).map((s) => [s, manifest.items.filter((i) => i.split === s).map((i) => i.itemId)]));
    const dataset = {
      name: release.name,
      releaseId: release.id,
      manifestHash: release.manifestHash,
      frozenAt: release.frozenAt,
      format: { key: format.key, title: format.title },
      labelSchema: manifest.labelSchema,
      labels: Object.fromEntries([['0', { key: 'background', name: 'Background' }], ...manifest.labels.map((l) => [String(l.value), { key: l.key, name: l.name }])]),
      splits,
      files: entries,
    };
    const datasetFiles = format.datasetFiles?.({ release, manifest, listing: dataset }) ?? [{ path: 'dataset.json', bytes: json(dataset) }];
    files.unshift(...datasetFiles, { path: 'manifest.json', bytes: new TextEncoder().encode(canonicalJson(manifest)) });
    const archive = tarArchive(files, new Date(release.frozenAt!));
    const stored = await blobs.put(archive);
    await setState({ status: 'succeeded', archive_hash: stored.hash, archive_bytes: archive.length, finished_at: clock() });
  } catch (error) {
    // The code and message only: messages of the platform never carry PHI.
    const summary = isDelineateError(error) ? `${error.code}: ${error.message}` : 'DLN_INTERNAL: the export failed';
    await setState({ status: 'failed', error: summary, finished_at: clock() });
    throw error;
  }
  return getReleaseExport(db, row.release_id, exportId);
}

/** The archive of a finished export, for download. */
export async function releaseExportArchive(db: Kysely<DB>, blobs: BlobStore, releaseId: string, exportId: string): Promise<{ export: ReleaseExport; bytes: Uint8Array }> {
  const e = await getReleaseExport(db, releaseId, exportId);
  if (e.status !== 'succeeded' || !e.archiveHash) throw new DelineateError('DLN_RELEASE_EXPORT_NOT_READY', 'The export has not finished', { status: e.status });
  return { export: e, bytes: await blobs.get(e.archiveHash) };
}

async function volume(blobs: BlobStore, hash: string, grid: Grid): Promise<Uint8Array> {
  const decoded = decodeRle8(await blobs.get(hash), voxelCount(grid));
  if (!decoded.ok) throw new DelineateError('DLN_REVISION_MASK_INVALID', `A released mask does not decode on its item's grid (${decoded.reason})`);
  return decoded.voxels;
}

/** A reader's released mask, read through its revision (a tiled revision has no whole-volume blob). */
async function readerVolume(annotations: AnnotationRepository, reading: ManifestReading, grid: Grid): Promise<Uint8Array> {
  if (!reading.revisions.some((r) => r.version === reading.released)) throw new DelineateError('DLN_CONFLICT', "A reading's released revision is missing from the manifest");
  const decoded = decodeRle8(await annotations.readMask(reading.annotationId, reading.released), voxelCount(grid));
  if (!decoded.ok) throw new DelineateError('DLN_REVISION_MASK_INVALID', `A released mask does not decode on its item's grid (${decoded.reason})`);
  return decoded.voxels;
}

async function sourceInstances(db: Kysely<DB>, blobs: BlobStore, uids: readonly string[]): Promise<Uint8Array[]> {
  if (uids.length === 0) return [];
  const rows = await db.selectFrom('instances').select(['sop_instance_uid', 'blob_hash']).where('sop_instance_uid', 'in', [...uids]).execute();
  const byUid = new Map(rows.map((r) => [r.sop_instance_uid, r.blob_hash]));
  const out: Uint8Array[] = [];
  for (const uid of uids) {
    const hash = byUid.get(uid);
    if (!hash) throw new DelineateError('DLN_NOT_FOUND', 'A source instance of the release is missing');
    out.push(await blobs.get(hash));
  }
  return out;
}

function toExport(row: Selectable<ReleaseExportsTable>): ReleaseExport {
  return {
    id: row.id,
    releaseId: row.release_id,
    format: row.format,
    jobId: row.job_id,
    status: row.status as ReleaseExport['status'],
    progress: { done: row.done, total: row.total },
    archiveHash: row.archive_hash,
    archiveBytes: row.archive_bytes === null ? null : Number(row.archive_bytes),
    error: row.error,
    createdAt: new Date(row.created_at).toISOString(),
    finishedAt: row.finished_at ? new Date(row.finished_at).toISOString() : null,
  };
}
