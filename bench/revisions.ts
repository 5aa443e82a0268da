// Revision saves (issues 2 and 12): a 512×512×128 label volume with one edited slice per save,
// from 20 concurrent HTTP clients against one server process; embedded PGlite and PostgreSQL side
// by side in the same run, and for each the two ways to save: the whole `rle` volume per request
// (which the server cuts into tiles, writing only the changed ones) and the tile delta (the one
// edited 512² tile, `PUT /api/annotations/:id/tiles`). Every save is checked against the item's
// grid, hashed, encrypted, fsynced, then committed by compare-and-set. Each annotation starts
// from the same base volume (saved before timing), so both modes edit the same masks.
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { PerformanceObserver } from 'node:perf_hooks';
import { join } from 'node:path';
import { encodeRle8, encodeTileSet } from '@delineate/core';
import { configFromEnv, createServer } from '@delineate/server';
import { BlobKey, LocalBlobStore, migrate, openDatabase, testing, type Database, type DatabaseKind } from '@delineate/store';
import { openTestSession } from '../apps/server/src/access';
import { seedProject } from '../apps/server/src/test/harness';
import type { BenchResult } from './types';

const CLIENTS = 20;
const SAVES_PER_CLIENT = 10;
const GRID = { rows: 512, columns: 512, slices: 128 };

function baseVolume(): Uint8Array {
  const { rows, columns, slices } = GRID;
  const v = new Uint8Array(rows * columns * slices);
  for (let z = 0; z < slices; z++) {
    for (let y = 0; y < rows; y++) {
      for (let x = 0; x < columns; x++) {
        const liver = ((x - 300) / 120) ** 2 + ((y - 240) / 90) ** 2 + ((z - 64) / 50) ** 2 <= 1;
        const lesion = ((x - 320) / 15) ** 2 + ((y - 230) / 15) ** 2 + ((z - 64) / 6) ** 2 <= 1;
        v[(z * rows + y) * columns + x] = lesion ? 2 : liver ? 1 : 0;
      }
    }
  }
  return v;
}

/** The base volume with slice `z` edited: a disk of lesion painted at a client-specific spot. */
function editedSlice(base: Uint8Array, z: number, client: number): Uint8Array {
  const { rows, columns } = GRID;
  const v = base.slice();
  const cx = 220 + client * 6;
  const cy = 200 + (z % 20) * 3;
  for (let y = cy - 12; y <= cy + 12; y++) {
    for (let x = cx - 12; x <= cx + 12; x++) {
      if ((x - cx) ** 2 + (y - cy) ** 2 <= 144) v[(z * rows + y) * columns + x] = 2;
    }
  }
  return v;
}

function percentile(sorted: number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

async function openBenchDatabase(kind: DatabaseKind, dir: string, prepared: boolean, thread: boolean): Promise<{ database: Database; drop: () => Promise<void> }> {
  if (kind === 'pglite') {
    const database = await openDatabase({ dataDir: dir, pglitePreparedStatements: prepared, pgliteThread: thread });
    await migrate(database.db);
    return { database, drop: async () => undefined };
  }
  process.env.DELINEATE_TEST_DATABASE_URL ??= execFileSync('bash', ['scripts/pg-test-server.sh', 'start'], { encoding: 'utf8' }).trim();
  const { url, drop } = await testing.createEmptyPostgresDatabase();
  const database = await openDatabase({ url, dataDir: dir });
  await migrate(database.db);
  return { database, drop };
}

/** Bytes under a folder (the blob store's files). */
async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return total;
}

type Mode = 'whole' | 'tiles';

/** Garbage-collection pauses while `run` runs: how many, their total and the longest (ms). */
async function withGcPauses<T>(run: () => Promise<T>): Promise<{ result: T; pauses: number; totalMs: number; maxMs: number }> {
  const durations: number[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) durations.push(entry.duration);
  });
  observer.observe({ entryTypes: ['gc'] });
  try {
    const result = await run();
    // Entries are delivered asynchronously: let the last ones arrive.
    await new Promise((resolve) => setImmediate(resolve));
    return { result, pauses: durations.length, totalMs: durations.reduce((a, b) => a + b, 0), maxMs: Math.max(0, ...durations) };
  } finally {
    observer.disconnect();
  }
}

/** PGlite with every statement through `PGlite.query` (parsed and planned each time): the reference for prepared statements. */
const UNPREPARED = 'pglite, unprepared (PGlite.query)';
/** PGlite in the serving thread, as before it had a thread of its own: the reference for the thread. */
const SERVING_THREAD = 'pglite, in the serving thread';

async function measure(kind: DatabaseKind, mode: Mode, base: Uint8Array, bodies: Uint8Array[][], clientCount = CLIENTS, prepared = true, thread = true): Promise<Record<string, string | number>> {
  const dir = await mkdtemp(join(tmpdir(), `dln-bench-rev-${kind}-`));
  const { database, drop } = await openBenchDatabase(kind, dir, prepared, thread);
  const blobs = new LocalBlobStore({ dir: join(dir, 'blobs'), key: BlobKey.generate() });
  const config = configFromEnv({ DELINEATE_DATA: dir, DELINEATE_LOG_LEVEL: 'silent' }, { port: 0, webRoot: join(dir, 'no-web') });
  const server = await createServer({ config, database, blobs, clock: () => new Date() });
  try {
    const seeded = await seedProject(database, GRID);
    const address = await server.app.listen({ port: 0, host: '127.0.0.1' });
    const latencies: number[] = [];
    const clients: Array<{ headers: Record<string, string>; annotationId: string }> = [];
    for (let c = 0; c < clientCount; c++) {
      clients.push(
        await (async () => {
        const { headers } = await openTestSession(server.app.accessRuntime, seeded.userId, { grant: { projectId: seeded.projectId, roles: ['annotator'] } });
        const res = await fetch(`${address}/api/items/${seeded.itemId}/annotations`, {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json' },
          body: JSON.stringify({ labelSchema: seeded.labelSchema }),
        });
        if (res.status !== 201) throw new Error(`create annotation: ${res.status} ${await res.text()}`);
        const annotationId = ((await res.json()) as { id: string }).id;
        const first = await fetch(`${address}/api/annotations/${annotationId}/revisions`, {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/octet-stream', 'if-match': '"0"' },
          body: base,
        });
        if (first.status !== 201) throw new Error(`base save: ${first.status} ${await first.text()}`);
        return { headers, annotationId };
        })(),
      );
    }
    const blobBytesBefore = await folderBytes(join(dir, 'blobs'));
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    const eluBefore = performance.eventLoopUtilization();
    const gc = await withGcPauses(() => Promise.all(
      clients.map(async (client, c) => {
        for (let s = 0; s < SAVES_PER_CLIENT; s++) {
          const t0 = performance.now();
          const res = await fetch(`${address}/api/annotations/${client.annotationId}/${mode === 'tiles' ? 'tiles' : 'revisions'}`, {
            method: mode === 'tiles' ? 'PUT' : 'POST',
            headers: {
              ...client.headers,
              'content-type': mode === 'tiles' ? 'application/vnd.delineate.tiles' : 'application/octet-stream',
              'if-match': `"${s + 1}"`,
              'idempotency-key': `c${c}-s${s}`,
            },
            body: bodies[c]![s]!,
          });
          await res.arrayBuffer();
          if (res.status !== 201) throw new Error(`save: ${res.status}`);
          latencies.push(performance.now() - t0);
        }
      }),
    ));
    const wall = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const elu = performance.eventLoopUtilization(eluBefore);
    const blobBytes = (await folderBytes(join(dir, 'blobs'))) - blobBytesBefore;
    const index = await database.db
      .selectFrom('revisions')
      .select((eb) => eb.fn.avg<number>(eb.fn('octet_length', ['tile_index'])).as('bytes'))
      .where('version', '>', 1)
      .executeTakeFirstOrThrow();
    latencies.sort((a, b) => a - b);
    const meanBody = bodies.flat().reduce((n, b) => n + b.length, 0) / bodies.flat().length;
    return {
      database: !prepared ? UNPREPARED : kind === 'pglite' && !thread ? SERVING_THREAD : kind,
      save: mode === 'tiles' ? 'tile delta' : 'whole volume',
      clients: clientCount,
      saves: latencies.length,
      'request bytes (mean)': Math.round(meanBody),
      'blob bytes written per save': Math.round(blobBytes / latencies.length),
      'index bytes per revision': Math.round(Number(index.bytes)),
      'throughput (saves/s)': Number((latencies.length / wall).toFixed(1)),
      // Less sensitive to a busy machine than latency: the process's CPU time (server and clients) per save.
      'CPU per save (ms)': Number(((cpu.user + cpu.system) / 1000 / latencies.length).toFixed(1)),
      // The serving thread's event loop busy share over the timed saves (the clients run on it too).
      'serving thread busy (%)': Number((100 * elu.utilization).toFixed(0)),
      'p50 (ms)': Number(percentile(latencies, 50).toFixed(1)),
      'p99 (ms)': Number(percentile(latencies, 99).toFixed(1)),
      'max (ms)': Number(latencies[latencies.length - 1]!.toFixed(1)),
      'mean (ms)': Number((latencies.reduce((a, b) => a + b, 0) / latencies.length).toFixed(1)),
      'GC pauses': gc.pauses,
      'GC total (ms)': Number(gc.totalMs.toFixed(1)),
      'GC max (ms)': Number(gc.maxMs.toFixed(1)),
    };
  } finally {
    await server.app.close();
    await blobs.close();
    await database.close();
    await drop();
    await rm(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<BenchResult> {
  // The machine may be shared: the load before the run is recorded beside the results.
  const loadBefore = loadavg()[0]!.toFixed(1);
  const base = baseVolume();
  // Encoded before timing: the clients' own encoding cost is not the server's.
  const sliceVoxels = GRID.rows * GRID.columns;
  const whole: Uint8Array[][] = [];
  const tiles: Uint8Array[][] = [];
  for (let c = 0; c < CLIENTS; c++) {
    whole.push([]);
    tiles.push([]);
    for (let s = 0; s < SAVES_PER_CLIENT; s++) {
      const z = (s * 13 + c) % GRID.slices;
      const volume = editedSlice(base, z, c);
      whole[c]!.push(encodeRle8(volume));
      // The tile delta: the edited slice's one 512² tile.
      tiles[c]!.push(encodeTileSet([{ position: { slice: z, tileRow: 0, tileColumn: 0 }, runs: encodeRle8(volume.subarray(z * sliceVoxels, (z + 1) * sliceVoxels)) }]));
    }
  }
  const baseBody = encodeRle8(base);
  // DELINEATE_BENCH_DATABASES=pglite runs the embedded database only (no PostgreSQL server started).
  const kinds = (process.env.DELINEATE_BENCH_DATABASES ?? 'pglite,postgres').split(',') as DatabaseKind[];
  const rows: Record<string, string | number>[] = [];
  for (const kind of kinds) {
    for (const mode of ['whole', 'tiles'] as const) rows.push(await measure(kind, mode, baseBody, mode === 'whole' ? whole : tiles));
    // Service time: the same tile saves from one client, so nothing waits behind another save.
    rows.push(await measure(kind, 'tiles', baseBody, tiles, 1));
    if (kind === 'pglite') {
      for (const clients of [CLIENTS, 1]) rows.push(await measure(kind, 'tiles', baseBody, tiles, clients, true, false));
      for (const clients of [CLIENTS, 1]) rows.push(await measure(kind, 'tiles', baseBody, tiles, clients, false));
    }
  }
  const row = (db: string, save: string, clients = CLIENTS) => rows.find((r) => r.database === db && r.save === save && r.clients === clients);
  const p99 = (db: string, save: string) => Number(row(db, save)!['p99 (ms)']);
  const queueing = kinds.map((kind) => {
    const loaded = Number(row(kind, 'tile delta')!['mean (ms)']);
    const service = Number(row(kind, 'tile delta', 1)!['mean (ms)']);
    return `${kind}: mean ${loaded} ms with ${CLIENTS} clients = ${service} ms of service (one client alone) + ${(loaded - service).toFixed(1)} ms waiting (${((100 * (loaded - service)) / loaded).toFixed(0)} %)`;
  });
  return {
    name: 'revisions',
    description: `Revision saves of a ${GRID.columns}×${GRID.rows}×${GRID.slices} label volume with one edited slice per save, ${CLIENTS} concurrent HTTP clients × ${SAVES_PER_CLIENT} saves, one server process with authentication, policy check and audit log; whole-volume uploads (cut into 512² tiles by the server) beside tile deltas (the one edited tile), on embedded PGlite and PostgreSQL 15 (loopback), in the same run.`,
    rows,
    targets: [{ target: 'tiled saves p99 under 100 ms on PGlite', measured: `${p99('pglite', 'tile delta')} ms`, met: p99('pglite', 'tile delta') < 100 }],
    notes: [
      'Clients run in the same Node process as the server (2 cores shared), so latencies include client-side scheduling.',
      'CPU per save: user + system CPU time of the process (server, its PGlite and the 20 clients) over the timed saves, divided by the saves; on a busy machine it moves far less than latency. Fsync waits and PostgreSQL\'s own processes are not in it.',
      'PGlite is single-connection: its saves are serialised by the driver; PostgreSQL uses a pool of 10 connections. PGlite runs in a thread of its own (the default, DELINEATE_PGLITE_THREAD); the rows “pglite, in the serving thread” are the same saves with PGlite on the thread that serves the requests and runs the clients, as before it had one (serving thread busy: that thread\'s event-loop busy share over the timed saves).',
      `Load average (1 min) when the run started: ${loadBefore}; latencies scale with it. Databases in this run: ${kinds.join(', ')} (DELINEATE_BENCH_DATABASES).`,
      'Blob bytes written per save: the growth of the blob folder (encrypted pack blobs) over the timed saves, divided by the saves; both modes write only the changed tile.',
      `Queueing against service time (tile deltas): ${queueing.join('; ')}. With ${CLIENTS} clients saving back to back a save waits for about ${CLIENTS - 1} others (Little's law: mean latency ≈ clients ÷ throughput), so the p99 target needs a service time near 100 ÷ ${CLIENTS} ms.`,
      'GC pauses: garbage-collection pauses (PerformanceObserver) in the process during the timed saves, their total and the longest.',
      'Group commit: saves that reach their commit while another group is being written commit together in one statement (RevisionCommitQueue), and concurrent requests\' session lookups share one query (StatementGroups); each save keeps its own compare-and-set, answer and audit event. Groups form only when statements wait for the connection, so on a machine where the saves wait elsewhere (a starved process, slow fsyncs) they commit one by one as before.',
      'Index bytes per revision: the tile index stored in the revision row (a delta on the parent\'s index while the chain is lighter than a full index; see docs/ARCHITECTURE.md).',
    ],
  };
}
