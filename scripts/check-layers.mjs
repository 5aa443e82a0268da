#!/usr/bin/env node
// Enforces the layer rule of docs/ARCHITECTURE.md §3 on every import in the workspace:
// a workspace may import only the workspaces scripts/layers.json allows, declared in its
// package.json; product code never imports @delineate/testkit; core and schema import no
// Node built-in. TypeScript project references enforce the same rule at build time.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const layers = JSON.parse(readFileSync(join(root, 'scripts/layers.json'), 'utf8'));
const nameToDir = new Map();
for (const dir of Object.keys(layers)) {
  if (dir.startsWith('$')) continue;
  const pkg = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'));
  nameToDir.set(pkg.name, dir);
}
const importRe = /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s+['"]([^'"]+)['"]/gm;

function* sources(dir) {
  for (const entry of readdirSync(dir)) {
    if (entry === 'node_modules' || entry === 'build' || entry === 'dist') continue;
    const p = join(dir, entry);
    if (statSync(p).isDirectory()) yield* sources(p);
    else if (/\.(ts|tsx|mts)$/.test(entry) && !entry.endsWith('.d.ts')) yield p;
  }
}

const violations = [];
for (const [dir, allowedDirs] of Object.entries(layers)) {
  if (dir.startsWith('$')) continue;
  const pure = dir === 'packages/core' || dir === 'packages/schema';
  const declared = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'));
  const declaredDeps = { ...declared.dependencies, ...declared.devDependencies };
  for (const file of sources(join(root, dir, 'src'))) {
    const isTest = /\.test\.tsx?$/.test(file) || file.includes('/src/test/');
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(importRe)) {
      const spec = m[1] ?? m[2] ?? m[3];
      if (!spec) continue;
      const where = relative(root, file);
      if (spec.startsWith('@delineate/')) {
        const pkgName = spec.split('/').slice(0, 2).join('/');
        const target = nameToDir.get(pkgName);
        if (!target) violations.push(`${where}: unknown workspace ${pkgName}`);
        else if (target === dir) violations.push(`${where}: imports its own package by name; use a relative import`);
        else if (target === 'packages/testkit' && !isTest) violations.push(`${where}: product code imports @delineate/testkit (tests only)`);
        else if (target !== 'packages/testkit' && !allowedDirs.includes(target)) violations.push(`${where}: ${dir} may not import ${target} (scripts/layers.json)`);
        else if (!(pkgName in declaredDeps)) violations.push(`${where}: ${pkgName} is not declared in ${dir}/package.json`);
      } else if (pure && !isTest && (spec.startsWith('node:') || ['fs', 'path', 'crypto', 'os', 'zlib', 'worker_threads', 'child_process'].includes(spec))) {
        violations.push(`${where}: ${dir} is pure and may not import ${spec}`);
      }
    }
  }
}
if (violations.length) {
  console.error(`Layer rule violated (docs/ARCHITECTURE.md §3):\n  ${violations.join('\n  ')}`);
  process.exit(1);
}
console.log('layers: ok');
