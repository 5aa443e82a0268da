import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import {
  type BinaryMask,
  type DirectedDistances,
  type Grid,
  type SurfaceConvention,
  directedSurfaceDistances,
} from '@delineate/core';

export interface SurfaceJob {
  readonly id: number;
  readonly grid: Grid;
  readonly from: Uint8Array;
  readonly to: Uint8Array;
  readonly convention: SurfaceConvention;
}

export interface SurfaceJobResult {
  readonly id: number;
  readonly result: DirectedDistances;
}

/** Runs directed surface-distance jobs: in worker threads for large crops, inline for small ones. */
export interface SurfaceRunner {
  directed(from: BinaryMask, to: BinaryMask, convention: SurfaceConvention): Promise<DirectedDistances>;
  close(): Promise<void>;
}

/** Below this many voxels a job runs inline: starting a worker (and tsx in it) costs more. */
const INLINE_BELOW = 2_000_000;

export function defaultThreads(): number {
  return Math.max(1, Math.min(4, availableParallelism()));
}

/**
 * A small pool of worker threads (core stays pure: the threads live here). Masks are copied once
 * into shared memory, so both directions of a pair read the same bytes without further copies.
 */
export function createSurfaceRunner(options: { threads?: number; inlineBelow?: number } = {}): SurfaceRunner {
  const threads = options.threads ?? defaultThreads();
  const inlineBelow = options.inlineBelow ?? INLINE_BELOW;
  const workers: Worker[] = [];
  const idle: Worker[] = [];
  const queue: { job: SurfaceJob; resolve: (r: DirectedDistances) => void; reject: (e: unknown) => void }[] = [];
  const pending = new Map<number, { resolve: (r: DirectedDistances) => void; reject: (e: unknown) => void; worker: Worker }>();
  const shared = new WeakMap<Uint8Array, Uint8Array>();
  let nextId = 1;

  const spawn = (): Worker => {
    const w = new Worker(new URL('./surface-worker.mjs', import.meta.url));
    w.on('message', (msg: SurfaceJobResult) => {
      const p = pending.get(msg.id);
      pending.delete(msg.id);
      idle.push(w);
      pump();
      p?.resolve(msg.result);
    });
    w.on('error', (err) => {
      for (const [id, p] of pending) if (p.worker === w) { pending.delete(id); p.reject(err); }
    });
    workers.push(w);
    return w;
  };

  const pump = (): void => {
    while (queue.length > 0) {
      let w = idle.pop();
      if (!w && workers.length < threads) w = spawn();
      if (!w) return;
      const next = queue.shift();
      if (!next) { idle.push(w); return; }
      pending.set(next.job.id, { resolve: next.resolve, reject: next.reject, worker: w });
      w.postMessage(next.job);
    }
  };

  const toShared = (d: Uint8Array): Uint8Array => {
    if (d.buffer instanceof SharedArrayBuffer) return d;
    const known = shared.get(d);
    if (known) return known;
    const s = new Uint8Array(new SharedArrayBuffer(d.length));
    s.set(d);
    shared.set(d, s);
    return s;
  };

  return {
    directed(from, to, convention) {
      const size = from.data.length;
      if (threads <= 1 || size < inlineBelow) {
        return Promise.resolve(directedSurfaceDistances(from, to, convention));
      }
      const job: SurfaceJob = { id: nextId++, grid: from.grid, from: toShared(from.data), to: toShared(to.data), convention };
      return new Promise((resolve, reject) => {
        queue.push({ job, resolve, reject });
        pump();
      });
    },
    async close() {
      await Promise.all(workers.map((w) => w.terminate()));
      workers.length = 0;
      idle.length = 0;
    },
  };
}
