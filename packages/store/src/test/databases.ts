import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { openPGlite, openPostgres, pgliteDatabase, processAlive, type Database, type DatabaseKind } from '../sql/database';
import { migrate } from '../sql/migrate';
import { migrations } from '../sql/migrations';

/**
 * Test databases built from a migrated template instead of initdb + migrate per test:
 * PostgreSQL copies `CREATE DATABASE … TEMPLATE dln_tpl_<hash>`, PGlite loads a data-folder
 * dump. Templates are keyed by a hash of the migrations, so concurrent runs share them and an
 * edited migration gets a new template. This module imports no test framework: apps' tests
 * and the server's crash test use it through the store's `testing` export.
 */

/** PostgreSQL server for the suite (`postgres://…/postgres`); absent → PostgreSQL cases skip (fail under CI). */
export const TEST_DATABASE_URL_ENV = 'DELINEATE_TEST_DATABASE_URL';
/** Set by the global setup: path of the PGlite template dump. */
const PGLITE_TEMPLATE_ENV = 'DELINEATE_TEST_PGLITE_TEMPLATE';

export interface TestDatabaseKinds {
  /** The kinds to run now. */
  run: DatabaseKind[];
  /** Kinds that cannot run here; under CI=true their absence is a failure, locally a skip. */
  missing: DatabaseKind[];
  /** true under CI=true: a missing kind must fail, never skip. */
  required: boolean;
}

/**
 * Restricts a run to some kinds (`pglite`, `postgres`, comma-separated), as CI's second pass on
 * another Node version does: a kind left out on purpose is neither run nor missing.
 */
export const TEST_DATABASES_ENV = 'DELINEATE_TEST_DATABASES';

export function testDatabaseKinds(env: Readonly<Record<string, string | undefined>> = process.env): TestDatabaseKinds {
  const url = env[TEST_DATABASE_URL_ENV];
  const chosen = env[TEST_DATABASES_ENV]?.split(',').map((k) => k.trim()).filter((k) => k !== '');
  if (chosen && chosen.some((k) => k !== 'pglite' && k !== 'postgres')) throw new Error(`${TEST_DATABASES_ENV} names pglite and postgres only`);
  const wanted = (['pglite', 'postgres'] as const).filter((k) => !chosen || chosen.includes(k));
  return {
    run: wanted.filter((k) => k === 'pglite' || url),
    missing: wanted.filter((k) => k === 'postgres' && !url),
    required: env.CI === 'true',
  };
}

export function templateKey(): string {
  const hash = createHash('sha256');
  for (const m of migrations) hash.update(m.id).update('\0').update(m.up.toString()).update('\0');
  return hash.digest('hex').slice(0, 12);
}

/** A fresh, migrated database of the given kind; `close()` disposes of it. */
export async function createTestDatabase(kind: DatabaseKind): Promise<Database> {
  return kind === 'pglite' ? createPGliteTestDatabase() : createPostgresTestDatabase();
}

// ---- PGlite -------------------------------------------------------------------------------

let pgliteTemplate: Promise<Blob> | undefined;

/** Builds (once per process) or loads the migrated PGlite data-folder dump. */
export async function pgliteTemplateDump(): Promise<Blob> {
  pgliteTemplate ??= (async () => {
    const path = process.env[PGLITE_TEMPLATE_ENV] ?? defaultPGliteTemplatePath();
    if (existsSync(path)) return new Blob([await readFile(path)]);
    const bytes = await buildPGliteTemplate();
    await writeAtomically(path, bytes);
    return new Blob([bytes]);
  })();
  return pgliteTemplate;
}

function defaultPGliteTemplatePath(): string {
  return join(tmpdir(), 'delineate-test-templates', `pglite-${templateKey()}.tar`);
}

async function buildPGliteTemplate(): Promise<Uint8Array> {
  const pglite = await PGlite.create();
  const database = pgliteDatabase(pglite);
  try {
    await migrate(database.db);
    return new Uint8Array(await (await pglite.dumpDataDir('none')).arrayBuffer());
  } finally {
    await database.close();
  }
}

async function writeAtomically(path: string, bytes: Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const partial = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(partial, bytes);
  await rename(partial, path);
}

/** Global setup: build the PGlite template once and point the workers at it. */
export async function preparePGliteTemplate(): Promise<string> {
  const path = defaultPGliteTemplatePath();
  if (!existsSync(path)) await writeAtomically(path, await buildPGliteTemplate());
  await removeStaleTemplates(path);
  process.env[PGLITE_TEMPLATE_ENV] = path;
  return path;
}

/** Templates of older migration sets (40 MB each) are dropped once nobody can still be using them. */
async function removeStaleTemplates(current: string): Promise<void> {
  const dir = dirname(current);
  const dayAgo = Date.now() - 24 * 3600_000;
  for (const name of await readdir(dir)) {
    const path = join(dir, name);
    if (path === current || !/^pglite-[0-9a-f]+\.tar$/.test(name)) continue;
    const info = await stat(path).catch(() => undefined);
    if (info && info.mtimeMs < dayAgo) await unlink(path).catch(() => undefined);
  }
}

async function createPGliteTestDatabase(): Promise<Database> {
  return openPGlite({ loadDataDir: await pgliteTemplateDump() });
}

/**
 * Fills a fresh data folder's embedded database (`<dataDir>/db`, as openDatabase lays it out)
 * from the migrated template: a CLI run against it starts without initdb and migrations.
 */
export async function seedPGliteDataDir(dataDir: string): Promise<void> {
  await mkdir(dataDir, { recursive: true });
  const database = await openPGlite({ dataDir: join(dataDir, 'db'), loadDataDir: await pgliteTemplateDump() });
  await database.close();
}

// ---- PostgreSQL ---------------------------------------------------------------------------

function requireUrl(): string {
  const url = process.env[TEST_DATABASE_URL_ENV];
  if (!url) throw new Error(`${TEST_DATABASE_URL_ENV} is not set (start one with scripts/pg-test-server.sh)`);
  return url;
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

const TEMPLATE_LOCK = 0x44_4c_4e_54; // 'DLNT'
let postgresTemplate: Promise<string> | undefined;

/**
 * Creates the migrated template database `dln_tpl_<hash>` once (across processes: under an
 * advisory lock, built under a temporary name and renamed when complete).
 */
export async function preparePostgresTemplate(url: string = requireUrl()): Promise<string> {
  const name = `dln_tpl_${templateKey()}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query('select pg_advisory_lock($1)', [TEMPLATE_LOCK]);
    const exists = await admin.query('select 1 from pg_database where datname = $1', [name]);
    if (exists.rowCount === 0) {
      const building = `${name}_building`;
      await admin.query(`drop database if exists ${building} with (force)`);
      await admin.query(`create database ${building}`);
      const database = await openPostgres(withDatabase(url, building), { max: 1 });
      try {
        await migrate(database.db);
      } finally {
        await database.close();
      }
      await admin.query(`alter database ${building} rename to ${name}`);
      await admin.query(`alter database ${name} is_template true allow_connections false`);
    }
  } finally {
    await admin.query('select pg_advisory_unlock($1)', [TEMPLATE_LOCK]).catch(() => undefined);
    await admin.end();
  }
  return name;
}

/** Drops test databases left by test processes that died before their cleanup ran. */
export async function dropOrphanedTestDatabases(url: string = requireUrl()): Promise<string[]> {
  return adminQuery(url, async (admin) => {
    const { rows } = await admin.query<{ datname: string }>("select datname from pg_database where datname like 'dln_t_%'");
    const dropped: string[] = [];
    for (const { datname } of rows) {
      const pid = Number(/^dln_t_(\d+)_/.exec(datname)?.[1]);
      if (!Number.isInteger(pid) || processAlive(pid)) continue;
      await admin.query(`drop database if exists ${datname} with (force)`);
      dropped.push(datname);
    }
    return dropped;
  });
}

let counter = 0;

async function createPostgresTestDatabase(): Promise<Database> {
  const url = requireUrl();
  postgresTemplate ??= preparePostgresTemplate(url);
  const template = await postgresTemplate;
  const name = `dln_t_${process.pid}_${++counter}_${randomBytes(3).toString('hex')}`;
  await adminQuery(url, async (admin) => {
    // Concurrent copies of one template can collide briefly (55006): retry.
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.query(`create database ${name} template ${template}`);
        return;
      } catch (e) {
        if ((e as { code?: string }).code !== '55006' || attempt >= 50) throw e;
        await new Promise((r) => setTimeout(r, 20 + Math.floor(Math.random() * 50)));
      }
    }
  });
  const database = await openPostgres(withDatabase(url, name));
  return {
    db: database.db,
    kind: 'postgres',
    async close() {
      await database.close();
      await adminQuery(url, (admin) => admin.query(`drop database if exists ${name} with (force)`));
    },
  };
}

async function adminQuery<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.end();
  }
}

/**
 * An empty PostgreSQL database on the test server, for a separate process to open and migrate
 * itself (the crash test's server, the benchmarks). `drop()` removes it.
 */
export async function createEmptyPostgresDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const url = requireUrl();
  const name = `dln_e_${process.pid}_${++counter}_${randomBytes(3).toString('hex')}`;
  await adminQuery(url, (admin) => admin.query(`create database ${name}`));
  return {
    url: withDatabase(url, name),
    drop: () => adminQuery(url, (admin) => admin.query(`drop database if exists ${name} with (force)`)).then(() => undefined),
  };
}
