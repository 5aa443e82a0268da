import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDelineateError, type ErrorCode } from '@delineate/schema';
import { envelopeOverhead } from './envelope';
import { BlobKey, blobKeyPath, loadBlobKey } from './key';
import type { BlobStore } from './types';

/** What one blob store implementation provides to the shared conformance suite. */
export interface BlobStoreHarness {
  /** A store over this harness's storage that seals and opens blobs with `key`. */
  open(key: BlobKey): BlobStore;
  /** The stored (encrypted) object under `hash`, read behind the store's back. */
  readStored(hash: string): Promise<Uint8Array>;
  /** Replaces or creates the stored object under `hash` behind the store's back. */
  writeStored(hash: string, bytes: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function codeOf(work: Promise<unknown>): Promise<ErrorCode | 'resolved' | 'other'> {
  try {
    await work;
    return 'resolved';
  } catch (error) {
    return isDelineateError(error) ? error.code : 'other';
  }
}

async function collect(items: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const item of items) out.push(item);
  return out;
}

function flipped(bytes: Uint8Array, at: number): Uint8Array {
  const copy = Uint8Array.from(bytes);
  copy[at] = (copy[at] ?? 0) ^ 0x01;
  return copy;
}

/**
 * The contract every {@link BlobStore} meets, run as a vitest suite. Call it at the top level
 * of a test file: `await runBlobStoreConformance('local', async () => harness)`. vitest is
 * loaded lazily so that product code importing the store never loads the test runner.
 */
export async function runBlobStoreConformance(name: string, setup: () => Promise<BlobStoreHarness>): Promise<void> {
  const { afterAll, beforeAll, describe, expect, it } = await import('vitest');

  describe(`BlobStore conformance: ${name}`, () => {
    let harness: BlobStoreHarness;
    let store: BlobStore;
    let key: BlobKey;
    let dataDir: string;

    beforeAll(async () => {
      dataDir = await mkdtemp(join(tmpdir(), 'delineate-blob-key-'));
      key = await loadBlobKey({ dataDir, env: {} });
      harness = await setup();
      store = harness.open(key);
    });

    afterAll(async () => {
      await store?.close();
      await harness?.close();
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
    });

    it('uses a key from a generated key file that only its owner can read', async () => {
      expect(key.source).toBe('file');
      const file = await stat(blobKeyPath(dataDir));
      const folder = await stat(join(dataDir, 'keys'));
      if (process.platform !== 'win32') {
        expect(file.mode & 0o777).toBe(0o600);
        expect(folder.mode & 0o777).toBe(0o700);
      }
      const again = await loadBlobKey({ dataDir, env: {} });
      expect(again.id).toBe(key.id);
      const bytes = randomBytes(1000);
      const { hash } = await store.put(bytes);
      const reopened = harness.open(again);
      expect(Buffer.from(await reopened.get(hash)).equals(bytes)).toBe(true);
      await reopened.close();
    });

    it('round-trips content under the SHA-256 of the plaintext', async () => {
      const bytes = randomBytes(4096);
      const put = await store.put(bytes);
      expect(put).toEqual({ hash: sha256(bytes), size: 4096, created: true });
      expect(Buffer.from(await store.get(put.hash)).equals(bytes)).toBe(true);
      expect(await store.has(put.hash)).toBe(true);
      expect(await store.stat(put.hash)).toEqual({ hash: put.hash, size: 4096, storedSize: 4096 + envelopeOverhead });
      expect(typeof store.region).toBe('string');
      expect(store.region.length).toBeGreaterThan(0);
    });

    it('stores ciphertext, never the plaintext', async () => {
      const marker = Buffer.from('PLAINTEXT-MARKER-'.repeat(64));
      const { hash } = await store.put(marker);
      const stored = Buffer.from(await harness.readStored(hash));
      expect(stored.length).toBe(marker.length + envelopeOverhead);
      expect(stored.subarray(0, 4).toString('ascii')).toBe('DLNB');
      expect(stored.includes(Buffer.from('PLAINTEXT-MARKER-'))).toBe(false);
    });

    it('writes the same content only once', async () => {
      const bytes = randomBytes(2048);
      const first = await store.put(bytes);
      const storedBefore = await harness.readStored(first.hash);
      const second = await store.put(Uint8Array.from(bytes));
      expect(second).toEqual({ hash: first.hash, size: 2048, created: false });
      expect(Buffer.from(await harness.readStored(first.hash)).equals(storedBefore)).toBe(true);
      const listed = await collect(store.list());
      expect(listed.filter((h) => h === first.hash)).toHaveLength(1);
    });

    it('lists every stored address', async () => {
      const puts = await Promise.all([1, 2, 3].map((n) => store.put(randomBytes(100 + n))));
      const listed = new Set(await collect(store.list()));
      for (const { hash } of puts) expect(listed.has(hash)).toBe(true);
      for (const hash of listed) expect(hash).toMatch(/^[0-9a-f]{64}$/);
    });

    it('checks an expected hash given by the caller', async () => {
      const bytes = randomBytes(64);
      expect(await codeOf(store.put(bytes, { expectedHash: sha256(randomBytes(64)) }))).toBe('DLN_REQUEST_INVALID');
      expect(await store.has(sha256(bytes))).toBe(false);
      expect((await store.put(bytes, { expectedHash: sha256(bytes).toUpperCase() })).hash).toBe(sha256(bytes));
    });

    it('detects a flipped byte anywhere in the stored object', async () => {
      const bytes = randomBytes(1024);
      const { hash } = await store.put(bytes);
      const original = await harness.readStored(hash);
      const positions = {
        magic: 0,
        version: 4,
        nonce: 13,
        ciphertext: 25 + 512,
        'last ciphertext byte': original.length - 17,
        tag: original.length - 1,
      };
      for (const [field, at] of Object.entries(positions)) {
        await harness.writeStored(hash, flipped(original, at));
        expect(await codeOf(store.get(hash)), field).toBe('DLN_BLOB_CORRUPT');
      }
      await harness.writeStored(hash, original.subarray(0, original.length - 1));
      expect(await codeOf(store.get(hash)), 'truncated').toBe('DLN_BLOB_CORRUPT');
      await harness.writeStored(hash, original.subarray(0, 10));
      expect(await codeOf(store.get(hash)), 'shorter than the envelope').toBe('DLN_BLOB_CORRUPT');
      await harness.writeStored(hash, original);
      expect(Buffer.from(await store.get(hash)).equals(bytes)).toBe(true);
    });

    it('replaces a stored object of the wrong size when the content is put again', async () => {
      const bytes = randomBytes(700);
      const { hash } = await store.put(bytes);
      const original = await harness.readStored(hash);
      await harness.writeStored(hash, original.subarray(0, 100));
      expect(await codeOf(store.get(hash))).toBe('DLN_BLOB_CORRUPT');
      expect(await store.put(bytes)).toEqual({ hash, size: 700, created: true });
      expect(Buffer.from(await store.get(hash)).equals(bytes)).toBe(true);
      expect((await store.put(bytes)).created).toBe(false);
    });

    it('refuses a valid object stored under another address', async () => {
      const a = await store.put(randomBytes(300));
      const bBytes = randomBytes(300);
      const b = await store.put(bBytes);
      const storedB = await harness.readStored(b.hash);
      await harness.writeStored(b.hash, await harness.readStored(a.hash));
      expect(await codeOf(store.get(b.hash))).toBe('DLN_BLOB_CORRUPT');
      await harness.writeStored(b.hash, storedB);
      expect(Buffer.from(await store.get(b.hash)).equals(bBytes)).toBe(true);
    });

    it('fails to read with a different key', async () => {
      const { hash } = await store.put(randomBytes(500));
      const other = BlobKey.generate();
      const foreign = harness.open(other);
      expect(await codeOf(foreign.get(hash))).toBe('DLN_BLOB_KEY_INVALID');
      // Claiming the other key's id in the header does not help: GCM still fails.
      const forged = Uint8Array.from(await harness.readStored(hash));
      forged.set(Buffer.from(other.id, 'hex'), 5);
      await harness.writeStored(hash, forged);
      expect(await codeOf(foreign.get(hash))).toBe('DLN_BLOB_CORRUPT');
      expect(await codeOf(store.get(hash))).toBe('DLN_BLOB_KEY_INVALID');
      await foreign.close();
    });

    it('reads parts of a blob, each checked against its own hash', async () => {
      // Parts near the start, far apart (separate ranges) and adjacent, across 16-byte block edges.
      const bytes = randomBytes(300_000);
      const { hash } = await store.put(bytes);
      const ranges = [[0, 10], [17, 33], [50, 0], [150_001, 999], [299_990, 10], [70_000, 100_000]] as const;
      const parts = ranges.map(([offset, length]) => ({ offset, length, sha256: sha256(bytes.subarray(offset, offset + length)) }));
      const read = await store.getParts(hash, parts);
      ranges.forEach(([offset, length], i) => expect(Buffer.from(read[i]!).equals(bytes.subarray(offset, offset + length)), `part ${i}`).toBe(true));
      expect(await store.getParts(hash, [])).toEqual([]);
    });

    it('refuses a part that is damaged, misnamed or past the end as DLN_BLOB_CORRUPT', async () => {
      const bytes = randomBytes(200_000);
      const { hash } = await store.put(bytes);
      const part = (offset: number, length: number) => ({ offset, length, sha256: sha256(bytes.subarray(offset, offset + length)) });
      const original = await harness.readStored(hash);
      await harness.writeStored(hash, flipped(original, 25 + 150_100));
      expect(await codeOf(store.getParts(hash, [part(150_000, 500)])), 'flipped ciphertext').toBe('DLN_BLOB_CORRUPT');
      expect(Buffer.from((await store.getParts(hash, [part(1_000, 500)]))[0]!).equals(bytes.subarray(1_000, 1_500)), 'an intact part').toBe(true);
      await harness.writeStored(hash, original);
      expect(await codeOf(store.getParts(hash, [{ ...part(10, 20), sha256: sha256(randomBytes(8)) }])), 'wrong hash').toBe('DLN_BLOB_CORRUPT');
      expect(await codeOf(store.getParts(hash, [{ offset: 199_990, length: 20, sha256: sha256(bytes.subarray(199_990)) }])), 'past the end').toBe('DLN_BLOB_CORRUPT');
      expect(await codeOf(store.getParts(hash, [{ offset: 400_000, length: 20, sha256: sha256(new Uint8Array(20)) }])), 'beyond the object').toBe('DLN_BLOB_CORRUPT');
      const foreign = harness.open(BlobKey.generate());
      expect(await codeOf(foreign.getParts(hash, [part(0, 10)])), 'another key').toBe('DLN_BLOB_KEY_INVALID');
      await foreign.close();
      expect(await codeOf(store.getParts(sha256(randomBytes(4)), [part(0, 10)])), 'missing').toBe('DLN_BLOB_NOT_FOUND');
    });

    it('refuses every call once closed with DLN_BLOB_STORE_CLOSED, and the blobs stay for a new store', async () => {
      const closing = harness.open(key);
      const bytes = randomBytes(3000);
      const { hash } = await closing.put(bytes);
      const part = { offset: 100, length: 50, sha256: sha256(bytes.subarray(100, 150)) };
      expect(Buffer.from((await closing.getParts(hash, [part]))[0]!).equals(bytes.subarray(100, 150))).toBe(true);
      await closing.close();
      expect(await codeOf(closing.get(hash)), 'get').toBe('DLN_BLOB_STORE_CLOSED');
      expect(await codeOf(closing.getParts(hash, [part])), 'getParts').toBe('DLN_BLOB_STORE_CLOSED');
      expect(await codeOf(closing.has(hash)), 'has').toBe('DLN_BLOB_STORE_CLOSED');
      expect(await codeOf(closing.stat(hash)), 'stat').toBe('DLN_BLOB_STORE_CLOSED');
      expect(await codeOf(closing.put(randomBytes(10))), 'put').toBe('DLN_BLOB_STORE_CLOSED');
      expect(await codeOf(collect(closing.list())), 'list').toBe('DLN_BLOB_STORE_CLOSED');
      const reopened = harness.open(key);
      expect(Buffer.from((await reopened.getParts(hash, [part]))[0]!).equals(bytes.subarray(100, 150))).toBe(true);
      await reopened.close();
    });

    it('reports a missing blob as DLN_BLOB_NOT_FOUND', async () => {
      const hash = sha256(randomBytes(32));
      expect(await store.has(hash)).toBe(false);
      expect(await codeOf(store.get(hash))).toBe('DLN_BLOB_NOT_FOUND');
      expect(await codeOf(store.stat(hash))).toBe('DLN_BLOB_NOT_FOUND');
    });

    it('refuses addresses that are not SHA-256 hex digests', async () => {
      for (const bad of ['../../etc/passwd', 'A'.repeat(64), 'abc', `${'a'.repeat(63)}/`]) {
        expect(await codeOf(store.get(bad)), bad).toBe('DLN_REQUEST_INVALID');
        expect(await codeOf(store.has(bad)), bad).toBe('DLN_REQUEST_INVALID');
      }
    });

    it('stores the empty blob', async () => {
      const put = await store.put(new Uint8Array(0));
      expect(put.hash).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
      expect(put.size).toBe(0);
      expect((await store.get(put.hash)).length).toBe(0);
      expect((await store.stat(put.hash)).size).toBe(0);
    });

    it('round-trips a 10 MB blob', async () => {
      const bytes = randomBytes(10 * 1024 * 1024);
      const put = await store.put(bytes);
      expect(put.size).toBe(bytes.length);
      expect(Buffer.from(await store.get(put.hash)).equals(bytes)).toBe(true);
    });

    it('handles concurrent puts of the same content', async () => {
      const bytes = randomBytes(256 * 1024);
      const results = await Promise.all(Array.from({ length: 8 }, () => store.put(Uint8Array.from(bytes))));
      const hash = sha256(bytes);
      for (const result of results) expect(result.hash).toBe(hash);
      expect(results.some((r) => r.created)).toBe(true);
      expect(Buffer.from(await store.get(hash)).equals(bytes)).toBe(true);
      expect((await collect(store.list())).filter((h) => h === hash)).toHaveLength(1);
      expect((await store.put(bytes)).created).toBe(false);
    });

    it('handles concurrent puts of different content', async () => {
      const blobs = Array.from({ length: 16 }, (_, n) => randomBytes(1000 + n));
      const results = await Promise.all(blobs.map((b) => store.put(b)));
      expect(results.every((r) => r.created)).toBe(true);
      const read = await Promise.all(results.map((r) => store.get(r.hash)));
      read.forEach((bytes, n) => expect(Buffer.from(bytes).equals(blobs[n] ?? Buffer.alloc(0))).toBe(true));
    });
  });
}
