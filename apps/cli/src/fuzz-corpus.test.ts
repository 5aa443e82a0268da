// The DICOM fuzz corpus (issue 11, "what it must show") through the real CLI: `delineate deid`
// on the corpus folder and `delineate ingest` into a fresh data folder (embedded store), each a
// child process with its peak memory measured. No crash, no hang, every failure coded, peak
// memory under 1 GB, and no identifying value of the corpus in any output, report or log line.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromEnv, openPlatform } from '@delineate/server';
import { demoProjectSettings, liverCtLabelSchema, liverCtReviewProtocol, modalities } from '@delineate/schema';
import { LabelSchemaRepository, ProjectRepository, ReviewProtocolRepository, testing } from '@delineate/store';
import { FUZZ_MARKER, writeFuzzCorpus, type FuzzCase } from '@delineate/testkit';

const bin = fileURLToPath(new URL('../bin/delineate.mjs', import.meta.url));
const GIB = 1024 ** 3;
/** A run longer than this is a hang. */
const TIMEOUT_MS = 120_000;

interface Run {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Peak resident memory of the process and its threads, in bytes. */
  readonly peakRss: number;
}

/**
 * Runs the CLI as a child process. Its peak memory is read twice where possible: by GNU time
 * (`/usr/bin/time -f %M`, kilobytes) when it is installed, and by the process itself at exit
 * (process.resourceUsage().maxRSS, kilobytes, through a preloaded module); the larger counts.
 */
function runCli(args: string[], env: NodeJS.ProcessEnv, dir: string): Promise<Run> {
  const rssFile = join(dir, `rss-${Math.random().toString(36).slice(2)}`);
  const preload = join(dir, 'report-rss.mjs');
  writeFileSync(preload, "import { writeFileSync } from 'node:fs';\nprocess.on('exit', () => writeFileSync(process.env.DLN_RSS_FILE, String(process.resourceUsage().maxRSS)));\n");
  const timeFile = join(dir, `time-${Math.random().toString(36).slice(2)}`);
  const gnuTime = existsSync('/usr/bin/time');
  const node = [process.execPath, '--import', preload, bin, ...args];
  const [command, ...rest] = gnuTime ? ['/usr/bin/time', '-f', '%M', '-o', timeFile, ...node] : node;
  return new Promise((resolve, reject) => {
    const child = spawn(command!, rest, { env: { ...env, DLN_RSS_FILE: rssFile }, stdio: ['ignore', 'pipe', 'pipe'], timeout: TIMEOUT_MS, killSignal: 'SIGKILL' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('latin1')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('latin1')));
    child.once('error', reject);
    child.once('close', (code, signal) => {
      const kib = [rssFile, timeFile].filter((f) => existsSync(f)).map((f) => Number(readFileSync(f, 'utf8').trim().split('\n').at(-1)));
      resolve({ code, signal, stdout, stderr, peakRss: Math.max(0, ...kib.filter(Number.isFinite)) * 1024 });
    });
  });
}

function containsMarker(bytes: Uint8Array | string): boolean {
  const text = typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('latin1');
  return text.toUpperCase().includes(FUZZ_MARKER);
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/**
 * The store `delineate ingest` writes to: the embedded one by default, PostgreSQL with
 * DELINEATE_FUZZ_STORE=postgres. CI's Node 24 pass uses PostgreSQL: there a process running the
 * embedded database peaks near the 1 GB bound by itself, once, when V8 13 optimises one large
 * function of PGlite's WebAssembly in a 600 MB zone (.ci/run), which says nothing of the corpus.
 */
const store = (() => {
  const chosen = process.env.DELINEATE_FUZZ_STORE ?? 'embedded';
  if (chosen !== 'embedded' && chosen !== 'postgres') throw new Error('DELINEATE_FUZZ_STORE is embedded or postgres');
  return chosen;
})();

describe('the DICOM fuzz corpus through the CLI', () => {
  let dir: string;
  let corpus: string;
  let cases: FuzzCase[];
  const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({ PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'test', ...extra });

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'dln-fuzz-'));
    corpus = join(dir, 'corpus');
    cases = writeFuzzCorpus(corpus);
  });
  let dropDatabase: (() => Promise<void>) | undefined;
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await dropDatabase?.();
  });

  it('covers every class with identifying values planted, small on disk', () => {
    const kinds = new Set(cases.map((c) => c.kind));
    expect([...kinds].sort()).toEqual(['decompression-bomb', 'deep-sequence', 'huge-geometry', 'identifying-odd-place', 'length-field', 'non-dicom', 'truncation', 'valid', 'wrong-transfer-syntax']);
    expect(cases.length).toBeGreaterThanOrEqual(40);
    expect(cases.reduce((n, c) => n + c.bytes.length, 0)).toBeLessThan(8 * 1024 * 1024);
    expect(cases.filter((c) => containsMarker(c.bytes)).length).toBeGreaterThan(30);
  });

  it('delineate deid: no crash or hang, every refusal coded, bombs refused as too large, under 1 GB, no marker anywhere', async () => {
    const out = join(dir, 'deid-out');
    const run = await runCli(['deid', corpus, out], env({ DELINEATE_PROJECT_SECRET: 'fuzz-corpus-project-secret-0001' }), dir);
    console.log(`fuzz corpus: deid peak RSS ${(run.peakRss / 2 ** 20).toFixed(0)} MiB, exit ${run.code}`);
    expect(run.signal, run.stderr.slice(-2000)).toBeNull();
    expect([0, 3], run.stderr.slice(-2000)).toContain(run.code);
    expect(run.peakRss).toBeGreaterThan(0);
    expect(run.peakRss).toBeLessThan(GIB);

    const report = JSON.parse(readFileSync(join(out, 'deid-report.json'), 'utf8')) as { files: { sourceSha256: string; status: string; reasons: string[] }[] };
    const byHash = new Map(report.files.map((f) => [f.sourceSha256, f]));
    for (const c of cases) {
      const file = byHash.get(sha256(c.bytes));
      expect(file, c.name).toBeDefined();
      if (file?.status === 'rejected') expect(file.reasons.some((r) => /DLN_[A-Z_]+/.test(r)), `${c.name}: ${file.reasons.join(';')}`).toBe(true);
      if (file?.status === 'quarantined') expect(file.reasons.length, c.name).toBeGreaterThan(0);
      if (c.kind === 'decompression-bomb' || c.kind === 'huge-geometry') {
        // Refused whole, or (a compressed frame whose header contradicts the image) held for a steward with the decoder's refusal.
        expect(file?.status, c.name).not.toBe('passed');
        expect(file?.reasons.join(';'), c.name).toMatch(file?.status === 'rejected' ? /DLN_DICOM_(TOO_LARGE|INVALID)/ : /pixel-decode-failed/);
      }
      if (c.kind === 'non-dicom' || c.kind === 'truncation') expect(file?.status, c.name).toBe('rejected');
    }
    expect(byHash.get(sha256(cases.find((c) => c.name === 'bomb-deflated-2gib.dcm')!.bytes))?.reasons).toEqual(['malformed:DLN_DICOM_TOO_LARGE']);

    const leaks = filesUnder(out).filter((f) => containsMarker(readFileSync(f)));
    expect(leaks).toEqual([]);
    expect(containsMarker(run.stdout)).toBe(false);
    expect(containsMarker(run.stderr)).toBe(false);
  });

  it(`delineate ingest: the whole corpus in one batch into a fresh data folder (${store === 'postgres' ? 'PostgreSQL' : 'embedded'} store), under 1 GB, no marker in outputs, records or logs`, async () => {
    const data = join(dir, 'data');
    let platformEnv = env({ DELINEATE_DATA: data });
    if (store === 'postgres') {
      const empty = await testing.createEmptyPostgresDatabase();
      dropDatabase = empty.drop;
      platformEnv = env({ DELINEATE_DATA: data, DATABASE_URL: empty.url });
    } else {
      // The embedded database from the migrated template: no initdb and migrations in this test.
      await testing.seedPGliteDataDir(data);
    }
    const config = configFromEnv(platformEnv);
    const platform = await openPlatform(config, platformEnv);
    let projectId: string;
    try {
      const labelSchema = await new LabelSchemaRepository(platform.database.db).create(liverCtLabelSchema);
      const protocol = await new ReviewProtocolRepository(platform.database.db).create(liverCtReviewProtocol);
      const project = await new ProjectRepository(platform.database.db).create({
        ...demoProjectSettings,
        name: 'fuzz corpus',
        // Every modality: the corpus is for the gate's decoders, not for the modality check.
        acceptedModalities: [...modalities],
        labelSchema: { id: labelSchema.id, version: labelSchema.version },
        reviewProtocol: { id: protocol.id, version: protocol.version },
      });
      projectId = project.id;
    } finally {
      await platform.blobs.close();
      await platform.database.close();
    }

    const run = await runCli(['ingest', corpus, '--project', projectId, '--json'], platformEnv, dir);
    console.log(`fuzz corpus: ingest peak RSS ${(run.peakRss / 2 ** 20).toFixed(0)} MiB, exit ${run.code}`);
    expect(run.signal, run.stderr.slice(-2000)).toBeNull();
    expect([0, 3], run.stderr.slice(-2000)).toContain(run.code);
    expect(run.peakRss).toBeGreaterThan(0);
    expect(run.peakRss).toBeLessThan(GIB);
    expect(containsMarker(run.stdout)).toBe(false);
    expect(containsMarker(run.stderr)).toBe(false);

    // Every input is reported, once, with a code unless it passed; a rejected file leaves no record.
    const report = JSON.parse(run.stdout) as { files: { sourceSha256: string; status: string; code?: string; recordId?: string }[] };
    const byHash = new Map(report.files.map((f) => [f.sourceSha256, f]));
    for (const c of cases) {
      const file = byHash.get(sha256(c.bytes));
      expect(file, c.name).toBeDefined();
      if (file?.status !== 'passed') expect(file?.code, c.name).toMatch(/^DLN_[A-Z_]+$/);
      if (c.kind === 'decompression-bomb' || c.kind === 'huge-geometry') expect(file?.status, c.name).not.toBe('passed');
      if (c.kind === 'non-dicom' || c.kind === 'truncation') expect(file?.status, c.name).toBe('rejected');
    }
    expect(byHash.get(sha256(cases.find((c) => c.name === 'bomb-deflated-2gib.dcm')!.bytes))).toMatchObject({ status: 'rejected', code: 'DLN_DICOM_TOO_LARGE' });

    // Every record kept (passed or quarantined) and every output the gate wrote is free of the markers.
    const reopened = await openPlatform(config, platformEnv);
    try {
      const records = await reopened.database.db.selectFrom('deid_records').select(['id', 'source_hash', 'output_hash', 'status', 'findings']).where('project_id', '=', projectId).execute();
      const kept = report.files.filter((f) => f.recordId).map((f) => f.recordId);
      expect(records.map((r) => r.id).sort()).toEqual([...kept].sort());
      for (const record of records) {
        expect(containsMarker(JSON.stringify(record.findings))).toBe(false);
        if (record.output_hash) expect(containsMarker(await reopened.blobs.get(record.output_hash))).toBe(false);
      }
    } finally {
      await reopened.blobs.close();
      await reopened.database.close();
    }
  });
}, 400_000);
