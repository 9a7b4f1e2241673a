/**
 * The login throttle's policy on a fake clock: the growing per-username delay without lockout, the
 * per-address limit, resets, refusals that are not counted, store failures (allow/deny, timeouts,
 * bad answers); then the same rules through createAuthHandler's POST /token.
 */
import { describe, expect, it, vi } from 'vitest';
import { createAuth, createAuthHandler } from '../../../src/http/index.js';
import {
  type CounterStore,
  CounterStoreError,
  checkLoginThrottle,
  createLoginThrottle,
  createMemoryCounterStore,
} from '../../../src/http/index.js';
import { createMemoryUserStore } from '../../../src/users/index.js';
import { KEY, context, loginRequest, makeUsers } from '../../helpers/http.js';

function clock(start = 1_700_000_000_000) {
  const state = { now: start };
  return { now: () => state.now, advance: (ms: number) => void (state.now += ms), state };
}

describe('per-username delay', () => {
  it('lets freeFailures through, then waits delayMs doubled per failure up to maxDelayMs', async () => {
    const time = clock();
    const throttle = createLoginThrottle({ now: time.now, username: { freeFailures: 3, delayMs: 1000, maxDelayMs: 8000 }, address: false });
    for (let i = 0; i < 3; i++) {
      expect((await throttle.check('johndoe', null)).allowed).toBe(true);
      await throttle.recordFailure('johndoe', null);
    }
    // 3 failures: wait 1 s from the last one.
    expect(await throttle.check('johndoe', null)).toEqual({ allowed: false, retryAfter: 1, reason: 'username' });
    const waits: number[] = [];
    for (let failure = 4; failure <= 8; failure++) {
      const refused = await throttle.check('johndoe', null);
      expect(refused.allowed).toBe(false);
      waits.push(refused.retryAfter!);
      time.advance(refused.retryAfter! * 1000 - 1);
      expect((await throttle.check('johndoe', null)).allowed).toBe(false); // 1 ms early
      time.advance(1);
      expect((await throttle.check('johndoe', null)).allowed).toBe(true);
      await throttle.recordFailure('johndoe', null);
    }
    expect(waits).toEqual([1, 2, 4, 8, 8]); // doubled, capped at maxDelayMs: never a lockout
    expect((await throttle.counters('johndoe', null)).username?.count).toBe(8);
  });

  it('rounds Retry-After up to whole seconds, counted from the last failure', async () => {
    const time = clock();
    const throttle = createLoginThrottle({ now: time.now, username: { freeFailures: 1, delayMs: 2500 }, address: false });
    await throttle.recordFailure('a', null);
    expect((await throttle.check('a', null)).retryAfter).toBe(3);
    time.advance(600);
    expect((await throttle.check('a', null)).retryAfter).toBe(2); // 1900 ms left
    time.advance(1900);
    expect((await throttle.check('a', null)).allowed).toBe(true);
  });

  it('does not count refused attempts: hammering a waiting username does not push its window away', async () => {
    const time = clock();
    const throttle = createLoginThrottle({ now: time.now, username: { freeFailures: 1, delayMs: 10_000 }, address: false });
    await throttle.recordFailure('victim', null);
    for (let i = 0; i < 50; i++) {
      expect((await throttle.check('victim', null)).allowed).toBe(false);
      time.advance(100);
    }
    time.advance(5000);
    expect((await throttle.check('victim', null)).allowed).toBe(true);
    expect((await throttle.counters('victim', null)).username?.count).toBe(1);
  });

  it('a success resets the exact username count; the folded and address counts stay', async () => {
    const time = clock();
    const throttle = createLoginThrottle({ now: time.now, username: { freeFailures: 2 }, address: { maxFailures: 10 } });
    await throttle.recordFailure('johndoe', '192.0.2.1');
    await throttle.recordFailure('johndoe', '192.0.2.1');
    expect((await throttle.check('johndoe', '192.0.2.1')).allowed).toBe(false);
    await throttle.recordSuccess('johndoe');
    const after = await throttle.counters('johndoe', '192.0.2.1');
    expect(after.exactUsername).toBeNull();
    expect(after.username?.count).toBe(2); // below the folded counter's 2 x freeFailures: no wait
    expect(after.address?.count).toBe(2);
    expect(await throttle.check('johndoe', '192.0.2.1')).toEqual({ allowed: true, usernameFailures: 0 });
  });

  it('forgets the count forgetAfterMs after the last failure', async () => {
    const time = clock();
    const throttle = createLoginThrottle({ now: time.now, username: { freeFailures: 1, forgetAfterMs: 120_000 }, address: false });
    await throttle.recordFailure('bob', null);
    await throttle.recordFailure('bob', null);
    time.advance(119_999);
    expect((await throttle.counters('bob', null)).username?.count).toBe(2);
    time.advance(1);
    expect((await throttle.counters('bob', null)).username).toBeNull();
    await throttle.recordFailure('bob', null);
    expect((await throttle.counters('bob', null)).username?.count).toBe(1);
  });

  it('counts usernames exactly, and case- and form-insensitively with twice the free failures; long ones by hash', async () => {
    const throttle = createLoginThrottle({ username: { freeFailures: 1 }, address: false });
    await throttle.recordFailure('JohnDoe', null);
    expect((await throttle.check('JohnDoe', null)).allowed).toBe(false); // the exact name: 1 free failure
    expect((await throttle.check('johndoe', null)).allowed).toBe(true); // the folded name: 2
    await throttle.recordFailure('JOHNDOE', null);
    expect((await throttle.check('johndoe', null)).allowed).toBe(false);
    expect((await throttle.check('ｊｏｈｎｄｏｅ', null)).allowed).toBe(false); // fullwidth, NFKC-folded
    const long = 'x'.repeat(10_000);
    expect(throttle.keys(long, null).username.length).toBeLessThan(100);
    expect(throttle.keys('a\nb', null).username).not.toContain('\n');
  });
});

describe('per-address limit', () => {
  it('blocks an address after maxFailures across usernames until windowMs after its last failure', async () => {
    const time = clock();
    const throttle = createLoginThrottle({ now: time.now, username: false, address: { maxFailures: 4, windowMs: 60_000 } });
    for (let i = 0; i < 4; i++) {
      expect((await throttle.check(`user${i}`, '198.51.100.7')).allowed).toBe(true);
      await throttle.recordFailure(`user${i}`, '198.51.100.7');
      time.advance(1000);
    }
    // last failure 1 s ago: 59 s left
    expect(await throttle.check('anyone', '198.51.100.7')).toEqual({ allowed: false, retryAfter: 59, reason: 'address' });
    expect((await throttle.check('anyone', '198.51.100.8')).allowed).toBe(true); // another address
    expect((await throttle.check('anyone', null)).allowed).toBe(true); // no address known: not counted by address
    time.advance(59_000);
    expect((await throttle.check('anyone', '198.51.100.7')).allowed).toBe(true);
  });

  it('answers with the longer wait when both apply', async () => {
    const time = clock();
    const throttle = createLoginThrottle({ now: time.now, username: { freeFailures: 1, delayMs: 5000 }, address: { maxFailures: 1, windowMs: 20_000 } });
    await throttle.recordFailure('u', '192.0.2.1');
    expect(await throttle.check('u', '192.0.2.1')).toEqual({ allowed: false, retryAfter: 20, reason: 'address' });
    expect(await checkLoginThrottle(throttle, 'u', '192.0.2.2')).toEqual({ allowed: false, retryAfter: 5, reason: 'username' });
  });
});

function failingStore(error: unknown = new Error('connection refused')): CounterStore {
  return {
    increment: () => Promise.reject(error),
    get: () => Promise.reject(error),
    reset: () => Promise.reject(error),
  };
}

describe('store failures', () => {
  it("'allow' (the default) lets logins through and reports through onError", async () => {
    const onError = vi.fn();
    const throttle = createLoginThrottle({ store: failingStore(), onError });
    expect((await throttle.check('u', '192.0.2.1')).allowed).toBe(true);
    await throttle.recordFailure('u', '192.0.2.1');
    expect(onError).toHaveBeenCalled();
    expect(onError.mock.calls[0]![0]).toBeInstanceOf(CounterStoreError);
  });

  it("'deny' refuses with reason 'store'", async () => {
    const throttle = createLoginThrottle({ store: failingStore(), onStoreError: 'deny', onError: () => {} });
    expect(await throttle.check('u', null)).toEqual({ allowed: false, retryAfter: 1, reason: 'store' });
  });

  it('a store that never answers times out after storeTimeoutMs', async () => {
    const onError = vi.fn();
    const hanging: CounterStore = { increment: () => new Promise(() => {}), get: () => new Promise(() => {}), reset: () => new Promise(() => {}) };
    const throttle = createLoginThrottle({ store: hanging, storeTimeoutMs: 30, onError });
    expect((await throttle.check('u', null)).allowed).toBe(true);
    expect(String(onError.mock.calls[0]![0].message)).toMatch(/30 ms/);
  });

  it('answers that are not counters, thenables and throwing stores are failures, not crashes', async () => {
    const onError = vi.fn();
    const odd: CounterStore = {
      increment: () => ({ count: 'many', expiresAt: 1 }) as never,
      get: () => ({ then: (resolve: (v: unknown) => void) => resolve({ count: -1, expiresAt: 0 }) }) as never,
      reset: () => {
        throw new Error('boom');
      },
    };
    const throttle = createLoginThrottle({ store: odd, onError });
    expect((await throttle.check('u', null)).allowed).toBe(true);
    await throttle.recordFailure('u', null);
    await throttle.recordSuccess('u');
    expect(onError).toHaveBeenCalledTimes(4); // each failed store call: a read, two username increments (exact, folded), a reset
    for (const [error] of onError.mock.calls) expect(error).toBeInstanceOf(CounterStoreError);
  });

  it('refuses bad options', () => {
    expect(() => createLoginThrottle({ store: {} as never })).toThrow(/increment/);
    expect(() => createLoginThrottle({ username: { freeFailures: -1 } })).toThrow(/freeFailures/);
    expect(() => createLoginThrottle({ username: { delayMs: 5000, maxDelayMs: 10 } })).toThrow(/maxDelayMs/);
    expect(() => createLoginThrottle({ onStoreError: 'maybe' as never })).toThrow(/onStoreError/);
  });
});

describe('memory store', () => {
  it('stays within maxEntries, dropping the stalest counters first', async () => {
    const store = createMemoryCounterStore({ maxEntries: 4 }); // two generations of 2 (src/internal/bounded-map.ts)
    for (const key of ['a', 'b', 'c']) store.increment(key, 60_000, 0);
    store.increment('a', 60_000, 1); // a is now among the freshest
    store.increment('d', 60_000, 2);
    store.increment('e', 60_000, 3);
    // b was incremented least recently: gone; the two most recently incremented are always kept.
    expect(store.get('b', 4)).toBeNull();
    expect((store.get('a', 4) as { count: number }).count).toBe(2);
    expect(store.get('d', 4)).not.toBeNull();
    expect(store.get('e', 4)).not.toBeNull();
    let kept = 0;
    for (const key of ['a', 'b', 'c', 'd', 'e']) if (store.get(key, 4)) kept++;
    expect(kept).toBeLessThanOrEqual(4);
  });

  it('sweeps expired counters as it goes', () => {
    const store = createMemoryCounterStore({ maxEntries: 5000 });
    for (let i = 0; i < 2000; i++) store.increment(`old${i}`, 10, 0);
    for (let i = 0; i < 2000; i++) store.increment(`new${i}`, 60_000, 100);
    // All 2000 old counters expired at 10: a sweep ran in between, so room is left for 3000 more.
    for (let i = 0; i < 3000; i++) store.increment(`more${i}`, 60_000, 200);
    expect(store.get('new0', 300)).not.toBeNull();
  });
});

describe('through POST /token', () => {
  const address = (value: string) => ({ clientAddress: () => value });

  function app(throttle: object | false, users = makeUsers()) {
    const store = createMemoryUserStore(users);
    const lookups = { count: 0 };
    const counted = { findUser: (name: string) => (lookups.count++, store.findUser(name)) };
    const handler = createAuthHandler({ users: counted, key: KEY, context, docs: false, throttle: throttle as never, onError: () => {} });
    return { handler, lookups };
  }

  const post = (handler: (r: Request) => Promise<Response>, username: string, password: string, headers: Record<string, string> = {}) => {
    const request = new Request('http://testserver/token', { method: 'POST', body: new URLSearchParams({ username, password }), headers });
    return handler(request);
  };

  it('answers 429 with Retry-After before any password work, the same for existing and unknown users', async () => {
    const time = clock();
    const { handler, lookups } = app({ now: time.now, username: { freeFailures: 3, delayMs: 4000 }, ...address('192.0.2.1') });
    for (const name of ['johndoe', 'nobody']) {
      for (let i = 0; i < 3; i++) expect((await post(handler, name, 'wrong')).status).toBe(401);
    }
    const before = lookups.count;
    const answers = await Promise.all(['johndoe', 'nobody'].map((name) => post(handler, name, 'wrong')));
    expect(lookups.count).toBe(before); // refused before the user store and the hash
    const [known, unknown] = await Promise.all(
      answers.map(async (r) => ({ status: r.status, retry: r.headers.get('retry-after'), type: r.headers.get('content-type'), body: await r.text() })),
    );
    expect(known).toEqual({ status: 429, retry: '4', type: 'application/json', body: '{"detail":"Too many failed login attempts"}' });
    expect(unknown).toEqual(known);
    // Even the right password waits (no password check at all), then works once the window passes.
    expect((await post(handler, 'johndoe', 'secret')).status).toBe(429);
    time.advance(4000);
    expect((await post(handler, 'johndoe', 'secret')).status).toBe(200);
    expect((await post(handler, 'johndoe', 'wrong')).status).toBe(401); // the count started again
  });

  it('lets the owner in once the window passes while another address keeps guessing', async () => {
    const time = clock();
    let from = '198.51.100.66';
    const { handler } = app({
      now: time.now,
      username: { freeFailures: 3, delayMs: 1000, maxDelayMs: 4000 },
      address: { maxFailures: 10, windowMs: 600_000 },
      clientAddress: () => from,
    });
    let refused = 0;
    for (let i = 0; i < 200; i++) {
      const status = (await post(handler, 'johndoe', `guess${i}`)).status;
      if (status === 429) refused++;
      time.advance(250);
    }
    // The attacker got 10 checks; every later guess was refused, and none extended johndoe's window.
    expect(refused).toBe(190);
    from = '192.0.2.10';
    expect((await post(handler, 'johndoe', 'secret')).status).toBe(200);
  });

  it('checks again when a queued login gets its turn: a concurrent burst gets freeFailures checks, not one per request', async () => {
    const { handler, lookups } = app({ username: { freeFailures: 3 }, address: false });
    const statuses = await Promise.all(Array.from({ length: 20 }, () => post(handler, 'johndoe', 'wrong').then((r) => r.status)));
    expect(statuses.filter((s) => s === 401)).toHaveLength(3);
    expect(statuses.filter((s) => s === 429)).toHaveLength(17);
    expect(lookups.count).toBe(3);
  });

  it('a user-written store without decrement() keeps working: checked again at the turn, failures counted after', async () => {
    const memory = createMemoryCounterStore();
    const plain: CounterStore = { increment: (...a) => memory.increment(...a), get: (...a) => memory.get(...a), reset: (k) => memory.reset(k) };
    const { handler, lookups } = app({ store: plain, username: { freeFailures: 3 }, address: false });
    const statuses = await Promise.all(Array.from({ length: 20 }, () => post(handler, 'johndoe', 'wrong').then((r) => r.status)));
    expect(statuses.filter((s) => s === 401)).toHaveLength(3);
    expect(lookups.count).toBe(3);
    expect(memory.get('gatehouse:login:x:johndoe', Date.now())).toMatchObject({ count: 3 });
  });

  it('counts by the address trusted proxies forward, by /64 for IPv6', async () => {
    const { handler } = app({ username: false, address: { maxFailures: 2 }, trustedProxies: ['10.0.0.0/8'], clientAddress: () => '10.0.0.1' });
    const via = (client: string) => ({ 'x-forwarded-for': `${client}, 10.0.0.2` });
    expect((await post(handler, 'a', 'x', via('2001:db8:1:2::1'))).status).toBe(401);
    expect((await post(handler, 'b', 'x', via('2001:db8:1:2::ffff'))).status).toBe(401);
    expect((await post(handler, 'c', 'x', via('2001:db8:1:2:abcd::9'))).status).toBe(429); // same /64
    expect((await post(handler, 'c', 'x', via('2001:db8:1:3::1'))).status).toBe(401); // another /64
  });

  it("a failing store: 'allow' keeps logins working and tells onError with the request; 'deny' answers 503; never 500", async () => {
    const seen: Array<[unknown, Request]> = [];
    const handler = createAuthHandler({ users: makeUsers(), key: KEY, context, docs: false, throttle: { store: failingStore() }, onError: (e, r) => seen.push([e, r]) });
    expect((await post(handler, 'johndoe', 'secret')).status).toBe(200);
    expect((await post(handler, 'johndoe', 'wrong')).status).toBe(401);
    expect(seen.length).toBeGreaterThanOrEqual(3);
    expect(seen[0]![0]).toBeInstanceOf(CounterStoreError);
    expect(seen[0]![1]).toBeInstanceOf(Request);
    const denying = createAuthHandler({ users: makeUsers(), key: KEY, context, docs: false, throttle: { store: failingStore(), onStoreError: 'deny' }, onError: () => {} });
    const response = await post(denying, 'johndoe', 'secret');
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('1');
  });

  it('is on by default (memory store) and off with throttle: false', async () => {
    const on = createAuthHandler({ users: makeUsers(), key: KEY, context, docs: false });
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await on(loginRequest({ username: 'johndoe', password: 'nope' }))).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429]);
    const off = createAuthHandler({ users: makeUsers(), key: KEY, context, docs: false, throttle: false });
    for (let i = 0; i < 20; i++) expect((await off(loginRequest({ username: 'johndoe', password: 'nope' }))).status).toBe(401);
    expect(off.auth.throttle).toBeNull();
  });

  it('createAuth exposes the throttle its login uses, for own routes', async () => {
    const auth = createAuth({ users: makeUsers(), key: KEY, context, throttle: { username: { freeFailures: 1 } } });
    await auth.throttle!.recordFailure('johndoe', null);
    expect((await auth.throttle!.check('johndoe', null)).allowed).toBe(false);
    expect((await auth.login(loginRequest({ username: 'johndoe', password: 'secret' }))).status).toBe(429);
  });
});
