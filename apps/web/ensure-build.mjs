// Builds apps/web/dist when it is missing or older than any source file (npm start, e2e tests).
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));

function newest(path) {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  let latest = 0;
  for (const entry of readdirSync(path)) latest = Math.max(latest, newest(join(path, entry)));
  return latest;
}

export async function ensureWebBuild({ force = false } = {}) {
  const built = join(root, 'dist', 'index.html');
  const sources = Math.max(newest(join(root, 'src')), newest(join(root, 'index.html')), newest(join(root, 'vite.config.ts')), newest(join(root, '..', '..', 'packages', 'core', 'src')));
  if (!force && existsSync(built) && statSync(built).mtimeMs >= sources) return false;
  const { build } = await import('vite');
  // A production bundle even when called from a test runner (which sets NODE_ENV=test).
  const previous = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({ configFile: join(root, 'vite.config.ts'), logLevel: 'warn', mode: 'production' });
  } finally {
    if (previous === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = previous;
  }
  return true;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const force = process.argv.includes('--force');
  const rebuilt = await ensureWebBuild({ force });
  console.log(rebuilt ? 'Web app built into apps/web/dist' : 'Web app build is up to date');
}
