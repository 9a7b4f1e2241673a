/**
 * The verified-token cache's eviction (two generations, an approximate LRU) and expiry, on the cache itself, against
 * a model of exact recency: whatever the sequence of uses, the ⌊maxEntries/2⌋ most recently used
 * tokens are kept (at least 1), nothing outlives its exp, and the size stays bounded.
 */
import { describe, expect, it } from 'vitest';
import { VerifiedTokenCache, type CachedVerification } from '../../../src/tokens/cache.js';
import type { VerifiedClaims } from '../../../src/tokens/claims.js';
import { random } from '../../helpers/random.js';

const NOW = 1767225600;

function entry(sub: string, exp = NOW + 3600): CachedVerification {
  const claims = Object.freeze({ sub, exp, scope: '', scopes: Object.freeze([]) }) as VerifiedClaims;
  return { alg: 'HS256', exp, claims };
}

describe('verified-token cache eviction', () => {
  it('keeps two generations: a hit in the older one moves the entry to the newer one', () => {
    const cache = new VerifiedTokenCache(4); // generations of 2
    for (const t of ['t1', 't2', 't3', 't4']) cache.set(t, entry(t), NOW);
    // t3 found the newer generation {t1 t2} full, so that one became the older: older {t1 t2}, newer {t3 t4}.
    expect(cache.size).toBe(4);
    // A hit in the older generation moves t1 to a full newer one: older {t3 t4}, newer {t1}; t2 is dropped.
    expect(cache.get('t1', NOW)?.claims.sub).toBe('t1');
    expect(cache.get('t2', NOW)).toBeUndefined();
    cache.set('t5', entry('t5'), NOW); // newer {t1 t5}
    expect(cache.size).toBe(4);
    cache.set('t6', entry('t6'), NOW); // older {t1 t5}, newer {t6}: t3 and t4 dropped
    expect(cache.get('t3', NOW)).toBeUndefined();
    expect(cache.get('t4', NOW)).toBeUndefined();
    for (const t of ['t6', 't1', 't5']) expect(cache.get(t, NOW)?.claims.sub).toBe(t);
    expect(cache.size).toBeLessThanOrEqual(4);
  });

  it('re-setting a present token replaces its entry without evicting another', () => {
    const cache = new VerifiedTokenCache(2);
    cache.set('a', entry('a'), NOW);
    cache.set('b', entry('b'), NOW);
    const fresh = entry('a', NOW + 7200);
    cache.set('a', fresh, NOW);
    expect(cache.size).toBe(2);
    expect(cache.get('a', NOW)).toBe(fresh);
    expect(cache.get('b', NOW)?.claims.sub).toBe('b');
  });

  for (const maxEntries of [1, 2, 3, 4, 7, 8, 16, 33]) {
    it(`keeps the most recently used tokens, maxEntries ${maxEntries}`, () => {
      const next = random(0x9e3779b9 ^ maxEntries);
      const cache = new VerifiedTokenCache(maxEntries);
      const kept = Math.max(1, Math.floor(maxEntries / 2));
      const tokens = Array.from({ length: maxEntries * 3 }, (_, i) => `token-${i}`);
      const recency: string[] = []; // most recent first
      const use = (token: string) => {
        const at = recency.indexOf(token);
        if (at >= 0) recency.splice(at, 1);
        recency.unshift(token);
      };
      let hits = 0;
      const lost: string[] = [];
      for (let step = 0; step < 5000; step++) {
        // Mostly recent tokens (a working set), sometimes any token.
        const token =
          next() < 0.7 && recency.length > 0
            ? recency[Math.floor(next() * Math.min(recency.length, maxEntries + 2))]!
            : tokens[Math.floor(next() * tokens.length)]!;
        const mustHit = recency.indexOf(token) >= 0 && recency.indexOf(token) < kept;
        const found = cache.get(token, NOW);
        if (mustHit && found?.claims.sub !== token) lost.push(`step ${step}: ${token}`);
        if (found) {
          hits++;
        } else {
          cache.set(token, entry(token), NOW); // what verifyAccessToken does after a miss
        }
        use(token);
        if (cache.size > maxEntries) lost.push(`step ${step}: size ${cache.size}`);
      }
      expect(lost).toEqual([]);
      expect(hits).toBeGreaterThan(1000);
    });
  }

  it('drops an entry at its exp on a hit, wherever it is in the order', () => {
    const cache = new VerifiedTokenCache(8);
    cache.set('old', entry('old', NOW + 10), NOW);
    for (let i = 0; i < 3; i++) cache.set(`t${i}`, entry(`t${i}`), NOW);
    cache.set('new', entry('new', NOW + 10), NOW);
    expect(cache.get('new', NOW + 9)?.claims.sub).toBe('new'); // not moved: among the newest
    expect(cache.get('new', NOW + 10)).toBeUndefined();
    expect(cache.get('old', NOW + 11)).toBeUndefined();
    expect(cache.size).toBe(3);
    // Gone for good: a later clock reading before exp (a caller's currentDate) does not revive it.
    expect(cache.get('new', NOW)).toBeUndefined();
  });

  it('never stores an entry at or past its exp, nor anything with maxEntries 0', () => {
    const cache = new VerifiedTokenCache(4);
    cache.set('a', entry('a', NOW), NOW);
    cache.set('b', entry('b', NOW - 1), NOW);
    expect(cache.size).toBe(0);
    const off = new VerifiedTokenCache(0);
    off.set('a', entry('a'), NOW);
    expect(off.size).toBe(0);
    expect(off.get('a', NOW)).toBeUndefined();
  });
});
