import { BoundedMap } from '../internal/bounded-map.js';
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
 *   bounded (roughly least recently used entries go first: src/internal/bounded-map.ts);
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

/** Verified tokens of one imported key, bounded (BoundedMap's approximate LRU) and dropped at their exp. */
export class VerifiedTokenCache {
  readonly maxEntries: number;
  readonly #entries: BoundedMap<string, CachedVerification>;

  constructor(maxEntries = DEFAULT_CACHE_ENTRIES) {
    this.maxEntries = maxEntries;
    this.#entries = new BoundedMap(maxEntries);
  }

  get size(): number {
    return this.#entries.size;
  }

  /**
   * The entry for exactly this token, unless absent or at/after its `exp` (then it is dropped).
   * Eviction order never matters for safety: every hit still checks `exp` and every claim rule.
   */
  get(token: string, nowSeconds: number): CachedVerification | undefined {
    const entry = this.#entries.get(token);
    if (entry === undefined) return undefined;
    if (entry.exp <= nowSeconds) {
      this.#entries.delete(token);
      return undefined;
    }
    return entry;
  }

  set(token: string, entry: CachedVerification, nowSeconds: number): void {
    if (entry.exp > nowSeconds) this.#entries.set(token, entry);
  }

  clear(): void {
    this.#entries.clear();
  }
}
