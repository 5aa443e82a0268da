// The CLI (and the server and worker it starts) as one esbuild bundle of the workspace sources,
// so a command starts in plain Node instead of transpiling hundreds of TypeScript files through
// tsx at every start. Third-party packages stay external (resolved from node_modules as usual).
//
// `npm install` builds it (the root `prepare` script); after that the bundle is used only while it
// is fresh: its inputs' paths, sizes and modification times hash to the fingerprint it was built
// from. Any edit makes it stale, and the next command rebuilds it (about a second), so a developer
// never runs yesterday's code. Builds go to their own folder named by fingerprint and are
// published by rename, so CLI processes started together (tests do) never see half a bundle.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const cliRoot = resolve(fileURLToPath(new URL('..', import.meta.url)));
const repoRoot = resolve(cliRoot, '..', '..');
export const distDir = join(cliRoot, 'dist');
const currentFile = join(distDir, 'current.json');
/** Old builds kept beside the newest: a long-running server may still load chunks of its own. */
const KEEP_BUILDS = 4;

/** Entry points by output name; the worker threads are found beside the chunk that starts them. */
const entryPoints = {
  delineate: join(cliRoot, 'src', 'main.ts'),
  'gate-thread': join(cliRoot, 'src', 'workers', 'gate-thread.ts'),
  'surface-worker': join(cliRoot, 'src', 'workers', 'surface-worker.ts'),
  'job-thread': join(cliRoot, 'src', 'workers', 'job-thread.ts'),
};

/** Hash of every input's path, size and modification time; undefined when one is gone. */
export function fingerprintOf(inputs) {
  const hash = createHash('sha256');
  for (const input of inputs) {
    let s;
    try {
      s = statSync(resolve(repoRoot, input));
    } catch {
      return undefined;
    }
    hash.update(`${input}\0${s.size}\0${Math.floor(s.mtimeMs)}\n`); // whole milliseconds: what a Date (and utimes with one) keeps
  }
  return hash.digest('hex').slice(0, 24);
}

/** The folder of the current bundle when it matches the sources, else undefined. */
export function freshBundle() {
  let current;
  try {
    current = JSON.parse(readFileSync(currentFile, 'utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(current.inputs) || typeof current.fingerprint !== 'string') return undefined;
  if (fingerprintOf(current.inputs) !== current.fingerprint) return undefined;
  const dir = join(distDir, current.fingerprint);
  try {
    statSync(join(dir, 'delineate.mjs'));
  } catch {
    return undefined;
  }
  return dir;
}

/**
 * Builds the bundle and publishes it when no input changed while building. Returns its folder.
 * Throws when esbuild is missing or the sources do not build (the caller then runs the sources).
 */
export async function buildBundle() {
  const { build } = await import('esbuild');
  const started = Date.now();
  mkdirSync(distDir, { recursive: true });
  const tmp = join(distDir, `.build-${process.pid}-${started}`);
  const result = await build({
    entryPoints,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    splitting: true,
    outdir: tmp,
    outExtension: { '.js': '.mjs' },
    metafile: true,
    sourcemap: 'linked',
    logLevel: 'silent',
    // A bundled CommonJS dependency would need `require`; the workspace's own sources are ESM,
    // and every package from node_modules is left to Node.
    plugins: [
      {
        name: 'external-packages',
        setup(b) {
          b.onResolve({ filter: /^[^./]/ }, (args) => (args.path.startsWith('@delineate/') ? undefined : { external: true }));
        },
      },
    ],
  });
  // Besides the sources: what shapes the build without being one of them (package manifests:
  // exports, sideEffects; this builder).
  const manifests = ['package.json', relative(repoRoot, fileURLToPath(import.meta.url))];
  for (const group of ['apps', 'packages']) {
    for (const name of readdirSync(join(repoRoot, group))) manifests.push(join(group, name, 'package.json'));
  }
  const inputs = [...new Set([...Object.keys(result.metafile.inputs).map((p) => relative(repoRoot, resolve(process.cwd(), p))), ...manifests])]
    .filter((p) => existsSync(join(repoRoot, p)))
    .sort();
  writeHelpCatalog(tmp);
  const fingerprint = fingerprintOf(inputs);
  const changedWhileBuilding = fingerprint === undefined || inputs.some((p) => statSync(join(repoRoot, p)).mtimeMs >= started);
  const dir = join(distDir, fingerprint ?? `unpublished-${process.pid}`);
  try {
    renameSync(tmp, dir);
  } catch {
    rmSync(tmp, { recursive: true, force: true }); // another process published the same build
  }
  if (!changedWhileBuilding) {
    const next = `${currentFile}.${process.pid}`;
    writeFileSync(next, JSON.stringify({ fingerprint, builtAt: new Date().toISOString(), inputs }));
    renameSync(next, currentFile);
    prune(fingerprint);
  }
  return dir;
}

/**
 * Writes help.json beside the new bundle: every command's help as Commander prints it, taken
 * from the bundle itself in a child process (loading every command's module there, not here).
 * Without it (a module that fails to load) each `--help` is answered by Commander as before.
 */
function writeHelpCatalog(dir) {
  const script = `const { helpCatalog } = await import(${JSON.stringify(pathToFileURL(join(dir, 'delineate.mjs')).href)});
process.stdout.write(JSON.stringify(await helpCatalog()));`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024, env: { ...process.env, COLUMNS: '80' }, stdio: ['ignore', 'pipe', 'ignore'] });
  if (child.status !== 0) return;
  try {
    writeFileSync(join(dir, 'help.json'), JSON.stringify({ commands: JSON.parse(child.stdout) }));
  } catch {
    // not JSON: leave the help to Commander
  }
}

/** Help asked for as `[words…] --help|-h` or `help [words…]`: the command path, else undefined. */
export function helpRequest(argv) {
  if (argv[0] === 'help') return argv.slice(1).every(isWord) ? argv.slice(1).join(' ') : undefined;
  const last = argv.at(-1);
  if (last !== '--help' && last !== '-h') return undefined;
  const words = argv.slice(0, -1);
  return words.every(isWord) ? words.join(' ') : undefined;
}

function isWord(arg) {
  return /^[a-z][a-z0-9-]*$/.test(arg);
}

/** The stored help of a command path in a bundle folder, or undefined (then Commander answers). */
export function storedHelp(dir, path) {
  try {
    const text = JSON.parse(readFileSync(join(dir, 'help.json'), 'utf8')).commands[path];
    return typeof text === 'string' ? text : undefined;
  } catch {
    return undefined;
  }
}

function prune(keep) {
  const builds = readdirSync(distDir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && e.name !== keep)
    .map((e) => ({ path: join(distDir, e.name), mtime: statSync(join(distDir, e.name)).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime);
  for (const old of builds.slice(KEEP_BUILDS - 1)) rmSync(old.path, { recursive: true, force: true });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dir = freshBundle() ?? (await buildBundle());
  console.log(`CLI bundle ready in ${relative(repoRoot, dirname(join(dir, 'x')))}`);
}
