#!/usr/bin/env node
// Runs the CLI from its bundle (built at install, rebuilt when a source changed: bundle.mjs), or
// from the TypeScript sources through tsx when DELINEATE_CLI_FROM_SOURCE=1 or the bundle cannot
// be built (esbuild missing); either way the same main().
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';

async function loadMain() {
  if (process.env.DELINEATE_CLI_FROM_SOURCE !== '1') {
    const { freshBundle, buildBundle } = await import('./bundle.mjs');
    let dir = freshBundle();
    if (!dir) dir = await buildBundle().catch(() => undefined);
    if (dir) return (await import(pathToFileURL(join(dir, 'delineate.mjs')).href)).main;
  }
  const { register } = await import('tsx/esm/api');
  register();
  return (await import('../src/main.ts')).main;
}

const main = await loadMain();
process.exitCode = await main(process.argv.slice(2));
