import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, readlink, realpath, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDelineateError } from '@delineate/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blobRelativePath } from './address';
import { BlobKey } from './key';
import { LocalBlobStore } from './local';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Descriptors this process holds open on files under `dir`, counted by the kernel, not by the store. */
async function descriptorsUnder(dir: string): Promise<number> {
  let count = 0;
  for (const fd of await readdir('/proc/self/fd')) {
    const target = await readlink(join('/proc/self/fd', fd)).catch(() => '');
    if (target.startsWith(dir)) count++;
  }
  return count;
}

/** The count once closes under way have finished: polls until at most `atMost` (or 2 s pass). */
async function settledDescriptorsUnder(dir: string, atMost: number): Promise<number> {
  const until = Date.now() + 2_000;
  let count = await descriptorsUnder(dir);
  while (count > atMost && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    count = await descriptorsUnder(dir);
  }
  return count;
}

async function codeOf(work: Promise<unknown>): Promise<string> {
  try {
    await work;
    return 'resolved';
  } catch (error) {
    return isDelineateError(error) ? error.code : 'other';
  }
}

/** Stored blobs and a part of each (what a tile read asks for). */
async function storeBlobs(store: LocalBlobStore, count: number) {
  return Promise.all(
    Array.from({ length: count }, async (_, n) => {
      const bytes = randomBytes(40_000 + n);
      const { hash } = await store.put(bytes);
      const offset = 1_000 + n * 7;
      return { hash, bytes, part: { offset, length: 300, sha256: sha256(bytes.subarray(offset, offset + 300)) } };
    }),
  );
}

describe.runIf(process.platform === 'linux')('LocalBlobStore open files for ranged reads', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await realpath(await mkdtemp(join(tmpdir(), 'delineate-blob-files-')));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('keeps at most its limit of files open, closing the least recently used, and reads stay correct after eviction', async () => {
    const folder = join(dir, 'evict');
    const store = new LocalBlobStore({ dir: folder, key: BlobKey.generate(), openFiles: 2 });
    const blobs = await storeBlobs(store, 5);
    for (let round = 0; round < 3; round++) {
      for (const { hash, bytes, part } of blobs) {
        const [read] = await store.getParts(hash, [part]);
        expect(Buffer.from(read!).equals(bytes.subarray(part.offset, part.offset + part.length))).toBe(true);
        // An evicted file's descriptor is released once its close completes.
        expect(await settledDescriptorsUnder(folder, 2)).toBeLessThanOrEqual(2);
      }
    }
    expect(await descriptorsUnder(folder)).toBe(2);
    expect(store.openFileCount).toBe(2);
    await store.close();
    expect(await descriptorsUnder(folder)).toBe(0);
    expect(store.openFileCount).toBe(0);
  });

  it('leaks no descriptor across many concurrent reads, missing blobs and close', async () => {
    const folder = join(dir, 'leak');
    const before = await descriptorsUnder(folder);
    const store = new LocalBlobStore({ dir: folder, key: BlobKey.generate(), openFiles: 3 });
    const blobs = await storeBlobs(store, 8);
    const missing = Array.from({ length: 10 }, () => codeOf(store.getParts(sha256(randomBytes(8)), [blobs[0]!.part])));
    expect(await Promise.all(missing)).toEqual(missing.map(() => 'DLN_BLOB_NOT_FOUND'));
    const reads = Array.from({ length: 200 }, (_, k) => blobs[(k * 5) % blobs.length]!).map(async ({ hash, bytes, part }) => {
      const [read] = await store.getParts(hash, [part]);
      return Buffer.from(read!).equals(bytes.subarray(part.offset, part.offset + part.length));
    });
    expect(await Promise.all(reads)).toEqual(reads.map(() => true));
    // The last files read stay open until close.
    expect(await settledDescriptorsUnder(folder, before + 3)).toBe(before + 3);
    await store.close();
    expect(await descriptorsUnder(folder)).toBe(before);
  });

  it('lets reads under way when the store closes finish, then closes their files and refuses new reads', async () => {
    const folder = join(dir, 'closing');
    const store = new LocalBlobStore({ dir: folder, key: BlobKey.generate() });
    const [{ hash, bytes, part }] = (await storeBlobs(store, 1)) as [Awaited<ReturnType<typeof storeBlobs>>[number]];
    const underWay = store.getParts(hash, [part]);
    const closed = store.close();
    expect(Buffer.from((await underWay)[0]!).equals(bytes.subarray(part.offset, part.offset + part.length))).toBe(true);
    await closed;
    expect(await descriptorsUnder(folder)).toBe(0);
    expect(await codeOf(store.getParts(hash, [part]))).toBe('DLN_BLOB_STORE_CLOSED');
  });

  it('reads a blob replaced behind an open handle from the file now under its name', async () => {
    const folder = join(dir, 'replaced');
    const store = new LocalBlobStore({ dir: folder, key: BlobKey.generate() });
    const [{ hash, bytes, part }] = (await storeBlobs(store, 1)) as [Awaited<ReturnType<typeof storeBlobs>>[number]];
    const path = join(folder, blobRelativePath(hash));
    const good = await readFile(path);
    const damaged = Uint8Array.from(good);
    damaged[25 + part.offset + 10]! ^= 0x01;
    // Another process swaps a damaged object in (a new file, so the store's handle is to it) and back.
    await writeFile(`${path}.other`, damaged);
    await rename(`${path}.other`, path);
    expect(await codeOf(store.getParts(hash, [part]))).toBe('DLN_BLOB_CORRUPT');
    await writeFile(`${path}.other`, good);
    await rename(`${path}.other`, path);
    const [read] = await store.getParts(hash, [part]);
    expect(Buffer.from(read!).equals(bytes.subarray(part.offset, part.offset + part.length))).toBe(true);
    await store.close();
    expect(await descriptorsUnder(folder)).toBe(0);
  });

  it('reads small spans on the spot and large ones through the thread pool, alike', async () => {
    const folder = join(dir, 'spans');
    const store = new LocalBlobStore({ dir: folder, key: BlobKey.generate() });
    const bytes = randomBytes(1_000_000);
    const { hash } = await store.put(bytes);
    const ranges = [[3, 40], [500_000, 400_000], [999_000, 1_000]] as const;
    const read = await store.getParts(hash, ranges.map(([offset, length]) => ({ offset, length, sha256: sha256(bytes.subarray(offset, offset + length)) })));
    ranges.forEach(([offset, length], i) => expect(Buffer.from(read[i]!).equals(bytes.subarray(offset, offset + length)), `part ${i}`).toBe(true));
    await store.close();
  });

  it('refuses a limit below one file', () => {
    expect(() => new LocalBlobStore({ dir: join(dir, 'none'), key: BlobKey.generate(), openFiles: 0 })).toThrow(/at least 1/);
  });
});
