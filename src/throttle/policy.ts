/**
 * The login throttle's policy: failed logins counted per username and per client address in a
 * CounterStore, checked before any password work.
 *
 * - Per username, a growing delay and never a lockout: after `freeFailures` failures each further
 *   attempt waits `delayMs`, doubled per failure up to `maxDelayMs`, counted from the last failure.
 *   Someone who knows only a username slows its guessing down but cannot keep its owner out for
 *   longer than `maxDelayMs` at a time. A successful login resets the username's count.
 * - Per address, a limit: `maxFailures` failures within `windowMs` of each other block the address
 *   until the window after its last failure has passed. A success does not reset it (an attacker
 *   would log into an account of their own to clear it).
 * - Refused attempts are not counted: an attacker hammering a blocked username does not push its
 *   window further away.
 * - Usernames are counted whether or not they exist (no enumeration through the throttle).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { ConfigurationError } from '../errors.js';
import { unrefTimer } from '../platform/runtime.js';
import { createMemoryCounterStore } from './memory.js';
import { type Counter, type CounterStore, CounterStoreError, checkCounter } from './store.js';

/**
 * The per-username rule: free failures, then a delay that doubles per failure, never a lockout.
 *
 * @example
 * createLoginThrottle({ username: { freeFailures: 3, delayMs: 2000, maxDelayMs: 120_000 } });
 */
export interface UsernameThrottleOptions {
  /** Failures allowed before any delay. Default 5: a few typos cost nothing. */
  freeFailures?: number;
  /** The first delay (ms), doubled with each further failure. Default 1000. */
  delayMs?: number;
  /**
   * The longest delay (ms). Default 60 000: the owner of a username under attack waits at most a
   * minute for a try, and a guesser with any number of addresses gets at most one guess a minute.
   */
  maxDelayMs?: number;
  /** The count is forgotten this long (ms) after the last failure. Default 3 600 000 (1 h). */
  forgetAfterMs?: number;
}

/**
 * The per-address rule: a limit of failures per window (IPv6 counted per /64).
 *
 * @example
 * createLoginThrottle({ address: { maxFailures: 20, windowMs: 600_000 } });
 */
export interface AddressThrottleOptions {
  /**
   * Failures allowed from one address (IPv6: one /64). Default 50: far above one person's typos,
   * and room for a few users sharing a NAT; one address then tries 50 passwords per window across
   * all usernames.
   */
  maxFailures?: number;
  /** How long (ms) after its last failure a blocked address stays blocked. Default 900 000 (15 min). */
  windowMs?: number;
}

/**
 * Options of createLoginThrottle (and the policy part of the handler's `throttle` option).
 *
 * @example
 * const throttle = createLoginThrottle({ store: createMemoryCounterStore(), onStoreError: 'deny' });
 */
export interface LoginThrottleOptions {
  /** Where counts live. Default: a memory store of this process (createMemoryCounterStore()). */
  store?: CounterStore;
  /** The per-username policy, or false for none. */
  username?: UsernameThrottleOptions | false;
  /** The per-address policy, or false for none. */
  address?: AddressThrottleOptions | false;
  /**
   * When the store fails or takes longer than `storeTimeoutMs`: 'allow' the login (fail open) or
   * 'deny' it (503). Default 'allow': the password check still stands, and an outage of the
   * counter store (or an attacker able to cause one) does not become an outage of every login.
   * Either way `onError` hears of it.
   */
  onStoreError?: 'allow' | 'deny';
  /** Longest wait (ms) for one store call. Default 1000. */
  storeTimeoutMs?: number;
  /** Told about store failures (never with a password). Default: console.error. */
  onError?: (error: unknown) => void;
  /** Prefix of the keys in the store. Default 'gatehouse:login:'. */
  keyPrefix?: string;
  /** The clock (ms since the epoch). Default Date.now. */
  now?: () => number;
}

/**
 * Per call: who hears of a store failure during it, instead of the throttle's onError.
 *
 * @example
 * await throttle.check('alice', '192.0.2.1', { onError: (error) => log.warn(error) });
 */
export interface ThrottleCallOptions {
  /**
   * Told about a store failure during this call (instead of the throttle's own onError).
   *
   * @example
   * await throttle.check('alice', '192.0.2.1', { onError: (error) => log.warn(error) });
   */
  onError?: (error: unknown) => void;
}

/**
 * What check() says: go ahead, or refuse and when to come back.
 *
 * @example
 * const decision = await throttle.check(username, address);
 * if (!decision.allowed) return new Response(null, { status: 429, headers: { 'retry-after': String(decision.retryAfter) } });
 */
export type ThrottleDecision =
  | { readonly allowed: true; readonly retryAfter?: undefined; readonly reason?: undefined; readonly usernameFailures: number }
  | {
      readonly allowed: false;
      /** Whole seconds until a new attempt can be checked (the Retry-After value), at least 1. */
      readonly retryAfter: number;
      /** 'store': the store failed and onStoreError is 'deny'. */
      readonly reason: 'username' | 'address' | 'store';
      readonly usernameFailures?: undefined;
    };

/**
 * The throttle as plain functions, for code that does not use the handler: check before the
 * password work, then record the outcome.
 *
 * @example
 * const throttle = createLoginThrottle();
 * const decision = await throttle.check(username, address);
 * if (!decision.allowed) return new Response(null, { status: 429, headers: { 'retry-after': String(decision.retryAfter) } });
 * const user = await authenticateUser(users, username, password);
 * if (user) await throttle.recordSuccess(username);
 * else await throttle.recordFailure(username, address);
 */
export interface LoginThrottle {
  /** Whether a login for `username` from `address` (null: unknown) may be checked now. */
  check(username: string, address: string | null, call?: ThrottleCallOptions): Promise<ThrottleDecision>;
  /** Count a failed login (wrong password, unknown user). */
  recordFailure(username: string, address: string | null, call?: ThrottleCallOptions): Promise<void>;
  /** A successful login: the username's count starts again. */
  recordSuccess(username: string, call?: ThrottleCallOptions): Promise<void>;
  /** The store's counters for a username and an address, as the throttle keys them (for tests and admin tools). */
  counters(username: string, address: string | null): Promise<{ username: Counter | null; address: Counter | null }>;
  /** The store key of a username's counter and of an address's. */
  keys(username: string, address: string | null): { username: string; address: string | null };
}

function integerOption(value: number | undefined, fallback: number, name: string, min: number): number {
  const result = value ?? fallback;
  if (!Number.isSafeInteger(result) || result < min) throw new ConfigurationError(`throttle ${name} must be an integer >= ${min}`);
  return result;
}

/** The username as counted: case and Unicode forms folded (a case-insensitive user store must not give a way round), long ones hashed. */
function usernameKey(username: string): string {
  const folded = String(username).normalize('NFKC').toLowerCase();
  return folded.length <= 128 && !/[\x00-\x1f\x7f]/.test(folded) ? folded : `#${bytesToHex(sha256(new TextEncoder().encode(folded)))}`;
}

/**
 * The login throttle with its policy configured once. Throws ConfigurationError on bad options.
 *
 * @example
 * const throttle = createLoginThrottle({ username: { freeFailures: 3 }, address: { maxFailures: 20 } });
 */
export function createLoginThrottle(options: LoginThrottleOptions = {}): LoginThrottle {
  if (options === null || typeof options !== 'object') throw new ConfigurationError('throttle options must be an object');
  const store = options.store ?? createMemoryCounterStore();
  for (const method of ['increment', 'get', 'reset'] as const) {
    if (typeof (store as unknown as Record<string, unknown>)[method] !== 'function') {
      throw new ConfigurationError(`throttle store needs an ${method}() method`);
    }
  }
  const user = options.username === false ? null : (options.username ?? {});
  const freeFailures = user ? integerOption(user.freeFailures, 5, 'username.freeFailures', 0) : 0;
  const delayMs = user ? integerOption(user.delayMs, 1000, 'username.delayMs', 1) : 0;
  const maxDelayMs = user ? integerOption(user.maxDelayMs, 60_000, 'username.maxDelayMs', delayMs) : 0;
  const forgetAfterMs = user ? integerOption(user.forgetAfterMs, 3_600_000, 'username.forgetAfterMs', maxDelayMs) : 0;
  const address = options.address === false ? null : (options.address ?? {});
  const maxFailures = address ? integerOption(address.maxFailures, 50, 'address.maxFailures', 1) : 0;
  const windowMs = address ? integerOption(address.windowMs, 900_000, 'address.windowMs', 1) : 0;
  const storeTimeoutMs = integerOption(options.storeTimeoutMs, 1000, 'storeTimeoutMs', 1);
  const onStoreError = options.onStoreError ?? 'allow';
  if (onStoreError !== 'allow' && onStoreError !== 'deny') throw new ConfigurationError("throttle onStoreError must be 'allow' or 'deny'");
  const prefix = options.keyPrefix ?? 'gatehouse:login:';
  if (typeof prefix !== 'string' || prefix.length > 64) throw new ConfigurationError('throttle keyPrefix must be a string of at most 64 characters');
  const now = options.now ?? Date.now;
  const onError =
    options.onError ?? ((error: unknown) => console.error('gatehouse: login throttle store failed:', error));

  const report = (error: unknown, call?: ThrottleCallOptions) => {
    try {
      (call?.onError ?? onError)(error);
    } catch {
      // a failing reporter changes nothing
    }
  };

  /** A store call with its answer awaited (it may be a thenable), bounded in time. */
  const call = <T>(what: string, run: () => T | PromiseLike<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new CounterStoreError(`the counter store's ${what} took longer than ${storeTimeoutMs} ms`)), storeTimeoutMs);
      unrefTimer(timer);
      const settle = <V>(done: (value: V) => void) => (value: V) => {
        clearTimeout(timer);
        done(value);
      };
      try {
        Promise.resolve(run()).then(settle(resolve), settle((error: unknown) =>
          reject(error instanceof CounterStoreError ? error : new CounterStoreError(`the counter store's ${what} failed`, { cause: error }))));
      } catch (error) {
        settle(reject)(new CounterStoreError(`the counter store's ${what} failed`, { cause: error }));
      }
    });

  const read = async (key: string | null, at: number): Promise<Counter | null> => {
    if (key === null) return null;
    const value = await call('get', () => store.get(key, at));
    return value === null || value === undefined ? null : checkCounter(value, 'get');
  };

  const keys = (username: string, clientAddress: string | null) => ({
    username: `${prefix}u:${usernameKey(username)}`,
    address: typeof clientAddress === 'string' && clientAddress !== '' ? `${prefix}a:${clientAddress.slice(0, 64)}` : null,
  });

  /** When the username may next be tried (ms), from its count and its last failure. */
  const usernameOpensAt = (counter: Counter): number => {
    if (counter.count < freeFailures) return 0;
    const lastFailure = counter.expiresAt - forgetAfterMs;
    const doublings = Math.min(counter.count - freeFailures, 40);
    return lastFailure + Math.min(delayMs * 2 ** doublings, maxDelayMs);
  };

  const check = async (username: string, clientAddress: string | null, options?: ThrottleCallOptions): Promise<ThrottleDecision> => {
    const key = keys(username, clientAddress);
    const at = now();
    let byUser: Counter | null;
    let byAddress: Counter | null;
    try {
      [byUser, byAddress] = await Promise.all([user ? read(key.username, at) : null, address ? read(key.address, at) : null]);
    } catch (error) {
      report(error, options);
      return onStoreError === 'allow' ? { allowed: true, usernameFailures: 0 } : { allowed: false, retryAfter: 1, reason: 'store' };
    }
    const userWait = byUser ? usernameOpensAt(byUser) - at : 0;
    const addressWait = byAddress && byAddress.count >= maxFailures ? byAddress.expiresAt - at : 0;
    if (userWait <= 0 && addressWait <= 0) return { allowed: true, usernameFailures: byUser?.count ?? 0 };
    return {
      allowed: false,
      retryAfter: Math.max(1, Math.ceil(Math.max(userWait, addressWait) / 1000)),
      reason: userWait >= addressWait ? 'username' : 'address',
    };
  };

  const recordFailure = async (username: string, clientAddress: string | null, options?: ThrottleCallOptions): Promise<void> => {
    const key = keys(username, clientAddress);
    const at = now();
    const writes: Promise<unknown>[] = [];
    if (user) writes.push(call('increment', () => store.increment(key.username, forgetAfterMs, at)).then((c) => checkCounter(c, 'increment')));
    if (address && key.address !== null) {
      writes.push(call('increment', () => store.increment(key.address!, windowMs, at)).then((c) => checkCounter(c, 'increment')));
    }
    for (const result of await Promise.allSettled(writes)) if (result.status === 'rejected') report(result.reason, options);
  };

  const recordSuccess = async (username: string, options?: ThrottleCallOptions): Promise<void> => {
    if (!user) return;
    try {
      await call('reset', () => store.reset(keys(username, null).username));
    } catch (error) {
      report(error, options);
    }
  };

  const counters = async (username: string, clientAddress: string | null) => {
    const key = keys(username, clientAddress);
    const at = now();
    return { username: await read(key.username, at), address: await read(key.address, at) };
  };

  return { check, recordFailure, recordSuccess, counters, keys };
}

/**
 * checkLoginThrottle(throttle, username, address): the same as throttle.check, as a plain function.
 *
 * @example
 * const decision = await checkLoginThrottle(throttle, 'johndoe', '198.51.100.7');
 */
export function checkLoginThrottle(throttle: LoginThrottle, username: string, address: string | null): Promise<ThrottleDecision> {
  return throttle.check(username, address);
}
