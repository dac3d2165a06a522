// A bounded map whose entries expire: what the per-instance caches of sessions
// and workspaces (decision 056) hold. An entry is gone once its time has come;
// past `max` entries the oldest set is dropped.

export class ExpiringMap<K, V> {
  readonly #entries = new Map<K, { value: V; until: number }>();

  constructor(
    private readonly max: number,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.#entries.size;
  }

  get(key: K): V | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.until <= this.now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /** Keeps `value` until the time `until` (ms since the epoch); one already past is not kept. */
  set(key: K, value: V, until: number): void {
    this.#entries.delete(key);
    if (until <= this.now()) return;
    if (this.#entries.size >= this.max) this.#entries.delete(this.#entries.keys().next().value!);
    this.#entries.set(key, { value, until });
  }

  delete(key: K): void {
    this.#entries.delete(key);
  }

  /** Forgets every entry whose value matches. */
  deleteWhere(matches: (value: V) => boolean): void {
    for (const [key, entry] of this.#entries) if (matches(entry.value)) this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }
}
