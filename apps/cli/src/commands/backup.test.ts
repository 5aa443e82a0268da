import { copyFile, cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeRle8, RLE8 } from '@delineate/core';
import { AnnotationRepository, AuditLog, blobAddress, blobKeyPath, loadOrCreateAuditKey, testing, type AuditEntry, type DatabaseKind } from '@delineate/store';
import { configFromEnv, createServer, openPlatform, openTestSession, PasswordHasher } from '@delineate/server';
import { seedDemo } from '../demo';
import { runCli as runCliRaw } from '../test/run-cli';

/** The CLI's output without its one-line runtime note (the AWS SDK's Node.js 20 warning, on S3). */
const runCli = async (args: string[], env: NodeJS.ProcessEnv) => {
  const run = await runCliRaw(args, env);
  return { ...run, stderr: run.stderr.split('\n').filter((line) => !line.startsWith('delineate: note: ')).join('\n') };
};

const entry = (i: number): AuditEntry => ({
  actorId: null,
  role: 'annotator',
  sessionId: 's',
  address: '127.0.0.1',
  action: i % 2 ? 'image.read' : 'auth.login',
  objectType: 'item',
  objectId: `obj-${i}`,
  projectId: null,
  subjectPseudonym: null,
  purpose: null,
  outcome: 'success',
});

const BUCKETS = ['original', 'restored', 'other', 'elsewhere'];

/** Where one installation keeps its data: the embedded defaults, or PostgreSQL and an S3 bucket. */
interface Installation {
  databaseUrl: string;
  blobUrl: string;
}

/**
 * The restore drill: a platform with items, revisions and a signed audit chain is backed up,
 * its data folder (and its database and bucket) destroyed, and restored into new ones from the
 * backup and the key kept apart. On PGlite with local blobs, and on PostgreSQL with s3rver.
 */
describe.each(testing.testDatabaseKinds().run)('delineate backup and restore on %s', (kind: DatabaseKind) => {
  let work: string;
  let original: string;
  let backupDir: string;
  const saved: Array<{ annotationId: string; version: number; maskHash: string; bytes: Uint8Array }> = [];
  const installations = new Map<string, Installation>();
  const cleanups: Array<() => Promise<unknown>> = [];
  let s3: Awaited<ReturnType<typeof testing.startTestS3Server>> | undefined;
  /** A new installation's stores: an empty database and bucket on PostgreSQL, nothing to make on PGlite. */
  const install = async (dataDir: string): Promise<void> => {
    if (kind === 'pglite') {
      installations.set(dataDir, { databaseUrl: '', blobUrl: '' });
      return;
    }
    const database = await testing.createEmptyPostgresDatabase();
    cleanups.push(database.drop);
    const bucket = BUCKETS[installations.size]!;
    installations.set(dataDir, { databaseUrl: database.url, blobUrl: s3!.blobUrl(bucket) });
  };
  const envFor = (dataDir: string): NodeJS.ProcessEnv => ({
    ...process.env,
    DELINEATE_DATA: dataDir,
    DELINEATE_LOG_LEVEL: 'silent',
    DATABASE_URL: installations.get(dataDir)?.databaseUrl ?? '',
    DELINEATE_BLOB_URL: installations.get(dataDir)?.blobUrl ?? '',
    DELINEATE_KEY: '',
  });

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'dln-backup-'));
    if (kind === 'postgres') {
      s3 = await testing.startTestS3Server({ directory: join(work, 's3rver'), buckets: BUCKETS });
    }
    for (const name of ['original', 'restored', 'other', 'elsewhere']) await install(join(work, name));
    original = join(work, 'original');
    backupDir = join(work, 'backup');
    const config = configFromEnv(envFor(original));
    const { database, blobs } = await openPlatform(config, envFor(original));
    try {
      const clock = () => new Date();
      const demo = await seedDemo({ database, blobs, clock, hasher: new PasswordHasher({ testOnlyParams: { memoryKiB: 256, timeCost: 1, parallelism: 1 } }) }, { minimal: true, slices: 4, size: 32 });
      if (!demo.created) throw new Error('the demo was not created');
      const item = demo.items[0]!;
      const annotator = (await database.db.selectFrom('users').select('id').where('username', '=', 'demo.annotator').executeTakeFirstOrThrow()).id;
      const annotations = new AnnotationRepository(database.db, { blobs, clock });
      const annotation = await annotations.create({ projectId: demo.projectId, itemId: item.itemId, labelSchema: demo.labelSchema, createdBy: annotator });
      for (let version = 1; version <= 3; version++) {
        const labels = new Uint8Array(32 * 32 * 4);
        for (let i = 0; i < version * 200; i++) labels[i * 7] = 1 + (i % 2);
        const bytes = encodeRle8(labels);
        const result = await annotations.saveRevision({ annotationId: annotation.id, expectedVersion: version - 1, author: { kind: 'user', userId: annotator }, source: 'human', maskHash: blobAddress(bytes), maskEncoding: RLE8, maskBytes: bytes });
        saved.push({ annotationId: annotation.id, version: result.revision.version, maskHash: result.revision.maskHash, bytes: await annotations.readMask(annotation.id, version) });
      }
      // A signed audit chain with checkpoints, as a running server writes it.
      const log = new AuditLog(database.db, { now: clock, checkpoints: { dataDir: original, key: await loadOrCreateAuditKey(original), everyEvents: 5, everyMs: 86_400_000 } });
      for (let i = 1; i <= 12; i++) await log.append(entry(i));
    } finally {
      await blobs.close();
      await database.close();
    }
  }, 300_000);

  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup();
    await s3?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('backs up, survives the destruction of the data folder, and restores to the same masks and a verifying audit chain', async () => {
    const backup = await runCli(['backup', backupDir], envFor(original));
    expect(backup.stderr).toMatch(/Sealed with platform key [0-9a-f]{16}/);
    expect(backup.code).toBe(0);
    const summary = JSON.parse(backup.stdout.trim()) as { blobs: number; files: number; database: string };
    expect(summary.database).toBe(kind);
    expect(summary.blobs).toBeGreaterThan(3);

    // Nothing in the backup is readable without the key: no file holds the pseudonym or a PEM.
    for (const name of await readdir(backupDir, { recursive: true })) {
      if (name === 'manifest.json') continue;
      const bytes = await readFile(join(backupDir, name)).catch(() => undefined);
      if (bytes) expect(bytes.includes('PRIVATE KEY') || bytes.includes('PHANTOM-0001')).toBe(false);
    }

    const keyFile = join(work, 'platform.key');
    await copyFile(blobKeyPath(original), keyFile);
    await rm(original, { recursive: true, force: true });
    if (kind === 'postgres') await cleanups[0]!(); // the original database is dropped too

    const restored = join(work, 'restored');
    const withoutKey = await runCli(['restore', backupDir], envFor(restored));
    expect(withoutKey.code).toBe(1);
    expect(withoutKey.stderr.trim()).toMatch(/^delineate restore: A restore needs the platform key.*\[DLN_BACKUP_KEY_MISMATCH\]$/);
    const wrongKey = join(work, 'wrong.key');
    await writeFile(wrongKey, Buffer.alloc(32, 7).toString('base64'));
    const mismatch = await runCli(['restore', backupDir, '--key-file', wrongKey], envFor(join(work, 'other')));
    expect(mismatch.stderr).toMatch(/DLN_BACKUP_KEY_MISMATCH/);

    const restore = await runCli(['restore', backupDir, '--key-file', keyFile], envFor(restored));
    expect(restore.stderr).toBe('');
    expect(restore.code).toBe(0);
    const again = await runCli(['restore', backupDir, '--key-file', keyFile], envFor(restored));
    expect(again.stderr).toMatch(/DLN_BACKUP_TARGET_NOT_EMPTY/);

    const verify = await runCli(['audit', 'verify'], envFor(restored));
    expect(verify.code).toBe(0);

    const config = configFromEnv(envFor(restored));
    const { database, blobs, key } = await openPlatform(config, envFor(restored));
    try {
      const annotations = new AnnotationRepository(database.db, { blobs });
      const server = await createServer({ config, database, blobs, clock: () => new Date(), uploadKey: key });
      try {
        const annotator = (await database.db.selectFrom('users').select('id').where('username', '=', 'demo.annotator').executeTakeFirstOrThrow()).id;
        const { headers } = await openTestSession(server.app.accessRuntime, annotator);
        for (const revision of saved) {
          expect(await annotations.recomputeMaskHash(revision.annotationId, revision.version)).toBe(revision.maskHash);
          const served = await server.app.inject({ method: 'GET', url: `/api/annotations/${revision.annotationId}/revisions/${revision.version}/mask`, headers });
          expect(served.statusCode).toBe(200);
          expect(new Uint8Array(served.rawPayload)).toEqual(revision.bytes);
        }
      } finally {
        await server.app.close();
      }
    } finally {
      await blobs.close();
      await database.close();
    }
  }, 300_000);

  it('refuses a folder that is not a finished backup, and an occupied backup folder', async () => {
    const notBackup = await mkdtemp(join(work, 'not-a-backup-'));
    await writeFile(join(notBackup, 'notes.txt'), 'x');
    const restore = await runCli(['restore', notBackup, '--key-file', join(work, 'platform.key')], envFor(join(work, 'elsewhere')));
    expect(restore.stderr.trim()).toMatch(/^delineate restore: No manifest\.json in the backup folder.*\[DLN_BACKUP_INVALID\]$/);
    const occupied = await runCli(['backup', notBackup], envFor(join(work, 'restored')));
    expect(occupied.stderr).toMatch(/DLN_BACKUP_TARGET_NOT_EMPTY/);
    expect(await readdir(notBackup)).toEqual(['notes.txt']);

    // A damaged database dump fails the restore and leaves no keys or database behind, so the
    // same restore can be run again once the backup is whole.
    const damaged = join(work, 'damaged-backup');
    await cp(backupDir, damaged, { recursive: true });
    const dump = await readFile(join(damaged, 'database.sealed'));
    dump[dump.length - 1]! ^= 0xff;
    await writeFile(join(damaged, 'database.sealed'), dump);
    const target = join(work, 'elsewhere');
    const failed = await runCli(['restore', damaged, '--key-file', join(work, 'platform.key')], envFor(target));
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/DLN_BLOB_CORRUPT/);
    expect((await readdir(join(target, 'keys'))).sort()).toEqual(['blob.key']);
    await expect(readdir(join(target, 'db'))).rejects.toThrow();
  }, 120_000);
});
