// Agreement engine against plastimatch (Debian, ITK-based) on the same .nii.gz files, in one run:
// (a) two ellipsoids and (b) a large organ in 512×512×200 at 0.7×0.7×2.5 mm: `plastimatch dice --all`
// beside our overlap + every surface metric of the pair (each convention); (c) STAPLE of 5 raters
// of 512×512×200, timed alone. Our side runs in a child process so its peak RSS is its own.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type LabelMap, gridOf, staple, voxelCount } from '@delineate/core';
import { writeNiftiFile } from '@delineate/formats';
import { type LabelSource, loadLabelMap, loadLabelRuns, metricsRunner, pairMetrics } from '../apps/cli/src/commands/metrics';
import type { BenchResult } from './types';

const DIMS = [512, 512, 200] as const;
const SPACING = [0.7, 0.7, 2.5] as const;
const VOXELS = DIMS[0] * DIMS[1] * DIMS[2];

/** Ellipsoid centre and semi-axes in mm; `wobble` perturbs the radius with a smooth angular term. */
function ellipsoid(c: readonly number[], r: readonly number[], wobble = 0, phase = 0): Uint8Array {
  const [nx, ny, nz] = DIMS;
  const d = new Uint8Array(VOXELS);
  for (let z = 0; z < nz; z++)
    for (let y = 0; y < ny; y++) {
      const row = (z * ny + y) * nx;
      const dz = ((z + 0.5) * SPACING[2] - (c[2] ?? 0)) / (r[2] ?? 1);
      const dy = ((y + 0.5) * SPACING[1] - (c[1] ?? 0)) / (r[1] ?? 1);
      const rem0 = dz * dz + dy * dy;
      if (rem0 > (1 + wobble) ** 2) continue;
      for (let x = 0; x < nx; x++) {
        const dx = ((x + 0.5) * SPACING[0] - (c[0] ?? 0)) / (r[0] ?? 1);
        const limit = wobble ? 1 + wobble * Math.sin(3 * Math.atan2(dy, dx) + phase) * Math.cos(2 * dz + phase) : 1;
        if (dx * dx + rem0 <= limit * limit) d[row + x] = 1;
      }
    }
  return d;
}

const CASES = {
  a: { title: '(a) two ellipsoids', first: [[180, 175, 250], [60, 45, 70]], second: [[183, 173, 255], [62, 44, 67]] },
  b: { title: '(b) large organ 150×140×200 mm', first: [[179, 179, 250], [150, 140, 200]], second: [[181, 178, 252], [147, 143, 195]] },
} as const;

const ms = (t0: number): number => Math.round((performance.now() - t0) * 10) / 10;

/** Each side is timed this many times and the best time kept: the machine is shared, so the best run is the least disturbed. */
const REPEATS = 3;

/** Child mode: time our side on files, print JSON. */
async function child(mode: string, files: string[]): Promise<void> {
  // The runner of `delineate metrics`; over the repeats it runs warm, as in a long-running process.
  const runner = mode === 'pair' ? metricsRunner() : null;
  const t0 = performance.now();
  // Read as `delineate metrics` reads (both files at once, as runs) and as `delineate consensus` reads (whole volumes).
  const maps: LabelSource[] =
    mode === 'pair'
      ? (await Promise.all(files.map((f) => loadLabelRuns(f)))).map((x) => x.map)
      : (await Promise.all(files.map((f) => loadLabelMap(f)))).map((x) => x.map);
  const readMs = ms(t0);
  const inputBytes = maps.reduce((s, m) => s + voxelCount(m.grid), 0); // uint8 masks
  const out: Record<string, number | string> = { readMs, inputBytes };
  if (mode === 'pair') {
    const [ref, test] = maps;
    if (!ref || !test || !runner) throw new Error('two files expected');
    // Conventions interleaved so both get the same JIT warm-up; a long-running worker runs warm.
    for (let rep = 0; rep < REPEATS + 2; rep++) {
      for (const convention of ['surfel', 'voxel'] as const) {
        const t = performance.now();
        const [m] = await pairMetrics(ref, test, [1], { convention, percentile: 95, tolerancesMm: [1, 2] }, runner);
        const took = ms(t);
        if (rep === 0) out[`${convention}ColdMs`] = took;
        out[`${convention}BestMs`] = Math.min(took, Number(out[`${convention}BestMs`] ?? Infinity));
        if (m) {
          out[`${convention}Hausdorff`] = m.hausdorff;
          out[`${convention}Hd95`] = m.hd95 ?? NaN;
          out[`${convention}Assd`] = m.assd;
          out.dice = m.dice;
        }
      }
    }
    await runner.close();
  } else {
    const data = maps.map((m) => (m as LabelMap).data);
    let r = staple(data);
    for (let rep = 0; rep < REPEATS; rep++) {
      const t = performance.now();
      r = staple(data);
      out.stapleMs = Math.min(ms(t), Number(out.stapleMs ?? Infinity));
    }
    out.iterations = r.iterations;
    out.sensitivity = r.sensitivity.map((s) => s.toFixed(4)).join(' ');
  }
  out.totalMs = ms(t0);
  out.maxRssBytes = process.resourceUsage().maxRSS * 1024;
  process.stdout.write(JSON.stringify(out));
}

function runChild(mode: string, files: string[]): Record<string, number | string> {
  const self = fileURLToPath(import.meta.url);
  const r = spawnSync(process.execPath, ['--import', 'tsx', self, '--agreement-child', mode, ...files], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  if (r.status !== 0) throw new Error(`benchmark child failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, number | string>;
}

/** The `delineate metrics` command itself, as a user runs it: wall time and peak RSS (GNU time). */
function delineateCli(a: string, b: string, convention: string): { ms: number; maxRssBytes: number | null } {
  const cli = fileURLToPath(new URL('../apps/cli/bin/delineate.mjs', import.meta.url));
  const args = [process.execPath, cli, 'metrics', a, b, '--convention', convention, '--tolerance-mm', '1,2', '--json'];
  const useTime = existsSync('/usr/bin/time');
  const t0 = performance.now();
  const r = useTime ? spawnSync('/usr/bin/time', ['-f', 'MAXRSS %M', ...args], { encoding: 'utf8' }) : spawnSync(args[0] ?? '', args.slice(1), { encoding: 'utf8' });
  const wall = ms(t0);
  if (r.status !== 0) throw new Error('delineate metrics failed');
  const rss = /MAXRSS (\d+)/.exec(r.stderr)?.[1];
  return { ms: wall, maxRssBytes: rss ? Number(rss) * 1024 : null };
}

/**
 * plastimatch wall time and peak RSS (GNU time), with its Dice and Hausdorff for the record.
 * `all`: `plastimatch dice --all` (Dice and Hausdorff distances); else `plastimatch dice` (Dice only).
 */
function plastimatch(a: string, b: string, all = true): { ms: number; maxRssBytes: number | null; dice: number; hausdorff: number } {
  const args = ['dice', ...(all ? ['--all'] : []), a, b];
  const useTime = existsSync('/usr/bin/time');
  let wall = Infinity;
  let r = spawnSync('true');
  for (let rep = 0; rep < REPEATS; rep++) {
    const t0 = performance.now();
    r = useTime
      ? spawnSync('/usr/bin/time', ['-f', 'MAXRSS %M', 'plastimatch', ...args], { encoding: 'utf8' })
      : spawnSync('plastimatch', args, { encoding: 'utf8' });
    wall = Math.min(wall, ms(t0));
    if (r.status !== 0) throw new Error('plastimatch dice failed');
  }
  const num = (re: RegExp): number => Number(re.exec(r.stdout)?.[1] ?? NaN);
  const rss = /MAXRSS (\d+)/.exec(r.stderr)?.[1];
  return {
    ms: wall,
    maxRssBytes: rss ? Number(rss) * 1024 : null,
    dice: num(/DICE:\s+([\d.]+)/),
    hausdorff: num(/^Hausdorff distance = ([\d.]+)/m),
  };
}

export async function run(): Promise<BenchResult> {
  execFileSync('plastimatch', ['--version']);
  const dir = mkdtempSync(join(tmpdir(), 'dln-bench-agreement-'));
  const grid = gridOf([...DIMS], [...SPACING]);
  const rows: BenchResult['rows'] = [];
  const targets: BenchResult['targets'] = [];
  const mb = (b: number): number => Math.round(b / 2 ** 20);
  const loadBefore = loadavg()[0] ?? 0;
  try {
    for (const [key, c] of Object.entries(CASES)) {
      const f1 = join(dir, `${key}1.nii.gz`), f2 = join(dir, `${key}2.nii.gz`);
      await writeNiftiFile(f1, { grid, data: ellipsoid(c.first[0], c.first[1]) });
      await writeNiftiFile(f2, { grid, data: ellipsoid(c.second[0], c.second[1]) });
      const p = plastimatch(f1, f2);
      const pDice = plastimatch(f1, f2, false);
      const ours = runChild('pair', [f1, f2]);
      const inputBytes = Number(ours.inputBytes);
      rows.push({ case: c.title, system: 'plastimatch dice --all', metrics: 'Dice, HD, HD95, avg HD (voxel)', ms: p.ms, readMs: null, peakRssMiB: p.maxRssBytes ? mb(p.maxRssBytes) : null, dice: p.dice, hausdorff: p.hausdorff, hd95: null, assd: null });
      // For the record, not judged: plastimatch without --all reads both files and computes Dice
      // only, so the difference is what it spends on surface distances.
      rows.push({ case: c.title, system: 'plastimatch dice (Dice only)', metrics: `reading + overlap; surface distances alone ≈ ${Math.round(p.ms - pDice.ms)} ms of --all`, ms: pDice.ms, readMs: null, peakRssMiB: pDice.maxRssBytes ? mb(pDice.maxRssBytes) : null, dice: pDice.dice, hausdorff: null, hd95: null, assd: null });
      for (const conv of ['surfel', 'voxel'] as const) {
        rows.push({
          case: c.title,
          system: `delineate (${conv})`,
          metrics: 'overlap + HD, HD95, ASSD, MASD, NSD@1,2 mm',
          ms: Number(ours[`${conv}BestMs`]),
          firstCallMs: Number(ours[`${conv}ColdMs`]),
          readMs: Number(ours.readMs),
          peakRssMiB: mb(Number(ours.maxRssBytes)),
          dice: Number(ours.dice),
          hausdorff: Number(ours[`${conv}Hausdorff`]),
          hd95: Number(ours[`${conv}Hd95`]),
          assd: Number(ours[`${conv}Assd`]),
        });
      }
      const cli = delineateCli(f1, f2, 'surfel');
      rows.push({ case: c.title, system: 'delineate metrics (CLI, surfel), whole run', metrics: 'as above, one process: start-up, reading, computing, JSON', ms: cli.ms, peakRssMiB: cli.maxRssBytes ? mb(cli.maxRssBytes) : null });
      const surfel = Number(ours.surfelBestMs), read = Number(ours.readMs);
      targets.push({
        target: `${c.title}: all surface metrics of the pair ≥ 10× faster than plastimatch`,
        // plastimatch's time includes reading the two files, so ours must too.
        measured: `${(p.ms / (surfel + read)).toFixed(1)}× reading both .nii.gz (${read} ms) and computing (surfel ${surfel} ms) vs plastimatch ${p.ms} ms; computing alone ${(p.ms / surfel).toFixed(1)}× (voxel ${(p.ms / Number(ours.voxelBestMs)).toFixed(1)}×)`,
        met: p.ms / (surfel + read) >= 10,
      });
      const peak = cli.maxRssBytes ?? Number(ours.maxRssBytes);
      targets.push({
        target: `${c.title}: peak memory ≤ 4× input masks`,
        measured: `${mb(peak)} MiB peak RSS of \`delineate metrics\` for ${mb(inputBytes)} MiB of masks (${(peak / inputBytes).toFixed(2)}×, Node and tsx included)`,
        met: peak <= 4 * inputBytes,
      });
    }

    const raters: string[] = [];
    for (let r = 0; r < 5; r++) {
      const f = join(dir, `rater${r}.nii.gz`);
      await writeNiftiFile(f, { grid, data: ellipsoid([179 + r, 179 - r, 250 + 2 * r], [100 + 2 * r, 90 - r, 150 + 3 * r], 0.04, r) });
      raters.push(f);
    }
    const s = runChild('staple', raters);
    rows.push({ case: '(c) STAPLE, 5 raters 512×512×200', system: 'delineate staple', metrics: `sensitivity ${s.sensitivity}; ${s.iterations} iterations`, ms: Number(s.stapleMs), readMs: Number(s.readMs), peakRssMiB: mb(Number(s.maxRssBytes)) });
    targets.push({ target: '(c) STAPLE of 5 raters of 512×512×200 < 1 s', measured: `${s.stapleMs} ms (EM over rater-decision pattern counts; reading the 5 files: ${s.readMs} ms)`, met: Number(s.stapleMs) < 1000 });
    targets.push({
      target: '(c) peak memory ≤ 4× input masks',
      measured: `${mb(Number(s.maxRssBytes))} MiB for ${mb(Number(s.inputBytes))} MiB of masks (${(Number(s.maxRssBytes) / Number(s.inputBytes)).toFixed(2)}×)`,
      met: Number(s.maxRssBytes) <= 4 * Number(s.inputBytes),
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    name: 'agreement',
    description:
      'Overlap and surface metrics of a mask pair and STAPLE of 5 raters on 512×512×200 masks at 0.7×0.7×2.5 mm, against `plastimatch dice --all` (ITK) on the same .nii.gz files in the same run.',
    rows,
    targets,
    notes: [
      `Times are the best of ${REPEATS} runs for both sides. plastimatch's is its whole run (reading both files, Dice, Hausdorff on the full grid); ours is the computation after reading (reading shown separately); firstCallMs is our first call in a fresh process (JIT warm-up included).`,
      'Our reading is that of `delineate metrics`: both .nii.gz files read at once, inflated piece by piece into one reused window by formats\' own gzip decoder (sparse masks, as in (a)) or in chunks on the libuv thread pool (denser ones, as in (b)), and kept as label runs (never as whole volumes); the pair is scanned, and its surfel surfaces extracted, from its runs. The two directions of a pair run on two threads once the runner\'s worker has loaded (the first call starts it and computes both on one thread, so firstCallMs and the one-shot CLI row are single-threaded).',
      '`plastimatch dice` (Dice only) is timed beside `--all` so its cost of surface distances alone shows; the target compares with `--all`. plastimatch\'s times include its process start; ours (read + compute) do not include Node and tsx start-up, which the CLI whole-run row does.',
      'Our surface metrics are exact Euclidean distances over the union bounding box; plastimatch reports the voxel-convention Hausdorff, which matches our `voxel` row.',
      'Peak RSS is the process maximum (Node runtime and tsx included); input masks are the uint8 volumes in memory.',
      `Machine load (1-minute average) at the start of the run: ${loadBefore.toFixed(1)}, at the end: ${(loadavg()[0] ?? 0).toFixed(1)}; both sides share the machine, so ratios vary between runs.`,
    ],
  };
}

if (process.argv[2] === '--agreement-child') {
  await child(process.argv[3] ?? 'pair', process.argv.slice(4));
}
