/**
 * Issue 18, item 3: thirteen addresses with 9 logins in flight each filled the shared login queue
 * (100), and a real user at a fourteenth address got 429 without ever queueing. Now the client
 * holding the most places gives one up to a newcomer holding fewer. And the queue key groups IPv6 by
 * /64 with the throttle off too (it used the full address, so one subscriber had 2^64 queues).
 */
import { describe, expect, it } from 'vitest';
import { createAuthHandler, setClientAddress } from '../../../src/http/index.js';
import { loginQueueKey } from '../../../src/http/client-address.js';
import { createLimiter, REFUSED } from '../../../src/http/limiter.js';
import type { UserRecord, UserStore } from '../../../src/users/index.js';
import { BASE, KEY, context, loginRequest, makeUsers } from '../../helpers/http.js';

/** A task that runs until the test calls finish(); logs its start. */
function controlled(log: string[], name: string) {
  let finish!: () => void;
  const done = new Promise<string>((resolve) => (finish = () => resolve(name)));
  return { task: () => (log.push(name), done), finish: () => finish() };
}
const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

/** The status a login was answered with within a few turns of the event loop, or 'waiting'. */
async function statusSoon(response: Promise<Response>): Promise<number | 'waiting'> {
  let status: number | 'waiting' = 'waiting';
  void response.then((answer) => (status = answer.status));
  for (let i = 0; i < 5; i++) await tick();
  return status;
}

describe('createLimiter when the shared queue is full', () => {
  it('13 clients × 9 fill it; a newcomer is queued, served at its turn, and the largest holder loses its newest', async () => {
    const log: string[] = [];
    const limiter = createLimiter({ concurrency: 1, maxQueue: 100, maxQueuePerClient: 8 });
    const tasks = new Map<string, ReturnType<typeof controlled>>();
    const runs = new Map<string, ReturnType<typeof limiter.run>>();
    for (let c = 0; c < 13; c++) {
      for (let i = 0; i < 9; i++) {
        const name = `c${c}.${i}`;
        const task = controlled(log, name);
        tasks.set(name, task);
        runs.set(name, limiter.run(`client${c}`, task.task));
      }
    }
    // client0 runs one and queues 8; the others' 9th is beyond their own queue of 8.
    for (let c = 1; c < 13; c++) expect(runs.get(`c${c}.8`)).toBeNull();
    expect([...runs.values()].filter((run) => run === null)).toHaveLength(12);
    const evicted: string[] = [];
    for (const [name, run] of runs) if (run) void run.then((value) => value === REFUSED && evicted.push(name));
    await tick();
    // client12's 5th to 8th each took a place from a holder of 8: the one round robin serves last
    // (client0, running now, then the last of the never-served), its newest login.
    expect(evicted.sort()).toEqual(['c0.8', 'c10.7', 'c11.7', 'c9.7'].sort());

    const real = controlled(log, 'real');
    const realRun = limiter.run('real user', real.task);
    expect(realRun).not.toBeNull();
    await tick();
    expect(evicted).toContain('c12.7'); // of the holders of 8, the one served last gave up its newest
    expect(evicted).toHaveLength(5);
    for (const name of evicted) expect(log).not.toContain(name); // refused places never ran

    tasks.get('c0.0')!.finish();
    await tick();
    expect(log).toEqual(['c0.0', 'c1.0']); // round robin: never-served clients first, in arrival order
    for (let c = 1; c < 13; c++) {
      tasks.get(`c${c}.0`)!.finish();
      await tick();
    }
    expect(log.at(-1)).toBe('real'); // its turn came after one check of each client waiting before it
    real.finish();
    await expect(realRun).resolves.toBe('real');
    for (const task of tasks.values()) task.finish(); // let the rest drain
  });

  it('the newest place of the largest holder goes; a newcomer holding as many as the largest is refused', async () => {
    const log: string[] = [];
    const limiter = createLimiter({ concurrency: 1, maxQueue: 4, maxQueuePerClient: 4 });
    const first = controlled(log, 'a0');
    limiter.run('a', first.task);
    const a = [1, 2, 3].map((i) => limiter.run('a', controlled(log, `a${i}`).task));
    const b1 = limiter.run('b', controlled(log, 'b1').task); // the 4th waiting: full
    expect(b1).not.toBeNull();
    const b2 = limiter.run('b', controlled(log, 'b2').task); // b holds 1, a 3: a3 goes
    expect(b2).not.toBeNull();
    await expect(a[2]).resolves.toBe(REFUSED);
    // a and b hold 2 each: the newcomer c takes one from a (served most recently: a0 is running).
    const c1 = limiter.run('c', controlled(log, 'c1').task);
    await expect(a[1]).resolves.toBe(REFUSED);
    // a, b and c now hold 1, 2 and 1: c holds fewer than b, so b's newest goes.
    const c2 = limiter.run('c', controlled(log, 'c2').task);
    await expect(b2).resolves.toBe(REFUSED);
    // Everyone holds 2 or fewer and c holds 2: c is the largest holder itself, so it is refused.
    expect(limiter.run('c', controlled(log, 'c3').task)).toBeNull();
    expect(limiter.run('b', controlled(log, 'b3').task)).not.toBeNull(); // b holds 1, c 2: c2 goes
    await expect(c2).resolves.toBe(REFUSED);
    expect(c1).not.toBeNull();
    first.finish();
    for (let i = 0; i < 10; i++) await tick();
    expect(log).toEqual(['a0', 'b1']); // b and c never served, b first; b1 runs until finished by hand
  });
});

/** The tutorial users, the first lookup held until release(): a password check that holds its slot. */
function heldStore(): { store: UserStore<UserRecord>; release: () => void } {
  const users = makeUsers();
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let first = true;
  return {
    release,
    store: {
      async findUser(username) {
        if (first) {
          first = false;
          await gate;
        }
        return users[username] ?? null;
      },
    },
  };
}

function loginFrom(client: string, username: string, password: string): Request {
  const request = loginRequest({ username, password });
  request.headers.set('x-test-client', client);
  return request;
}

describe('the login queue over createAuthHandler (14 client addresses)', () => {
  it.each([
    ['off', false as const],
    ['on', undefined],
  ])('with the throttle %s, 13 addresses × 9 logins in flight do not refuse a real user at another', async (_, throttle) => {
    const { store, release } = heldStore();
    const handle = createAuthHandler({
      users: store,
      key: KEY,
      context,
      docs: false,
      throttle,
      loginConcurrency: 1,
      clientAddress: (request) => request.headers.get('x-test-client'),
    });
    const answered: number[] = [];
    const flood: Array<Promise<number>> = [];
    for (let c = 1; c <= 13; c++) {
      for (let i = 0; i < 9; i++) {
        flood.push(handle(loginFrom(`198.51.100.${c}`, `ghost${c}`, 'wrong')).then((response) => (answered.push(response.status), response.status)));
      }
    }
    for (let i = 0; i < 50 && answered.length < 16; i++) await tick();
    // The queue is full: one running, 100 waiting, 16 refused (today: the 9th of 12 addresses
    // beyond their own queue, and 4 places taken from holders of 8 by the 13th address).
    expect(answered).toEqual(new Array(16).fill(429));

    const real = handle(loginFrom('203.0.113.7', 'johndoe', 'secret'));
    for (let i = 0; i < 5; i++) await tick();
    release();
    const response = await real;
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ token_type: 'bearer' });
    const statuses = await Promise.all(flood);
    expect(statuses.filter((status) => status === 429).length).toBeGreaterThanOrEqual(17); // one more place given up
    if (throttle === false) expect(statuses.filter((status) => status === 401)).toHaveLength(100);
  }, 30_000);

  it('an evicted login is answered like any refused one: 429, Retry-After, the detail', async () => {
    const { store, release } = heldStore();
    const handle = createAuthHandler({
      users: store,
      key: KEY,
      context,
      docs: false,
      throttle: false,
      loginConcurrency: 1,
      loginQueue: 1,
      clientAddress: (request) => request.headers.get('x-test-client'),
    });
    const running = handle(loginFrom('198.51.100.1', 'ghost', 'wrong'));
    const waiting = [handle(loginFrom('198.51.100.1', 'ghost', 'wrong'))];
    for (let i = 0; i < 5; i++) await tick();
    waiting.push(handle(loginFrom('198.51.100.1', 'ghost', 'wrong'))); // holds as many as the largest: refused
    const real = handle(loginFrom('203.0.113.7', 'johndoe', 'secret')); // holds fewer: takes the place
    const answeredBeforeRelease = await statusSoon(waiting[0]!);
    release();
    expect(answeredBeforeRelease).toBe(429);
    const evicted = await waiting[0]!;
    expect(evicted.headers.get('retry-after')).toBe('1');
    expect(await evicted.json()).toEqual({ detail: 'Too Many Requests' });
    expect((await waiting[1]!).status).toBe(429);
    expect((await running).status).toBe(401);
    expect((await real).status).toBe(200);
  });
});

describe('the login queue key with the throttle off', () => {
  it('is the /64 for IPv6, IPv4 for IPv4-mapped, anything else as it is', () => {
    const keyOf = (address: string) => loginQueueKey(setClientAddress(new Request(`${BASE}/token`), address));
    expect(keyOf('2001:db8:1:2::a')).toBe('2001:db8:1:2::/64');
    expect(keyOf('2001:DB8:1:2:ffff:0:0:b')).toBe('2001:db8:1:2::/64');
    expect(keyOf('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(keyOf('192.0.2.7')).toBe('192.0.2.7');
    expect(loginQueueKey(new Request(`${BASE}/token`))).toBe('unknown');
    expect(loginQueueKey(new Request(`${BASE}/token`), () => 'edge-pop-7')).toBe('edge-pop-7');
  });

  it('two IPv6 addresses in one /64 share one queue (throttle: false)', async () => {
    const { store, release } = heldStore();
    const handle = createAuthHandler({
      users: store,
      key: KEY,
      context,
      docs: false,
      throttle: false,
      loginConcurrency: 1,
      loginQueuePerClient: 1,
      clientAddress: (request) => request.headers.get('x-test-client'),
    });
    const running = handle(loginFrom('2001:db8:1:2::a', 'ghost', 'wrong'));
    for (let i = 0; i < 5; i++) await tick();
    const queued = handle(loginFrom('2001:db8:1:2::a', 'ghost', 'wrong'));
    for (let i = 0; i < 5; i++) await tick();
    const sameSubnet = handle(loginFrom('2001:db8:1:2::b', 'ghost', 'wrong')); // the /64's one place is taken
    const otherSubnet = handle(loginFrom('2001:db8:1:3::a', 'johndoe', 'secret'));
    const answeredBeforeRelease = await statusSoon(sameSubnet);
    release();
    expect(answeredBeforeRelease).toBe(429);
    expect((await running).status).toBe(401);
    expect((await queued).status).toBe(401);
    expect((await otherSubnet).status).toBe(200);
  });
});
