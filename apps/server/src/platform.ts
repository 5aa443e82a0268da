// Opening the store for a CLI command is kept apart from the HTTP server: a command that imports
// only this (`delineate release`, `backup`) does not load Fastify and the routes.
import { loadBlobKey, migrate, openBlobStore, openDatabase, type BlobKey, type BlobStore, type Database } from '@delineate/store';
import type { ServerConfig } from './config';

/** Opens the configured database (migrated) and blob store. */
export async function openPlatform(config: ServerConfig, env: NodeJS.ProcessEnv): Promise<{ database: Database; blobs: BlobStore; key: BlobKey }> {
  const database = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
  try {
    await migrate(database.db);
    const blobs = await openBlobStore({ dataDir: config.dataDir, env: { ...env, ...(config.blobUrl ? { DELINEATE_BLOB_URL: config.blobUrl } : {}) } });
    // The same key the blob store seals with (DELINEATE_KEY or the data folder's key file).
    const key = await loadBlobKey({ dataDir: config.dataDir, env });
    return { database, blobs, key };
  } catch (error) {
    await database.close();
    throw error;
  }
}
