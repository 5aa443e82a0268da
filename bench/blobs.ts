// Blob store throughput: put and get MB/s of the local folder store and the S3 store
// (s3rver on loopback) for 1 MB and 32 MB blobs, beside the in-memory cost of the
// envelope itself (SHA-256 + AES-256-GCM, no I/O) as the reference.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlobKey, LocalBlobStore, S3BlobStore, type BlobStore } from '@delineate/store';
import S3rver from 's3rver';
import type { BenchResult } from './types';

const mb = 1024 * 1024;
/** Blob size → how many distinct blobs to write (about 64 MB of data per case, 128 MB for 32 MB blobs). */
const cases: Array<{ size: number; count: number }> = [
  { size: 1 * mb, count: 64 },
  { size: 32 * mb, count: 4 },
];

function megabytesPerSecond(bytes: number, ms: number): number {
  return Math.round((bytes / mb / (ms / 1000)) * 10) / 10;
}

async function measureStore(store: BlobStore, size: number, count: number): Promise<{ put: number; get: number }> {
  const blobs = Array.from({ length: count }, () => randomBytes(size));
  const hashes: string[] = [];
  let started = performance.now();
  for (const blob of blobs) hashes.push((await store.put(blob)).hash);
  const putMs = performance.now() - started;
  started = performance.now();
  for (const hash of hashes) {
    const bytes = await store.get(hash);
    if (bytes.length !== size) throw new Error('blob size mismatch');
  }
  const getMs = performance.now() - started;
  return { put: megabytesPerSecond(size * count, putMs), get: megabytesPerSecond(size * count, getMs) };
}

function measureEnvelope(size: number, count: number): { put: number; get: number } {
  const key = randomBytes(32);
  const nonce = randomBytes(12);
  const blobs = Array.from({ length: count }, () => randomBytes(size));
  const seal = (blob: Buffer) => {
    createHash('sha256').update(blob).digest();
    const cipher = createCipheriv('aes-256-gcm', key, nonce);
    const sealed = Buffer.concat([cipher.update(blob), cipher.final()]);
    return { sealed, tag: cipher.getAuthTag() };
  };
  seal(blobs[0] ?? Buffer.alloc(0)); // warm-up
  let started = performance.now();
  const sealed = blobs.map(seal);
  const put = megabytesPerSecond(size * count, performance.now() - started);
  started = performance.now();
  for (const { sealed: body, tag } of sealed) {
    const decipher = createDecipheriv('aes-256-gcm', key, nonce);
    decipher.setAuthTag(tag);
    createHash('sha256').update(Buffer.concat([decipher.update(body), decipher.final()])).digest();
  }
  return { put, get: megabytesPerSecond(size * count, performance.now() - started) };
}

export async function run(): Promise<BenchResult> {
  const work = await mkdtemp(join(tmpdir(), 'delineate-bench-blobs-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: join(work, 's3rver'), configureBuckets: [{ name: 'bench' }] });
  const { port } = await server.run();
  const key = BlobKey.generate();
  const stores: Array<[string, BlobStore]> = [
    ['local folder (fsync)', new LocalBlobStore({ dir: join(work, 'local'), key })],
    [
      's3 (s3rver, loopback)',
      new S3BlobStore({
        bucket: 'bench',
        prefix: 'blobs',
        key,
        endpoint: `http://127.0.0.1:${port}`,
        credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      }),
    ],
  ];
  const rows: BenchResult['rows'] = [];
  try {
    for (const { size, count } of cases) {
      const reference = measureEnvelope(size, count);
      rows.push({ store: 'reference: SHA-256 + AES-256-GCM in memory', 'blob MB': size / mb, blobs: count, 'put MB/s': reference.put, 'get MB/s': reference.get });
      for (const [name, store] of stores) {
        const rate = await measureStore(store, size, count);
        rows.push({ store: name, 'blob MB': size / mb, blobs: count, 'put MB/s': rate.put, 'get MB/s': rate.get });
      }
    }
  } finally {
    for (const [, store] of stores) await store.close();
    await server.close();
    await rm(work, { recursive: true, force: true });
  }
  return {
    name: 'blobs',
    description:
      'Blob store put/get throughput (sequential, one client) for 1 MB and 32 MB blobs: the local folder store (temp file, fsync, link, folder fsync) and the S3 store against s3rver on loopback, beside the in-memory envelope cost (SHA-256 + AES-256-GCM) as the reference.',
    rows,
    targets: [],
    notes: [
      'put = hash + encrypt + durable write; get = read + decrypt + re-hash check. Every blob is distinct, so no put is a dedup no-op.',
      's3rver is a test double (single process, writes through the file system), not a model of AWS S3 latency.',
    ],
  };
}
