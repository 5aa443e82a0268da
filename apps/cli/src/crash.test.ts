// Crash safety of revision saves (issue 2, part 10): concurrent writers save revisions through
// the HTTP API of a real `delineate start` process that is killed with SIGKILL at random
// moments and restarted. Afterwards every acknowledged revision must be there with the same
// mask hash (recomputed from its stored index and tiles), each annotation's versions form one chain, and no revision points to a
// missing blob. Half the writers save whole masks (cut into tiles by the server), half save one
// edited slice as a tile delta (issue 12); every revision's tiles must be readable afterwards, so
// no index points at a pack that was not written. Runs against embedded PGlite and, when
// configured, PostgreSQL.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decodeTileSet, encodeRle8, encodeTileSet } from '@delineate/core';
import { configFromEnv, openPlatform, PasswordHasher } from '@delineate/server';
import { AnnotationRepository, testing } from '@delineate/store';
import { seedDemo } from './demo';

const bin = fileURLToPath(new URL('../bin/delineate.mjs', import.meta.url));
const KILLS = Number(process.env.DELINEATE_CRASH_KILLS ?? 20);
const WRITERS = 4;
const kinds = testing.testDatabaseKinds();

interface Ack {
  annotationId: string;
  version: number;
  maskHash: string;
}

/** A seeded generator for kill times and mask contents, so a failing run can be replayed. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

async function startServer(env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; base: string }> {
  const child = spawn(process.execPath, [bin, 'start', '--port', '0', '--no-demo'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${output.slice(-2000)}`)), 180_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /running at (http:\/\/[^\s]+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!.replace('localhost', '127.0.0.1'));
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}: ${output.slice(-2000)}`));
    });
  });
  child.removeAllListeners('exit');
  return { child, base };
}

function kill(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

async function login(base: string, username: string, password: string): Promise<string> {
  const res = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  if (!res.ok) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}

async function prepare(env: NodeJS.ProcessEnv) {
  const config = configFromEnv(env);
  const { database, blobs } = await openPlatform(config, env);
  try {
    const demo = await seedDemo({ database, blobs, clock: () => new Date(), hasher: new PasswordHasher() }, { slices: 6, size: 24, minimal: true });
    if (!demo.created) throw new Error('expected a fresh store');
    const annotator = demo.credentials.find((c) => c.role === 'clinician_annotator')!;
    return { demo, annotator, voxels: 24 * 24 * 6, sliceVoxels: 24 * 24, slices: 6 };
  } finally {
    await blobs.close();
    await database.close();
  }
}

async function runCrashTest(env: NodeJS.ProcessEnv, seed: number) {
  const rand = lcg(seed);
  const { demo, annotator, voxels, sliceVoxels, slices } = await prepare(env);
  if (!demo.created) throw new Error('expected a fresh store');
  const itemId = demo.items[0]!.itemId;

  const acks: Ack[] = [];
  const annotationIds: string[] = [];
  let kills = 0;
  let attempts = 0;
  let saveErrors = 0;
  // One pending save per writer, retried with the same Idempotency-Key after a crash.
  const pending = new Map<number, { key: string; body: Uint8Array; expected: number; tiled: boolean }>();
  const heads = new Map<number, number>();

  for (let round = 0; round <= KILLS; round++) {
    const { child, base } = await startServer(env);
    const token = await login(base, annotator.username, annotator.password);
    const auth = { authorization: `Bearer ${token}` };
    if (annotationIds.length === 0) {
      for (let w = 0; w < WRITERS; w++) {
        const res = await fetch(`${base}/api/items/${itemId}/annotations`, {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/json' },
          body: JSON.stringify({ labelSchema: demo.labelSchema }),
        });
        annotationIds.push(((await res.json()) as { id: string }).id);
      }
      annotationIds.forEach((_, w) => heads.set(w, 0));
    }
    const last = round === KILLS;
    let stop = false;
    const writer = async (w: number) => {
      const annotationId = annotationIds[w]!;
      while (!stop) {
        let job = pending.get(w);
        if (!job) {
          const tiled = w % 2 === 1;
          const v = new Uint8Array(tiled ? sliceVoxels : voxels);
          const start = Math.floor(rand() * v.length * 0.8);
          v.fill(1 + (w % 2), start, start + 1 + Math.floor(rand() * v.length * 0.2));
          // A delta replaces one slice's tile (24 × 24: one tile per slice).
          const body = tiled ? encodeTileSet([{ position: { slice: Math.floor(rand() * slices), tileRow: 0, tileColumn: 0 }, runs: encodeRle8(v) }]) : encodeRle8(v);
          job = { key: `w${w}-${attempts++}`, body, expected: heads.get(w)!, tiled };
          pending.set(w, job);
        }
        try {
          const res = await fetch(`${base}/api/annotations/${annotationId}/${job.tiled ? 'tiles' : 'revisions'}`, {
            method: job.tiled ? 'PUT' : 'POST',
            headers: {
              ...auth,
              'content-type': job.tiled ? 'application/vnd.delineate.tiles' : 'application/octet-stream',
              'if-match': `"${job.expected}"`,
              'idempotency-key': job.key,
            },
            body: job.body,
          });
          const body = (await res.json()) as { revision?: { version: number; maskHash: string }; currentVersion?: number };
          if (res.status === 201 || res.status === 200) {
            acks.push({ annotationId, version: body.revision!.version, maskHash: body.revision!.maskHash });
            heads.set(w, body.revision!.version);
            pending.delete(w);
          } else if (res.status === 412) {
            heads.set(w, body.currentVersion!);
            pending.delete(w);
          } else {
            saveErrors++;
            pending.delete(w);
          }
        } catch {
          // The server died mid-request: retry this save with the same key after the restart.
          return;
        }
        if (last && acks.length > 0 && rand() < 0.3) return;
      }
    };
    const writers = Array.from({ length: WRITERS }, (_, w) => writer(w));
    if (last) {
      stop = true;
      await Promise.all(writers);
      // Finish saves interrupted by the last kill, then verify on this final server.
      for (const w of [...pending.keys()]) await writer(w).catch(() => undefined);
      const verified = await verify(base, auth, annotationIds, acks);
      await kill(child);
      await verifyMaskHashes(env, annotationIds);
      return { kills, acked: acks.length, ...verified, saveErrors };
    }
    await new Promise((r) => setTimeout(r, 300 + rand() * 1200));
    await kill(child);
    kills++;
    stop = true;
    await Promise.all(writers);
  }
  throw new Error('unreachable');
}

async function verify(base: string, auth: Record<string, string>, annotationIds: string[], acks: Ack[]) {
  let revisionsFound = 0;
  let blobsChecked = 0;
  const byKey = new Map<string, { maskHash: string }>();
  for (const annotationId of annotationIds) {
    const history = (await (await fetch(`${base}/api/annotations/${annotationId}/revisions`, { headers: auth })).json()) as Array<{
      version: number;
      parentVersion: number | null;
      maskHash: string;
    }>;
    const annotation = (await (await fetch(`${base}/api/annotations/${annotationId}`, { headers: auth })).json()) as { headVersion: number };
    expect(history.map((r) => r.version)).toEqual(Array.from({ length: history.length }, (_, i) => i + 1));
    expect(history.map((r) => r.parentVersion)).toEqual(history.map((r) => (r.version === 1 ? null : r.version - 1)));
    expect(annotation.headVersion).toBe(history.length);
    for (const r of history) {
      byKey.set(`${annotationId}#${r.version}`, r);
      const mask = await fetch(`${base}/api/annotations/${annotationId}/revisions/${r.version}/mask`, { headers: auth });
      expect(mask.status).toBe(200);
      expect(mask.headers.get('etag')).toBe(`"sha256:${createHash('sha256').update(new Uint8Array(await mask.arrayBuffer())).digest('hex')}"`);
      // Every tile of the index, read from its pack (hash-checked on read).
      const tiles = await fetch(`${base}/api/annotations/${annotationId}/revisions/${r.version}/tiles`, { headers: auth });
      expect(tiles.status).toBe(200);
      expect(decodeTileSet(new Uint8Array(await tiles.arrayBuffer())).ok).toBe(true);
      blobsChecked++;
    }
    revisionsFound += history.length;
  }
  for (const ack of acks) expect(byKey.get(`${ack.annotationId}#${ack.version}`)?.maskHash).toBe(ack.maskHash);
  return { revisionsFound, blobsChecked };
}

/** Every revision's recorded mask hash recomputed from the stored index and tiles (each tile read past every cache). */
async function verifyMaskHashes(env: NodeJS.ProcessEnv, annotationIds: string[]) {
  const { database, blobs } = await openPlatform(configFromEnv(env), env);
  try {
    const annotations = new AnnotationRepository(database.db, { blobs });
    for (const annotationId of annotationIds) {
      for (const r of await annotations.history(annotationId)) expect(await annotations.recomputeMaskHash(annotationId, r.version)).toBe(r.maskHash);
    }
  } finally {
    await blobs.close();
    await database.close();
  }
}

describe.each(kinds.run)('crash safety on %s', (kind) => {
  it(`keeps every acknowledged revision across ${KILLS} SIGKILLs`, { timeout: 600_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dln-crash-'));
    const database = kind === 'postgres' ? await testing.createEmptyPostgresDatabase() : undefined;
    try {
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        DELINEATE_DATA: dir,
        DELINEATE_DEMO_RELAX_MFA: '1',
        DELINEATE_LOG_LEVEL: 'warn',
        ...(database ? { DATABASE_URL: database.url } : { DATABASE_URL: '' }),
      };
      const result = await runCrashTest(env, 20261127);
      console.log(`crash test [${kind}]: ${result.kills} kills, ${result.acked} acknowledged revisions, ${result.revisionsFound} revisions found, ${result.blobsChecked} mask blobs verified`);
      expect(result.kills).toBe(KILLS);
      expect(result.acked).toBeGreaterThan(KILLS);
      expect(result.revisionsFound).toBeGreaterThanOrEqual(result.acked);
      expect(result.saveErrors).toBe(0);
    } finally {
      await database?.drop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
