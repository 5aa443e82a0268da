import { z } from 'zod';

export const BACKUP_FORMAT = 'delineate-backup/1';

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/);
const BackupFile = z.object({ name: z.string().regex(/^[A-Za-z0-9._/-]+$/), sha256: Sha256, bytes: z.number().int().nonnegative() });
export type BackupFile = z.infer<typeof BackupFile>;

/** manifest.json of a backup folder: counts, hashes and the platform key's id, never a secret. */
export const BackupManifest = z.object({
  format: z.literal(BACKUP_FORMAT),
  platformVersion: z.string(),
  createdAt: z.string(),
  /** Id of the platform key that sealed every file (BlobKey.id): restore needs that key. */
  keyId: z.string(),
  region: z.string(),
  database: BackupFile.extend({ kind: z.enum(['pglite', 'postgres']), format: z.enum(['pglite-datadir-tar-gz', 'pg_dump-custom']) }),
  blobs: z.object({ count: z.number().int().nonnegative(), bytes: z.number().int().nonnegative() }),
  /** Data-folder files (keys, audit checkpoints) by their path under the data folder. */
  files: z.array(BackupFile.extend({ path: z.string().regex(/^(keys|audit-checkpoints)\/[A-Za-z0-9._-]+$/), mode: z.number().int().min(0).max(0o777) })),
});
export type BackupManifest = z.infer<typeof BackupManifest>;
