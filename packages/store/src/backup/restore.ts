import { execFile } from 'node:child_process';
import { chmod, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import { DelineateError, type BackupFile, type BackupManifest } from '@delineate/schema';
import { openBlob } from '../blob/envelope';
import type { BlobKey } from '../blob/key';
import { LocalBlobStore } from '../blob/local';
import type { BlobStore } from '../blob/types';
import { parseBackupManifest } from './manifest';

const run = promisify(execFile);

export interface RestoreTarget {
  /** The data folder to restore into: it must hold no database, keys or checkpoints yet. */
  dataDir: string;
  /** `postgres://…` of an empty database to restore into; absent restores the embedded database. */
  databaseUrl?: string | undefined;
  /** Where the blobs go (the configured store: the data folder's, or S3). */
  blobs: BlobStore;
  /** The platform key the backup was sealed with. */
  key: BlobKey;
}

export interface RestoreReport {
  manifest: BackupManifest;
  blobsRestored: number;
  filesRestored: number;
}

async function readManifest(from: string): Promise<BackupManifest> {
  let text: string;
  try {
    text = await readFile(join(from, 'manifest.json'), 'utf8');
  } catch {
    throw new DelineateError('DLN_BACKUP_INVALID', 'No manifest.json in the backup folder: not a backup, or one that did not finish');
  }
  return parseBackupManifest(text);
}

/** The plaintext of one sealed file, checked against the manifest's hash (GCM tag and SHA-256). */
async function readSealed(from: string, file: BackupFile, key: BlobKey): Promise<Uint8Array> {
  let stored: Buffer;
  try {
    stored = await readFile(join(from, file.name));
  } catch {
    throw new DelineateError('DLN_BACKUP_INVALID', `The backup is missing ${file.name}`);
  }
  const plaintext = openBlob(key, file.sha256, stored);
  if (plaintext.length !== file.bytes) throw new DelineateError('DLN_BACKUP_INVALID', `${file.name} does not match the manifest`);
  return plaintext;
}

async function holdsAnything(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length > 0;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

async function restoreDatabase(from: string, manifest: BackupManifest, target: RestoreTarget): Promise<void> {
  const dump = await readSealed(from, manifest.database, target.key);
  if (manifest.database.format === 'pglite-datadir-tar-gz') {
    if (target.databaseUrl) throw new DelineateError('DLN_BACKUP_INVALID', 'This backup holds an embedded database: restore it without DATABASE_URL');
    const pglite = await PGlite.create({ dataDir: join(target.dataDir, 'db'), loadDataDir: new Blob([dump]) });
    await pglite.close();
    return;
  }
  if (!target.databaseUrl) throw new DelineateError('DLN_BACKUP_INVALID', 'This backup holds a PostgreSQL database: set DATABASE_URL to an empty database to restore into');
  const dumpPath = join(target.dataDir, `.restore-${process.pid}.dump`);
  await writeFile(dumpPath, dump, { mode: 0o600 });
  try {
    await run('pg_restore', ['--no-owner', '--no-privileges', '--exit-on-error', '--single-transaction', '--dbname', target.databaseUrl, dumpPath], { maxBuffer: 1 << 20 });
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new DelineateError('DLN_BACKUP_FAILED', missing ? 'pg_restore is not installed (Debian: postgresql-client)' : 'pg_restore failed: the target database must be empty and reachable');
  } finally {
    await rm(dumpPath, { force: true });
  }
}

/**
 * Restores a backup written by createBackup: checks the manifest, that the platform key is the
 * one that sealed it and that the data folder is new, then restores the database, every blob
 * (each checked against its address) and the keys and audit checkpoints with their modes.
 */
export async function restoreBackup(from: string, target: RestoreTarget): Promise<RestoreReport> {
  const manifest = await readManifest(from);
  if (manifest.keyId !== target.key.id) {
    throw new DelineateError('DLN_BACKUP_KEY_MISMATCH', `The backup was sealed with platform key ${manifest.keyId}, not the configured key ${target.key.id}: set DELINEATE_KEY to the key kept with the backup`);
  }
  for (const part of ['db', 'keys', 'audit-checkpoints']) {
    const present = part === 'keys'
      ? (await readdir(join(target.dataDir, 'keys')).catch(() => [] as string[])).some((name) => name !== 'blob.key')
      : await holdsAnything(join(target.dataDir, part));
    if (present) throw new DelineateError('DLN_BACKUP_TARGET_NOT_EMPTY', `The data folder already holds ${part}: restore into a new data folder`);
  }
  await mkdir(target.dataDir, { recursive: true, mode: 0o700 });
  // Files the database does not depend on go first; the database last, so an interrupted
  // restore leaves no database that looks complete.
  const source = new LocalBlobStore({ dir: join(from, 'blobs'), key: target.key, region: manifest.region });
  let blobsRestored = 0;
  try {
    for await (const hash of source.list()) {
      await target.blobs.put(await source.get(hash), { expectedHash: hash });
      blobsRestored += 1;
    }
  } finally {
    await source.close();
  }
  if (blobsRestored !== manifest.blobs.count) {
    throw new DelineateError('DLN_BACKUP_INVALID', `The backup holds ${blobsRestored} blobs, its manifest ${manifest.blobs.count}`);
  }
  // Keys, checkpoints and the embedded database make a data folder look restored: when any of
  // them fails, those written are removed again, so the restore can simply be run again.
  const written: string[] = [];
  try {
    for (const file of manifest.files) {
      const bytes = await readSealed(from, file, target.key);
      const path = join(target.dataDir, file.path);
      await mkdir(dirname(path), { recursive: true, mode: 0o700 });
      await writeFile(path, bytes, { mode: file.mode, flag: 'wx' });
      written.push(path);
      await chmod(path, file.mode);
    }
    await restoreDatabase(from, manifest, target);
  } catch (error) {
    for (const path of written) await rm(path, { force: true });
    if (manifest.database.format === 'pglite-datadir-tar-gz') await rm(join(target.dataDir, 'db'), { recursive: true, force: true });
    throw error;
  }
  return { manifest, blobsRestored, filesRestored: manifest.files.length };
}
