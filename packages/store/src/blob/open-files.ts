import { open, type FileHandle } from 'node:fs/promises';
import { constants } from 'node:fs';
import { DelineateError } from '@delineate/schema';
import { blobStoreClosed } from './errors';

/** One open blob file, shared by the reads using it; closed once retired and no read uses it. */
interface OpenFile {
  readonly handle: FileHandle;
  users: number;
  retired: boolean;
  closing: boolean;
  /** Resolves the file's entry in `#unclosed`. */
  readonly finish: () => void;
}

/**
 * A bounded set of open read-only blob files, least recently used out first. Opening and closing
 * a file cost two trips through libuv's thread pool per read, which made the slow tail of viewport
 * reads (one pack read for a few tiles); blobs are append-only and content-addressed, so an open
 * file never goes stale. An evicted file is closed once the reads using it finish.
 */
export class OpenBlobFiles {
  readonly #files = new Map<string, Promise<OpenFile>>();
  /** One entry per file opened or opening and not yet closed: close() waits for them all. */
  readonly #unclosed = new Set<Promise<void>>();
  readonly #limit: number;
  #closed = false;

  constructor(limit: number) {
    if (!Number.isSafeInteger(limit) || limit < 1) throw new DelineateError('DLN_CONFIG_INVALID', 'The open blob file limit is a whole number of at least 1');
    this.#limit = limit;
  }

  /** Files open or opening and not yet closed (in use, cached or waiting to close). */
  get openCount(): number {
    return this.#unclosed.size;
  }

  /**
   * Runs `read` with the file at `path` open, reusing a cached handle. `fresh` tells `read` the
   * handle was opened for this call: a cached one may name an object replaced since (see `forget`).
   * Open errors (a missing file) reach the caller unchanged; DLN_BLOB_STORE_CLOSED after close().
   */
  async use<T>(path: string, read: (handle: FileHandle, fresh: boolean) => Promise<T>): Promise<T> {
    if (this.#closed) throw blobStoreClosed();
    let pending = this.#files.get(path);
    const fresh = pending === undefined;
    if (pending) {
      // Most recently used last.
      this.#files.delete(path);
      this.#files.set(path, pending);
    } else {
      pending = this.#open(path);
      this.#files.set(path, pending);
      this.#evictBeyondLimit();
    }
    const file = await pending;
    // Evicted and closed while this call waited for the open: take a handle afresh.
    if (file.closing) return this.use(path, read);
    file.users++;
    try {
      return await read(file.handle, fresh);
    } finally {
      file.users--;
      if (file.retired && file.users === 0) this.#close(file);
    }
  }

  /** Drops the cached handle of `path` (its object was replaced); reads using it finish first. */
  forget(path: string): void {
    const pending = this.#files.get(path);
    if (!pending) return;
    this.#files.delete(path);
    void pending.then(
      (file) => {
        file.retired = true;
        if (file.users === 0) this.#close(file);
      },
      () => undefined,
    );
  }

  /** Closes every file (those in use when their reads finish) and refuses later reads. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const path of [...this.#files.keys()]) this.forget(path);
    await Promise.all(this.#unclosed);
  }

  #open(path: string): Promise<OpenFile> {
    let finish!: () => void;
    const done = new Promise<void>((resolve) => {
      finish = resolve;
    });
    this.#unclosed.add(done);
    void done.then(() => this.#unclosed.delete(done));
    const opened = open(path, constants.O_RDONLY).then(
      (handle): OpenFile => ({ handle, users: 0, retired: false, closing: false, finish }),
      (error: unknown) => {
        if (this.#files.get(path) === opened) this.#files.delete(path);
        finish();
        throw error;
      },
    );
    return opened;
  }

  #evictBeyondLimit(): void {
    for (const path of this.#files.keys()) {
      if (this.#files.size <= this.#limit) break;
      this.forget(path);
    }
  }

  #close(file: OpenFile): void {
    if (file.closing) return;
    file.closing = true;
    // A failed close has nothing to retry: the descriptor is released either way.
    void file.handle.close().catch(() => undefined).finally(file.finish);
  }
}
