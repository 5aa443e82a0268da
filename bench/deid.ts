// De-identification gate throughput on a 300-slice 512×512 CT series (generated here), side by
// side with gdcmanon (Debian libgdcm-tools, PS3.15 E.1 basic profile) on the same files:
//   attribute step: read file → Table E.1-1 + options → markers → write file (no verification);
//   full gate: deidentifyDicom with the byte verifier and dciodvfy, one worker per core;
//   gdcmanon: one process over the folder (-e with a throwaway certificate, as it requires).
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { readDicomFile, writeCtPhantom, writeDicomFile } from '@delineate/formats';
import {
  createDciodvfyValidator,
  deidentifyDataset,
  deidentifyDicom,
  DerivedPseudonymMap,
  UidMapper,
  writeMarkers,
  type AttributeAction,
  type DeidConfig,
  type DeidOption,
} from '@delineate/deid';
import type { BenchResult } from './types';

const SLICES = 300;
const WORKERS = 2 * availableParallelism();
const ROUNDS = 3;
const secret = Buffer.from('bench-project-secret-0123456789');
const options = new Set<DeidOption>(['modified-dates']);

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await work();
  return { ms: performance.now() - started, value };
}

async function attributeStep(files: readonly string[], out: string): Promise<void> {
  const uids = new UidMapper(secret);
  const pseudonyms = new DerivedPseudonymMap(secret);
  for (const path of files) {
    const file = readDicomFile(await readFile(path));
    const pseudonym = await pseudonyms.pseudonymFor({ patientId: 'bench' });
    const actions: AttributeAction[] = [];
    deidentifyDataset(file.dataset, { options, uids, dateOffsetDays: -100, pseudonym, safePrivate: [], identifying: [] }, actions);
    writeMarkers(file.dataset, options);
    await writeFile(join(out, `${basename(path)}.${actions.length > 0 ? "deid" : "copy"}`), writeDicomFile(file));
  }
}

async function fullGate(files: readonly string[], out: string, validate = true): Promise<number> {
  const config: DeidConfig = {
    secret,
    options,
    pseudonyms: new DerivedPseudonymMap(secret),
    uids: new UidMapper(secret),
    ...(validate ? { validator: createDciodvfyValidator() } : {}),
  };
  let passed = 0;
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const path = files[next++] ?? '';
      const result = await deidentifyDicom(await readFile(path), config);
      if (result.record.status === 'passed') passed += 1;
      if (result.output) await writeFile(join(out, result.record.outputName ?? 'x.dcm'), result.output);
    }
  };
  await Promise.all(Array.from({ length: WORKERS }, worker));
  return passed;
}

function row(system: string, step: string, ms: number, files: number, bytes: number): Record<string, string | number> {
  return {
    system,
    step,
    files,
    seconds: Number((ms / 1000).toFixed(2)),
    'files/s': Number((files / (ms / 1000)).toFixed(1)),
    'MB/s': Number((bytes / 1e6 / (ms / 1000)).toFixed(1)),
  };
}

export async function run(): Promise<BenchResult> {
  const root = await mkdtemp(join(tmpdir(), 'delineate-bench-deid-'));
  try {
    const input = join(root, 'in');
    const written = await writeCtPhantom(input, { slices: SLICES });
    const files = [...written.files].sort();
    let bytes = 0;
    for (const path of files) bytes += (await stat(path)).size;

    const dirs = ['attr', 'gate', 'gdcm'].map((name) => join(root, name));
    for (const dir of dirs) await mkdir(dir);
    const [attrDir = '', gateDir = '', gdcmDir = ''] = dirs;
    // Warm caches and the JIT on a few files first, then take the median of interleaved rounds.
    await attributeStep(files.slice(0, 10), attrDir);
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(root, 'key.pem'), '-out', join(root, 'cert.pem'), '-subj', '/CN=bench', '-days', '1'], { stdio: 'ignore' });
    const rounds: { attr: number; gateNoIod: number; gate: number; gdcm: number; passed: number }[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      const attrRun = await timed(() => attributeStep(files, attrDir));
      const gateNoIodRun = await timed(() => fullGate(files, gateDir, false));
      const gateRun = await timed(() => fullGate(files, gateDir));
      const gdcmRun = await timed(async () => {
        execFileSync('gdcmanon', ['-e', '--continue', '-c', join(root, 'cert.pem'), '-i', input, '-o', gdcmDir], { stdio: 'ignore' });
      });
      rounds.push({ attr: attrRun.ms, gateNoIod: gateNoIodRun.ms, gate: gateRun.ms, gdcm: gdcmRun.ms, passed: gateRun.value });
    }
    const median = (pick: (r: (typeof rounds)[number]) => number) => [...rounds.map(pick)].sort((a, b) => a - b)[Math.floor(rounds.length / 2)] ?? 0;
    const attr = { ms: median((r) => r.attr) };
    const gateNoIod = { ms: median((r) => r.gateNoIod) };
    const gate = { ms: median((r) => r.gate), value: Math.min(...rounds.map((r) => r.passed)) };
    const gdcm = { ms: median((r) => r.gdcm) };
    const gdcmFiles = (await readdir(gdcmDir)).length;

    const attrRate = files.length / (attr.ms / 1000);
    const gateRate = files.length / (gate.ms / 1000);
    const gdcmRate = files.length / (gdcm.ms / 1000);
    return {
      name: 'deid',
      description: `De-identification of a ${SLICES}-slice 512×512 CT series (${(bytes / 1e6).toFixed(0)} MB): Delineate attribute step and full gate vs gdcmanon (basic profile)`,
      rows: [
        row('delineate', 'attribute step (1 thread)', attr.ms, files.length, bytes),
        row('delineate', `gate with byte verifier, no dciodvfy (${WORKERS} workers)`, gateNoIod.ms, files.length, bytes),
        row('delineate', `full gate: verify + dciodvfy (${WORKERS} workers)`, gate.ms, files.length, bytes),
        row('gdcmanon', 'basic profile (1 process)', gdcm.ms, gdcmFiles, bytes),
      ],
      targets: [
        { target: 'attribute step at least as fast as gdcmanon', measured: `${attrRate.toFixed(0)} vs ${gdcmRate.toFixed(0)} files/s`, met: attrRate >= gdcmRate },
        { target: 'full gate within 3× of gdcmanon', measured: `${(gdcmRate / gateRate).toFixed(2)}× slower (${gate.value}/${files.length} passed)`, met: gdcmRate / gateRate <= 3 },
      ],
      notes: [
        `Options: modified-dates. Median of ${ROUNDS} interleaved rounds; times include reading and writing files on local disk.`,
        'The full gate runs dciodvfy on every output (and on its input only when the output shows errors, to tell new errors from old), plus the byte verifier; gdcmanon does no validation.',
      ],
    };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
