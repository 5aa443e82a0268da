import type { Command } from 'commander';
import { usageError } from '../failure';
import {
  type Grid,
  type LabelMap,
  type LabelRuns,
  type Surface,
  type SurfaceConvention,
  type SurfaceMetrics,
  cropLabelPair,
  emptyDirectedDistances,
  labelMap,
  labelRunsOf,
  labelsInRuns,
  labelsPresent,
  overlapMetrics,
  pairSurfaces,
  runPairSurfaces,
  scanLabelPair,
  scanRunPair,
  sameShape,
  surfaceConventions,
  surfaceMetrics,
  voxelCount,
} from '@delineate/core';
import { niftiLabels, readNiftiFile, readNiftiLabelRuns } from '@delineate/formats';
import { DelineateError, isDelineateError } from '@delineate/schema';
import { type SurfaceRunner, createSurfaceRunner, defaultThreads } from '../workers/surface-pool';
import { commandSummary } from '../catalog';

export const EXIT_USAGE = 2;
export const EXIT_FAILED = 1;

export interface SurfaceOptions {
  readonly convention: SurfaceConvention;
  readonly percentile: number;
  readonly tolerancesMm: readonly number[];
}

/** One label of a reference/test pair. Key `hd<percentile>` carries the percentile Hausdorff. */
export interface LabelPairMetrics {
  readonly label: number;
  readonly convention: SurfaceConvention;
  readonly dice: number;
  readonly jaccard: number;
  readonly volumeSimilarity: number;
  readonly sensitivity: number;
  readonly precision: number;
  readonly cohenKappa: number;
  readonly hausdorff: number;
  readonly [hd: `hd${number}`]: number;
  readonly assd: number;
  readonly masd: number;
  readonly surfaceDice: Readonly<Record<string, number>>;
  readonly directedHausdorff: SurfaceMetrics['directedHausdorff'];
  readonly averageDistance: SurfaceMetrics['averageDistance'];
  readonly referenceVoxels: number;
  readonly testVoxels: number;
}

export function usage(message: string): never {
  return usageError(message);
}

/** Reads a NIfTI label image. */
export async function loadLabelMap(path: string): Promise<{ map: LabelMap; affine: readonly number[] }> {
  const image = await readNiftiFile(path);
  return { map: labelMap(image.grid, niftiLabels(image)), affine: image.affine };
}

/** A label image held whole, or as runs (read without holding the decoded volume). */
export type LabelSource = LabelMap | LabelRuns;

function isRuns(m: LabelSource): m is LabelRuns {
  return 'rowStart' in m;
}

/**
 * Reads a NIfTI label image as runs: the file is decoded piece by piece (into one reused window,
 * or in chunks on the thread pool) and never held whole, and a pair is scanned and cropped from its runs.
 */
export async function loadLabelRuns(path: string): Promise<{ map: LabelRuns; affine: readonly number[] }> {
  const r = await readNiftiLabelRuns(path);
  return { map: r.runs, affine: r.affine };
}

/** All inputs must share one grid (dimensions; spacing as float32). */
export function requireSameGrid(maps: readonly { readonly grid: Grid }[]): void {
  const first = maps[0];
  for (const m of maps.slice(1)) {
    if (!first || !sameShape(first.grid, m.grid)) {
      throw new DelineateError('DLN_METRICS_SHAPE_MISMATCH', 'input images do not have the same dimensions');
    }
    if (!first.grid.spacing.every((s, i) => Math.abs(s - (m.grid.spacing[i] ?? NaN)) <= 1e-6 * s)) {
      throw new DelineateError('DLN_METRICS_SHAPE_MISMATCH', 'input images do not have the same voxel spacing');
    }
  }
}

export function parseNumberList(value: string, what: string): number[] {
  const out = value.split(',').map((s) => Number(s.trim()));
  if (out.length === 0 || out.some((n) => !Number.isFinite(n))) usage(`${what} must be a comma-separated list of numbers`);
  return out;
}

export function parseConvention(value: string): SurfaceConvention {
  const c = surfaceConventions.find((x) => x === value);
  if (!c) usage('--convention must be surfel or voxel');
  return c;
}

export function parsePercentile(value: string): number {
  const p = Number(value);
  if (!(p >= 0 && p <= 100)) usage('--percentile must be between 0 and 100');
  return p;
}

/** JSON with NaN and ±Infinity kept as the strings "NaN", "Infinity", "-Infinity" (docs/metrics.md). */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2);
}

/** Labels to compare: the requested ones, or every non-zero label in any input. */
export function labelsOf(maps: readonly LabelSource[], requested?: readonly number[]): number[] {
  if (requested && requested.length > 0) return [...requested];
  return [...new Set(maps.flatMap((m) => (isRuns(m) ? labelsInRuns(m) : labelsPresent(m))))].sort((a, b) => a - b);
}

/** Overlap and surface metrics of every label of a pair, both surface directions run in parallel. */
export async function pairMetrics(
  reference: LabelSource,
  test: LabelSource,
  labels: readonly number[],
  options: SurfaceOptions,
  runner: SurfaceRunner,
): Promise<LabelPairMetrics[]> {
  // Runs when either side is runs (same counts, boxes and crops as the voxel scan).
  const runs =
    isRuns(reference) || isRuns(test)
      ? { reference: isRuns(reference) ? reference : labelRunsOf(reference), test: isRuns(test) ? test : labelRunsOf(test) }
      : null;
  const maps = !isRuns(reference) && !isRuns(test) ? { reference, test } : null;
  const scan = runs ? scanRunPair(runs.reference, runs.test) : maps ? scanLabelPair(maps.reference, maps.test) : new Map();
  const voxels = voxelCount(reference.grid);
  return Promise.all(
    labels.map(async (label) => {
      const st = scan.get(label);
      const both = st?.both ?? 0, inRef = st?.reference ?? 0, inTest = st?.test ?? 0;
      const overlap = overlapMetrics({
        truePositive: both,
        falsePositive: inTest - both,
        falseNegative: inRef - both,
        trueNegative: voxels - inRef - inTest + both,
      });
      let surfaces: { reference: Surface; test: Surface } | null = null;
      if (st && runs) surfaces = runPairSurfaces(runs.reference, runs.test, label, st.box, options.convention);
      else if (st && maps) {
        const crop = cropLabelPair(maps.reference, maps.test, label, 1, st.box, scan.size === 1);
        surfaces = crop ? pairSurfaces(crop.reference, crop.test, options.convention, crop.box) : null;
      }
      const [rt, tr] = surfaces ? await runner.pair(surfaces.reference, surfaces.test) : [emptyDirectedDistances, emptyDirectedDistances];
      const s = surfaceMetrics(
        { convention: options.convention, referenceToTest: rt, testToReference: tr },
        { percentile: options.percentile, tolerancesMm: options.tolerancesMm },
      );
      const hdKey: `hd${number}` = `hd${options.percentile}`;
      const result: LabelPairMetrics = {
        label,
        convention: options.convention,
        dice: overlap.dice,
        jaccard: overlap.jaccard,
        volumeSimilarity: overlap.volumeSimilarity,
        sensitivity: overlap.sensitivity,
        precision: overlap.precision,
        cohenKappa: overlap.cohenKappa,
        hausdorff: s.hausdorff,
        ...({ [hdKey]: s.hausdorffPercentile } as Record<`hd${number}`, number>),
        assd: s.assd,
        masd: s.masd,
        surfaceDice: Object.fromEntries(s.surfaceDice.map((d) => [String(d.toleranceMm), d.value])),
        directedHausdorff: s.directedHausdorff,
        averageDistance: s.averageDistance,
        referenceVoxels: overlap.referenceVoxels,
        testVoxels: overlap.testVoxels,
      };
      return result;
    }),
  );
}

/**
 * Under --json, prints a DelineateError as the edge reports it (code and message, never file
 * contents) on one line and sets the exit code; otherwise main prints it as one plain line.
 */
export async function reportErrors(run: () => Promise<void>, json = false): Promise<void> {
  try {
    await run();
  } catch (error) {
    if (!json || !isDelineateError(error)) throw error;
    process.stderr.write(`${JSON.stringify({ error: { code: error.code, message: error.message, details: error.details ?? null } })}\n`);
    process.exitCode = EXIT_FAILED;
  }
}

interface MetricsFlags {
  readonly labels?: string;
  readonly convention: string;
  readonly percentile: string;
  readonly toleranceMm: string;
  readonly json?: boolean;
  readonly threads?: string;
}

/**
 * The runner of `delineate metrics`: with more than one thread, the first pair large enough
 * starts a worker and computes both directions here; once the worker has loaded, every later
 * pair computes one direction on it and the other here at the same time (never waiting for it
 * to load; starting it while the files are read would slow the reading on two cores).
 */
export function metricsRunner(threads?: number, options: { warm?: boolean } = {}): SurfaceRunner {
  return createSurfaceRunner({ threads: threads ?? defaultThreads(), ...options });
}

export function threadsOf(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) usage('--threads must be a positive integer');
  return n;
}

export function register(program: Command): void {
  program
    .command('metrics')
    .description(commandSummary('metrics'))
    .argument('<reference>', 'reference label image (.nii or .nii.gz)')
    .argument('<test>', 'test label image on the same grid')
    .option('--labels <list>', 'labels to compare, e.g. 1,2 (default: all present)')
    .option('--convention <name>', 'surface convention: surfel or voxel', 'surfel')
    .option('--percentile <p>', 'percentile Hausdorff distance', '95')
    .option('--tolerance-mm <list>', 'surface Dice tolerances in mm', '1')
    .option('--threads <n>', 'worker threads for surface distances')
    .option('--json', 'print JSON')
    .action(async (referencePath: string, testPath: string, flags: MetricsFlags) => {
      const options: SurfaceOptions = {
        convention: parseConvention(flags.convention),
        percentile: parsePercentile(flags.percentile),
        tolerancesMm: parseNumberList(flags.toleranceMm, '--tolerance-mm'),
      };
      const requested = flags.labels ? parseNumberList(flags.labels, '--labels') : undefined;
      const threads = threadsOf(flags.threads);
      await reportErrors(async () => {
        const [ref, test] = await Promise.all([loadLabelRuns(referencePath), loadLabelRuns(testPath)]);
        requireSameGrid([ref.map, test.map]);
        const labels = labelsOf([ref.map, test.map], requested);
        // One run: a worker started for later pairs only pays when there are later pairs.
        const runner = metricsRunner(threads, { warm: labels.length > 1 });
        try {
          const results = await pairMetrics(ref.map, test.map, labels, options, runner);
          process.stdout.write(flags.json ? `${toJson(results)}\n` : formatTable(results, options));
        } finally {
          await runner.close();
        }
      }, flags.json === true);
    });
}

function formatTable(rows: readonly LabelPairMetrics[], options: SurfaceOptions): string {
  const hd = `hd${options.percentile}` as const;
  const f = (v: number): string => (Number.isFinite(v) ? v.toFixed(4) : String(v));
  const lines = [`convention ${options.convention} (distances in mm)`];
  for (const r of rows) {
    const nsd = Object.entries(r.surfaceDice).map(([t, v]) => `nsd@${t}mm ${f(v)}`).join('  ');
    lines.push(
      `label ${r.label}: dice ${f(r.dice)}  jaccard ${f(r.jaccard)}  vs ${f(r.volumeSimilarity)}  hd ${f(r.hausdorff)}  ${hd} ${f(r[hd] ?? NaN)}  assd ${f(r.assd)}  masd ${f(r.masd)}  ${nsd}`,
    );
  }
  return `${lines.join('\n')}\n`;
}
