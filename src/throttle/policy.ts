/**
 * The login throttle's policy: failed logins counted per username and per client address in a
 * CounterStore, checked before any password work.
 *
 * - Per username, a growing delay and never a lockout: after `freeFailures` failures each further
 *   attempt waits `delayMs`, doubled per failure up to `maxDelayMs`, counted from the last failure.
 *   Someone who knows only a username slows its guessing down but cannot keep its owner out for
 *   longer than `maxDelayMs` at a time.
 * - Each username has two counters, because user stores match names exactly while look-alikes
 *   (`JohnDoe`, fullwidth `ｊohndoe`, NFD `josé`) may be other people's accounts:
 *   - the exact name's counter, reset by a successful login to that exact name, with the rule above;
 *   - the folded name's counter (NFKC + lower case, so that a case-insensitive user store gives no
 *     way round), which a success never resets (it would let the owner of a look-alike account
 *     clear its twin's count), with the same rule but twice the free failures. It expires
 *     `forgetAfterMs` after its last failure.
 *   The wait is the longer of the two. An owner who mistypes a few times and then logs in starts
 *   again from zero on the exact counter and only meets the folded one after 2 x freeFailures
 *   failures within `forgetAfterMs`, then for seconds; an attacker who mixes in right logins to a
 *   look-alike account of their own resets nothing of the victim's.
 * - Per address, a limit: `maxFailures` failures within `windowMs` of each other block the address
 *   until the window after its last failure has passed. A success does not reset it (an attacker
 *   would log into an account of their own to clear it).
 * - Refused attempts are not counted: an attacker hammering a blocked username does not push its
 *   window further away. (The handler counts an attempt when it gets its password-check slot, before
 *   the check, and takes the count back when it is refused there or succeeds; the taken-back count's
 *   expiry stays moved to that moment. Refusals on arrival never write.)
 * - Usernames are counted whether or not they exist (no enumeration through the throttle).
 * - Keys: `u:` / `x:` + the folded / exact name, or `u#:` / `x#:` + the SHA-256 hex of a name longer
 *   than 128 characters or with control characters (a name spelt `#<hex>` cannot meet a hashed one);
 *   `a:` + the address.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { ConfigurationError } from '../errors.js';
import { foldUsername } from '../users/fold.js';
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
  | {
      readonly allowed: true;
      readonly retryAfter?: undefined;
      readonly reason?: undefined;
      /** Failures counted for this exact username (what a success resets). */
      readonly usernameFailures: number;
    }
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
  /** A successful login: the exact username's count starts again (the folded one stays). */
  recordSuccess(username: string, call?: ThrottleCallOptions): Promise<void>;
  /**
   * The store's counters for a username (`username`: its folded name's, `exactUsername`: the exact
   * name's) and for an address, as the throttle keys them (for tests and admin tools).
   */
  counters(
    username: string,
    address: string | null,
  ): Promise<{ username: Counter | null; exactUsername: Counter | null; address: Counter | null }>;
  /** The store keys of a username's folded and exact counters and of an address's. */
  keys(username: string, address: string | null): { username: string; exactUsername: string; address: string | null };
}

/** @internal What an arrival saw: the counters the handler decides against again at the turn. */
interface SeenCounters {
  readonly exact: Counter | null;
  readonly folded: Counter | null;
  readonly address: Counter | null;
}

/**
 * @internal A refusing ThrottleDecision.
 *
 * @example
 * const refusal: ThrottleRefusal = { allowed: false, retryAfter: 1, reason: 'store' };
 */
export type ThrottleRefusal = Extract<ThrottleDecision, { allowed: false }>;

/** @internal A login the throttle let through on arrival: its decision, and its turn to come. */
export interface ThrottleArrival {
  /** check()'s answer on arrival, from counts only read (a refusal writes nothing). */
  readonly decision: ThrottleDecision;
  /**
   * At the password-check slot: counts the attempt (one atomic increment per counter; logins that
   * queued together, on this server or others, must not all pass on the counts they saw on
   * arrival) and decides on the counts made. With a store that has no decrement(): checks again,
   * and counts a failure when it is recorded (not atomic across servers).
   */
  take(): Promise<ThrottleTurn | ThrottleRefusal>;
}

/** @internal A login counted at its turn: tell how the password check went. */
export interface ThrottleTurn {
  readonly allowed: true;
  /**
   * The password check's outcome. Right: the exact count starts again, the other counts take this
   * attempt back. Wrong (or unknown user): the attempt stays counted.
   */
  record(succeeded: boolean): Promise<void>;
  /** No password was judged after all (the user store failed): the attempt counts for nothing. */
  cancel(): Promise<void>;
}

/** @internal The handler's flow, beside the public LoginThrottle: arrive, then take the turn. */
export interface ThrottleTurns {
  /** check(), keeping what it read for the turn. */
  arrive(username: string, address: string | null, call?: ThrottleCallOptions): Promise<ThrottleArrival>;
}

function integerOption(value: number | undefined, fallback: number, name: string, min: number): number {
  const result = value ?? fallback;
  if (!Number.isSafeInteger(result) || result < min) throw new ConfigurationError(`throttle ${name} must be an integer >= ${min}`);
  return result;
}

/**
 * A name's key in `namespace`: the name when short and printable, else its SHA-256 under
 * `namespace#`, a namespace no spelt-out name reaches.
 */
function nameKey(namespace: 'u' | 'x', name: string): string {
  return name.length <= 128 && !/[\x00-\x1f\x7f]/.test(name)
    ? `${namespace}:${name}`
    : `${namespace}#:${bytesToHex(sha256(new TextEncoder().encode(name)))}`;
}

/** @internal createLoginThrottle plus the handler's atomic flow on the same store and policy. */
export function createThrottleTurns(options: LoginThrottleOptions = {}): { throttle: LoginThrottle; turns: ThrottleTurns } {
  return buildThrottle(options);
}

/**
 * The login throttle with its policy configured once. Throws ConfigurationError on bad options.
 *
 * @example
 * const throttle = createLoginThrottle({ username: { freeFailures: 3 }, address: { maxFailures: 20 } });
 */
export function createLoginThrottle(options: LoginThrottleOptions = {}): LoginThrottle {
  return buildThrottle(options).throttle;
}

function buildThrottle(options: LoginThrottleOptions): { throttle: LoginThrottle; turns: ThrottleTurns } {
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
  // The folded counter is never reset by a success: it allows more before it delays anyone.
  const foldedFreeFailures = 2 * freeFailures;
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

  const keys = (username: string, clientAddress: string | null) => {
    const name = String(username);
    return {
      username: `${prefix}${nameKey('u', foldUsername(name))}`,
      exactUsername: `${prefix}${nameKey('x', name)}`,
      address: typeof clientAddress === 'string' && clientAddress !== '' ? `${prefix}a:${clientAddress.slice(0, 64)}` : null,
    };
  };

  /** When a username counter lets the next attempt through (ms): from its count and its last failure. */
  const opensAt = (counter: Counter, free: number): number => {
    if (counter.count < free) return 0;
    const lastFailure = counter.expiresAt - forgetAfterMs;
    const doublings = Math.min(counter.count - free, 40);
    return lastFailure + Math.min(delayMs * 2 ** doublings, maxDelayMs);
  };

  const STORE_REFUSAL = { allowed: false, retryAfter: 1, reason: 'store' } as const;

  const refusal = (userWait: number, addressWait: number) =>
    ({
      allowed: false,
      retryAfter: Math.max(1, Math.ceil(Math.max(userWait, addressWait) / 1000)),
      reason: userWait >= addressWait ? 'username' : 'address',
    }) as const;

  const decide = (seen: SeenCounters, at: number): ThrottleDecision => {
    const userWait = Math.max(seen.exact ? opensAt(seen.exact, freeFailures) - at : 0, seen.folded ? opensAt(seen.folded, foldedFreeFailures) - at : 0);
    const addressWait = seen.address && seen.address.count >= maxFailures ? seen.address.expiresAt - at : 0;
    if (userWait <= 0 && addressWait <= 0) return { allowed: true, usernameFailures: seen.exact?.count ?? 0 };
    return refusal(userWait, addressWait);
  };

  const readCounters = async (username: string, clientAddress: string | null, options?: ThrottleCallOptions) => {
    const key = keys(username, clientAddress);
    const at = now();
    try {
      const [exact, folded, byAddress] = await Promise.all([
        user ? read(key.exactUsername, at) : null,
        user ? read(key.username, at) : null,
        address ? read(key.address, at) : null,
      ]);
      const seen = { exact, folded, address: byAddress };
      return { decision: decide(seen, at), seen };
    } catch (error) {
      report(error, options);
      const seen = { exact: null, folded: null, address: null };
      return { decision: onStoreError === 'allow' ? ({ allowed: true, usernameFailures: 0 } as const) : STORE_REFUSAL, seen };
    }
  };

  const check = async (username: string, clientAddress: string | null, options?: ThrottleCallOptions): Promise<ThrottleDecision> =>
    (await readCounters(username, clientAddress, options)).decision;

  /** Increments the counters in parallel: the counts made by those that answered; failures reported. */
  const incrementAll = async (wanted: ReadonlyArray<readonly [string, number]>, at: number, options?: ThrottleCallOptions) => {
    const results = await Promise.allSettled(
      wanted.map(([key, ttl]) => call('increment', () => store.increment(key, ttl, at)).then((c) => checkCounter(c, 'increment'))),
    );
    let failed = false;
    const counts = results.map((result) => {
      if (result.status === 'fulfilled') return result.value.count;
      report(result.reason, options);
      failed = true;
      return null;
    });
    return { counts, failed };
  };

  const settleAll = async (writes: Array<Promise<unknown>>, options?: ThrottleCallOptions) => {
    for (const result of await Promise.allSettled(writes)) if (result.status === 'rejected') report(result.reason, options);
  };

  const recordFailure = async (username: string, clientAddress: string | null, options?: ThrottleCallOptions): Promise<void> => {
    const key = keys(username, clientAddress);
    const wanted: Array<readonly [string, number]> = [];
    if (user) wanted.push([key.exactUsername, forgetAfterMs], [key.username, forgetAfterMs]);
    if (address && key.address !== null) wanted.push([key.address, windowMs]);
    await incrementAll(wanted, now(), options);
  };

  const recordSuccess = async (username: string, options?: ThrottleCallOptions): Promise<void> => {
    if (!user) return;
    await settleAll([call('reset', () => store.reset(keys(username, null).exactUsername))], options);
  };

  const counters = async (username: string, clientAddress: string | null) => {
    const key = keys(username, clientAddress);
    const at = now();
    return { username: await read(key.username, at), exactUsername: await read(key.exactUsername, at), address: await read(key.address, at) };
  };

  /**
   * Whether a username counter's count `made` (this attempt's increment included) lets the attempt
   * through. Below the free failures, always. Beyond, only when nobody else counted since the
   * arrival (the count made is one more than the one seen) and the arrival saw the wait over: a
   * failure counted in between happened after the arrival, so its wait cannot be over.
   */
  const admits = (made: number, seen: Counter | null, free: number, at: number): boolean => {
    const before = made - 1;
    if (before < free) return true;
    return before === (seen?.count ?? 0) && (seen === null || opensAt(seen, free) <= at);
  };

  /** The atomic turn: count now, decide on the counts made. */
  const countedTurn = async (
    username: string,
    clientAddress: string | null,
    seen: SeenCounters,
    options: ThrottleCallOptions | undefined,
    decrement: NonNullable<CounterStore['decrement']>,
  ): Promise<ThrottleTurn | ThrottleRefusal> => {
    const key = keys(username, clientAddress);
    const at = now();
    const wanted: Array<readonly [string, number]> = [];
    if (user) wanted.push([key.exactUsername, forgetAfterMs], [key.username, forgetAfterMs]);
    if (address && key.address !== null) wanted.push([key.address, windowMs]);
    const { counts, failed } = await incrementAll(wanted, at, options);
    // Takes this attempt's counts back (those that were made); `reset`: that counter starts again.
    const takeBack = (reset?: string) =>
      settleAll(
        wanted.flatMap(([k], i) =>
          counts[i] === null ? [] : [k === reset ? call('reset', () => store.reset(k)) : call('decrement', () => decrement.call(store, k, now()))],
        ),
        options,
      );
    if (failed && onStoreError === 'deny') {
      await takeBack();
      return STORE_REFUSAL;
    }
    // Decided on the counts made (a counter whose increment failed in 'allow' is not in the way).
    const [exact, folded, byAddress] = user ? [counts[0], counts[1], counts[2]] : [null, null, counts[0]];
    const userRefused =
      (exact != null && !admits(exact, seen.exact, freeFailures, at)) || (folded != null && !admits(folded, seen.folded, foldedFreeFailures, at));
    const addressRefused = byAddress != null && byAddress > maxFailures;
    if (userRefused || addressRefused) {
      await takeBack();
      // The failures counted in between are taken as happening now: the wait runs from here.
      const wait = (made: number | null | undefined, free: number) =>
        made == null || made - 1 < free ? 0 : opensAt({ count: made - 1, expiresAt: at + forgetAfterMs }, free) - at;
      return refusal(userRefused ? Math.max(wait(exact, freeFailures), wait(folded, foldedFreeFailures), 1) : 0, addressRefused ? windowMs : 0);
    }
    return {
      allowed: true,
      record: async (succeeded) => {
        if (succeeded) await takeBack(key.exactUsername); // a failure stays counted
      },
      cancel: () => takeBack(),
    };
  };

  /** A store without decrement(): read again at the turn, count a failure after the check. */
  const checkedTurn = async (username: string, clientAddress: string | null, options: ThrottleCallOptions | undefined): Promise<ThrottleTurn | ThrottleRefusal> => {
    const decision = await check(username, clientAddress, options);
    if (!decision.allowed) return decision;
    return {
      allowed: true,
      record: async (succeeded) => {
        if (!succeeded) await recordFailure(username, clientAddress, options);
        // Nothing to reset when the check saw no failures: a success then costs no store write.
        else if (decision.usernameFailures) await recordSuccess(username, options);
      },
      cancel: async () => {},
    };
  };

  const decrement = store.decrement;
  const arrive = async (username: string, clientAddress: string | null, options?: ThrottleCallOptions): Promise<ThrottleArrival> => {
    const { decision, seen } = await readCounters(username, clientAddress, options);
    return {
      decision,
      take: () =>
        typeof decrement === 'function'
          ? countedTurn(username, clientAddress, seen, options, decrement)
          : checkedTurn(username, clientAddress, options),
    };
  };

  return { throttle: { check, recordFailure, recordSuccess, counters, keys }, turns: { arrive } };
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
