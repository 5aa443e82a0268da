import type { ResolvedTileIndex } from './index-delta';

/**
 * Resolved tile indexes of committed revisions, by annotation and version. A committed revision
 * never changes (revisions are append-only), so an entry can never be stale; the next save on a
 * head finds its parent here instead of reading and resolving the parent's index chain. Bounded
 * by the total number of index entries held, oldest out first.
 */
export class TileIndexCache {
  readonly #entries = new Map<string, ResolvedTileIndex>();
  readonly #limit: number;
  #held = 0;

  constructor(options: { maxEntries?: number } = {}) {
    this.#limit = options.maxEntries ?? 200_000;
  }

  get(annotationId: string, version: number): ResolvedTileIndex | undefined {
    const key = `${annotationId}/${version}`;
    const found = this.#entries.get(key);
    if (found) {
      // Most recently used last.
      this.#entries.delete(key);
      this.#entries.set(key, found);
    }
    return found;
  }

  /** Call only once the revision has committed. */
  set(annotationId: string, version: number, resolved: ResolvedTileIndex): void {
    const key = `${annotationId}/${version}`;
    const size = resolved.index.entries.size + 1;
    if (this.#entries.has(key) || size > this.#limit) return;
    this.#entries.set(key, resolved);
    this.#held += size;
    for (const [k, r] of this.#entries) {
      if (this.#held <= this.#limit) break;
      this.#entries.delete(k);
      this.#held -= r.index.entries.size + 1;
    }
  }
}
