// Synthetic CT phantom generation: time to build the demo series (512×512×128 CT Image
// Storage files, int16, with ground-truth labels) in memory and written to a folder, and a
// dciodvfy check of the first, middle and last full-size slices.
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateCtPhantom, writeCtPhantom } from '@delineate/formats';
import type { BenchResult } from './types';

const repetitions = 3;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export async function run(): Promise<BenchResult> {
  const inMemory: number[] = [];
  let bytes = 0;
  for (let i = 0; i < repetitions; i++) {
    const started = performance.now();
    const phantom = generateCtPhantom({ seed: i + 1 });
    inMemory.push(performance.now() - started);
    bytes = phantom.slices.reduce((sum, s) => sum + s.bytes.length, 0);
  }

  const folder = await mkdtemp(join(tmpdir(), 'delineate-bench-phantom-'));
  const toDisk: number[] = [];
  let dciodvfyErrors: number | null = null;
  try {
    for (let i = 0; i < repetitions; i++) {
      const started = performance.now();
      const written = await writeCtPhantom(join(folder, String(i)), { seed: i + 1 });
      toDisk.push(performance.now() - started);
      if (i === 0) {
        const picks = [written.files[0]!, written.files[63]!, written.files[127]!];
        const runs = picks.map((path) => spawnSync('dciodvfy', [path], { encoding: 'utf8' }));
        if (runs.every((r) => r.error === undefined)) {
          dciodvfyErrors = runs.reduce((n, r) => n + (r.stderr + r.stdout).split('\n').filter((l) => /^(Error|Abort)/.test(l)).length, 0);
        }
      }
    }
  } finally {
    await rm(folder, { recursive: true, force: true });
  }

  const memoryMs = median(inMemory);
  const diskMs = median(toDisk);
  const mib = bytes / 2 ** 20;
  return {
    name: 'ct-phantom',
    description: `Demo CT phantom 512×512×128 (${mib.toFixed(0)} MiB of DICOM), median of ${repetitions} runs; the reference is the issue's "a few seconds".`,
    rows: [
      { case: 'generateCtPhantom (in memory)', ms: Math.round(memoryMs), 'MiB/s': Math.round(mib / (memoryMs / 1000)) },
      { case: 'writeCtPhantom (to a folder)', ms: Math.round(diskMs), 'MiB/s': Math.round(mib / (diskMs / 1000)) },
    ],
    targets: [
      { target: '128 slices of 512×512 written in under 5 s', measured: `${(diskMs / 1000).toFixed(2)} s`, met: diskMs < 5000 },
      {
        target: 'dciodvfy reports no errors on full-size slices',
        measured: dciodvfyErrors === null ? 'dciodvfy not installed' : `${dciodvfyErrors} errors on 3 slices`,
        met: dciodvfyErrors === 0,
      },
    ],
  };
}
