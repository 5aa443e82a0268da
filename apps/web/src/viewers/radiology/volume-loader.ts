import { api } from '../../api';
import type { Dims } from '../../viewer/geometry';
import type { Scene } from '../../ui/ViewPane';

/** The volume after the first slice comes in this many requests at once (fewer requests beat smaller ones: bench/web.ts). */
export const PARALLEL_SLABS = 4;

type Slab = Awaited<ReturnType<typeof api.volumeSlab>>;
/** The middle slice asked for while the workspace was still opening, by item. */
const early = new Map<string, { slice: number; slab: Promise<Slab> }>();

/** The middle slice of an item's volume, fetched before the viewer exists (see {@link loadVolume}). */
export function prefetchFirstSlice(itemId: string, slices: number): void {
  const slice = Math.floor(slices / 2);
  const slab = api.volumeSlab(itemId, slice, 1);
  slab.catch(() => undefined);
  early.set(itemId, { slice, slab });
}

/**
 * Loads the HU volume into the scene: the cursor slice alone first (the first image), then the
 * volume in four slabs at once; slices already in are skipped. `progress` is told after each
 * slab; the returned promise ends with the last one (or the first failure).
 */
export async function loadVolume(
  itemId: string,
  dims: Dims,
  middle: number,
  scene: () => Scene | null,
  cancelled: () => boolean,
  progress: (loaded: number, firstImage: boolean) => void,
): Promise<void> {
  const queue: { start: number; count: number }[] = [{ start: middle, count: 1 }];
  const slab = Math.ceil(dims.slices / PARALLEL_SLABS);
  for (let s = 0; s < dims.slices; s += slab) queue.push({ start: s, count: Math.min(slab, dims.slices - s) });
  const plane = dims.columns * dims.rows;
  let firstDone = false;
  const fetchSlab = async (next: { start: number; count: number }) => {
    const prefetched = early.get(itemId);
    const reuse = prefetched !== undefined && prefetched.slice === next.start && next.count === 1;
    if (reuse) early.delete(itemId);
    const got = await (reuse ? prefetched.slab : api.volumeSlab(itemId, next.start, next.count));
    const target = scene();
    if (!target || cancelled()) return;
    const n = got.voxels.length / plane;
    for (let k = 0; k < n; k++) {
      if (target.loaded[got.first + k]) continue;
      target.hu.set(got.voxels.subarray(k * plane, (k + 1) * plane), (got.first + k) * plane);
      target.loaded[got.first + k] = 1;
    }
    target.version++;
    progress(target.loaded.reduce((a, b) => a + b, 0), !firstDone);
    firstDone = true;
  };
  const worker = async () => {
    for (let next = queue.shift(); next !== undefined && !cancelled(); next = queue.shift()) await fetchSlab(next);
  };
  await fetchSlab(queue.shift()!);
  await Promise.all(Array.from({ length: PARALLEL_SLABS }, worker));
}
