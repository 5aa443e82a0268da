import type { AuditEntry } from '@delineate/store';

interface Pending {
  entry: AuditEntry & { count: number };
  firstMs: number;
  lastMs: number;
}

/**
 * Tile reads are too many to log one by one: they are counted per (session, object, outcome)
 * and written as one event with the count when the session ends (logout), when the object has
 * not been read for `quietMs` (the session idled out or moved on), when the count has been open
 * for `maxAgeMs` (bounding what a crash could lose), at shutdown, or when too many are pending.
 */
export class TileReadAggregator {
  readonly #pending = new Map<string, Pending>();

  constructor(
    private readonly write: (entries: AuditEntry[]) => Promise<unknown>,
    private readonly options: { readonly quietMs: number; readonly maxAgeMs: number; readonly maxPending: number } = {
      quietMs: 15 * 60_000,
      maxAgeMs: 60 * 60_000,
      maxPending: 10_000,
    },
  ) {}

  async record(entry: AuditEntry, nowMs: number): Promise<void> {
    const key = [entry.sessionId, entry.action, entry.objectType, entry.objectId, entry.outcome].join('\u0000');
    const existing = this.#pending.get(key);
    if (existing) {
      existing.entry.count += entry.count ?? 1;
      existing.lastMs = nowMs;
    } else this.#pending.set(key, { entry: { ...entry, count: entry.count ?? 1 }, firstMs: nowMs, lastMs: nowMs });
    if (this.#pending.size >= this.options.maxPending) await this.flush();
  }

  /** Writes the counts that are due at `nowMs` (quiet or old); the plugin calls it on a timer. */
  async flushDue(nowMs: number): Promise<void> {
    await this.#flushWhere((p) => nowMs - p.lastMs >= this.options.quietMs || nowMs - p.firstMs >= this.options.maxAgeMs);
  }

  /** Writes the pending counts of one session (at logout) or of all sessions (at shutdown). */
  async flush(sessionId?: string): Promise<void> {
    await this.#flushWhere((p) => sessionId === undefined || p.entry.sessionId === sessionId);
  }

  get pendingCount(): number {
    return this.#pending.size;
  }

  async #flushWhere(due: (p: Pending) => boolean): Promise<void> {
    const entries: AuditEntry[] = [];
    for (const [key, pending] of this.#pending) {
      if (due(pending)) {
        entries.push(pending.entry);
        this.#pending.delete(key);
      }
    }
    if (entries.length > 0) await this.write(entries);
  }
}
