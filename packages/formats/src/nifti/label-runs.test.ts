import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, gzipSync } from 'node:zlib';
import { type LabelRuns, gridOf, labelMap, labelRunsOf } from '@delineate/core';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeNiftiLabelRuns, readNiftiLabelRuns } from './label-runs';
import { type NiftiArray, decodeNifti, encodeNifti, niftiLabels } from './nifti';

const dir = mkdtempSync(join(tmpdir(), 'dln-nifti-runs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** First difference between two run images ('' when equal): toEqual is slow on long typed arrays. */
function difference(a: LabelRuns, b: LabelRuns): string {
  if (JSON.stringify(a.grid) !== JSON.stringify(b.grid)) return 'grid';
  for (const k of ['rowStart', 'start', 'end', 'label'] as const) {
    const x = a[k], y = b[k];
    if (x.length !== y.length) return `${k} length ${x.length} vs ${y.length}`;
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return `${k}[${i}] ${x[i]} vs ${y[i]}`;
  }
  return '';
}

/** What the whole-volume reader gives, as runs. */
function expectedRuns(bytes: Uint8Array): ReturnType<typeof labelRunsOf> {
  const image = decodeNifti(bytes);
  return labelRunsOf(labelMap(image.grid, niftiLabels(image)));
}

const volumes = new Map<string, number[]>();

/** A mask-like volume: rows of one run, rows of several runs, empty stretches, other labels. */
function volume(nx: number, ny: number, nz: number, labels: readonly number[]): number[] {
  const key = [nx, ny, nz, ...labels].join(',');
  const known = volumes.get(key);
  if (known) return known;
  const out: number[] = [];
  volumes.set(key, out);
  for (let z = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++) {
        const inside = (x - nx / 2) ** 2 / (nx * nx) + (y - ny / 2) ** 2 / (ny * ny) + (z - nz / 2) ** 2 / (nz * nz) < 0.08;
        const stripe = z % 7 === 3 && (x % 5 === 0 || x % 5 === 1);
        out.push(inside || stripe ? (labels[(x + 3 * y + z) % 23 === 0 ? 1 % labels.length : 0] ?? 1) : 0);
      }
  return out;
}

describe('NIfTI label runs', () => {
  const cases: [string, (v: number[]) => NiftiArray][] = [
    ['uint8', (v) => Uint8Array.from(v)],
    ['int8', (v) => Int8Array.from(v.map((x) => (x === 2 ? -2 : x)))],
    ['int16', (v) => Int16Array.from(v.map((x) => (x === 2 ? -300 : x)))],
    ['uint16', (v) => Uint16Array.from(v.map((x) => x * 1000))],
    ['int32', (v) => Int32Array.from(v)],
    ['uint32', (v) => Uint32Array.from(v.map((x) => x * 70000))],
    ['float32', (v) => Float32Array.from(v)],
    ['float64', (v) => Float64Array.from(v)],
  ];
  it.each(cases)('gives the runs of the whole-volume reader for %s, .nii and .nii.gz', async (_name, make) => {
    // uint8 rows: nx = 64 read eight voxels at a time, nx = 36 four, nx = 61 one by one. The
    // volumes span several inflated pieces, so rows straddle piece boundaries.
    for (const [nx, ny, nz] of [[64, 60, 300], [36, 41, 720], [61, 37, 500]] as const) {
      const data = make(volume(nx, ny, nz, [1, 2]));
      for (const gzip of [false, true]) {
        const bytes = encodeNifti({ grid: gridOf([nx, ny, nz], [0.7, 0.8, 2.5]), data }, { gzip });
        const got = await decodeNiftiLabelRuns(bytes);
        expect(difference(got.runs, expectedRuns(bytes))).toBe('');
        expect(got.affine).toEqual(decodeNifti(bytes).affine);
      }
    }
  });

  it('reads a sparse mask (mostly runs) through its own gzip decoder, rows straddling pieces', async () => {
    // 136 × 97 × 300 (not a multiple of 8 per row on purpose: rows straddle the 256 KiB pieces
    // and are read one by one), then 512 × 64 × 160 (eight voxels at a time).
    for (const [nx, ny, nz] of [[136, 97, 300], [512, 64, 160]] as const) {
      const v = new Uint8Array(nx * ny * nz);
      for (let z = 0; z < nz; z += 37)
        for (let y = 10; y < 14; y++) v.fill(z % 2 ? 2 : 1, (z * ny + y) * nx + 5, (z * ny + y) * nx + nx - 3);
      v[v.length - 1] = 3;
      const bytes = encodeNifti({ grid: gridOf([nx, ny, nz], [0.7, 0.7, 2.5]), data: v }, { gzip: true });
      // Stated size at least RUNS_RATIO (300) times the file's: this decoder's, not zlib's.
      expect(new DataView(bytes.buffer, bytes.byteOffset).getUint32(bytes.length - 4, true)).toBeGreaterThanOrEqual(300 * bytes.length);
      expect(difference((await decodeNiftiLabelRuns(bytes)).runs, expectedRuns(bytes))).toBe('');
    }
  });

  it('reads uint8 labels other than 1, and 255, in word rows', async () => {
    const v = volume(64, 40, 30, [255, 7]);
    const bytes = encodeNifti({ grid: gridOf([64, 40, 30], [1, 1, 1]), data: Uint8Array.from(v) }, { gzip: true });
    expect(difference((await decodeNiftiLabelRuns(bytes)).runs, expectedRuns(bytes))).toBe('');
  });

  it('sees a lone 128 as the last voxel of an eight-voxel group (a float64 −0) and runs of 255', async () => {
    const v = new Uint8Array(64 * 3 * 2);
    v[7] = 128; // row 0: bytes 0‥7 read as −0
    v[64 + 15] = 128;
    v.fill(1, 64 + 16, 64 + 40);
    v.fill(255, 128 + 8, 128 + 64);
    v.fill(128, 192 + 56, 192 + 64);
    const bytes = encodeNifti({ grid: gridOf([64, 3, 2], [1, 1, 1]), data: v }, { gzip: true });
    const runs = (await decodeNiftiLabelRuns(bytes)).runs;
    expect(difference(runs, expectedRuns(bytes))).toBe('');
    expect([...runs.label]).toEqual([128, 128, 1, 255, 128]);
  });

  it('reads through zlib the gzip files its own decoder leaves to it (several members, a header CRC)', async () => {
    const raw = encodeNifti({ grid: gridOf([64, 60, 40], [1, 1, 1]), data: Uint8Array.from(volume(64, 60, 40, [1, 2])) });
    const members = Buffer.concat([gzipSync(raw.subarray(0, 70001)), gzipSync(raw.subarray(70001))]);
    expect(difference((await decodeNiftiLabelRuns(members)).runs, expectedRuns(raw))).toBe('');
    // FHCRC set, with the header's CRC-16 (the low half of its CRC-32) after the fixed header.
    const plain = gzipSync(raw);
    const head = Buffer.from(plain.subarray(0, 10));
    head[3] = (head[3] as number) | 2;
    const hcrc = Buffer.alloc(2);
    hcrc.writeUInt16LE(crc32(head) & 0xffff);
    const withHcrc = Buffer.concat([head, hcrc, plain.subarray(10)]);
    expect(difference((await decodeNiftiLabelRuns(withHcrc)).runs, expectedRuns(raw))).toBe('');
  });

  it('applies scaling as the whole-volume reader does', async () => {
    const bytes = encodeNifti({ grid: gridOf([8, 4, 3], [1, 1, 1]), data: Uint8Array.from(volume(8, 4, 3, [1, 2])) });
    new DataView(bytes.buffer).setFloat32(112, 2, true); // scl_slope 2
    expect(difference((await decodeNiftiLabelRuns(bytes)).runs, expectedRuns(bytes))).toBe('');
    expect((await decodeNiftiLabelRuns(bytes)).runs.label.every((l) => l % 2 === 0)).toBe(true);
  });

  it('reads a file, and refuses truncated, corrupt and missing ones with the reader codes', async () => {
    const bytes = encodeNifti({ grid: gridOf([16, 8, 4], [1, 1, 1]), data: Uint8Array.from(volume(16, 8, 4, [1])) }, { gzip: true });
    const file = join(dir, 'm.nii.gz');
    writeFileSync(file, bytes);
    expect(difference((await readNiftiLabelRuns(file)).runs, expectedRuns(bytes))).toBe('');
    const raw = encodeNifti({ grid: gridOf([16, 8, 4], [1, 1, 1]), data: Uint8Array.from(volume(16, 8, 4, [1])) });
    await expect(decodeNiftiLabelRuns(raw.subarray(0, raw.length - 10))).rejects.toMatchObject({ code: 'DLN_NIFTI_INVALID', message: 'NIfTI file is truncated' });
    await expect(decodeNiftiLabelRuns(gzipSync(raw.subarray(0, 200)))).rejects.toMatchObject({ code: 'DLN_NIFTI_INVALID' });
    const corrupt = Uint8Array.from(bytes);
    corrupt.fill(0x55, 20, 60);
    await expect(decodeNiftiLabelRuns(corrupt)).rejects.toMatchObject({ code: 'DLN_NIFTI_INVALID' });
    await expect(readNiftiLabelRuns(join(dir, 'missing.nii.gz'))).rejects.toMatchObject({ code: 'DLN_NOT_FOUND' });
    await expect(readNiftiLabelRuns(dir)).rejects.toMatchObject({ code: 'DLN_NOT_FOUND' });
  });

  it('reads a file larger than it reads synchronously (16 MiB) on the thread pool', async () => {
    const [nx, ny, nz] = [256, 256, 260];
    const v = new Uint8Array(nx * ny * nz);
    for (let z = 100; z < 140; z++) for (let y = 50; y < 90; y++) v.fill(1, (z * ny + y) * nx + 30, (z * ny + y) * nx + 200);
    const bytes = encodeNifti({ grid: gridOf([nx, ny, nz], [1, 1, 1]), data: v });
    expect(bytes.length).toBeGreaterThan(16 << 20);
    const file = join(dir, 'large.nii');
    writeFileSync(file, bytes);
    expect(difference((await readNiftiLabelRuns(file)).runs, expectedRuns(bytes))).toBe('');
  });
});
