import { mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { PGlite, PGliteOptions } from '@electric-sql/pglite';
import { DelineateError } from '@delineate/schema';
import { Kysely, PostgresDialect } from 'kysely';
import { createRequire } from 'node:module';
import type pg from 'pg';
import { PGliteDialect } from './pglite-dialect';
import { localEngine, type PGliteEngine } from './pglite-engine';
import { openPGliteThread } from './pglite-thread';
import type { DB } from './tables';

export type DatabaseKind = 'pglite' | 'postgres';

export interface DatabaseConfig {
  /** `postgres://…` selects a PostgreSQL server; absent selects embedded PGlite. */
  url?: string | undefined;
  /** The data folder (`DELINEATE_DATA`); PGlite keeps its database under `<dataDir>/db`. */
  dataDir: string;
  /** PGlite only: `false` runs statements through `PGlite.query` unprepared (the benchmarks' reference). */
  pglitePreparedStatements?: boolean;
  /**
   * PGlite only: run it in a thread of its own (the default), so statements never stop the
   * thread that serves requests; `false` (`DELINEATE_PGLITE_THREAD=0`) runs it in the caller's thread.
   */
  pgliteThread?: boolean;
}

export interface Database {
  readonly db: Kysely<DB>;
  readonly kind: DatabaseKind;
  close(): Promise<void>;
  /** Embedded PGlite only: a consistent gzip-compressed dump of its data folder (backups). */
  dumpDataDir?(): Promise<Uint8Array>;
}

/** Reads `DATABASE_URL` and `DELINEATE_DATA` (default `./.delineate`). */
export function databaseConfigFromEnv(env: Readonly<Record<string, string | undefined>>): DatabaseConfig {
  const url = env.DATABASE_URL?.trim();
  return { url: url ? url : undefined, dataDir: resolve(env.DELINEATE_DATA?.trim() || './.delineate'), pgliteThread: pgliteThreadFromEnv(env) };
}

/** `DELINEATE_PGLITE_THREAD`: the embedded database in its own thread unless `0`. */
export function pgliteThreadFromEnv(env: Readonly<Record<string, string | undefined>>): boolean {
  const thread = env.DELINEATE_PGLITE_THREAD?.trim();
  if (thread !== undefined && thread !== '' && thread !== '0' && thread !== '1') {
    throw new DelineateError('DLN_CONFIG_INVALID', 'DELINEATE_PGLITE_THREAD must be 1 (the embedded database in its own thread, the default) or 0 (in the serving thread)');
  }
  return thread !== '0';
}

/** Opens the database; does not migrate (call {@link migrate}). */
export async function openDatabase(config: DatabaseConfig): Promise<Database> {
  if (config.url !== undefined) {
    if (!/^postgres(ql)?:\/\//.test(config.url)) {
      throw new DelineateError('DLN_CONFIG_INVALID', 'DATABASE_URL must start with postgres:// or postgresql://');
    }
    return openPostgres(config.url);
  }
  const dir = join(config.dataDir, 'db');
  await mkdir(dir, { recursive: true });
  const releaseLock = await lockDataDir(join(config.dataDir, 'db.lock'));
  try {
    const prepared = config.pglitePreparedStatements ?? true;
    const database = (config.pgliteThread ?? pgliteThreadFromEnv(process.env)) ? engineDatabase(await openPGliteThread({ dataDir: dir, prepared })) : await openPGlite({ dataDir: dir }, { prepared });
    return {
      ...database,
      async close() {
        try {
          await database.close();
        } finally {
          await releaseLock();
        }
      },
    };
  } catch (e) {
    await releaseLock();
    throw e;
  }
}

/**
 * PGlite is one process's database: a second process opening the same folder would corrupt
 * it. The lock file holds the owner's pid; a lock left by a dead process (SIGKILL) is taken over.
 */
async function lockDataDir(path: string): Promise<() => Promise<void>> {
  if (lockedHere.has(path)) throw new DelineateError('DLN_STORE_UNAVAILABLE', 'The embedded database is already open in this process');
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await writeFile(path, String(process.pid), { flag: 'wx' });
      lockedHere.add(path);
      return async () => {
        lockedHere.delete(path);
        await unlink(path).catch(() => undefined);
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const owner = Number((await readFile(path, 'utf8').catch(() => '')).trim());
      // Our own pid in the file is a previous incarnation's (e.g. PID 1 in a restarted container).
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && processAlive(owner)) {
        throw new DelineateError('DLN_STORE_UNAVAILABLE', `The embedded database is in use by process ${owner}`, { pid: owner });
      }
      await unlink(path).catch(() => undefined);
    }
  }
  throw new DelineateError('DLN_STORE_UNAVAILABLE', 'Cannot lock the embedded database folder');
}

/** Lock files this process holds. */
const lockedHere = new Set<string>();

/** Whether a process with this pid exists on this machine. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Embedded PGlite; `options` as PGlite takes them (e.g. `loadDataDir` to start from a dump). */
export async function openPGlite(options: PGliteOptions, dialect: { prepared?: boolean } = {}): Promise<Database> {
  // Loaded when a database is opened, not when the store is imported: a command reaches its
  // action first (and one that goes through a running server never loads it).
  const { PGlite } = await import('@electric-sql/pglite');
  let pglite: PGlite;
  try {
    pglite = await PGlite.create(options);
  } catch (cause) {
    throw new DelineateError('DLN_STORE_UNAVAILABLE', `Cannot open the embedded database: ${errorMessage(cause)}`);
  }
  return pgliteDatabase(pglite, dialect);
}

/** Wraps an open PGlite instance; closing the Database closes the instance. */
export function pgliteDatabase(pglite: PGlite, dialect: { prepared?: boolean } = {}): Database {
  return engineDatabase(localEngine(pglite, dialect));
}

/** An embedded database over its engine (this thread's PGlite or its own thread's). */
function engineDatabase(engine: PGliteEngine): Database {
  const db = new Kysely<DB>({ dialect: new PGliteDialect(engine) });
  return {
    db,
    kind: 'pglite',
    async close() {
      // Kysely destroys its driver only once a statement has made it: the engine is closed either way.
      await db.destroy();
      await engine.close();
    },
    dumpDataDir: () => engine.dumpDataDir('gzip'),
  };
}

/** int8 (count(*), sums) as a number when it fits, as PGlite does, so both drivers agree. */
const INT8_OID = 20;
/** node-postgres, loaded when a PostgreSQL database is opened (the embedded default never needs it). */
function loadPg(): typeof pg {
  return createRequire(import.meta.url)('pg') as typeof pg;
}

const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID && format !== 'binary') {
      return (value: string) => {
        const n = Number(value);
        return Number.isSafeInteger(n) ? n : BigInt(value);
      };
    }
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return (loadPg().types.getTypeParser as any)(oid, format);
  },
} as pg.CustomTypesConfig;

export async function openPostgres(url: string, options: { max?: number } = {}): Promise<Database> {
  const pool = new (loadPg().Pool)({ connectionString: url, max: options.max ?? 10, types });
  // An idle client losing its server must not crash the process; the next query reports it.
  pool.on('error', () => undefined);
  try {
    const client = await pool.connect();
    client.release();
  } catch (cause) {
    await pool.end().catch(() => undefined);
    throw new DelineateError('DLN_STORE_UNAVAILABLE', `Cannot connect to PostgreSQL: ${errorMessage(cause)}`);
  }
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  return { db, kind: 'postgres', close: () => db.destroy() };
}

function errorMessage(cause: unknown): string {
  // Connection errors name hosts and codes, never row contents.
  return cause instanceof Error ? cause.message : String(cause);
}
