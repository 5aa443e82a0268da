import type { AuditEntry } from '@delineate/store';

/**
 * Tile reads are too many to log one by one: they are counted per (session, object, outcome)
 * and written as one event with the count when the session ends, when `flush()` is called (the
 * plugin does so on an interval and at shutdown), or when the window grows past `maxPending`.
 */
export class TileReadAggregator {
  readonly #pending = new Map<string, AuditEntry & { count: number }>();

  constructor(
    private readonly write: (entries: AuditEntry[]) => Promise<unknown>,
    private readonly maxPending = 10_000,
  ) {}

  async record(entry: AuditEntry): Promise<void> {
    const key = [entry.sessionId, entry.action, entry.objectType, entry.objectId, entry.outcome].join('\u0000');
    const existing = this.#pending.get(key);
    if (existing) existing.count += entry.count ?? 1;
    else this.#pending.set(key, { ...entry, count: entry.count ?? 1 });
    if (this.#pending.size >= this.maxPending) await this.flush();
  }

  /** Writes the pending events of one session (at logout) or of all sessions. */
  async flush(sessionId?: string): Promise<void> {
    const due: AuditEntry[] = [];
    for (const [key, entry] of this.#pending) {
      if (sessionId === undefined || entry.sessionId === sessionId) {
        due.push(entry);
        this.#pending.delete(key);
      }
    }
    if (due.length > 0) await this.write(due);
  }

  get pendingCount(): number {
    return this.#pending.size;
  }
}
