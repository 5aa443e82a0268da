import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DelineateError, platformVersion, BACKUP_FORMAT, type BackupFile, type BackupManifest } from '@delineate/schema';
import { sealBlob } from '../blob/envelope';
import type { BlobKey } from '../blob/key';
import { LocalBlobStore } from '../blob/local';
import type { BlobStore } from '../blob/types';
import type { Database } from '../sql/database';

const run = promisify(execFile);

export interface BackupSource {
  database: Database;
  /** `postgres://…` when the database is PostgreSQL (pg_dump connects to it). */
  databaseUrl?: string | undefined;
  blobs: BlobStore;
  /** The platform key: every file of the backup is sealed with it, and it is not in the backup. */
  key: BlobKey;
  dataDir: string;
  now: () => Date;
}

/**
 * Folders of the data folder that a restore needs besides the database and blobs: the audit
 * signing key and checkpoints (without them the restored chain cannot be verified) and the
 * credentials key (PACS passwords and TOTP seeds are sealed with it). The platform key itself
 * (keys/blob.key or DELINEATE_KEY) is never written into a backup: it must be kept apart.
 */
const DATA_FOLDER_PARTS = ['keys', 'audit-checkpoints'] as const;
const PLATFORM_KEY_FILE = join('keys', 'blob.key');

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function emptyOrMissing(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length === 0;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw error;
  }
}

/** A consistent dump of the database: PGlite's data-folder dump, or pg_dump's custom format. */
async function dumpDatabase(source: BackupSource): Promise<{ bytes: Uint8Array; format: BackupManifest['database']['format'] }> {
  if (source.database.kind === 'pglite') {
    if (!source.database.dumpDataDir) throw new DelineateError('DLN_BACKUP_FAILED', 'This embedded database cannot be dumped');
    return { bytes: await source.database.dumpDataDir(), format: 'pglite-datadir-tar-gz' };
  }
  if (!source.databaseUrl) throw new DelineateError('DLN_BACKUP_FAILED', 'A PostgreSQL backup needs the database URL (DATABASE_URL)');
  try {
    // One snapshot transaction: what the dump holds is one consistent moment of the database.
    const { stdout } = await run('pg_dump', ['--format=custom', '--no-owner', '--no-privileges', '--dbname', source.databaseUrl], { encoding: 'buffer', maxBuffer: 2 ** 31 - 1 });
    return { bytes: new Uint8Array(stdout), format: 'pg_dump-custom' };
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    // pg_dump's own message may name the server and database, never data values.
    throw new DelineateError('DLN_BACKUP_FAILED', missing ? 'pg_dump is not installed (Debian: postgresql-client)' : 'pg_dump failed: the database could not be dumped');
  }
}

async function listFiles(root: string, relative: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(join(root, relative), { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const files: string[] = [];
  for (const entry of entries) {
    const path = join(relative, entry.name);
    if (entry.isDirectory()) files.push(...(await listFiles(root, path)));
    else if (entry.isFile() && path !== PLATFORM_KEY_FILE) files.push(path);
  }
  return files.sort();
}

/** Seals `plaintext` into `<out>/<name>` and describes it for the manifest. */
async function writeSealed(out: string, name: string, key: BlobKey, plaintext: Uint8Array): Promise<BackupFile> {
  const hash = sha256(plaintext);
  await writeFile(join(out, name), sealBlob(key, hash, plaintext), { mode: 0o600, flag: 'wx' });
  return { name, sha256: hash, bytes: plaintext.length };
}

/**
 * Writes a backup into an empty folder: the database dump first (the moment the backup stands
 * for), then every blob (blobs are append-only, so all those the dump names exist), then the
 * data folder's keys and audit checkpoints, and last the manifest, so a folder without a
 * manifest is an unfinished backup. Everything is sealed with the platform key (AES-256-GCM,
 * the blob envelope); the manifest holds only counts, hashes and the key's id.
 */
export async function createBackup(source: BackupSource, out: string): Promise<BackupManifest> {
  if (!(await emptyOrMissing(out))) throw new DelineateError('DLN_BACKUP_TARGET_NOT_EMPTY', 'The backup folder must be new or empty');
  await mkdir(out, { recursive: true, mode: 0o700 });
  const createdAt = source.now().toISOString();
  const dump = await dumpDatabase(source);
  const database = { ...(await writeSealed(out, 'database.sealed', source.key, dump.bytes)), kind: source.database.kind, format: dump.format };

  const copy = new LocalBlobStore({ dir: join(out, 'blobs'), key: source.key, region: source.blobs.region });
  let blobCount = 0;
  let blobBytes = 0;
  try {
    for await (const hash of source.blobs.list()) {
      const bytes = await source.blobs.get(hash); // verified against its address on the way
      await copy.put(bytes, { expectedHash: hash });
      blobCount += 1;
      blobBytes += bytes.length;
    }
  } finally {
    await copy.close();
  }

  await mkdir(join(out, 'files'), { mode: 0o700 });
  const files: BackupManifest['files'] = [];
  for (const part of DATA_FOLDER_PARTS) {
    for (const path of await listFiles(source.dataDir, part)) {
      const bytes = await readFile(join(source.dataDir, path));
      const mode = (await stat(join(source.dataDir, path))).mode & 0o777;
      const sealed = await writeSealed(join(out, 'files'), `${files.length}.sealed`, source.key, bytes);
      files.push({ ...sealed, name: join('files', sealed.name), path, mode });
    }
  }

  const manifest: BackupManifest = {
    format: BACKUP_FORMAT,
    platformVersion,
    createdAt,
    keyId: source.key.id,
    region: source.blobs.region,
    database,
    blobs: { count: blobCount, bytes: blobBytes },
    files,
  };
  await writeFile(join(out, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
  return manifest;
}
