import { gridOf, binaryMask, directedSurfaceDistances, pairSurfaces } from '@delineate/core';
import { describe, expect, it } from 'vitest';
import { createSurfaceRunner } from './surface-pool';

describe('surface worker pool', () => {
  it('gives the same directed distances in worker threads as inline', async () => {
    const grid = gridOf([40, 36, 20], [0.7, 0.7, 2.5]);
    const a = new Uint8Array(40 * 36 * 20), b = new Uint8Array(40 * 36 * 20);
    for (let z = 3; z < 15; z++) for (let y = 5; y < 25; y++) for (let x = 6; x < 30; x++) {
      if ((x - 18) ** 2 + (y - 15) ** 2 < 90) a[(z * 36 + y) * 40 + x] = 1;
      if ((x - 20) ** 2 + (y - 16) ** 2 < 80) b[(z * 36 + y) * 40 + x] = 1;
    }
    const A = binaryMask(grid, a), B = binaryMask(grid, b);
    const runner = createSurfaceRunner({ threads: 2, inlineBelow: 0 });
    try {
      const s = pairSurfaces(A, B, 'surfel');
      const v = pairSurfaces(A, B, 'voxel');
      if (!s || !v) throw new Error('surfaces expected');
      const [ab, ba] = await Promise.all([runner.directed(s.reference, s.test), runner.directed(v.test, v.reference)]);
      expect(ab).toEqual(directedSurfaceDistances(A, B, 'surfel'));
      expect(ba).toEqual(directedSurfaceDistances(B, A, 'voxel'));
    } finally {
      await runner.close();
    }
  });

  it('computes a pair on this thread and a running worker together, with the inline results', async () => {
    const grid = gridOf([40, 36, 20], [0.7, 0.7, 2.5]);
    const a = new Uint8Array(40 * 36 * 20), b = new Uint8Array(40 * 36 * 20);
    for (let z = 2; z < 17; z++) for (let y = 3; y < 30; y++) for (let x = 4; x < 34; x++) {
      if ((x - 18) ** 2 + (y - 15) ** 2 + (z - 9) ** 2 < 120) a[(z * 36 + y) * 40 + x] = 1;
      if ((x - 21) ** 2 + (y - 17) ** 2 + (z - 8) ** 2 < 100) b[(z * 36 + y) * 40 + x] = 1;
    }
    const A = binaryMask(grid, a), B = binaryMask(grid, b);
    // Not warming (a one-shot run with no later pair): no worker is started, both directions here.
    const once = createSurfaceRunner({ threads: 2, pairInlineBelow: 0, warm: false });
    const onceSurfaces = pairSurfaces(A, B, 'surfel');
    if (!onceSurfaces) throw new Error('surfaces expected');
    expect(await once.pair(onceSurfaces.reference, onceSurfaces.test)).toEqual([directedSurfaceDistances(A, B, 'surfel'), directedSurfaceDistances(B, A, 'surfel')]);
    await new Promise((r) => setTimeout(r, 1000));
    expect(once.readyWorkers()).toBe(0);
    await once.close();

    const runner = createSurfaceRunner({ threads: 2, pairInlineBelow: 0 });
    try {
      const s = pairSurfaces(A, B, 'surfel');
      if (!s) throw new Error('surfaces expected');
      const want = [directedSurfaceDistances(A, B, 'surfel'), directedSurfaceDistances(B, A, 'surfel')];
      expect(runner.readyWorkers()).toBe(0);
      expect(await runner.pair(s.reference, s.test)).toEqual(want); // starts a worker, both here
      for (let i = 0; i < 300 && runner.readyWorkers() === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(runner.readyWorkers()).toBe(1);
      expect(await runner.pair(s.reference, s.test)).toEqual(want);
    } finally {
      await runner.close();
    }
  });
});
