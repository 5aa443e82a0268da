import { spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobKey } from './key';
import { LocalBlobStore } from './local';

const fixture = fileURLToPath(new URL('./crash-writer.fixture.ts', import.meta.url));
const kills = 4;

/** Runs the writer until it has acknowledged a few blobs, then SIGKILLs it mid-write. */
function runAndKill(dir: string, key: BlobKey): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, dir], {
      env: { ...process.env, DELINEATE_KEY: key.material.toString('hex') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const acknowledged: string[] = [];
    let pending = '';
    let stderr = '';
    const killAfter = randomInt(3, 20);
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      acknowledged.push(...lines);
      if (acknowledged.length >= killAfter && !child.killed) {
        // A short random delay lands the kill inside later writes.
        setTimeout(() => child.kill('SIGKILL'), randomInt(0, 15));
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(acknowledged);
      else reject(new Error(`writer exited with ${code}: ${stderr.slice(0, 2000)}`));
    });
  });
}

describe('LocalBlobStore crash safety', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'delineate-blob-crash-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it(`keeps every acknowledged blob and shows no partial blob across ${kills} SIGKILLs`, async () => {
    const key = BlobKey.generate();
    const acknowledged: string[] = [];
    for (let n = 0; n < kills; n++) acknowledged.push(...(await runAndKill(dir, key)));

    const store = new LocalBlobStore({ dir, key });
    const listed: string[] = [];
    for await (const hash of store.list()) listed.push(hash);
    // Every blob visible under its final name opens and verifies; none is half-written.
    for (const hash of listed) await expect(store.get(hash)).resolves.toBeInstanceOf(Uint8Array);
    const visible = new Set(listed);
    const lost = acknowledged.filter((hash) => !visible.has(hash));
    const leftovers = (await readdir(dir, { recursive: true })).filter((name) => name.endsWith('.tmp'));
    console.log(`blob crash test: ${kills} kills, ${acknowledged.length} acknowledged, ${listed.length} stored, ${lost.length} lost, ${leftovers.length} temporary files left`);
    expect(acknowledged.length).toBeGreaterThanOrEqual(kills * 3);
    expect(lost).toEqual([]);

    expect(await store.removeAbandonedTemporaryFiles(60_000)).toBe(0);
    expect(await store.removeAbandonedTemporaryFiles(0)).toBe(leftovers.length);
    expect((await readdir(dir, { recursive: true })).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    for (const hash of acknowledged) await expect(store.has(hash)).resolves.toBe(true);
  });
});
