// Start-up: how long a CLI command takes to answer, from the bundle against the TypeScript
// sources through tsx (what every command did before) and bare Node as the floor, in the same
// run; then the first `delineate start` on an empty data folder and a restart, each timed to the
// first answer of /api/health and of the web app at /.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchResult } from './types';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const cliBin = join(repoRoot, 'apps', 'cli', 'bin', 'delineate.mjs');
const RUNS = 9;

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

type Spread = { median: number; p90: number };

function spread(values: number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  return { median: quantile(sorted, 0.5), p90: quantile(sorted, 0.9) };
}

/** A store command's time to its action (its own report) and its whole run, RUNS times. */
function timeStoreCommand(args: string[], env: NodeJS.ProcessEnv): { toAction: Spread; total: Spread } {
  const toAction: number[] = [];
  const total: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    const r = spawnSync(process.execPath, [cliBin, ...args], { env: { ...env, DELINEATE_STARTUP_TIMING: '1' }, encoding: 'utf8', cwd: tmpdir() });
    total.push(performance.now() - started);
    const reached = /reached its action (\d+) ms/.exec(r.stderr);
    if (r.status !== 0 || !reached) throw new Error(`delineate ${args.join(' ')} exited ${r.status}: ${r.stderr.slice(-500)}`);
    toAction.push(Number(reached[1]));
  }
  return { toAction: spread(toAction), total: spread(total) };
}

type PGliteOpen = { importMs: Spread; openMs: Spread; compileMs: Spread; openCompiledMs: Spread };

/**
 * PGlite on its own, in a fresh process each run: importing it, opening the data folder as the
 * store does, and how much of the open is compiling its WebAssembly (what a module compiled once
 * and kept would save; Node cannot keep a compiled module between processes).
 */
function timePGliteOpen(dataDir: string): PGliteOpen {
  const script = `
const t0 = performance.now();
const { PGlite } = await import('@electric-sql/pglite');
const t1 = performance.now();
let db = await PGlite.create({ dataDir: ${JSON.stringify(dataDir)} });
await db.close();
const t2 = performance.now();
const { readFile } = await import('node:fs/promises');
const { createRequire } = await import('node:module');
const wasmPath = createRequire(import.meta.url).resolve('@electric-sql/pglite').replace(/index\\.c?js$/, 'pglite.wasm');
const bytes = await readFile(wasmPath);
const t3 = performance.now();
const pgliteWasmModule = await WebAssembly.compile(bytes);
const t4 = performance.now();
db = await PGlite.create({ dataDir: ${JSON.stringify(dataDir)}, pgliteWasmModule });
await db.close();
const t5 = performance.now();
process.stdout.write(JSON.stringify({ importMs: t1 - t0, openMs: t2 - t1, compileMs: t4 - t3, openCompiledMs: t5 - t4 }));`;
  const runs: Array<Record<keyof PGliteOpen, number>> = [];
  for (let i = 0; i < Math.ceil(RUNS / 2); i++) {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: repoRoot, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`PGlite open exited ${r.status}: ${r.stderr.slice(-500)}`);
    runs.push(JSON.parse(r.stdout) as Record<keyof PGliteOpen, number>);
  }
  const of = (key: keyof PGliteOpen) => spread(runs.map((r) => r[key]));
  return { importMs: of('importMs'), openMs: of('openMs'), compileMs: of('compileMs'), openCompiledMs: of('openCompiledMs') };
}

function timeCommand(args: string[], env: Record<string, string> = {}): { median: number; p90: number } {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    const r = spawnSync(process.execPath, args, { env: { ...process.env, ...env }, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr.slice(-500)}`);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { median: quantile(times, 0.5), p90: quantile(times, 0.9) };
}

async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => done(port));
    });
  });
}

async function answered(url: string): Promise<boolean> {
  try {
    return (await fetch(url)).status === 200;
  } catch {
    return false;
  }
}

/** Seconds from spawning `delineate start` to 200 from /api/health and from /; then stops it. */
async function timeStart(dataDir: string): Promise<{ health: number; app: number }> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, [cliBin, 'start', '--port', String(port)], { env: { ...process.env, DELINEATE_DATA: dataDir, DELINEATE_LOG_LEVEL: 'warn' }, stdio: 'ignore' });
  try {
    let health = 0;
    let app = 0;
    while (!(health && app)) {
      if (child.exitCode !== null) throw new Error(`delineate start exited ${child.exitCode}`);
      if (performance.now() - started > 600_000) throw new Error('delineate start did not answer in 10 minutes');
      if (!health && (await answered(`http://127.0.0.1:${port}/api/health`))) health = (performance.now() - started) / 1000;
      if (!app && (await answered(`http://127.0.0.1:${port}/`))) app = (performance.now() - started) / 1000;
      await new Promise((r) => setTimeout(r, 50));
    }
    return { health, app };
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
}

export async function run(): Promise<BenchResult> {
  // The bundle as `npm install` leaves it (built now if a source changed since).
  spawnSync(process.execPath, [join(repoRoot, 'apps', 'cli', 'bin', 'bundle.mjs')], { stdio: 'ignore' });
  const load = loadavg()[0]!;
  const node = timeCommand(['-e', '0']);
  const rows: BenchResult['rows'] = [{ what: 'node -e 0 (the floor)', 'median ms': Math.round(node.median), 'p90 ms': Math.round(node.p90) }];
  const commands: Array<[string, string[]]> = [
    ['delineate --help', ['--help']],
    ['delineate metrics --help', ['metrics', '--help']],
    ['delineate audit --help', ['audit', '--help']],
    ['delineate audit verify --help', ['audit', 'verify', '--help']],
  ];
  let slowestBundled = 0;
  for (const [label, args] of commands) {
    const bundled = timeCommand([cliBin, ...args]);
    const source = timeCommand([cliBin, ...args], { DELINEATE_CLI_FROM_SOURCE: '1' });
    slowestBundled = Math.max(slowestBundled, bundled.median);
    rows.push({ what: `${label}, bundle`, 'median ms': Math.round(bundled.median), 'p90 ms': Math.round(bundled.p90) });
    rows.push({ what: `${label}, sources through tsx`, 'median ms': Math.round(source.median), 'p90 ms': Math.round(source.p90) });
  }

  // Commands that open the store: start-up (process start to the command's action, reported by
  // DELINEATE_STARTUP_TIMING) apart from the whole run (opening PGlite, the migration check, the work).
  const storeDir = await mkdtemp(join(tmpdir(), 'dln-bench-store-'));
  const storeCommands: Array<[string, string[]]> = [
    ['delineate audit verify', ['audit', 'verify']],
    ['delineate token list', ['token', 'list']],
    ['delineate migrate (nothing to apply)', ['migrate']],
  ];
  let slowestStore = { label: '', median: 0 };
  let pglite: PGliteOpen;
  try {
    const env = { ...process.env, DELINEATE_DATA: storeDir, DATABASE_URL: '', DELINEATE_LOG_LEVEL: 'warn' };
    const migrated = spawnSync(process.execPath, [cliBin, 'migrate'], { env, encoding: 'utf8' });
    if (migrated.status !== 0) throw new Error(`delineate migrate exited ${migrated.status}: ${migrated.stderr.slice(-500)}`);
    for (const [label, args] of storeCommands) {
      const run = timeStoreCommand(args, env);
      if (run.toAction.median > slowestStore.median) slowestStore = { label, median: run.toAction.median };
      rows.push({ what: `${label} (small data folder): process start to its action`, 'median ms': Math.round(run.toAction.median), 'p90 ms': Math.round(run.toAction.p90) });
      rows.push({ what: `${label}: whole run (start-up, opening the embedded store, the work)`, 'median ms': Math.round(run.total.median), 'p90 ms': Math.round(run.total.p90) });
    }
    pglite = timePGliteOpen(join(storeDir, 'db'));
  } finally {
    await rm(storeDir, { recursive: true, force: true });
  }
  rows.push({ what: 'PGlite alone: importing @electric-sql/pglite', 'median ms': Math.round(pglite.importMs.median), 'p90 ms': Math.round(pglite.importMs.p90) });
  rows.push({ what: 'PGlite alone: opening the data folder and closing it (PGlite.create, close)', 'median ms': Math.round(pglite.openMs.median), 'p90 ms': Math.round(pglite.openMs.p90) });
  rows.push({ what: 'PGlite alone: of which compiling pglite.wasm (WebAssembly.compile)', 'median ms': Math.round(pglite.compileMs.median), 'p90 ms': Math.round(pglite.compileMs.p90) });
  rows.push({ what: 'PGlite alone: opening and closing with that compiled module given (pgliteWasmModule)', 'median ms': Math.round(pglite.openCompiledMs.median), 'p90 ms': Math.round(pglite.openCompiledMs.p90) });

  const dataDir = await mkdtemp(join(tmpdir(), 'dln-bench-start-'));
  try {
    const first = await timeStart(dataDir);
    const restart = await timeStart(dataDir);
    rows.push({ what: 'first delineate start (empty data folder): /api/health 200', 'median ms': Math.round(first.health * 1000), 'p90 ms': null });
    rows.push({ what: 'first delineate start: web app at / 200', 'median ms': Math.round(first.app * 1000), 'p90 ms': null });
    rows.push({ what: 'restart: /api/health 200', 'median ms': Math.round(restart.health * 1000), 'p90 ms': null });
    rows.push({ what: 'restart: web app at / 200', 'median ms': Math.round(restart.app * 1000), 'p90 ms': null });
    return {
      name: 'startup',
      description: `CLI commands from the esbuild bundle against the sources through tsx and bare Node, ${RUNS} runs each (median, p90); then the first \`delineate start\` on an empty data folder (database created, migrations, demo users; the demo images are seeded after the server answers) and a restart, timed to the first 200. Load average (1 min) ${load.toFixed(1)} at start, ${loadavg()[0]!.toFixed(1)} at the end, on ${cpus().length} cores.`,
      rows,
      targets: [
        {
          target: 'any CLI command starts in under 0.3 s',
          measured: `slowest help median ${Math.round(slowestBundled)} ms (bundle); slowest store command to its action: ${slowestStore.label}, ${Math.round(slowestStore.median)} ms (median)`,
          met: slowestBundled < 300 && slowestStore.median < 300,
        },
        { target: 'the first start answers in under 30 s', measured: `${first.app.toFixed(1)} s to the web app`, met: first.app < 30 },
        { target: 'a restart answers in under 5 s', measured: `${restart.app.toFixed(1)} s to the web app`, met: restart.app < 5 },
      ],
      notes: [
        'Every help is answered from the help catalog stored beside the bundle (help.json, written when the bundle is built): no command module is loaded. The sources-through-tsx rows run Commander itself.',
        'The web app is built by `npm install` (prepare) or, when a source changed since, by `npm start` before the server starts; this bench starts the server directly, so it times the server alone.',
        'A command runs from a bundle of its own module (command-<module>.mjs): a store command loads the store, zod and kysely bundled in, Commander and PGlite (when it opens the database), not the server, Fastify or the model runtimes (apps/cli/src/command-bundles.test.ts).',
        'Time to the action ends before the database opens: the whole run adds PGlite (its rows: import, open and close, and how much of the open is compiling its WebAssembly, which Node cannot keep compiled between processes) and the work.',
      ],
    };
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}
