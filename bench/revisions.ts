// Revision saves (issue 2): a 512×512×128 label volume with one edited slice per save, from 20
// concurrent HTTP clients against one server process; embedded PGlite and PostgreSQL side by
// side in the same run. Each save is a full `rle` volume (the platform's stored encoding),
// validated against the item's grid, hashed, encrypted, fsynced, then committed by
// compare-and-set.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeRle8 } from '@delineate/core';
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

async function openBenchDatabase(kind: DatabaseKind, dir: string): Promise<{ database: Database; drop: () => Promise<void> }> {
  if (kind === 'pglite') {
    const database = await openDatabase({ dataDir: dir });
    await migrate(database.db);
    return { database, drop: async () => undefined };
  }
  process.env.DELINEATE_TEST_DATABASE_URL ??= execFileSync('bash', ['scripts/pg-test-server.sh', 'start'], { encoding: 'utf8' }).trim();
  const { url, drop } = await testing.createEmptyPostgresDatabase();
  const database = await openDatabase({ url, dataDir: dir });
  await migrate(database.db);
  return { database, drop };
}

async function measure(kind: DatabaseKind, bodies: Uint8Array[][]): Promise<Record<string, string | number>> {
  const dir = await mkdtemp(join(tmpdir(), `dln-bench-rev-${kind}-`));
  const { database, drop } = await openBenchDatabase(kind, dir);
  const blobs = new LocalBlobStore({ dir: join(dir, 'blobs'), key: BlobKey.generate() });
  const config = configFromEnv({ DELINEATE_DATA: dir, DELINEATE_LOG_LEVEL: 'silent' }, { port: 0, webRoot: join(dir, 'no-web') });
  const server = await createServer({ config, database, blobs, clock: () => new Date() });
  try {
    const seeded = await seedProject(database, GRID);
    const address = await server.app.listen({ port: 0, host: '127.0.0.1' });
    const latencies: number[] = [];
    const clients: Array<{ headers: Record<string, string>; annotationId: string }> = [];
    for (let c = 0; c < CLIENTS; c++) {
      clients.push(
        await (async () => {
        const { headers } = await openTestSession(server.app.accessRuntime, seeded.userId, { grant: { projectId: seeded.projectId, roles: ['annotator'] } });
        const res = await fetch(`${address}/api/items/${seeded.itemId}/annotations`, {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json' },
          body: JSON.stringify({ labelSchema: seeded.labelSchema }),
        });
        if (res.status !== 201) throw new Error(`create annotation: ${res.status} ${await res.text()}`);
        return { headers, annotationId: ((await res.json()) as { id: string }).id };
        })(),
      );
    }
    const started = performance.now();
    await Promise.all(
      clients.map(async (client, c) => {
        for (let s = 0; s < SAVES_PER_CLIENT; s++) {
          const t0 = performance.now();
          const res = await fetch(`${address}/api/annotations/${client.annotationId}/revisions`, {
            method: 'POST',
            headers: { ...client.headers, 'content-type': 'application/octet-stream', 'if-match': `"${s}"`, 'idempotency-key': `c${c}-s${s}` },
            body: bodies[c]![s]!,
          });
          await res.arrayBuffer();
          if (res.status !== 201) throw new Error(`save: ${res.status}`);
          latencies.push(performance.now() - t0);
        }
      }),
    );
    const wall = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    const meanBody = bodies.flat().reduce((n, b) => n + b.length, 0) / bodies.flat().length;
    return {
      database: kind,
      clients: CLIENTS,
      saves: latencies.length,
      'mask bytes (mean)': Math.round(meanBody),
      'throughput (saves/s)': Number((latencies.length / wall).toFixed(1)),
      'p50 (ms)': Number(percentile(latencies, 50).toFixed(1)),
      'p99 (ms)': Number(percentile(latencies, 99).toFixed(1)),
      'max (ms)': Number(latencies[latencies.length - 1]!.toFixed(1)),
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
  const base = baseVolume();
  // Encoded before timing: the clients' own encoding cost is not the server's.
  const bodies = Array.from({ length: CLIENTS }, (_, c) => Array.from({ length: SAVES_PER_CLIENT }, (_, s) => encodeRle8(editedSlice(base, (s * 13 + c) % GRID.slices, c))));
  const rows = [await measure('pglite', bodies), await measure('postgres', bodies)];
  return {
    name: 'revisions',
    description: `Revision saves of a ${GRID.columns}×${GRID.rows}×${GRID.slices} label volume with one edited slice per save (full rle volume per request), ${CLIENTS} concurrent HTTP clients × ${SAVES_PER_CLIENT} saves, one server process with authentication, policy check and audit log; embedded PGlite and PostgreSQL 15 (loopback) side by side.`,
    rows,
    targets: [],
    notes: [
      'Clients run in the same Node process as the server (2 cores shared), so latencies include client-side scheduling.',
      'PGlite is single-connection: its saves are serialised by the driver; PostgreSQL uses a pool of 10 connections.',
    ],
  };
}
