// The CLI (and the server and worker it starts) as esbuild bundles of the workspace sources, so a
// command starts in plain Node instead of transpiling hundreds of TypeScript files through tsx at
// every start: a split build of the whole CLI, and one bundle per command module (see below).
// Third-party packages stay external (resolved from node_modules as usual) but for BUNDLED_PACKAGES.
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
  // The embedded database's own thread (packages/store/src/sql/pglite-thread.ts).
  'pglite-thread-worker': join(repoRoot, 'packages', 'store', 'src', 'sql', 'pglite-thread-entry.ts'),
};

/**
 * Besides that split build (the launcher's fallback, the help catalog, `start`'s worker threads):
 * one self-contained bundle per command module, `command-<file>.mjs`. Split chunks are shared by
 * every command that reaches a module through a package's index, so `audit verify` loaded the
 * server and Fastify with it; a bundle of its own keeps only what its command uses.
 */
const commandsDir = join(cliRoot, 'src', 'commands');
const COMMAND_ENTRY = 'delineate-command:';

function commandEntryPoints() {
  const files = readdirSync(commandsDir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.endsWith('.d.ts'));
  return Object.fromEntries(files.map((f) => [`command-${f.slice(0, -3)}`, `${COMMAND_ENTRY}${f.slice(0, -3)}`]));
}

/** The entry of a per-command bundle: main with that one module bundled in (main.ts commandMain). */
const commandEntryPlugin = {
  name: 'command-entry',
  setup(b) {
    b.onResolve({ filter: new RegExp(`^${COMMAND_ENTRY}`) }, (args) => ({ path: args.path.slice(COMMAND_ENTRY.length), namespace: 'command-entry' }));
    b.onLoad({ filter: /.*/, namespace: 'command-entry' }, (args) => ({
      contents: `import * as command from './commands/${args.path}';\nimport { commandMain } from './main';\nexport const main = commandMain(command);\n`,
      resolveDir: join(cliRoot, 'src'),
      loader: 'ts',
    }));
  },
};

/**
 * Packages from node_modules bundled in rather than left to Node: ESM packages of hundreds of
 * small files (Node resolves and reads each one at every start: about 0.4 s for kysely and zod
 * together on a quiet machine) that no external package imports too, so no object of theirs
 * meets another copy of them.
 */
const BUNDLED_PACKAGES = ['zod', 'kysely'];

function isBundled(specifier) {
  if (specifier.startsWith('@delineate/') || specifier.startsWith(COMMAND_ENTRY)) return true;
  return BUNDLED_PACKAGES.some((name) => specifier === name || specifier.startsWith(`${name}/`));
}

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
  const common = {
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outdir: tmp,
    outExtension: { '.js': '.mjs' },
    metafile: true,
    sourcemap: 'linked',
    logLevel: 'silent',
  };
  // A bundled CommonJS dependency would need `require`; the workspace's own sources are ESM,
  // and so are the packages of BUNDLED_PACKAGES; every other package is left to Node.
  const externalPackages = {
    name: 'external-packages',
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, (args) => (isBundled(args.path) ? undefined : { external: true }));
    },
  };
  // Without splitting, each entry keeps only what it uses (the workspace packages declare
  // "sideEffects": false, so an unused module of a package's index is left out with its imports).
  const [result, perCommand] = await Promise.all([
    build({ ...common, entryPoints, splitting: true, plugins: [externalPackages] }),
    // No source maps here: they would double the folder (each bundle repeats zod, kysely, the store)
    // and the CLI never prints a stack; the split build's maps cover the same sources.
    build({ ...common, entryPoints: commandEntryPoints(), splitting: false, sourcemap: false, plugins: [commandEntryPlugin, externalPackages] }),
  ]);
  writeFileSync(join(tmp, 'commands-meta.json'), JSON.stringify(perCommand.metafile));
  // Besides the sources: what shapes the build without being one of them (package manifests:
  // exports, sideEffects; this builder).
  const manifests = ['package.json', relative(repoRoot, fileURLToPath(import.meta.url))];
  for (const group of ['apps', 'packages']) {
    for (const name of readdirSync(join(repoRoot, group))) manifests.push(join(group, name, 'package.json'));
  }
  const built = [...Object.keys(result.metafile.inputs), ...Object.keys(perCommand.metafile.inputs)].filter((p) => !p.startsWith('command-entry:'));
  // The commands folder itself: a new command module is a new per-command bundle.
  const inputs = [...new Set([...built.map((p) => relative(repoRoot, resolve(process.cwd(), p))), ...manifests, relative(repoRoot, commandsDir)])]
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
 * It also names each command's module file, which picks its per-command bundle (commandBundle).
 */
function writeHelpCatalog(dir) {
  const script = `const { helpCatalog, commandFiles } = await import(${JSON.stringify(pathToFileURL(join(dir, 'delineate.mjs')).href)});
process.stdout.write(JSON.stringify({ commands: await helpCatalog(), files: commandFiles }));`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024, env: { ...process.env, COLUMNS: '80' }, stdio: ['ignore', 'pipe', 'ignore'] });
  if (child.status !== 0) return;
  try {
    writeFileSync(join(dir, 'help.json'), JSON.stringify(JSON.parse(child.stdout)));
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

/**
 * The per-command bundle that runs `argv` (the module of the command typed first), or undefined
 * (no command, an unknown one, no help.json): then the split build's main answers.
 */
export function commandBundle(dir, argv) {
  const name = argv[0];
  if (name === undefined || !isWord(name)) return undefined;
  try {
    const file = JSON.parse(readFileSync(join(dir, 'help.json'), 'utf8')).files?.[name];
    if (typeof file !== 'string' || !isWord(file)) return undefined;
    const path = join(dir, `command-${file}.mjs`);
    return existsSync(path) ? path : undefined;
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
