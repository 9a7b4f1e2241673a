/**
 * The one bounded cache of gatehouse: a Map with at most `maxEntries` entries.
 *
 * Eviction rule (approximate LRU): entries are kept in an order; `set` puts its key last; adding a
 * new key when full drops the first. `get` moves its entry last only when at least
 * ⌊maxEntries/2⌋ insertions came after the entry's own. `peek` never moves anything.
 *
 * Why not exact LRU: moving an entry on every hit (a Map delete and set) was a measurable part of
 * a cached token verification, the hottest path that uses this. Why not FIFO: a hot entry (the
 * one header every token carries, the secret every request passes) would be dropped and rebuilt
 * every `maxEntries` insertions. With this rule the ⌈maxEntries/2⌉ + 1 most recently used keys
 * are always kept (maxEntries >= 2; test/tokens-cache-eviction.test.ts), and a hit costs a Map get
 * and a comparison. What is evicted never matters for correctness: every user of it can rebuild
 * an entry, and the security-relevant checks run on hits too.
 *
 * @example
 * const headers = new BoundedMap<string, object>(64);
 * headers.set('eyJhbGciOiJIUzI1NiJ9', { alg: 'HS256' });
 * headers.get('eyJhbGciOiJIUzI1NiJ9'); // { alg: 'HS256' }
 */
export class BoundedMap<K, V> {
  /** At most this many entries; 0 or less keeps nothing. */
  readonly maxEntries: number;
  readonly #entries = new Map<K, { value: V; insertedAt: number }>();
  /** Insertions so far (a set, or a get moving its entry last). */
  #insertions = 0;
  readonly #refreshAge: number;

  constructor(maxEntries: number) {
    this.maxEntries = maxEntries;
    this.#refreshAge = Math.floor(maxEntries / 2);
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The value, moving it last when it has aged (see the eviction rule). */
  get(key: K): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (this.#insertions - entry.insertedAt >= this.#refreshAge) this.#insert(key, entry.value);
    return entry.value;
  }

  /** The value, without changing the eviction order. */
  peek(key: K): V | undefined {
    return this.#entries.get(key)?.value;
  }

  has(key: K): boolean {
    return this.#entries.has(key);
  }

  /** Store the value last in the eviction order, dropping the first entry if a new key finds it full. */
  set(key: K, value: V): this {
    if (this.maxEntries <= 0) return this;
    if (!this.#entries.has(key) && this.#entries.size >= this.maxEntries) {
      const first = this.#entries.keys().next();
      if (!first.done) this.#entries.delete(first.value);
    }
    this.#insert(key, value);
    return this;
  }

  delete(key: K): boolean {
    return this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }

  /** Entries in eviction order (first to go first), for sweeps; deleting while iterating is safe. */
  *entries(): IterableIterator<[K, V]> {
    for (const [key, entry] of this.#entries) yield [key, entry.value];
  }

  #insert(key: K, value: V): void {
    this.#entries.delete(key);
    this.#entries.set(key, { value, insertedAt: ++this.#insertions });
  }
}
