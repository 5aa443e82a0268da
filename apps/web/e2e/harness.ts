import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { cp, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import jsQR from 'jsqr';
import { DEMO_CACHE_ENV } from './global-setup';

export const repoRoot = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
/** Screenshots and other kept outputs: DELINEATE_TEST_ARTIFACTS when set (CI collects it), else test-artifacts/web (gitignored). */
export const artifactsDir = process.env.DELINEATE_TEST_ARTIFACTS ? resolve(process.env.DELINEATE_TEST_ARTIFACTS) : join(repoRoot, 'test-artifacts', 'web');
const cli = join(repoRoot, 'apps', 'cli', 'bin', 'delineate.mjs');
export const chromiumPath = process.env.DELINEATE_CHROMIUM ?? '/usr/bin/chromium';

/** Debian's chromium must be there under CI; elsewhere the browser tests are skipped when it is not. */
export function browserAvailable(): boolean {
  if (existsSync(chromiumPath)) return true;
  if (process.env.CI) throw new Error(`Chromium not found at ${chromiumPath}: CI needs the Debian package chromium`);
  return false;
}

export async function ensureWebBuilt(): Promise<void> {
  const { ensureWebBuild } = (await import(join(repoRoot, 'apps', 'web', 'ensure-build.mjs'))) as { ensureWebBuild: () => Promise<boolean> };
  await ensureWebBuild();
}

export interface RunningServer {
  url: string;
  dataDir: string;
  passwords: Map<string, string>;
  stop(): Promise<void>;
}

/** Seeds a small demo phantom with the real CLI, then runs `delineate start` on a free loopback port. */
export async function startDemoServer(options: {
  slices: number;
  size: number;
  /** Runs after `delineate demo` and before `delineate start`, on the same data folder (e.g. to seed more items through the store). */
  beforeStart?: (dataDir: string) => Promise<void>;
  /** The whole demo (three phantoms, the agreement sample, seeded readings) instead of the one-item starting point most scenarios build on. */
  full?: boolean;
  /** More environment for the demo and the server (e.g. DELINEATE_TEST_CLOCK=1, which only a test server honours). */
  env?: Readonly<Record<string, string>>;
  /** Side of the demo's synthetic slide (default: the demo's own, small in the minimal demo). */
  slideSize?: number;
}): Promise<RunningServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'dln-web-e2e-'));
  const env = { ...process.env, DELINEATE_DATA: dataDir, DELINEATE_LOG_LEVEL: 'warn', DATABASE_URL: '', DELINEATE_BLOB_URL: '', ...options.env };
  // The benchmark's 128 × 512² demo takes minutes through de-identification on a busy 2-core machine.
  const demoArgs = ['demo', '--slices', String(options.slices), '--size', String(options.size), ...(options.full ? [] : ['--minimal']), ...(options.slideSize ? ['--slide-size', String(options.slideSize)] : [])];
  const demoOutput = await seedDemo(dataDir, demoArgs, env, options.env ?? {});
  const passwords = new Map<string, string>();
  for (const line of demoOutput.split('\n')) {
    const m = /^\s+(demo\.[a-z_.]+)\s+\S+\s+(\S+)\s*$/.exec(line);
    if (m) passwords.set(m[1]!, m[2]!);
  }
  if (!passwords.has('demo.annotator')) throw new Error('The demo printed no annotator password');
  await options.beforeStart?.(dataDir);
  // Port 0: the server takes a free port itself and prints it. A port probed free and then passed
  // on could be taken meanwhile by another test file's server (CI runs two files at once).
  const child: ChildProcess = spawn(process.execPath, [cli, 'start', '--no-demo', '--port', '0', '--host', '127.0.0.1'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const port = await new Promise<number>((ready, fail) => {
    const timer = setTimeout(() => fail(new Error(`server did not start: ${output.slice(-2000)}`)), 300_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const running = /Delineate is running at http:\/\/[^\s/]+:(\d+)/.exec(output);
      if (running) {
        clearTimeout(timer);
        ready(Number(running[1]));
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`server exited (${code}): ${output.slice(-2000)}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    dataDir,
    passwords,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((done) => child.once('exit', done));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((done) => setTimeout(done, 10_000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Runs `delineate demo` into `dataDir`, or copies the data folder an earlier test of this run
 * seeded with the same arguments and environment (global-setup.ts), and returns what the demo
 * printed. The folder holds no path of its own, so a copy serves as the original; each test gets
 * its own copy to change.
 */
async function seedDemo(dataDir: string, demoArgs: readonly string[], env: NodeJS.ProcessEnv, extraEnv: Readonly<Record<string, string>>): Promise<string> {
  const cacheRoot = process.env[DEMO_CACHE_ENV];
  const key = createHash('sha256').update(JSON.stringify([demoArgs, Object.entries(extraEnv).sort()])).digest('hex').slice(0, 16);
  const cached = cacheRoot ? join(cacheRoot, key) : undefined;
  if (cached && existsSync(join(cached, 'output.txt'))) {
    await cp(join(cached, 'data'), dataDir, { recursive: true });
    return readFile(join(cached, 'output.txt'), 'utf8');
  }
  const seeded = spawnSync(process.execPath, [cli, ...demoArgs], { env, encoding: 'utf8', timeout: 900_000 });
  if (seeded.status !== 0) throw new Error(`delineate demo failed (${seeded.status}): ${seeded.stderr.slice(-2000)}`);
  if (cached) {
    // Written aside and renamed into place: a test reading the cache sees a whole copy or none
    // (two files seeding the same demo at once both seed; the second rename finds the first's).
    const staging = await mkdtemp(join(cacheRoot!, 'staging-'));
    await cp(dataDir, join(staging, 'data'), { recursive: true });
    await writeFile(join(staging, 'output.txt'), seeded.stdout);
    await rename(staging, cached).catch(() => rm(staging, { recursive: true, force: true }));
  }
  return seeded.stdout;
}

export async function launchBrowser(): Promise<{ browser: Browser; userDataDirs: string[] }> {
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--use-angle=swiftshader',
      '--enable-unsafe-swiftshader',
    ],
  });
  return { browser, userDataDirs: [] };
}

export async function newContext(browser: Browser): Promise<BrowserContext> {
  return browser.newContext({ viewport: { width: 1400, height: 900 } });
}

function base32Decode(text: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const c of text.replace(/=+$/, '').toUpperCase()) {
    const index = alphabet.indexOf(c);
    if (index < 0) continue;
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** RFC 6238 TOTP (SHA-1, 6 digits, 30 s), as an authenticator app computes it. */
export function totp(secret: string, at = Date.now()): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(at / 30_000)));
  const mac = createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  const code = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(code).padStart(6, '0');
}

/** Reads the enrolment QR code as drawn in the page (its SVG path) and decodes it with jsQR. */
async function scanTotpQr(page: Page): Promise<string | undefined> {
  const svg = page.locator('[data-testid=totp-qr]');
  const size = Number((await svg.getAttribute('viewBox'))!.split(' ')[2]);
  const path = (await svg.locator('path').getAttribute('d'))!;
  const scale = 4;
  const data = new Uint8ClampedArray(size * scale * size * scale * 4).fill(255);
  for (const [, x, y] of path.matchAll(/M(\d+) (\d+)/g)) {
    for (let dy = 0; dy < scale; dy++) {
      for (let dx = 0; dx < scale; dx++) {
        const i = ((Number(y) * scale + dy) * size * scale + Number(x) * scale + dx) * 4;
        data[i] = data[i + 1] = data[i + 2] = 0;
      }
    }
  }
  return jsQR(data, size * scale, size * scale)?.data;
}

/** Signs in through the page, enrolling TOTP on first sign-in; returns the TOTP secret. */
export async function signIn(page: Page, url: string, username: string, password: string, secret?: string): Promise<string> {
  await page.goto(url);
  await page.fill('#username', username);
  await page.fill('#password', password);
  await page.click('[data-testid=sign-in]');
  let key = secret;
  if (!key) {
    await page.waitForSelector('[data-testid=totp-secret]:not(:text("…"))');
    key = (await page.textContent('[data-testid=totp-secret]'))!.trim();
    // The QR code beside the key must scan to the key's otpauth URI.
    // A plain check, not vitest's expect: bench/web.ts signs in through this harness outside vitest.
    const scanned = await scanTotpQr(page);
    if (!new RegExp(`^otpauth://totp/Delineate:[^?]+\\?secret=${key}&`).test(scanned ?? '')) throw new Error(`The enrolment QR code scans to ${scanned ?? 'nothing'}, not the key's otpauth URI`);
  }
  await page.waitForSelector('#code');
  await page.fill('#code', totp(key));
  await page.click('[data-testid=verify]');
  if (!secret) {
    await page.waitForSelector('[data-testid=recovery-codes]');
    await page.click('[data-testid=continue]');
  }
  await page.waitForSelector('[data-testid=signed-in-as]');
  return key;
}

export function screenshotPath(name: string): string {
  mkdirSync(artifactsDir, { recursive: true });
  return join(artifactsDir, `${name}.png`);
}

/** Waits until the workspace has the whole volume. */
export async function waitForVolume(page: Page): Promise<void> {
  await page.waitForFunction(() => {
    const d = (window as unknown as { __delineate?: { ready(): boolean; loadedSlices(): number; dims(): { slices: number } | undefined } }).__delineate;
    return d?.ready() && d.loadedSlices() === d.dims()?.slices;
  });
}
