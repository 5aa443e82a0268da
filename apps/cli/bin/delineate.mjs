#!/usr/bin/env node
// Runs the CLI from its bundle (built at install, rebuilt when a source changed: bundle.mjs), or
// from the TypeScript sources through tsx when DELINEATE_CLI_FROM_SOURCE=1 or the bundle cannot
// be built (esbuild missing); either way the same main().
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';

// The AWS SDK warns in nine lines on every run under Node.js 20 that its 2027 releases need
// Node.js 22; say it once, in one line, as every message of this CLI is.
const emitWarning = process.emitWarning.bind(process);
let runtimeNoted = false;
process.emitWarning = (warning, ...rest) => {
  const text = typeof warning === 'string' ? warning : (warning?.message ?? '');
  if (!/^NodeVersionSupportWarning/.test(text) && (typeof rest[0] === 'string' ? rest[0] : rest[0]?.type) !== 'NodeVersionSupportWarning') return emitWarning(warning, ...rest);
  if (!runtimeNoted) process.stderr.write(`delineate: note: Node.js ${process.versions.node} is past its end of life and the AWS SDK's releases from 2027 need Node.js 22 or later; Node.js 24 is the supported runtime\n`);
  runtimeNoted = true;
};

async function loadMain() {
  if (process.env.DELINEATE_CLI_FROM_SOURCE !== '1') {
    const { freshBundle, buildBundle, commandBundle, helpRequest, storedHelp } = await import('./bundle.mjs');
    let dir = freshBundle();
    if (!dir) dir = await buildBundle().catch(() => undefined);
    if (dir) {
      // A command's help from the bundle's help catalog: no command module (and no store) loaded.
      const path = helpRequest(process.argv.slice(2));
      const help = path === undefined ? undefined : storedHelp(dir, path);
      if (help !== undefined) return async () => (process.stdout.write(help), 0);
      // The command's own bundle: only the code that command uses (not the server for `audit`).
      const own = commandBundle(dir, process.argv.slice(2));
      if (own) return (await import(pathToFileURL(own).href)).main;
      return (await import(pathToFileURL(join(dir, 'delineate.mjs')).href)).main;
    }
  }
  const { register } = await import('tsx/esm/api');
  register();
  return (await import('../src/main.ts')).main;
}

const main = await loadMain();
process.exitCode = await main(process.argv.slice(2));
