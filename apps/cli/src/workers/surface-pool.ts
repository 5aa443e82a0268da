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
  /**
   * Both directions of a pair, [a → b, b → a]: b → a on a worker thread that is already running
   * while this thread computes a → b, else both here (a worker still starting is not waited for).
   */
  pair(a: Surface, b: Surface): Promise<[DirectedDistances, DirectedDistances]>;
  /** Worker threads that have loaded their code. */
  readyWorkers(): number;
  close(): Promise<void>;
}

/** Below this many surface points a job runs inline: starting a worker (and tsx in it) costs more. */
const INLINE_BELOW = 200_000;

/** Below this many surface points of a pair both directions run here: copying to a worker costs more. */
const PAIR_INLINE_BELOW = 20_000;

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
export function createSurfaceRunner(
  options: {
    threads?: number;
    inlineBelow?: number;
    pairInlineBelow?: number;
    /** Start a worker at the first large pair for the pairs after it (default); off when no more will come. */
    warm?: boolean;
  } = {},
): SurfaceRunner {
  const threads = options.threads ?? defaultThreads();
  const inlineBelow = options.inlineBelow ?? INLINE_BELOW;
  const pairInlineBelow = options.pairInlineBelow ?? PAIR_INLINE_BELOW;
  const warm = options.warm ?? true;
  const workers: Worker[] = [];
  const idle: Worker[] = [];
  /**
   * Per worker, a shared flag it sets once its code has loaded: read without a turn of the event
   * loop, so a caller computing pairs back to back still sees a worker become ready.
   */
  const ready = new Map<Worker, Int32Array>();
  const isReady = (w: Worker): boolean => Atomics.load(ready.get(w) ?? new Int32Array(1), 0) === 1;
  const queue: { job: SurfaceJob; resolve: (r: DirectedDistances) => void; reject: (e: unknown) => void }[] = [];
  const pending = new Map<number, { resolve: (r: DirectedDistances) => void; reject: (e: unknown) => void; worker: Worker }>();
  let nextId = 1;

  const spawn = (): Worker => {
    const flag = new Int32Array(new SharedArrayBuffer(4));
    const w = new Worker(new URL('./surface-worker.mjs', import.meta.url), { workerData: { ready: flag } });
    ready.set(w, flag);
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

  const enqueue = (from: Surface, to: Surface): Promise<DirectedDistances> => {
    const job: SurfaceJob = { id: nextId++, from, to };
    return new Promise((resolve, reject) => {
      queue.push({ job, resolve, reject });
      pump();
    });
  };

  return {
    directed(from, to) {
      if (threads <= 1 || from.points.length + to.points.length < inlineBelow) return Promise.resolve(directedBetween(from, to));
      return enqueue(from, to);
    },
    async pair(a, b) {
      const size = a.points.length + b.points.length;
      if (threads <= 1 || size < pairInlineBelow) return [directedBetween(a, b), directedBetween(b, a)];
      const anyReady = workers.some(isReady);
      if (!anyReady) {
        if (warm && workers.length === 0) idle.push(spawn()); // warm for the next pair
        return [directedBetween(a, b), directedBetween(b, a)];
      }
      const other = enqueue(b, a);
      const here = directedBetween(a, b);
      return [here, await other];
    },
    readyWorkers: () => workers.filter(isReady).length,
    async close() {
      await Promise.all(workers.map((w) => w.terminate()));
      workers.length = 0;
      idle.length = 0;
    },
  };
}
