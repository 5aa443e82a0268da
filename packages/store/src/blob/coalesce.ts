import type { BlobPutResult } from './types';

/**
 * Joins concurrent puts of one address in this process into a single write: the first
 * caller does the work and reports `created`; callers that joined it get `created: false`.
 * Besides saving work, this keeps one process from racing itself on S3-compatible servers
 * whose object writes are not atomic.
 */
export class PutCoalescer {
  readonly #pending = new Map<string, Promise<BlobPutResult>>();

  run(hash: string, write: () => Promise<BlobPutResult>): Promise<BlobPutResult> {
    const pending = this.#pending.get(hash);
    if (pending) return pending.then((result) => ({ ...result, created: false }));
    const started = write().finally(() => this.#pending.delete(hash));
    this.#pending.set(hash, started);
    return started;
  }
}
