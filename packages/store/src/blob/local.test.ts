import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blobRelativePath } from './address';
import { runBlobStoreConformance } from './conformance';
import { BlobKey } from './key';
import { LocalBlobStore } from './local';

await runBlobStoreConformance('LocalBlobStore', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'delineate-blobs-'));
  return {
    open: (key) => new LocalBlobStore({ dir, key }),
    readStored: async (hash) => readFile(join(dir, blobRelativePath(hash))),
    writeStored: async (hash, bytes) => writeFile(join(dir, blobRelativePath(hash)), bytes),
    close: () => rm(dir, { recursive: true, force: true }),
  };
});

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describe('LocalBlobStore', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'delineate-blobs-local-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('lays blobs out as ab/cd/<hash> in private folders and leaves no temporary files', async () => {
    const store = new LocalBlobStore({ dir: join(dir, 'layout'), key: BlobKey.generate(), region: 'eu-test' });
    expect(store.region).toBe('eu-test');
    const puts = await Promise.all(Array.from({ length: 10 }, () => store.put(randomBytes(100))));
    const files = (await filesUnder(join(dir, 'layout'))).map((f) => f.slice(join(dir, 'layout').length + 1)).sort();
    expect(files).toEqual(puts.map((p) => blobRelativePath(p.hash)).sort());
    const shard = await stat(join(dir, 'layout', files[0]?.slice(0, 2) ?? ''));
    expect(shard.mode & 0o077).toBe(0);
  });

  it('reports exactly one of several independent writers of the same content as the creator', async () => {
    // Separate instances do not share the in-process coalescing, so they race on the file system.
    const key = BlobKey.generate();
    const stores = Array.from({ length: 12 }, () => new LocalBlobStore({ dir: join(dir, 'race'), key }));
    const bytes = randomBytes(64 * 1024);
    const results = await Promise.all(stores.map((store) => store.put(bytes)));
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(await filesUnder(join(dir, 'race'))).toHaveLength(1);
  });

  it('lists an empty or missing folder as no blobs', async () => {
    const store = new LocalBlobStore({ dir: join(dir, 'never-written'), key: BlobKey.generate() });
    const seen: string[] = [];
    for await (const hash of store.list()) seen.push(hash);
    expect(seen).toEqual([]);
  });
});
