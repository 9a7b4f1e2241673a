import type { TokenAlgorithm } from './algorithms.js';
import type { VerifiedClaims } from './claims.js';

/**
 * Verified-token cache: remembers that a token's signature checked out under one imported key.
 *
 * Why it is safe to keep on by default:
 * - it belongs to one imported key object and dies with it: another key, a rotated key set or a
 *   re-import starts empty, so a retired key cannot keep vouching for tokens;
 * - the lookup key is the whole token string: a token with another header, payload or signature
 *   (even one that decodes to the same bytes) is a miss and is verified in full;
 * - only tokens that passed every check are stored, so forged tokens cannot fill it, and it is
 *   bounded (roughly least recently used entries go first; see `get`);
 * - a hit saves only the signature and the parsing: the algorithm allowlist and every claim rule
 *   (exp, nbf, iat, iss, aud, sub) run again with the caller's options and clock;
 * - an entry is dropped once its `exp` is reached; tokens without `exp` are never stored;
 * - claims are deep-frozen, so no caller can change what the next caller sees.
 * It does not make a token revocable; nothing short of a deny list checked after verify does.
 */
export interface CachedVerification {
  readonly alg: TokenAlgorithm;
  readonly exp: number;
  readonly claims: VerifiedClaims;
}

export const DEFAULT_CACHE_ENTRIES = 1000;

/** An entry and when it was (re)inserted, counted in insertions. */
interface Slot {
  readonly entry: CachedVerification;
  readonly insertedAt: number;
}

export class VerifiedTokenCache {
  readonly maxEntries: number;
  /** Map order is eviction order: the first entry goes first. */
  readonly #entries = new Map<string, Slot>();
  /** Insertions so far (set, or a hit moving its entry to the end). */
  #insertions = 0;
  /** A hit moves its entry to the end only when at least this many insertions followed it. */
  readonly #refreshAge: number;

  constructor(maxEntries = DEFAULT_CACHE_ENTRIES) {
    this.maxEntries = maxEntries;
    this.#refreshAge = Math.floor(maxEntries / 2);
  }

  get size(): number {
    return this.#entries.size;
  }

  /**
   * The entry for exactly this token, unless absent or at/after its `exp` (then it is dropped).
   *
   * Approximate LRU: moving an entry to the end (a Map delete and set) on every hit was a good
   * part of the cost of a cached verification, so a hit moves it only once maxEntries/2
   * insertions (rounded down) came after it. The ⌈maxEntries/2⌉ + 1 most recently used tokens
   * are still always kept (maxEntries >= 2; exact LRU would keep maxEntries), whatever the
   * sequence of uses (test/tokens-cache-eviction.test.ts). Eviction order never matters for
   * safety: every hit still checks `exp` and every claim rule.
   */
  get(token: string, nowSeconds: number): CachedVerification | undefined {
    const slot = this.#entries.get(token);
    if (slot === undefined) return undefined;
    const { entry } = slot;
    if (entry.exp <= nowSeconds) {
      this.#entries.delete(token);
      return undefined;
    }
    if (this.#insertions - slot.insertedAt >= this.#refreshAge) this.#insert(token, entry);
    return entry;
  }

  set(token: string, entry: CachedVerification, nowSeconds: number): void {
    if (!(entry.exp > nowSeconds) || this.maxEntries <= 0) return;
    if (!this.#entries.has(token) && this.#entries.size >= this.maxEntries) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
    this.#insert(token, entry);
  }

  clear(): void {
    this.#entries.clear();
  }

  /** (Re)insert at the end of the eviction order. */
  #insert(token: string, entry: CachedVerification): void {
    this.#entries.delete(token);
    this.#entries.set(token, { entry, insertedAt: ++this.#insertions });
  }
}
