/**
 * The one bounded cache of gatehouse: a Map with at most `maxEntries` entries.
 *
 * Eviction rule (two generations): entries live in a newer and an older Map of at most
 * ⌊maxEntries/2⌋ entries each. `set` and a `get` hit put the key in the newer one (a hit in the
 * older one moves it); when the newer one is full, the older one is dropped whole and the newer
 * one becomes the older. So the ⌊maxEntries/2⌋ most recently used keys are always kept (every
 * key used since the generation before last; test/unit/tokens/tokens-cache-eviction.test.ts), and nothing
 * is ever looked up by position.
 *
 * Why not exact LRU: moving an entry on every hit (a Map delete and set) was a measurable part of
 * a cached token verification, the hottest path that uses this. Why not a single Map dropping its
 * first key: after many deletions V8's Map skips over the holes to find its first key, which made
 * every insertion into a full cache cost about a microsecond (a fresh token's verification pays
 * one). Why not FIFO: a hot entry (the one header every token carries, the secret every request
 * passes) would be dropped and rebuilt every `maxEntries` insertions. What is evicted never
 * matters for correctness: every user of it can rebuild an entry, and the security-relevant
 * checks run on hits too.
 *
 * @example
 * const headers = new BoundedMap<string, object>(64);
 * headers.set('eyJhbGciOiJIUzI1NiJ9', { alg: 'HS256' });
 * headers.get('eyJhbGciOiJIUzI1NiJ9'); // { alg: 'HS256' }
 */
export class BoundedMap<K, V> {
  /** At most this many entries; 0 or less keeps nothing. */
  readonly maxEntries: number;
  /** Keys per generation (1 when maxEntries is 1: then there is no older generation). */
  readonly #generationSize: number;
  #newer = new Map<K, V>();
  #older = new Map<K, V>();

  constructor(maxEntries: number) {
    this.maxEntries = maxEntries;
    this.#generationSize = Math.max(1, Math.floor(maxEntries / 2));
  }

  get size(): number {
    return this.#newer.size + this.#older.size;
  }

  /** The value, moving it to the newer generation when it was in the older one. */
  get(key: K): V | undefined {
    const value = this.#newer.get(key);
    if (value !== undefined || this.#older.size === 0) return value;
    const old = this.#older.get(key);
    if (old !== undefined) {
      this.#older.delete(key);
      this.#add(key, old);
    }
    return old;
  }

  /** The value, without changing the eviction order. */
  peek(key: K): V | undefined {
    const value = this.#newer.get(key);
    return value !== undefined ? value : this.#older.get(key);
  }

  has(key: K): boolean {
    return this.#newer.has(key) || this.#older.has(key);
  }

  /** Store the value in the newer generation (dropping the older one if that one is full). */
  set(key: K, value: V): this {
    if (this.maxEntries <= 0) return this;
    if (this.#newer.has(key)) {
      this.#newer.set(key, value);
      return this;
    }
    if (this.#older.size > 0) this.#older.delete(key);
    this.#add(key, value);
    return this;
  }

  delete(key: K): boolean {
    const inNewer = this.#newer.delete(key);
    return this.#older.delete(key) || inNewer;
  }

  clear(): void {
    this.#newer.clear();
    this.#older.clear();
  }

  /** Entries in eviction order (older generation first), for sweeps; deleting while iterating is safe. */
  *entries(): IterableIterator<[K, V]> {
    yield* this.#older;
    yield* this.#newer;
  }

  #add(key: K, value: V): void {
    if (this.#newer.size >= this.#generationSize) {
      this.#older = this.maxEntries >= 2 ? this.#newer : new Map();
      this.#newer = new Map();
    }
    this.#newer.set(key, value);
  }
}
