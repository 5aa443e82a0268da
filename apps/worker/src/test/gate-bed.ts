import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { createDciodvfyValidator, type DciodvfyValidator } from '@delineate/deid';
import { BlobKey, LocalBlobStore, testing, type Database } from '@delineate/store';

/** What a gate test runs on: a PGlite database, an encrypted blob folder and one dciodvfy shell. */
export interface GateBed {
  readonly database: Database;
  readonly blobs: LocalBlobStore;
  readonly validator: DciodvfyValidator;
}

/**
 * Opens a gate bed before the tests of the calling `describe` and closes it after them. Its fields
 * are read inside tests (they are set in `beforeAll`).
 */
export function useGateBed(prefix: string): GateBed {
  const bed = {} as { database: Database; blobs: LocalBlobStore; validator: DciodvfyValidator; dir: string };
  beforeAll(async () => {
    bed.dir = await mkdtemp(join(tmpdir(), prefix));
    bed.database = await testing.createTestDatabase('pglite');
    bed.blobs = new LocalBlobStore({ dir: bed.dir, key: BlobKey.generate() });
    bed.validator = createDciodvfyValidator({ shells: 1 });
  });
  afterAll(async () => {
    bed.validator?.close();
    await bed.blobs?.close();
    await bed.database?.close();
    if (bed.dir) await rm(bed.dir, { recursive: true, force: true });
  });
  return bed;
}
