import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gridOf } from '@delineate/core';
import { readNiftiFile, writeNiftiFile } from '@delineate/formats';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../main';
import { createSurfaceRunner } from '../workers/surface-pool';
import { loadLabelMap, loadLabelRuns, pairMetrics } from './metrics';

const dir = mkdtempSync(join(tmpdir(), 'dln-metrics-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  process.exitCode = undefined;
  vi.restoreAllMocks();
});

const grid = gridOf([24, 20, 12], [0.7, 0.8, 2.5]);

/** A label image with `label` inside the box lo..hi (inclusive, x y z). */
async function boxImage(name: string, boxes: { label: number; lo: number[]; hi: number[] }[], g = grid): Promise<string> {
  const [nx, ny, nz] = g.dims;
  const data = new Uint8Array(nx * ny * nz);
  for (const { label, lo, hi } of boxes)
    for (let z = lo[2] ?? 0; z <= (hi[2] ?? 0); z++)
      for (let y = lo[1] ?? 0; y <= (hi[1] ?? 0); y++)
        for (let x = lo[0] ?? 0; x <= (hi[0] ?? 0); x++) data[(z * ny + y) * nx + x] = label;
  const path = join(dir, name);
  await writeNiftiFile(path, { grid: g, data });
  return path;
}

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '', err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((out += String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((err += String(chunk)), true));
  process.exitCode = undefined;
  const code = await main(args);
  vi.restoreAllMocks();
  return { code, out, err };
}

describe('delineate metrics', () => {
  it('prints one JSON object per label; a shift by 2 voxels in x gives Hausdorff 2·spacing in both conventions', async () => {
    const ref = await boxImage('ref.nii.gz', [{ label: 1, lo: [4, 4, 2], hi: [10, 12, 7] }, { label: 2, lo: [14, 3, 3], hi: [20, 9, 9] }]);
    const test = await boxImage('test.nii', [{ label: 1, lo: [6, 4, 2], hi: [12, 12, 7] }, { label: 2, lo: [14, 3, 3], hi: [20, 9, 9] }]);
    for (const convention of ['surfel', 'voxel']) {
      const r = await run(['metrics', ref, test, '--convention', convention, '--percentile', '90', '--tolerance-mm', '1,2', '--json']);
      expect(r.code).toBe(0);
      const rows = JSON.parse(r.out) as Record<string, unknown>[];
      expect(rows.map((x) => x.label)).toEqual([1, 2]);
      const [one, two] = rows;
      expect(one).toMatchObject({ label: 1, convention });
      expect(one?.hausdorff).toBeCloseTo(2 * Math.fround(0.7), 6);
      expect(one).toHaveProperty('hd90');
      expect(Object.keys(one?.surfaceDice as object)).toEqual(['1', '2']);
      expect(one?.dice).toBeCloseTo((2 * 5 * 9 * 6) / (2 * 7 * 9 * 6), 12);
      expect(two).toMatchObject({ label: 2, dice: 1, hausdorff: 0, assd: 0, surfaceDice: { '1': 1, '2': 1 } });
    }
  });

  it('reports an absent label as NaN/Infinity strings and only the requested labels', async () => {
    const ref = await boxImage('ref2.nii.gz', [{ label: 1, lo: [4, 4, 2], hi: [10, 12, 7] }]);
    const test = await boxImage('test2.nii.gz', [{ label: 3, lo: [4, 4, 2], hi: [10, 12, 7] }]);
    const r = await run(['metrics', ref, test, '--labels', '1,5', '--json']);
    const [one, five] = JSON.parse(r.out) as Record<string, unknown>[];
    expect(one).toMatchObject({ label: 1, dice: 0, hausdorff: 'Infinity', assd: 'Infinity', surfaceDice: { '1': 0 } });
    expect(five).toMatchObject({ label: 5, dice: 'NaN', hausdorff: 'NaN' });
  });

  it('fails with DLN_METRICS_SHAPE_MISMATCH on different grids, and exits 2 on usage errors', async () => {
    const ref = await boxImage('ref3.nii.gz', [{ label: 1, lo: [1, 1, 1], hi: [3, 3, 3] }]);
    const other = await boxImage('other.nii.gz', [{ label: 1, lo: [1, 1, 1], hi: [3, 3, 3] }], gridOf([24, 20, 11], [0.7, 0.8, 2.5]));
    const r = await run(['metrics', ref, other, '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.err).error.code).toBe('DLN_METRICS_SHAPE_MISMATCH');
    expect((await run(['metrics', ref, ref, '--convention', 'mesh'])).code).toBe(2);
    expect((await run(['metrics', ref, ref, '--percentile', '101'])).code).toBe(2);
  });
});

describe('pairMetrics on runs', () => {
  it('gives exactly the metrics of the whole-volume path (seeded multi-label images, both conventions)', async () => {
    const g = gridOf([21, 18, 9], [0.7, 0.8, 2.5]);
    let seed = 12345;
    const rnd = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const blobs = (n: number) =>
      Array.from({ length: n }, () => {
        const lo = [Math.floor(rnd() * 15), Math.floor(rnd() * 12), Math.floor(rnd() * 6)];
        return { label: 1 + Math.floor(rnd() * 3), lo, hi: lo.map((v, i) => v + 1 + Math.floor(rnd() * [7, 7, 3][i]!)) };
      });
    const runner = createSurfaceRunner({ threads: 1 });
    for (let k = 0; k < 6; k++) {
      const a = await boxImage(`runs-a${k}.nii.gz`, blobs(4), g), b = await boxImage(`runs-b${k}.nii.gz`, blobs(3), g);
      const [ma, mb] = [(await loadLabelMap(a)).map, (await loadLabelMap(b)).map];
      const [ra, rb] = [(await loadLabelRuns(a)).map, (await loadLabelRuns(b)).map];
      for (const convention of ['surfel', 'voxel'] as const) {
        const options = { convention, percentile: 95, tolerancesMm: [1, 2] };
        const want = await pairMetrics(ma, mb, [1, 2, 3, 4], options, runner);
        expect(await pairMetrics(ra, rb, [1, 2, 3, 4], options, runner)).toEqual(want);
        expect(await pairMetrics(ma, rb, [1, 2, 3, 4], options, runner)).toEqual(want);
      }
    }
    await runner.close();
  });
});

describe('delineate agreement', () => {
  it('gives every pair, summaries, Fleiss kappa and Krippendorff alpha with their region', async () => {
    const raters = await Promise.all([
      boxImage('r1.nii.gz', [{ label: 1, lo: [4, 4, 2], hi: [10, 12, 7] }]),
      boxImage('r2.nii.gz', [{ label: 1, lo: [5, 4, 2], hi: [11, 12, 7] }]),
      boxImage('r3.nii.gz', [{ label: 1, lo: [4, 5, 2], hi: [10, 13, 8] }]),
    ]);
    const r = await run(['agreement', ...raters, '--region', 'union-bbox', '--margin', '2', '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.out);
    expect(out.raters).toBe(3);
    const [label] = out.labels;
    expect(label.pairs.map((p: { reference: number; test: number }) => [p.reference, p.test])).toEqual([[0, 1], [0, 2], [1, 2]]);
    expect(label.summary.dice.n).toBe(3);
    expect(label.summary.hd95).toBeDefined();
    expect(label.fleissKappa).toBeGreaterThan(0.5);
    expect(label.fleissKappa).toBeLessThan(1);
    expect(label.region).toMatchObject({ kind: 'union-bbox', marginVoxels: 2, box: { min: [2, 2, 0], max: [13, 15, 10] } });
  });
});

describe('delineate agreement --targets', () => {
  it('adds volume ratio, conformity indices and added path length for target labels', async () => {
    const raters = await Promise.all([
      boxImage('t1.nii.gz', [{ label: 1, lo: [4, 4, 2], hi: [7, 7, 5] }]),
      boxImage('t2.nii.gz', [{ label: 1, lo: [4, 4, 2], hi: [9, 7, 5] }]),
    ]);
    const r = await run(['agreement', ...raters, '--targets', '1', '--json']);
    expect(r.code).toBe(0);
    const [label] = JSON.parse(r.out).labels;
    // 4 × 4 × 4 and 6 × 4 × 4 voxels, the first inside the second.
    expect(label.target).toMatchObject({ readers: 2, volumeRatio: 1.5, conformityCommon: 64 / 96, conformityGeneralised: 64 / 96 });
    expect(label.target.addedPathLengthMm).toBeGreaterThan(0);
    const text = await run(['agreement', ...raters, '--targets', '1']);
    expect(text.out).toContain('target: volume ratio 1.5000');
  });
});

describe('delineate consensus', () => {
  it('writes the STAPLE probability map and reports per-rater sensitivity and specificity', async () => {
    const raters = await Promise.all([
      boxImage('c1.nii.gz', [{ label: 1, lo: [4, 4, 2], hi: [10, 12, 7] }]),
      boxImage('c2.nii.gz', [{ label: 1, lo: [4, 4, 2], hi: [10, 12, 7] }]),
      boxImage('c3.nii.gz', [{ label: 1, lo: [4, 4, 2], hi: [12, 12, 7] }]),
    ]);
    const out = join(dir, 'staple.nii.gz');
    const r = await run(['consensus', 'staple', ...raters, '--out', out, '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out);
    expect(report.raters).toHaveLength(3);
    expect(report.raters[0].sensitivity).toBeCloseTo(1, 6);
    expect(report.raters[2].specificity).toBeLessThan(1);
    expect(report.fieldOfView).toEqual({ kind: 'image', voxels: 24 * 20 * 12 });
    const img = await readNiftiFile(out);
    expect(img.datatype).toBe('float32');
    expect(img.grid).toEqual(grid);
    const inside = (5 * 20 + 6) * 24 + 6;
    expect(img.data[inside]).toBeCloseTo(1, 6);

    const vote = join(dir, 'vote.nii.gz');
    const v = await run(['consensus', 'vote', ...raters, '--out', vote, '--json']);
    expect(JSON.parse(v.out)).toMatchObject({ method: 'vote', undecidedLabel: 2, undecidedVoxels: 0 });
    const m = await run(['consensus', 'multistaple', ...raters, '--out', join(dir, 'ms.nii'), '--json']);
    expect(JSON.parse(m.out).raters[0].confusionMatrix).toHaveLength(3);
    expect((await run(['consensus', 'mean', ...raters, '--out', vote])).code).toBe(2);
  });
});
