/**
 * A least-recently-used map bounded by total weight (bytes for tile ranges, 1 for layouts).
 * Map iteration order is insertion order, so re-inserting on a hit keeps the oldest first.
 */
export class LruCache<K, V> {
  readonly #entries = new Map<K, { value: V; weight: number }>();
  #weight = 0;

  constructor(
    private readonly maxWeight: number,
    private readonly weigh: (value: V) => number = () => 1,
  ) {}

  get(key: K): V | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry.value;
  }

  set(key: K, value: V): void {
    const weight = this.weigh(value);
    const old = this.#entries.get(key);
    if (old) {
      this.#weight -= old.weight;
      this.#entries.delete(key);
    }
    if (weight > this.maxWeight) return;
    this.#entries.set(key, { value, weight });
    this.#weight += weight;
    for (const [k, e] of this.#entries) {
      if (this.#weight <= this.maxWeight) break;
      this.#entries.delete(k);
      this.#weight -= e.weight;
    }
  }

  delete(key: K): void {
    const old = this.#entries.get(key);
    if (!old) return;
    this.#weight -= old.weight;
    this.#entries.delete(key);
  }

  get size(): number {
    return this.#entries.size;
  }

  get weight(): number {
    return this.#weight;
  }
}
