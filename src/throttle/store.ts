/**
 * The counter store the login throttle keeps its counts in: one small interface, so that several
 * servers can share their counts through SQL or Redis. Keys are short printable strings made by the
 * throttle; times are milliseconds since the epoch on the throttle's clock.
 */
import { ConfigurationError, GatehouseError } from '../errors.js';

/**
 * A counter's value and when it is forgotten.
 *
 * @example
 * const { count, expiresAt } = await store.increment('u:johndoe', 60_000, Date.now());
 */
export interface Counter {
  /** Failures counted since the counter was (re)created. */
  readonly count: number;
  /** When the counter expires (ms since the epoch). */
  readonly expiresAt: number;
}

/**
 * Atomic counters with expiry. `increment` is the one write that must be atomic across every server
 * sharing the store: concurrent increments all count, and each resolves with the count it made.
 *
 * A store with `decrement` lets the login handler count each attempt when it gets its turn to check
 * the password (before the check, so concurrent checks on any number of servers cannot exceed the
 * policy) and take the count back after a success. A store without it still works: the handler then
 * reads the counts before the check and counts a failure after it (not atomic across servers).
 *
 * @example
 * const store: CounterStore = createMemoryCounterStore();
 * const { count } = await store.increment('u:johndoe', 60_000, Date.now());
 */
export interface CounterStore {
  /**
   * Adds one to `key` and sets its expiry to `now + ttlMs` (each failure keeps the counter alive).
   * An absent or expired counter starts again at 1. Resolves with the new count and expiry.
   */
  increment(key: string, ttlMs: number, now: number): Counter | Promise<Counter>;
  /** The live counter of `key`, or null when it is absent or expired at `now`. */
  get(key: string, now: number): Counter | null | Promise<Counter | null>;
  /** Forgets `key`. */
  reset(key: string): void | Promise<void>;
  /**
   * Takes back one increment: subtracts one from the live counter of `key` (never below 0), its
   * expiry unchanged; an absent or expired counter stays absent. Atomic like increment. Optional
   * (see above).
   *
   * @example
   * const { count } = await store.increment(key, 60_000, Date.now()); // counted before the check
   * if (passwordWasRight) await store.decrement?.(key, Date.now());   // not a failure after all
   */
  decrement?(key: string, now: number): void | Promise<void>;
  /** Releases what the store opened itself (a connection made from a URL). Optional. */
  close?(): void | Promise<void>;
}

/**
 * The counter store failed or answered something that is not a counter.
 *
 * @example
 * try { await store.increment(key, 60_000, Date.now()); }
 * catch (error) { if (!(error instanceof CounterStoreError)) throw error; log.warn('counter store down'); }
 */
export class CounterStoreError extends GatehouseError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_COUNTER_STORE', message, options);
  }
}

/** `value` as a counter, or a CounterStoreError: stores are user code and untrusted in shape. */
export function checkCounter(value: unknown, what: string): Counter {
  const counter = value as { count?: unknown; expiresAt?: unknown } | null;
  if (
    counter === null ||
    typeof counter !== 'object' ||
    !Number.isSafeInteger(counter.count) ||
    (counter.count as number) < 0 ||
    typeof counter.expiresAt !== 'number' ||
    !Number.isFinite(counter.expiresAt)
  ) {
    throw new CounterStoreError(`the counter store's ${what} did not answer a { count, expiresAt } counter`);
  }
  return { count: counter.count as number, expiresAt: counter.expiresAt };
}

/** A numeric column or reply (SQL drivers give BIGINT as a string) as a safe integer. */
export function toInteger(value: unknown, what: string): number {
  const number = typeof value === 'bigint' ? Number(value) : typeof value === 'string' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isSafeInteger(number)) {
    throw new CounterStoreError(`the counter store answered a ${what} that is not an integer`);
  }
  return number;
}

/** SQL table names are spliced into statements: only plain identifiers are accepted. */
export function checkTableName(table: string | undefined, fallback: string): string {
  const name = table ?? fallback;
  if (typeof name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(name)) {
    throw new ConfigurationError('table must be a plain SQL identifier (letters, digits, _)');
  }
  return name;
}

/**
 * The default table of the SQL counter stores.
 *
 * @example
 * await pool.query(`DELETE FROM ${DEFAULT_COUNTER_TABLE}`); // forget every count
 */
export const DEFAULT_COUNTER_TABLE = 'gatehouse_login_counters';

