// Each command runs from a bundle of its own module (bin/bundle.mjs): a store command must not
// carry the HTTP server, the job worker or the heavy optional packages. Shown twice: from the
// esbuild metafile of the per-command build, and by running store commands in a process that
// refuses every import of those packages.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: plain JavaScript run before any TypeScript tooling (bin/bundle.mjs)
import { buildBundle, commandBundle, freshBundle } from '../bin/bundle.mjs';

const cliBin = fileURLToPath(new URL('../bin/delineate.mjs', import.meta.url));

/** Command modules that open the store and do their work without the server. */
const STORE_COMMANDS = ['audit', 'migrate', 'token', 'access-review', 'report', 'templates', 'backup', 'release', 'import-mask'];
/** What only `delineate start` needs: the HTTP server, its routes, and the model runtimes. */
const SERVER_PACKAGES = /^(fastify|@fastify\/.*|onnxruntime-node|sharp|@aws-sdk\/.*)$/;
const SERVER_SOURCES = /^apps\/server\/src\/(server|routes\/|http\/|dicomweb\/)/;

interface Metafile {
  outputs: Record<string, { inputs: Record<string, unknown>; imports: Array<{ path: string; kind: string; external?: boolean }> }>;
}

async function bundleDir(): Promise<string> {
  return (freshBundle() as string | undefined) ?? ((await buildBundle()) as string);
}

/** The workspace sources and the packages left to Node that one command's bundle loads at start. */
function loadedBy(meta: Metafile, file: string): { sources: string[]; packages: string[] } {
  const output = Object.entries(meta.outputs).find(([path]) => basename(path) === `command-${file}.mjs`)?.[1];
  if (!output) throw new Error(`no bundle of commands/${file}.ts`);
  return {
    sources: Object.keys(output.inputs),
    packages: output.imports.filter((i) => i.external && i.kind === 'import-statement' && !i.path.startsWith('node:')).map((i) => i.path),
  };
}

/** A module-resolution hook that makes importing any server package fail in the CLI process. */
const refuseServer = `data:text/javascript,${encodeURIComponent(`
import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(`
const refused = ${SERVER_PACKAGES.toString()};
export async function resolve(specifier, context, next) {
  if (refused.test(specifier)) throw new Error('refused import of ' + specifier);
  return next(specifier, context);
}`)}));`)}`;

describe('the per-command bundles', () => {
  it('leave the server, Fastify and the model runtimes out of every store command, and keep them in start', async () => {
    const meta = JSON.parse(readFileSync(join(await bundleDir(), 'commands-meta.json'), 'utf8')) as Metafile;
    for (const file of STORE_COMMANDS) {
      const { sources, packages } = loadedBy(meta, file);
      expect(sources.filter((s) => SERVER_SOURCES.test(s)), `commands/${file}.ts`).toEqual([]);
      expect(packages.filter((p) => SERVER_PACKAGES.test(p)), `commands/${file}.ts`).toEqual([]);
      expect(sources).toContain(`apps/cli/src/commands/${file}.ts`);
    }
    for (const file of ['audit', 'migrate', 'token']) expect(loadedBy(meta, file).sources.filter((s) => s.startsWith('apps/worker/')), file).toEqual([]);
    // The same reading finds them where they belong.
    const start = loadedBy(meta, 'start');
    expect(start.packages).toEqual(expect.arrayContaining(['fastify', '@fastify/static', 'onnxruntime-node']));
    expect(start.sources).toContain('apps/server/src/server.ts');
  }, 120_000);

  it('are picked by the command typed first; an unknown or missing command falls back to the whole CLI', async () => {
    const dir = await bundleDir();
    expect(basename(commandBundle(dir, ['audit', 'verify']) as string)).toBe('command-audit.mjs');
    expect(basename(commandBundle(dir, ['redact', 'x.dcm']) as string)).toBe('command-ingest.mjs');
    expect(basename(commandBundle(dir, ['restore', 'backup-folder']) as string)).toBe('command-backup.mjs');
    for (const argv of [[], ['releases'], ['--help'], ['../audit']]) expect(commandBundle(dir, argv)).toBeUndefined();
  }, 120_000);

  it('run store commands in a process that cannot load the server', async () => {
    await bundleDir();
    const data = mkdtempSync(join(tmpdir(), 'dln-command-bundles-'));
    try {
      const env = { ...process.env, DELINEATE_DATA: data, DATABASE_URL: '', DELINEATE_LOG_LEVEL: 'warn' };
      // Asynchronously: a synchronous child would stall this worker's messages to vitest.
      const run = (args: string[], nodeArgs: string[] = []) =>
        new Promise<{ status: number | null; signal: string | null; stdout: string; stderr: string }>((done) => {
          execFile(process.execPath, [...nodeArgs, cliBin, ...args], { env, encoding: 'utf8', timeout: 120_000 }, (error, stdout, stderr) => {
            const failed = error as (Error & { code?: number | string; signal?: string | null }) | null;
            done({ status: failed ? (typeof failed.code === 'number' ? failed.code : null) : 0, signal: failed?.signal ?? null, stdout, stderr });
          });
        });
      // The hook bites: the command that needs the server fails under it, at its first import.
      const start = await run(['start', '--port', '0'], ['--import', refuseServer]);
      expect(start.signal).toBeNull();
      expect(start.status).not.toBe(0);
      expect(start.stderr).toMatch(/refused import of (fastify|@fastify\/static|onnxruntime-node)/);

      const migrated = await run(['migrate'], ['--import', refuseServer]);
      expect(migrated.status, migrated.stderr).toBe(0);
      expect(JSON.parse(migrated.stdout)).toMatchObject({ database: 'pglite' });
      const verified = await run(['audit', 'verify'], ['--import', refuseServer]);
      expect(verified.status, verified.stderr).toBe(0);
      expect(verified.stdout).toMatch(/^audit log verified: /m);
      const tokens = await run(['token', 'list'], ['--import', refuseServer]);
      expect(tokens.status, tokens.stderr).toBe(0);
      expect(tokens.stdout.trim()).toBe('no tokens');
    } finally {
      rmSync(data, { recursive: true, force: true });
    }
  }, 300_000);
});
