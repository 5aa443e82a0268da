// Load (issue 19): 50 simulated annotators, each opening the item, reading a slice and saving a
// tile of their mask in a loop, for 60 s, against one `delineate start` process and then against
// two behind the round-robin balancer of the several-servers test, both on one PostgreSQL
// database and one s3rver bucket on loopback. Reports throughput and p50/p99 latency per route.
// Needs DELINEATE_TEST_DATABASE_URL (scripts/pg-test-server.sh); CI never runs it.
//   DELINEATE_BENCH_LOAD_SECONDS (default 60), DELINEATE_BENCH_LOAD_USERS (default 50)
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeRle8, encodeTileSet } from '@delineate/core';
import { configFromEnv, openPlatform, PasswordHasher } from '@delineate/server';
import { loadOrCreateAuditKey, testing } from '@delineate/store';
import { seedDemo } from '../apps/cli/src/demo';
import { killHard, startBalancer, startServerProcess, type ServerProcess } from '../apps/cli/src/test/cluster';
import type { BenchResult } from './types';

const SECONDS = Number(process.env.DELINEATE_BENCH_LOAD_SECONDS ?? 60);
const USERS = Number(process.env.DELINEATE_BENCH_LOAD_USERS ?? 50);
const SLICES = 32;
const SIZE = 256;
const ROUTES = ['open item', 'read slice', 'save tile'] as const;
type Route = (typeof ROUTES)[number];

function quantile(sorted: readonly number[], q: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

interface Phase {
  latencies: Record<Route, number[]>;
  errors: number;
  seconds: number;
}

/** USERS annotators in a loop until the time is up, each with their own annotation and session. */
async function simulate(base: string, setup: { itemId: string; labelSchema: unknown; username: string; password: string }): Promise<Phase> {
  // Signed in one after another (argon2id each): the set-up, not the load.
  const sessions: Array<{ auth: { authorization: string }; annotationId: string }> = [];
  for (let user = 0; user < USERS; user++) {
    const res = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: setup.username, password: setup.password }) });
    if (!res.ok) throw new Error(`login: ${res.status}`);
    const auth = { authorization: `Bearer ${((await res.json()) as { token: string }).token}` };
    const created = await fetch(`${base}/api/items/${setup.itemId}/annotations`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ labelSchema: setup.labelSchema }) });
    sessions.push({ auth, annotationId: ((await created.json()) as { id: string }).id });
  }
  const latencies: Record<Route, number[]> = { 'open item': [], 'read slice': [], 'save tile': [] };
  let errors = 0;
  const timed = async (route: Route, request: () => Promise<Response>): Promise<Response | undefined> => {
    const started = performance.now();
    const res = await request().catch(() => undefined);
    if (res) await res.arrayBuffer();
    latencies[route].push(performance.now() - started);
    if (!res || res.status >= 300) errors++;
    return res;
  };
  const started = performance.now();
  const endAt = started + SECONDS * 1000;
  await Promise.all(
    sessions.map(async ({ auth, annotationId }, user) => {
      let head = 0;
      for (let n = 0; performance.now() < endAt; n++) {
        const slice = (user + n) % SLICES;
        await timed('open item', () => fetch(`${base}/api/items/${setup.itemId}`, { headers: auth }));
        await timed('read slice', () => fetch(`${base}/api/items/${setup.itemId}/volume?first=${slice}&count=1`, { headers: auth }));
        const stroke = new Uint8Array(SIZE * SIZE);
        stroke.fill(1, ((n * 997) % (SIZE * SIZE - 400)) | 0, (((n * 997) % (SIZE * SIZE - 400)) | 0) + 400);
        const body = encodeTileSet([{ position: { slice, tileRow: 0, tileColumn: 0 }, runs: encodeRle8(stroke) }]);
        const res = await timed('save tile', () =>
          fetch(`${base}/api/annotations/${annotationId}/tiles`, {
            method: 'PUT',
            headers: { ...auth, 'content-type': 'application/vnd.delineate.tiles', 'if-match': `"${head}"`, 'idempotency-key': `u${user}-${n}` },
            body,
          }),
        );
        if (res?.ok) head += 1;
      }
    }),
  );
  return { latencies, errors, seconds: (performance.now() - started) / 1000 };
}

export async function run(): Promise<BenchResult> {
  if (!process.env[testing.TEST_DATABASE_URL_ENV]) throw new Error(`bench load needs ${testing.TEST_DATABASE_URL_ENV} (scripts/pg-test-server.sh prints one)`);
  const work = await mkdtemp(join(tmpdir(), 'dln-bench-load-'));
  const database = await testing.createEmptyPostgresDatabase();
  const s3 = await testing.startTestS3Server({ directory: join(work, 's3rver'), buckets: ['delineate'] });
  const servers: ServerProcess[] = [];
  try {
    const keys = { DELINEATE_KEY: randomBytes(32).toString('base64'), DELINEATE_CREDENTIAL_KEY: randomBytes(32).toString('base64') };
    const dataDirs = [join(work, 'server-a'), join(work, 'server-b')];
    await loadOrCreateAuditKey(dataDirs[0]!);
    await mkdir(join(dataDirs[1]!, 'keys'), { recursive: true, mode: 0o700 });
    for (const file of ['audit-ed25519.pem', 'audit-ed25519.pub.pem']) await copyFile(join(dataDirs[0]!, 'keys', file), join(dataDirs[1]!, 'keys', file));
    const envs = dataDirs.map((dir) => ({
      ...process.env,
      ...keys,
      DELINEATE_DATA: dir,
      DATABASE_URL: database.url,
      DELINEATE_BLOB_URL: s3.blobUrl('delineate'),
      DELINEATE_DEMO_RELAX_MFA: '1',
      DELINEATE_LOG_LEVEL: 'error',
    }));
    const { database: store, blobs } = await openPlatform(configFromEnv(envs[0]!), envs[0]!);
    const demo = await seedDemo({ database: store, blobs, clock: () => new Date(), hasher: new PasswordHasher() }, { minimal: true, slices: SLICES, size: SIZE });
    await blobs.close();
    await store.close();
    if (!demo.created) throw new Error('expected a fresh database');
    const annotator = demo.credentials.find((c) => c.role === 'clinician_annotator')!;
    const setup = { itemId: demo.items[0]!.itemId, labelSchema: demo.labelSchema, username: annotator.username, password: annotator.password };

    const rows: BenchResult['rows'] = [];
    const summaries: string[] = [];
    for (const count of [1, 2]) {
      while (servers.length < count) servers.push(await startServerProcess(envs[servers.length]!));
      const balancer = await startBalancer(servers.map((s) => s.base));
      const phase = await simulate(balancer.url, setup);
      await balancer.close();
      let total = 0;
      for (const route of ROUTES) {
        const sorted = [...phase.latencies[route]].sort((a, b) => a - b);
        total += sorted.length;
        rows.push({ servers: count, route, requests: sorted.length, 'per second': Math.round(sorted.length / phase.seconds), 'p50 ms': Math.round(quantile(sorted, 0.5)), 'p99 ms': Math.round(quantile(sorted, 0.99)) });
      }
      summaries.push(`${count} server${count > 1 ? 's' : ''}: ${Math.round(total / phase.seconds)} requests/s, ${phase.errors} errors; load average ${loadavg()[0]!.toFixed(1)} at its end`);
    }
    return {
      name: 'load',
      description: `${USERS} simulated annotators for ${SECONDS} s each, opening the item, reading one slice (${SIZE}², int16) and saving one tile of their mask (a tile delta) in a loop, against one \`delineate start\` process and against two behind a round-robin balancer; PostgreSQL and an s3rver bucket on loopback, all on the same machine.`,
      rows,
      targets: [],
      notes: [
        ...summaries,
        'The two servers, PostgreSQL, s3rver, the balancer and the 50 users share the machine\'s cores (and, when recorded on the shared development machine, with other work: see the load average), so a second server adds no cores here; on separate machines it would.',
      ],
    };
  } finally {
    await Promise.all(servers.map((s) => killHard(s.child)));
    await s3.close();
    await database.drop();
    await rm(work, { recursive: true, force: true });
  }
}
