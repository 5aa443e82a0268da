import { Worker } from 'node:worker_threads';
import { DelineateError } from '@delineate/schema';
import type { PGliteEngine } from './pglite-engine';
import type { StatementResult } from './pglite-statements';
import { fromThreadError, type ThreadError } from './thread-errors';

/**
 * The embedded database in a thread of its own. PGlite runs Postgres in WebAssembly on the thread
 * that calls it, so in the serving thread every statement's parsing, planning, execution and
 * file writes stopped the HTTP server meanwhile; here the serving thread sends the statement and
 * goes on, and a save's hashing, deflating and answering overlap the database's work on the
 * other core. The protocol is the engine's: one statement with its parameters, answered with its
 * rows (structured clone: Dates, byte arrays and bigints cross as they are).
 */

/** What the thread is started with (workerData). */
export interface PGliteThreadData {
  readonly dataDir: string;
  readonly prepared: boolean;
}

export type PGliteThreadRequest =
  | { id: number; op: 'run'; sql: string; parameters: readonly unknown[] }
  | { id: number; op: 'dump'; compression: 'gzip' | 'none' }
  | { id: number; op: 'close' };

export type PGliteThreadReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: ThreadError };

/** The thread's first message: open, or why not. */
export type PGliteThreadStarted = { started: true } | { started: false; error: ThreadError };

type Unsent<T> = T extends unknown ? Omit<T, 'id'> : never;

function stopped(reason: string): DelineateError {
  return new DelineateError('DLN_STORE_UNAVAILABLE', `The embedded database stopped: ${reason}`);
}

/** Starts the thread and opens the data folder in it; resolves once it is ready. */
export async function openPGliteThread(data: PGliteThreadData): Promise<PGliteEngine> {
  const worker = new Worker(new URL('./pglite-thread-worker.mjs', import.meta.url), { workerData: data });
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  let failure: DelineateError | undefined;
  let closed = false;

  // The thread keeps the process alive only while a statement is on its way: an idle database
  // left open (a test, a command that returns) never holds the process up.
  const settle = () => {
    if (pending.size === 0) worker.unref();
  };
  const failAll = (error: DelineateError) => {
    failure ??= error;
    for (const { reject } of pending.values()) reject(failure);
    pending.clear();
  };

  await new Promise<void>((resolve, reject) => {
    const onExit = (code: number) => reject(stopped(`its thread ended while opening (exit code ${code})`));
    const onError = (error: Error) => reject(new DelineateError('DLN_STORE_UNAVAILABLE', `Cannot open the embedded database: ${error.message}`));
    worker.once('exit', onExit);
    worker.once('error', onError);
    worker.once('message', (message: PGliteThreadStarted) => {
      worker.off('exit', onExit);
      worker.off('error', onError);
      if (message.started) resolve();
      else {
        void worker.terminate();
        reject(new DelineateError('DLN_STORE_UNAVAILABLE', `Cannot open the embedded database: ${message.error.message}`));
      }
    });
  });

  worker.on('message', (reply: PGliteThreadReply) => {
    const waiting = pending.get(reply.id);
    if (!waiting) return;
    pending.delete(reply.id);
    settle();
    if (reply.ok) waiting.resolve(reply.value);
    else waiting.reject(fromThreadError(reply.error));
  });
  worker.on('error', (error) => failAll(stopped(error.message)));
  worker.on('exit', (code) => failAll(stopped(closed ? 'it was closed' : `its thread ended (exit code ${code})`)));
  worker.unref();

  const call = <T>(request: Unsent<PGliteThreadRequest>): Promise<T> => {
    if (failure) return Promise.reject(failure);
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      worker.ref();
      try {
        worker.postMessage({ ...request, id });
      } catch (error) {
        // A parameter that cannot be cloned (a function, a class with private state).
        pending.delete(id);
        settle();
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  };

  return {
    ready: async () => {
      if (failure) throw failure;
    },
    run: (sql, parameters) => call<StatementResult>({ op: 'run', sql, parameters }),
    dumpDataDir: (compression) => call<Uint8Array>({ op: 'dump', compression }),
    async close() {
      if (closed || failure) {
        await worker.terminate();
        return;
      }
      closed = true;
      try {
        await call({ op: 'close' });
      } finally {
        failAll(stopped('it was closed'));
        await worker.terminate();
      }
    },
  };
}
