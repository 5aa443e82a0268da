import { randomBytes } from 'node:crypto';
import { constants, readSync } from 'node:fs';
import { link, mkdir, open, readdir, readFile, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { isDelineateError } from '@delineate/schema';
import { assertBlobAddress, blobAddress, blobShard, isBlobAddress } from './address';
import { envelopeOverhead, openBlob, sealBlob } from './envelope';
import { fsyncDirectory } from './durable';
import { PutCoalescer } from './coalesce';
import { openBlobParts, type BlobPart } from './parts';
import { blobNotFound, blobStoreClosed, checkExpectedHash } from './errors';
import { OpenBlobFiles } from './open-files';
import type { BlobKey } from './key';
import type { BlobPutOptions, BlobPutResult, BlobStat, BlobStore } from './types';

export interface LocalBlobStoreOptions {
  /** The blob folder, normally `<dataDir>/blobs`. Created on first write. */
  dir: string;
  key: BlobKey;
  /** Defaults to 'local'. */
  region?: string;
  /** Blob files kept open for ranged reads (tiles out of packs), least recently used closed first; defaults to 64. */
  openFiles?: number;
}

const shardPattern = /^[0-9a-f]{2}$/;

/**
 * Spans of a ranged read up to this size are read synchronously. Blob files are written once and
 * read soon after, so such a read is a copy out of the page cache (microseconds, as PGlite's own
 * file reads on this thread are); larger spans (whole-mask verification, exports) go through the
 * thread pool so they cannot hold the event loop.
 */
const SYNC_READ_BYTES = 256 * 1024;

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/**
 * Blobs as files `<dir>/ab/cd/<hash>`. A write goes to a temporary file in the target
 * folder, is fsynced, then hard-linked to its final name (which fails if the name exists,
 * so exactly one concurrent writer reports `created`) and the folder is fsynced: once put()
 * resolves the blob survives a crash, and no partial blob is ever visible under its name.
 * Putting content whose stored object has the wrong size replaces that damaged object.
 */
export class LocalBlobStore implements BlobStore {
  readonly region: string;
  readonly location: string;
  readonly #dir: string;
  readonly #key: BlobKey;
  readonly #puts = new PutCoalescer();
  readonly #open: OpenBlobFiles;
  #closed = false;

  constructor(options: LocalBlobStoreOptions) {
    this.#dir = resolve(options.dir);
    this.#key = options.key;
    this.#open = new OpenBlobFiles(options.openFiles ?? 64);
    this.region = options.region ?? 'local';
    this.location = `file://${this.#dir}`;
  }

  #path(hash: string): string {
    const [a, b] = blobShard(hash);
    return join(this.#dir, a, b, hash);
  }

  /** Files held open for ranged reads now (for leak checks). */
  get openFileCount(): number {
    return this.#open.openCount;
  }

  #assertOpen(): void {
    if (this.#closed) throw blobStoreClosed();
  }

  async put(bytes: Uint8Array, options?: BlobPutOptions): Promise<BlobPutResult> {
    this.#assertOpen();
    const hash = blobAddress(bytes);
    checkExpectedHash(hash, options);
    return this.#puts.run(hash, () => this.#write(hash, bytes));
  }

  async #write(hash: string, bytes: Uint8Array): Promise<BlobPutResult> {
    const result = { hash, size: bytes.length };
    const target = this.#path(hash);
    const existing = await this.#storedSize(hash);
    if (existing === bytes.length + envelopeOverhead) return { ...result, created: false };

    const folder = dirname(target);
    await this.#ensureFolder(folder);
    const temporary = join(folder, `.${hash}.${randomBytes(6).toString('hex')}.tmp`);
    const handle = await open(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    let created = true;
    try {
      try {
        await handle.writeFile(sealBlob(this.#key, hash, bytes));
        await handle.sync();
      } finally {
        await handle.close();
      }
      if (existing === undefined) {
        created = await this.#publish(temporary, target);
      } else {
        // The stored object has the wrong size, so it is damaged: replace it atomically, and stop
        // reading it through a handle opened before.
        await rename(temporary, target);
        this.#open.forget(target);
      }
    } finally {
      await unlink(temporary).catch(() => undefined);
    }
    await fsyncDirectory(folder);
    return { ...result, created };
  }

  /** Makes the temporary file visible under its final name; false when the name already existed. */
  async #publish(temporary: string, target: string): Promise<boolean> {
    try {
      await link(temporary, target);
      return true;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') return false;
      // File systems without hard links: rename is atomic too, and a concurrent writer's
      // object it may replace holds the same plaintext.
      if (code === 'EPERM' || code === 'ENOTSUP' || code === 'ENOSYS' || code === 'EOPNOTSUPP') {
        await rename(temporary, target);
        return true;
      }
      throw error;
    }
  }

  /** Creates the shard folders and makes their names durable as well. */
  async #ensureFolder(folder: string): Promise<void> {
    const first = await mkdir(folder, { recursive: true, mode: 0o700 });
    if (first === undefined) return;
    // Every folder from the first created one down needs its entry flushed in its parent.
    let current = folder;
    const parents: string[] = [];
    while (current.length >= first.length) {
      parents.push(dirname(current));
      if (current === first) break;
      current = dirname(current);
    }
    for (const parent of parents) await fsyncDirectory(parent);
  }

  async get(hash: string): Promise<Uint8Array> {
    this.#assertOpen();
    assertBlobAddress(hash);
    let stored: Buffer;
    try {
      stored = await readFile(this.#path(hash));
    } catch (error) {
      if (isMissing(error)) throw blobNotFound(hash);
      throw error;
    }
    return openBlob(this.#key, hash, stored);
  }

  async getParts(hash: string, parts: readonly BlobPart[]): Promise<Uint8Array[]> {
    this.#assertOpen();
    assertBlobAddress(hash);
    if (parts.length === 0) return [];
    const path = this.#path(hash);
    const readParts = (file: FileHandle) =>
      openBlobParts(this.#key, hash, parts, async (start, end) => {
        const buffer = Buffer.allocUnsafe(end - start);
        // A small span is read on the spot: a trip through libuv's thread pool costs two thread
        // wake-ups, which on a busy machine made the slow tail of viewport reads (docs/ARCHITECTURE.md).
        const bytesRead = buffer.length <= SYNC_READ_BYTES ? readSync(file.fd, buffer, 0, buffer.length, start) : (await file.read(buffer, 0, buffer.length, start)).bytesRead;
        return buffer.subarray(0, bytesRead);
      }, { mergeGap: 16 * 1024 });
    try {
      return await this.#open.use(path, async (file, fresh) => {
        try {
          return await readParts(file);
        } catch (error) {
          // A handle opened before may name an object another process has since replaced (a
          // damaged one rewritten): read once more from the file now under the name.
          if (fresh || !isDelineateError(error) || error.code !== 'DLN_BLOB_CORRUPT') throw error;
          this.#open.forget(path);
          return this.#open.use(path, (reopened) => readParts(reopened));
        }
      });
    } catch (error) {
      if (isMissing(error)) throw blobNotFound(hash);
      throw error;
    }
  }

  async has(hash: string): Promise<boolean> {
    this.#assertOpen();
    return (await this.#storedSize(hash)) !== undefined;
  }

  async stat(hash: string): Promise<BlobStat> {
    this.#assertOpen();
    const storedSize = await this.#storedSize(hash);
    if (storedSize === undefined) throw blobNotFound(hash);
    return { hash, size: Math.max(0, storedSize - envelopeOverhead), storedSize };
  }

  /** The stored object's size, or undefined when it does not exist. */
  async #storedSize(hash: string): Promise<number | undefined> {
    assertBlobAddress(hash);
    try {
      return (await stat(this.#path(hash))).size;
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  /**
   * Deletes temporary files that writers killed mid-put left behind and that are older than
   * `olderThanMs` (a live writer's file is younger). Returns how many were removed.
   */
  async removeAbandonedTemporaryFiles(olderThanMs = 3_600_000, now = Date.now()): Promise<number> {
    let removed = 0;
    for (const a of await listNames(this.#dir, (name) => shardPattern.test(name))) {
      for (const b of await listNames(join(this.#dir, a), (name) => shardPattern.test(name))) {
        const folder = join(this.#dir, a, b);
        for (const name of await listNames(folder, (n) => temporaryPattern.test(n))) {
          const path = join(folder, name);
          const info = await stat(path).catch(() => undefined);
          if (info && now - info.mtimeMs >= olderThanMs) {
            await unlink(path).catch(() => undefined);
            removed++;
          }
        }
      }
    }
    return removed;
  }

  /** Closes the files kept open (those in use once their reads finish); later calls fail with DLN_BLOB_STORE_CLOSED. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#open.close();
  }

  async *list(): AsyncIterable<string> {
    this.#assertOpen();
    for (const a of await listNames(this.#dir, (name) => shardPattern.test(name))) {
      for (const b of await listNames(join(this.#dir, a), (name) => shardPattern.test(name))) {
        const prefix = a + b;
        const folder = join(this.#dir, a, b);
        for (const name of await listNames(folder, (n) => isBlobAddress(n) && n.startsWith(prefix))) yield name;
      }
    }
  }
}

const temporaryPattern = /^\.[0-9a-f]{64}\.[0-9a-f]{12}\.tmp$/;

async function listNames(dir: string, keep: (name: string) => boolean): Promise<string[]> {
  try {
    return (await readdir(dir)).filter(keep).sort();
  } catch (error) {
    if (isMissing(error)) return [];
    throw error;
  }
}

