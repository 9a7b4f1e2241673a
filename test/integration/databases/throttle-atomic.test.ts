/**
 * Issue 18, item 5, against real shared stores (a SQLite file, PostgreSQL, Redis):
 * - attempts are counted atomically when they get their password-check slot, so N servers at
 *   concurrency C never check more passwords than the policy allows;
 * - with onStoreError 'deny', a store that answers reads but refuses writes (Redis at maxmemory with
 *   noeviction, a PostgreSQL session in read-only mode) refuses the login (503) before any check;
 * - on PostgreSQL, expiry and "last failure" come from the database's clock, not each server's.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import bcryptjs from 'bcryptjs';
import pg from 'pg';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthHandler } from '../../../src/http/index.js';
import { type CounterStore } from '../../../src/throttle/index.js';
import { createLoginThrottle } from '../../../src/throttle/policy.js';
import { createPostgresCounterStore, createRedisCounterStore, createSqliteCounterStore } from '../../../src/throttle/index.js';
import { createMemoryUserStore } from '../../../src/users/index.js';
import { KEY, context, loginRequest } from '../../helpers/http.js';
import { startTestPostgres, type TestPostgres } from '../../helpers/postgres.js';
import { startRedis, type TestRedis } from '../../helpers/redis-server.js';
import { unavailable } from '../../helpers/services.js';

let dir: string;
let postgres: TestPostgres | undefined;
let redis: TestRedis | undefined;
const cleanups: Array<() => Promise<unknown> | unknown> = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gatehouse-throttle-atomic-'));
  const started = await startTestPostgres(); // throws in CI when there is none
  postgres = 'skip' in started ? (unavailable('throttle-atomic.test.ts', 'PostgreSQL', started.skip), undefined) : started;
  redis = await startRedis().catch((error: Error) => (unavailable('throttle-atomic.test.ts', 'redis-server', error.message), undefined));
}, 60_000);

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await redis?.stop();
  await postgres?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

const hashed_password = bcryptjs.hashSync('secret', 4);
let tables = 0;

/** Two stores on the same data through separate connections: one per "server". */
const shared: Record<string, () => Promise<[CounterStore, CounterStore] | null>> = {
  async 'SQLite file'() {
    const path = join(dir, `shared-${++tables}.sqlite`);
    const [a, b] = [new Database(path), new Database(path)];
    a.pragma('journal_mode = WAL');
    cleanups.push(() => (a.close(), b.close()));
    return [createSqliteCounterStore(a), createSqliteCounterStore(b)];
  },
  async PostgreSQL() {
    if (!postgres) return null;
    const [a, b] = [new pg.Pool({ connectionString: postgres.url, max: 4 }), new pg.Pool({ connectionString: postgres.url, max: 4 })];
    cleanups.push(() => a.end(), () => b.end());
    const table = `atomic_${++tables}`;
    return [createPostgresCounterStore(a, { table }), createPostgresCounterStore(b, { table })];
  },
  async Redis() {
    if (!redis) return null;
    const clients = [createClient({ url: redis.url }), createClient({ url: redis.url })];
    for (const client of clients) {
      client.on('error', () => {});
      await client.connect();
      cleanups.push(() => client.destroy());
    }
    await clients[0]!.flushAll();
    return [createRedisCounterStore(clients[0]!), createRedisCounterStore(clients[1]!)];
  },
};

/** A "server": its own handler (login concurrency 4) on one of the shared stores; counts password checks. */
function server(store: CounterStore, throttle: object, checks: { n: number }) {
  const users = createMemoryUserStore({ johndoe: { username: 'johndoe', hashed_password, disabled: false } });
  const counted = { findUser: (name: string) => (checks.n++, users.findUser(name)) };
  return createAuthHandler({
    users: counted,
    key: KEY,
    context,
    docs: false,
    loginConcurrency: 4,
    loginQueuePerClient: 100,
    throttle: { store, clientAddress: () => '192.0.2.1', ...throttle },
    onError: () => {},
  });
}

async function burst(handlers: Array<(r: Request) => Promise<Response>>, count: number, username: (i: number) => string) {
  const responses = await Promise.all(
    Array.from({ length: count }, (_, i) => handlers[i % handlers.length]!(loginRequest({ username: username(i), password: `wrong${i}` }))),
  );
  return responses.map((r) => r.status);
}

for (const [name, open] of Object.entries(shared)) {
  describe(`two servers at concurrency 4 sharing ${name}`, () => {
    it('check one password for one username where the policy allows one (40 concurrent wrong logins)', async (ctx) => {
      const stores = await open();
      if (!stores) return ctx.skip();
      const checks = { n: 0 };
      const policy = { username: { freeFailures: 1, delayMs: 60_000 }, address: false };
      const statuses = await burst(stores.map((store) => server(store, policy, checks)), 40, () => 'johndoe');
      expect(checks.n).toBe(1);
      expect(statuses.filter((s) => s === 401)).toHaveLength(1);
      expect(statuses.filter((s) => s === 429)).toHaveLength(39);
    });

    it('check at most maxFailures passwords from one address across usernames', async (ctx) => {
      const stores = await open();
      if (!stores) return ctx.skip();
      const checks = { n: 0 };
      const policy = { username: false, address: { maxFailures: 3, windowMs: 600_000 } };
      const statuses = await burst(stores.map((store) => server(store, policy, checks)), 40, (i) => `user${i}`);
      expect(checks.n).toBe(3);
      expect(statuses.filter((s) => s === 401)).toHaveLength(3);
    });
  });
}

describe("onStoreError 'deny' with a store that reads but cannot write", () => {
  const denying = { onStoreError: 'deny', username: { freeFailures: 100 }, address: { maxFailures: 100 } };

  async function expectRefusedBeforeAnyCheck(store: CounterStore) {
    expect(await store.get('gatehouse:login:u:johndoe', Date.now())).toBeNull(); // reads work
    const checks = { n: 0 };
    const handler = server(store, denying, checks);
    const statuses = await burst([handler], 20, () => 'johndoe');
    expect(statuses).toEqual(new Array(20).fill(503));
    expect(checks.n).toBe(0);
  }

  it('Redis at maxmemory with noeviction: 503, no password checked', async (ctx) => {
    if (!redis) return ctx.skip();
    const own = await startRedis(); // its own server: the memory limit must not reach the other tests
    cleanups.push(() => own.stop());
    const admin = createClient({ url: own.url });
    admin.on('error', () => {});
    await admin.connect();
    cleanups.push(() => admin.destroy());
    await admin.configSet({ 'maxmemory-policy': 'noeviction', maxmemory: '1' });
    await expect(admin.set('probe', '1')).rejects.toThrow(/OOM/);
    await expectRefusedBeforeAnyCheck(createRedisCounterStore(admin));
  });

  it('PostgreSQL in a read-only session: 503, no password checked', async (ctx) => {
    if (!postgres) return ctx.skip();
    const client = new pg.Client({ connectionString: postgres.url });
    await client.connect();
    cleanups.push(() => client.end());
    const table = `readonly_${++tables}`;
    const store = createPostgresCounterStore(client, { table });
    await store.reset('x'); // creates the table while writes still work
    await client.query('SET SESSION default_transaction_read_only = on');
    await expect(client.query(`INSERT INTO ${table} (key, count, expires_at) VALUES ('probe', 1, 0)`)).rejects.toThrow(/read-only/);
    await expectRefusedBeforeAnyCheck(store);
  });
});

describe('PostgreSQL times come from the database clock', () => {
  it('failures recorded by a server 61 s behind delay logins on a server on time, and the other way round', async (ctx) => {
    if (!postgres) return ctx.skip();
    const pool = new pg.Pool({ connectionString: postgres.url, max: 2 });
    cleanups.push(() => pool.end());
    const store = createPostgresCounterStore(pool, { table: `clock_${++tables}` });
    const policy = { store, username: { freeFailures: 1, delayMs: 30_000 }, address: false as const };
    const onTime = createLoginThrottle({ ...policy, now: () => Date.now() });
    const behind = createLoginThrottle({ ...policy, now: () => Date.now() - 61_000 });

    await behind.recordFailure('johndoe', null);
    const seen = await onTime.check('johndoe', null);
    expect(seen.allowed).toBe(false);
    expect(seen.retryAfter).toBeGreaterThanOrEqual(29);
    expect(seen.retryAfter).toBeLessThanOrEqual(30);

    await onTime.recordFailure('alice', null);
    const other = await behind.check('alice', null);
    expect(other.allowed).toBe(false);
    expect(other.retryAfter).toBeGreaterThanOrEqual(29);
    expect(other.retryAfter).toBeLessThanOrEqual(30); // not 91: the delay runs from the failure, not from a skewed clock
  });
});
