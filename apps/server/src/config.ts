import { resolve } from 'node:path';
import { DelineateError, Region, regions } from '@delineate/schema';

export interface ServerConfig {
  host: string;
  port: number;
  /** Folder for the embedded database, blobs and keys. */
  dataDir: string;
  /** `postgres://…` selects a real server; absent means embedded PGlite. */
  databaseUrl: string | undefined;
  /** Folder or `s3://bucket/prefix?endpoint=…` for blobs; absent means `<dataDir>/blobs`. */
  blobUrl: string | undefined;
  region: Region;
  /** The built web app (`apps/web/dist`), served at `/` when it exists. */
  webRoot: string | undefined;
  /** Largest mask upload accepted, in bytes. */
  maxMaskBytes: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'silent';
}

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'silent'] as const;

/** Reads the configuration from the environment, with the embedded defaults. */
export function configFromEnv(env: NodeJS.ProcessEnv, overrides: Partial<ServerConfig> = {}): ServerConfig {
  const port = overrides.port ?? Number(env.PORT ?? env.DELINEATE_PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new DelineateError('DLN_CONFIG_INVALID', 'PORT must be an integer between 0 and 65535');
  }
  const logLevel = (env.DELINEATE_LOG_LEVEL ?? 'info') as ServerConfig['logLevel'];
  if (!logLevels.includes(logLevel)) {
    throw new DelineateError('DLN_CONFIG_INVALID', `DELINEATE_LOG_LEVEL must be one of ${logLevels.join(', ')}`);
  }
  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new DelineateError('DLN_CONFIG_INVALID', 'DATABASE_URL must be a postgres:// URL');
  }
  const region = Region.safeParse(env.DELINEATE_REGION ?? 'local');
  if (!region.success) throw new DelineateError('DLN_CONFIG_INVALID', `DELINEATE_REGION must be one of ${regions.join(', ')}`);
  return {
    host: env.HOST ?? '127.0.0.1',
    port,
    dataDir: resolve(env.DELINEATE_DATA ?? '.delineate'),
    databaseUrl,
    blobUrl: env.DELINEATE_BLOB_URL || undefined,
    region: region.data,
    webRoot: env.DELINEATE_WEB_ROOT,
    maxMaskBytes: Number(env.DELINEATE_MAX_MASK_BYTES ?? 256 * 1024 * 1024),
    logLevel,
    ...overrides,
  };
}
