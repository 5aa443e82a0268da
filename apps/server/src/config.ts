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
  /** Largest mask upload accepted, in bytes (only by the routes that take masks). */
  maxMaskBytes: number;
  /** Largest JSON body accepted, in bytes. */
  maxJsonBytes: number;
  /** Deadlines of the HTTP layer; see {@link HttpTimeouts}. */
  timeouts: HttpTimeouts;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'silent';
}

/** How long a client may take; each ends a request or connection that holds the server open. */
export interface HttpTimeouts {
  /** The request line and headers must arrive within this (Node's headersTimeout). */
  headersMs: number;
  /** A JSON body must arrive within this after its headers. */
  jsonBodyMs: number;
  /** A mask body must arrive within this after its headers. */
  maskBodyMs: number;
  /** A whole request, headers and body, must arrive within this (Node's requestTimeout); the backstop of every route. */
  requestMs: number;
  /** A connection with no traffic at all is closed after this (Fastify's connectionTimeout). */
  socketIdleMs: number;
  /** An idle kept-alive connection is closed after this. */
  keepAliveMs: number;
}

export const defaultHttpTimeouts: HttpTimeouts = {
  headersMs: 20_000,
  jsonBodyMs: 30_000,
  maskBodyMs: 300_000,
  requestMs: 310_000,
  socketIdleMs: 60_000,
  keepAliveMs: 5_000,
};

function positiveInteger(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value <= 0) throw new DelineateError('DLN_CONFIG_INVALID', `${name} must be a positive integer`);
  return value;
}

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'silent'] as const;

/** Reads the configuration from the environment, with the embedded defaults. */
export function configFromEnv(env: NodeJS.ProcessEnv, overrides: Partial<Omit<ServerConfig, 'timeouts'>> & { timeouts?: Partial<HttpTimeouts> } = {}): ServerConfig {
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
  const timeouts: HttpTimeouts = {
    headersMs: positiveInteger(env, 'DELINEATE_HEADERS_TIMEOUT_MS', defaultHttpTimeouts.headersMs),
    jsonBodyMs: positiveInteger(env, 'DELINEATE_JSON_BODY_TIMEOUT_MS', defaultHttpTimeouts.jsonBodyMs),
    maskBodyMs: positiveInteger(env, 'DELINEATE_MASK_BODY_TIMEOUT_MS', defaultHttpTimeouts.maskBodyMs),
    requestMs: positiveInteger(env, 'DELINEATE_REQUEST_TIMEOUT_MS', defaultHttpTimeouts.requestMs),
    socketIdleMs: positiveInteger(env, 'DELINEATE_SOCKET_IDLE_TIMEOUT_MS', defaultHttpTimeouts.socketIdleMs),
    keepAliveMs: positiveInteger(env, 'DELINEATE_KEEP_ALIVE_TIMEOUT_MS', defaultHttpTimeouts.keepAliveMs),
    ...overrides.timeouts,
  };
  // Node refuses a headers timeout longer than the request timeout.
  if (timeouts.headersMs > timeouts.requestMs) {
    throw new DelineateError('DLN_CONFIG_INVALID', 'DELINEATE_HEADERS_TIMEOUT_MS must not exceed DELINEATE_REQUEST_TIMEOUT_MS');
  }
  return {
    host: env.HOST ?? '127.0.0.1',
    port,
    dataDir: resolve(env.DELINEATE_DATA ?? '.delineate'),
    databaseUrl,
    blobUrl: env.DELINEATE_BLOB_URL || undefined,
    region: region.data,
    webRoot: env.DELINEATE_WEB_ROOT,
    maxMaskBytes: positiveInteger(env, 'DELINEATE_MAX_MASK_BYTES', 256 * 1024 * 1024),
    maxJsonBytes: positiveInteger(env, 'DELINEATE_MAX_JSON_BYTES', 1024 * 1024),
    logLevel,
    ...overrides,
    timeouts,
  };
}
