// The embedded database's own thread (pglite-thread.ts): opens the data folder, then runs the
// statements it is sent, one at a time in the order they arrive (the serving thread's driver
// already gives its one connection to one holder at a time).
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { localEngine, type PGliteEngine } from './pglite-engine';
import type { PGliteThreadData, PGliteThreadReply, PGliteThreadRequest, PGliteThreadStarted } from './pglite-thread';
import { toThreadError } from './thread-errors';

const port = parentPort!;
const data = workerData as PGliteThreadData;

let engine: PGliteEngine;
try {
  const pglite = await PGlite.create({ dataDir: data.dataDir });
  engine = localEngine(pglite, { prepared: data.prepared });
  await engine.ready();
  port.postMessage({ started: true } satisfies PGliteThreadStarted);
} catch (error) {
  port.postMessage({ started: false, error: toThreadError(error) } satisfies PGliteThreadStarted);
  process.exit(1);
}

function transferables(value: unknown): ArrayBuffer[] {
  // Row values parsed from bytea own their buffers (pglite-engine.ts): they move rather than copy.
  const out: ArrayBuffer[] = [];
  if (value instanceof Uint8Array) {
    if (value.byteOffset === 0 && value.byteLength === value.buffer.byteLength && value.buffer instanceof ArrayBuffer) out.push(value.buffer);
    return out;
  }
  const rows = (value as { rows?: unknown } | undefined)?.rows;
  if (!Array.isArray(rows)) return out;
  const seen = new Set<ArrayBuffer>();
  for (const row of rows as Record<string, unknown>[]) {
    for (const cell of Object.values(row)) {
      if (cell instanceof Uint8Array && cell.byteOffset === 0 && cell.byteLength === cell.buffer.byteLength && cell.buffer instanceof ArrayBuffer && !seen.has(cell.buffer)) {
        seen.add(cell.buffer);
        out.push(cell.buffer);
      }
    }
  }
  return out;
}

async function handle(request: PGliteThreadRequest): Promise<unknown> {
  switch (request.op) {
    case 'run':
      return engine.run(request.sql, request.parameters);
    case 'dump':
      return engine.dumpDataDir(request.compression);
    case 'close':
      await engine.close();
      return undefined;
  }
}

port.on('message', (request: PGliteThreadRequest) => {
  handle(request).then(
    (value) => {
      try {
        port.postMessage({ id: request.id, ok: true, value } satisfies PGliteThreadReply, transferables(value));
      } catch (error) {
        // A value that cannot cross must still answer, or the serving thread waits forever.
        port.postMessage({ id: request.id, ok: false, error: toThreadError(error) } satisfies PGliteThreadReply);
      }
    },
    (error: unknown) => port.postMessage({ id: request.id, ok: false, error: toThreadError(error) } satisfies PGliteThreadReply),
  );
});
