/**
 * Issue 7, part 3: the login limiter shares hashing fairly. Unit tests drive it with tasks the test
 * finishes by hand; the HTTP test floods a real server from one loopback address (127.0.0.2) while
 * a real user logs in from another (127.0.0.3).
 */
import { request as httpRequest } from 'node:http';
import { describe, expect, it } from 'vitest';
import { clientAddressOf, createAuthHandler, setClientAddress, UNKNOWN_CLIENT } from '../../../src/http/index.js';
import { createLimiter, REFUSED } from '../../../src/http/limiter.js';
import { serve } from '../../../src/node/index.js';
import { CryptContext } from '../../../src/passwords/registry.js';
import { BASE, KEY, loginRequest } from '../../helpers/http.js';

/** A task that runs until the test calls finish(); logs its start. */
function controlled(log: string[], name: string) {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  return { task: () => (log.push(name), done), finish: () => finish() };
}
const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('createLimiter', () => {
  it('runs up to `concurrency` at once and takes turns between clients', async () => {
    const log: string[] = [];
    const limiter = createLimiter({ concurrency: 1, maxQueue: 100, maxQueuePerClient: 8 });
    const flood = Array.from({ length: 5 }, (_, i) => controlled(log, `f${i}`));
    const real = controlled(log, 'r0');
    const other = controlled(log, 's0');
    for (const item of flood) expect(limiter.run('flooder', item.task)).not.toBeNull();
    expect(limiter.run('alice', real.task)).not.toBeNull();
    expect(limiter.run('bob', other.task)).not.toBeNull();
    await tick();
    expect(log).toEqual(['f0']);
    for (const step of [flood[0]!, real, other, flood[1]!, flood[2]!, flood[3]!]) {
      step.finish();
      await tick();
    }
    // alice and bob, never served yet, go before the flooder's second check.
    expect(log).toEqual(['f0', 'r0', 's0', 'f1', 'f2', 'f3', 'f4']);
    flood[4]!.finish();
  });

  it('refuses (null) the client whose own queue is full; when the whole queue is, the largest holder gives up a place', async () => {
    const limiter = createLimiter({ concurrency: 1, maxQueue: 10, maxQueuePerClient: 3 });
    const log: string[] = [];
    const first = controlled(log, 'first');
    limiter.run('a', first.task);
    const waitingA = Array.from({ length: 3 }, () => limiter.run('a', controlled(log, 'a').task));
    expect(waitingA).not.toContain(null);
    expect(limiter.run('a', controlled(log, 'a').task)).toBeNull(); // a's queue is full
    for (let i = 0; i < 3; i++) expect(limiter.run('b', controlled(log, 'b').task)).not.toBeNull();
    for (let i = 0; i < 3; i++) expect(limiter.run(`c${i}`, controlled(log, 'c').task)).not.toBeNull();
    expect(limiter.run('d', controlled(log, 'd').task)).not.toBeNull(); // the 10th waiting
    // The whole queue is full: e, holding none, takes the newest place of a (3, served last).
    expect(limiter.run('e', controlled(log, 'e').task)).not.toBeNull();
    await expect(waitingA[2]).resolves.toBe(REFUSED);
    first.finish();
  });

  it('a failing task frees its slot; a client\'s state is dropped when idle', async () => {
    const limiter = createLimiter({ concurrency: 1, maxQueue: 10, maxQueuePerClient: 1 });
    await expect(limiter.run('a', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(limiter.run('a', async () => 42)).resolves.toBe(42);
    const runs = Array.from({ length: 50 }, (_, i) => limiter.run(`client${i}`, async () => i));
    expect(runs).not.toContain(null); // each newcomer holds fewer places (0) than a waiting client (1)
    const results = await Promise.all(runs);
    expect(results.filter((result) => result !== REFUSED)).toHaveLength(11); // 1 running + 10 waiting
    expect(results.filter((result) => result === REFUSED)).toHaveLength(39);
  });

  it('a queue of 0 per client refuses whenever all slots are busy', () => {
    const limiter = createLimiter({ concurrency: 1, maxQueue: 10, maxQueuePerClient: 0 });
    const log: string[] = [];
    const first = controlled(log, 'x');
    expect(limiter.run('a', first.task)).not.toBeNull();
    expect(limiter.run('b', controlled(log, 'y').task)).toBeNull();
    first.finish();
  });
});

describe('clientAddressOf', () => {
  it('the resolver, else what the adapter recorded, else "unknown"; IPv4-mapped IPv6 as IPv4', () => {
    const request = new Request(`${BASE}/token`);
    expect(clientAddressOf(request)).toBe(UNKNOWN_CLIENT);
    setClientAddress(request, '::ffff:192.0.2.7');
    expect(clientAddressOf(request)).toBe('192.0.2.7');
    expect(clientAddressOf(request, () => '2001:db8::1')).toBe('2001:db8::1');
    expect(clientAddressOf(request, () => null)).toBe('192.0.2.7');
    expect(clientAddressOf(request, () => { throw new Error('x'); })).toBe('192.0.2.7');
    expect(clientAddressOf(new Request(BASE), () => 42 as never)).toBe(UNKNOWN_CLIENT);
  });

  it('the handler keys its limiter on the `clientAddress` option', async () => {
    const seen: string[] = [];
    const handle = createAuthHandler({
      users: {},
      key: KEY,
      context: new CryptContext({ schemes: ['bcrypt'], settings: { bcrypt: { rounds: 4 } } }),
      clientAddress: (request) => (seen.push(request.headers.get('x-test-client') ?? ''), request.headers.get('x-test-client')),
    });
    const request = loginRequest({ username: 'a', password: 'b' });
    request.headers.set('x-test-client', '198.51.100.1');
    expect((await handle(request)).status).toBe(401);
    expect(seen).toEqual(['198.51.100.1']);
    expect(() => createAuthHandler({ users: {}, key: KEY, clientAddress: 'x' as never })).toThrow(/clientAddress/);
  });
});

/** POST /token from a given loopback source address; resolves with the status and when it came. */
function loginFrom(url: string, localAddress: string, username: string, password: string) {
  const { port } = new URL(url);
  const body = new URLSearchParams({ username, password }).toString();
  return new Promise<{ status: number; at: number }>((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, path: '/token', method: 'POST', localAddress, agent: false, headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode!, at: performance.now() }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('fairness over HTTP (gatehouse/node: the key is the socket address)', () => {
  it('120 parallel wrong logins from one client delay another client\'s login by one hash slot at most', async () => {
    const context = new CryptContext({ schemes: ['bcrypt'], settings: { bcrypt: { rounds: 8 } } });
    const users = { alice: { username: 'alice', hashed_password: await context.hash('right') } };
    const seenClients = new Set<string>();
    let flooding = 0;
    let allFlooding!: () => void;
    const floodArrived = new Promise<void>((resolve) => (allFlooding = resolve));
    let realArrivedAt = 0;
    // throttle: false isolates the login queue: the flood is on alice's own username, which the login
    // throttle would slow down for her too (test/integration/cli/throttle-http.test.ts covers that).
    const handler = createAuthHandler({ users, key: KEY, context, docs: false, throttle: false, loginConcurrency: 1 }); // one slot: "one hash slot" below
    const server = await serve(
      (request) => {
        const client = clientAddressOf(request);
        seenClients.add(client);
        if (client === '127.0.0.2' && ++flooding === 120) allFlooding();
        if (client === '127.0.0.3') realArrivedAt = performance.now();
        return handler(request);
      },
      { port: 0 },
    );
    try {
      const flood = Array.from({ length: 120 }, () => loginFrom(server.url, '127.0.0.2', 'alice', 'wrong'));
      await floodArrived; // every flood request is in: its queue is full
      const real = await loginFrom(server.url, '127.0.0.3', 'alice', 'right');
      const results = await Promise.all(flood);
      expect(real.status).toBe(200);
      expect(seenClients).toEqual(new Set(['127.0.0.2', '127.0.0.3']));
      const checked = results.filter((r) => r.status === 401);
      const refused = results.filter((r) => r.status === 429);
      // The flooder gets its running check and its own queue of 8 (refilled as it drains while its
      // connections come in), and 429 for the rest.
      expect(checked.length).toBeGreaterThanOrEqual(9);
      expect(refused.length).toBeGreaterThan(0);
      expect(refused.length + checked.length).toBe(120);
      // Between the real user's request reaching the handler and its answer, only the flood check
      // that was running finished: its login waited one hash slot, not the flooder's queue.
      expect(checked.filter((r) => r.at > realArrivedAt && r.at < real.at).length).toBeLessThanOrEqual(1);
      expect(checked.filter((r) => r.at > real.at).length).toBeGreaterThanOrEqual(7); // the queue came after
    } finally {
      await server.close(100);
    }
  }, 30_000);
});
