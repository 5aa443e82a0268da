// Every command's help is answered from the help catalog stored beside the bundle, without
// loading the command's module: shown by refusing, in the CLI process, every import of the
// store's and server's heavy packages, and comparing with Commander's own answer from the sources.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: plain JavaScript run before any TypeScript tooling (bin/bundle.mjs)
import { buildBundle, freshBundle, helpRequest } from '../bin/bundle.mjs';

const cliBin = fileURLToPath(new URL('../bin/delineate.mjs', import.meta.url));

/** A module-resolution hook that makes importing any of these packages fail. */
const refuseHeavy = `data:text/javascript,${encodeURIComponent(`
import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(`
const heavy = /^(@electric-sql\\/pglite|pg|kysely|fastify|@aws-sdk\\/.*|zod)$/;
export async function resolve(specifier, context, next) {
  if (heavy.test(specifier)) throw new Error('refused import of ' + specifier);
  return next(specifier, context);
}`)}));`)}`;

function run(args: string[], env: Record<string, string> = {}, nodeArgs: string[] = []) {
  return spawnSync(process.execPath, [...nodeArgs, cliBin, ...args], { env: { ...process.env, ...env }, encoding: 'utf8' });
}

describe('the help catalog', () => {
  it('answers every command path with Commander’s text without loading the store', async () => {
    const dir = (freshBundle() as string | undefined) ?? ((await buildBundle()) as string);
    const paths = Object.keys((JSON.parse(readFileSync(join(dir, 'help.json'), 'utf8')) as { commands: Record<string, string> }).commands);
    expect(paths).toEqual(expect.arrayContaining(['', 'audit', 'audit verify', 'audit export', 'start', 'token create', 'backup', 'restore']));

    // The refusing hook works: a command that opens the store fails under it.
    const opening = run(['audit', 'verify'], { DELINEATE_DATA: join(dir, 'no-such-data') }, ['--import', refuseHeavy]);
    expect(opening.status).not.toBe(0);

    for (const args of [['--help'], ['audit', '--help'], ['audit', 'verify', '--help'], ['token', 'create', '-h'], ['help', 'backup']]) {
      const fast = run(args, {}, ['--import', refuseHeavy]);
      expect(fast.status, `${args.join(' ')}: ${fast.stderr}`).toBe(0);
      const commander = run(args.at(0) === 'help' ? [...args.slice(1), '--help'] : args, { DELINEATE_CLI_FROM_SOURCE: '1' });
      expect(commander.status).toBe(0);
      expect(fast.stdout).toBe(commander.stdout);
      expect(fast.stdout).toMatch(/^Usage: delineate/);
    }
  }, 120_000);

  it('takes only plain command words before the help flag', () => {
    expect(helpRequest(['--help'])).toBe('');
    expect(helpRequest(['audit', 'verify', '-h'])).toBe('audit verify');
    expect(helpRequest(['help', 'audit'])).toBe('audit');
    // An option before --help may take it as its value: Commander decides.
    expect(helpRequest(['audit', 'verify', '--public-key', '--help'])).toBeUndefined();
    expect(helpRequest(['audit', 'verify'])).toBeUndefined();
  });
});
