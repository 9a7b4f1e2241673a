/**
 * The default counter store: counters in this process's memory. Bounded: expired counters are swept
 * as it goes, and when it is full the counter touched longest ago goes first.
 */
import { ConfigurationError } from '../errors.js';
import { BoundedMap } from '../internal/bounded-map.js';
import type { Counter, CounterStore } from './store.js';

/**
 * Options of createMemoryCounterStore.
 *
 * @example
 * const store = createMemoryCounterStore({ maxEntries: 10_000 });
 */
export interface MemoryCounterStoreOptions {
  /** Most counters kept. Default 100 000 (a few MiB). */
  maxEntries?: number;
}

/** How many increments between two sweeps of expired counters. */
const SWEEP_EVERY = 1024;

/**
 * Counters in memory, for one server process (the default store of the login throttle).
 *
 * @example
 * const handler = createAuthHandler({ users, key, throttle: { store: createMemoryCounterStore({ maxEntries: 10_000 }) } });
 */
export function createMemoryCounterStore(options: MemoryCounterStoreOptions = {}): CounterStore {
  const maxEntries = options.maxEntries ?? 100_000;
  if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) throw new ConfigurationError('maxEntries must be an integer >= 1');
  // Incrementing makes a counter fresh (reads never do): the stalest go first when full (BoundedMap's generations).
  const counters = new BoundedMap<string, Counter>(maxEntries);
  let untilSweep = SWEEP_EVERY;

  const sweep = (now: number) => {
    for (const [key, counter] of counters.entries()) if (counter.expiresAt <= now) counters.delete(key);
  };

  return {
    increment(key, ttlMs, now) {
      const current = counters.peek(key);
      const count = current !== undefined && current.expiresAt > now ? current.count + 1 : 1;
      const counter = { count, expiresAt: now + ttlMs };
      // Amortised: one pass over the map every SWEEP_EVERY increments.
      if (--untilSweep <= 0) {
        untilSweep = SWEEP_EVERY;
        sweep(now);
      }
      counters.set(key, counter);
      return counter;
    },
    get(key, now) {
      const counter = counters.peek(key);
      if (counter === undefined) return null;
      if (counter.expiresAt <= now) {
        counters.delete(key);
        return null;
      }
      return counter;
    },
    reset(key) {
      counters.delete(key);
    },
    decrement(key, now) {
      const counter = counters.peek(key);
      if (counter === undefined) return;
      if (counter.expiresAt <= now || counter.count <= 1) counters.delete(key);
      else counters.set(key, { count: counter.count - 1, expiresAt: counter.expiresAt });
    },
  };
}
