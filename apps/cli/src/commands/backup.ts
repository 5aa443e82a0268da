import { chmod, copyFile, mkdir, readFile, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { DelineateError } from '@delineate/schema';
import { blobKeyPath, blobStoreConfigFromEnv, createBackup, createBlobStore, loadBlobKey, parseBlobKeyText, restoreBackup } from '@delineate/store';
import { configFromEnv, openPlatform } from '@delineate/server';
import { refuseBesideServer } from '../store-access';
import { commandSummary } from '../catalog';

/** The platform key for a restore, never created: a new random key could open nothing. */
async function restoreKey(dataDir: string, keyFile: string | undefined): Promise<void> {
  const target = blobKeyPath(dataDir);
  if (keyFile !== undefined) {
    parseBlobKeyText(await readFile(keyFile, 'utf8'), 'The --key-file'); // refuse a file that holds no key before copying it
    await mkdir(dirname(target), { recursive: true, mode: 0o700 });
    await copyFile(keyFile, target);
    await chmod(target, 0o600);
    return;
  }
  if (process.env.DELINEATE_KEY?.trim()) return;
  const present = await stat(target).then(() => true, () => false);
  if (!present) throw new DelineateError('DLN_BACKUP_KEY_MISMATCH', 'A restore needs the platform key the backup was sealed with: pass --key-file, or set DELINEATE_KEY');
}

export function register(program: Command): void {
  program
    .command('backup <dir>')
    .description(commandSummary('backup'))
    .action(async (dir: string) => {
      await refuseBesideServer('stop it for a backup of this data folder (PostgreSQL and S3 can also be backed up by their own tools)');
      const config = configFromEnv(process.env);
      const { database, blobs, key } = await openPlatform(config, process.env);
      try {
        const manifest = await createBackup({ database, databaseUrl: config.databaseUrl, blobs, key, dataDir: config.dataDir, now: () => new Date() }, resolve(dir));
        console.log(
          JSON.stringify({ backup: resolve(dir), database: manifest.database.kind, databaseBytes: manifest.database.bytes, blobs: manifest.blobs.count, files: manifest.files.length, keyId: manifest.keyId }),
        );
        console.error(`Sealed with platform key ${manifest.keyId}: keep that key (keys/blob.key or DELINEATE_KEY) apart from the backup; without it the backup cannot be read.`);
      } finally {
        await blobs.close();
        await database.close();
      }
    });

  program
    .command('restore <dir>')
    .description(commandSummary('restore'))
    .option('--key-file <path>', 'the platform key file kept with the backup (copied into the new data folder)')
    .action(async (dir: string, opts: { keyFile?: string }) => {
      await refuseBesideServer('stop it and restore into a new data folder');
      const config = configFromEnv(process.env);
      await restoreKey(config.dataDir, opts.keyFile);
      const key = await loadBlobKey({ dataDir: config.dataDir, env: process.env });
      const blobs = createBlobStore(blobStoreConfigFromEnv({ dataDir: config.dataDir, env: { ...process.env, ...(config.blobUrl ? { DELINEATE_BLOB_URL: config.blobUrl } : {}) } }), key);
      try {
        const report = await restoreBackup(resolve(dir), { dataDir: config.dataDir, databaseUrl: config.databaseUrl, blobs, key });
        console.log(JSON.stringify({ restored: config.dataDir, from: resolve(dir), createdAt: report.manifest.createdAt, blobs: report.blobsRestored, files: report.filesRestored }));
      } finally {
        await blobs.close();
      }
    });
}
