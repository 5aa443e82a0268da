import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { type DirectedDistances, type Surface, directedBetween } from '@delineate/core';

export interface SurfaceJob {
  readonly id: number;
  readonly from: Surface;
  readonly to: Surface;
}

export interface SurfaceJobResult {
  readonly id: number;
  readonly result: DirectedDistances;
}

/** Runs directed surface-distance jobs: in worker threads for large lattices, inline for small ones. */
export interface SurfaceRunner {
  directed(from: Surface, to: Surface): Promise<DirectedDistances>;
  close(): Promise<void>;
}

/** Below this many surface points a job runs inline: starting a worker (and tsx in it) costs more. */
const INLINE_BELOW = 200_000;

/** Worker threads: DELINEATE_THREADS when set (1 = no workers), else the cores available, at most 4. */
export function defaultThreads(): number {
  const fromEnv = Number(process.env.DELINEATE_THREADS);
  if (Number.isInteger(fromEnv) && fromEnv >= 1) return fromEnv;
  return Math.max(1, Math.min(4, availableParallelism()));
}

/**
 * A small pool of worker threads (core stays pure: the threads live here). Jobs carry the two
 * surfaces (one entry per surface element), not the masks, so copying them to a thread is cheap.
 */
export function createSurfaceRunner(options: { threads?: number; inlineBelow?: number } = {}): SurfaceRunner {
  const threads = options.threads ?? defaultThreads();
  const inlineBelow = options.inlineBelow ?? INLINE_BELOW;
  const workers: Worker[] = [];
  const idle: Worker[] = [];
  const queue: { job: SurfaceJob; resolve: (r: DirectedDistances) => void; reject: (e: unknown) => void }[] = [];
  const pending = new Map<number, { resolve: (r: DirectedDistances) => void; reject: (e: unknown) => void; worker: Worker }>();
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

  return {
    directed(from, to) {
      if (threads <= 1 || from.points.length + to.points.length < inlineBelow) return Promise.resolve(directedBetween(from, to));
      const job: SurfaceJob = { id: nextId++, from, to };
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
