/**
 * The counter stores against the real databases: memory, SQLite (a temp file through better-sqlite3),
 * PostgreSQL (a throwaway cluster, or PG_URL) and Redis (redis-server on a free port, or REDIS_URL),
 * each through the driver objects users pass and through a URL. Every one must count 200 concurrent
 * increments as 200 distinct values (no lost update), expire, and reset.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import Redis from 'ioredis';
import pg from 'pg';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryCounterStore, type CounterStore } from '../../../src/http/index.js';
import { createMysqlCounterStore, createPostgresCounterStore, createRedisCounterStore, createSqliteCounterStore, openCounterStore } from '../../../src/throttle/index.js';
import mysql from 'mysql2/promise';
import { startTestMariadb, type TestMariadb } from '../../helpers/mariadb.js';
import { startTestPostgres, type TestPostgres } from '../../helpers/postgres.js';
import { startRedis, type TestRedis } from '../../helpers/redis-server.js';
import { unavailable } from '../../helpers/services.js';

interface Backend {
  /** A store, and a second one on the same data through another connection. */
  open(): Promise<{ store: CounterStore; other: CounterStore; close(): Promise<void> }>;
  /** Whether the store keeps its own clock (Redis, PostgreSQL): expiry is then tested in real time. */
  realClock?: boolean;
}

let dir: string;
let postgres: TestPostgres | { skip: true; reason: string };
let redis: TestRedis | { skip: true; reason: string };
let mariadb: TestMariadb | { skip: true; reason: string };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gatehouse-counters-'));
  const started = await startTestPostgres(); // throws in CI when there is none
  postgres = 'skip' in started ? unavailable('throttle-stores.test.ts', 'PostgreSQL', started.skip) : started;
  redis = await startRedis().catch((error: Error) => unavailable('throttle-stores.test.ts', 'redis-server', error.message));
  const maria = await startTestMariadb(); // throws in CI when there is none
  mariadb = 'skip' in maria ? unavailable('throttle-stores.test.ts', 'MariaDB', maria.skip) : maria;
}, 60_000);

afterAll(async () => {
  if ('destroy' in postgres) await postgres.destroy();
  if ('stop' in redis) await redis.stop();
  if ('destroy' in mariadb) await mariadb.destroy();
  rmSync(dir, { recursive: true, force: true });
});

let files = 0;
const backends: Record<string, Backend> = {
  memory: {
    async open() {
      const store = createMemoryCounterStore();
      return { store, other: store, close: async () => {} };
    },
  },
  'SQLite (better-sqlite3 objects, two connections)': {
    async open() {
      const path = join(dir, `db-${++files}.sqlite`);
      const a = new Database(path);
      const b = new Database(path);
      a.pragma('journal_mode = WAL');
      return {
        store: createSqliteCounterStore(a),
        other: createSqliteCounterStore(b),
        close: async () => {
          a.close();
          b.close();
        },
      };
    },
  },
  'SQLite (sqlite: URL)': {
    async open() {
      const url = `sqlite:${join(dir, `url-${++files}.sqlite`)}`;
      const store = createSqliteCounterStore(url);
      const other = openCounterStore(url);
      return { store, other, close: async () => void (await Promise.all([store.close!(), other.close!()])) };
    },
  },
  'PostgreSQL (pg Pool and Client)': {
    realClock: true,
    async open() {
      if (!('url' in postgres)) throw new Error('unreachable');
      const pool = new pg.Pool({ connectionString: postgres.url, max: 8 });
      const client = new pg.Client({ connectionString: postgres.url });
      await client.connect();
      const table = `counters_${++files}`;
      return {
        store: createPostgresCounterStore(pool, { table }),
        other: createPostgresCounterStore(client, { table }),
        close: async () => {
          await pool.end();
          await client.end();
        },
      };
    },
  },
  'PostgreSQL (postgres:// URL)': {
    realClock: true,
    async open() {
      if (!('url' in postgres)) throw new Error('unreachable');
      const store = openCounterStore(postgres.url);
      const other = createPostgresCounterStore(postgres.url);
      await store.reset('k'); // a fresh default table per run: remove what an earlier test left
      return { store, other, close: async () => void (await Promise.all([store.close!(), other.close!()])) };
    },
  },
  'MariaDB (mysql2 pool and connection)': {
    realClock: true,
    async open() {
      if (!('url' in mariadb)) throw new Error('unreachable');
      const pool = mysql.createPool({ uri: mariadb.url, connectionLimit: 8 });
      const connection = await mysql.createConnection({ uri: mariadb.url });
      const table = `counters_${++files}`;
      return {
        store: createMysqlCounterStore(pool, { table }),
        other: createMysqlCounterStore(connection, { table }),
        close: async () => {
          await pool.end();
          await connection.end();
        },
      };
    },
  },
  'MariaDB (mysql:// and mariadb:// URLs)': {
    realClock: true,
    async open() {
      if (!('url' in mariadb)) throw new Error('unreachable');
      const store = openCounterStore(mariadb.url);
      const other = createMysqlCounterStore(mariadb.url.replace(/^mysql:/, 'mariadb:'));
      await store.reset('k');
      return { store, other, close: async () => void (await Promise.all([store.close!(), other.close!()])) };
    },
  },
  'Redis (node-redis v5 and ioredis clients)': {
    realClock: true,
    async open() {
      if (!('url' in redis)) throw new Error('unreachable');
      const a = createClient({ url: redis.url });
      a.on('error', () => {});
      await a.connect();
      const b = new Redis(redis.url);
      await a.flushAll();
      return {
        store: createRedisCounterStore(a),
        other: createRedisCounterStore(b),
        close: async () => {
          a.destroy();
          b.disconnect();
        },
      };
    },
  },
  'Redis (redis:// URL)': {
    realClock: true,
    async open() {
      if (!('url' in redis)) throw new Error('unreachable');
      const store = openCounterStore(redis.url);
      const other = createRedisCounterStore(redis.url);
      await store.reset('k');
      await store.reset('burst');
      return { store, other, close: async () => void (await Promise.all([store.close!(), other.close!()])) };
    },
  },
};

const skipped = (name: string) =>
  (name.startsWith('PostgreSQL') && !('url' in (postgres ?? {}))) ||
  (name.startsWith('Redis') && !('url' in (redis ?? {}))) ||
  (name.startsWith('MariaDB') && !('url' in (mariadb ?? {})));

for (const [name, backend] of Object.entries(backends)) {
  describe(name, () => {
    it('counts from 1, keeps the expiry moving with each increment, and reads back', async (ctx) => {
      if (skipped(name)) return ctx.skip();
      const { store, other, close } = await backend.open();
      try {
        const t0 = Date.now();
        expect(await store.get('k', t0)).toBeNull();
        const first = await store.increment('k', 60_000, t0);
        expect(first.count).toBe(1);
        expect(Math.abs(first.expiresAt - (t0 + 60_000))).toBeLessThan(1000);
        const second = await other.increment('k', 120_000, t0 + 10);
        expect(second.count).toBe(2);
        expect(Math.abs(second.expiresAt - (t0 + 120_010))).toBeLessThan(1000);
        const read = await store.get('k', t0 + 20);
        expect(read?.count).toBe(2);
        expect(Math.abs(read!.expiresAt - second.expiresAt)).toBeLessThan(1000);
        await other.reset('k');
        expect(await store.get('k', t0 + 30)).toBeNull();
        expect((await store.increment('k', 60_000, t0 + 40)).count).toBe(1);
      } finally {
        await close();
      }
    });

    it('forgets a counter once it expires, and starts again at 1', async (ctx) => {
      if (skipped(name)) return ctx.skip();
      const { store, close } = await backend.open();
      try {
        const t0 = Date.now();
        await store.reset('k');
        await store.increment('k', 300, t0);
        await store.increment('k', 300, t0);
        expect((await store.get('k', t0))?.count).toBe(2);
        // Redis and PostgreSQL expire on their own clock: wait for it; the others expire on the clock given.
        if (backend.realClock) await new Promise((resolve) => setTimeout(resolve, 450));
        const later = t0 + 301 + (backend.realClock ? 450 : 0);
        expect(await store.get('k', later)).toBeNull();
        expect((await store.increment('k', 300, later)).count).toBe(1);
      } finally {
        await close();
      }
    });

    it('decrement takes one increment back, leaves the expiry, never goes below 0 or creates a counter', async (ctx) => {
      if (skipped(name)) return ctx.skip();
      const { store, other, close } = await backend.open();
      try {
        const t0 = Date.now();
        await store.reset('k');
        await store.increment('k', 60_000, t0);
        const made = await store.increment('k', 60_000, t0);
        const between = Date.now();
        await other.decrement!('k', t0 + 5);
        const read = await store.get('k', t0 + 10);
        const elapsed = Date.now() - between;
        expect(read?.count).toBe(1);
        // The decrement leaves the expiry where it was. A store on the database's clock (PostgreSQL)
        // answers it as time left from the caller's `now`, which drifts by the real time in between.
        expect(Math.abs(read!.expiresAt - made.expiresAt)).toBeLessThan(1000 + elapsed);
        await other.decrement!('k', t0 + 15);
        await other.decrement!('k', t0 + 20);
        expect((await store.get('k', t0 + 25))?.count ?? 0).toBe(0);
        expect((await store.increment('k', 60_000, t0 + 30)).count).toBe(1);
        await store.decrement!('absent', t0);
        expect(await store.get('absent', t0)).toBeNull();
        // 100 concurrent increments, then 100 concurrent decrements, from two connections: none lost.
        await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 ? other : store).increment('k', 60_000, t0 + 40)));
        expect((await store.get('k', t0 + 45))?.count).toBe(101);
        await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 ? other : store).decrement!('k', t0 + 50)));
        expect((await store.get('k', t0 + 55))?.count).toBe(1);
      } finally {
        await close();
      }
    });

    it('counts 200 concurrent increments from two connections as 1..200, none lost', async (ctx) => {
      if (skipped(name)) return ctx.skip();
      const { store, other, close } = await backend.open();
      try {
        const t0 = Date.now();
        await store.reset('burst');
        const results = await Promise.all(
          Array.from({ length: 200 }, (_, i) => (i % 2 ? other : store).increment('burst', 60_000, t0)),
        );
        const counts = results.map((r) => r.count).sort((a, b) => a - b);
        expect(counts).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
        expect((await store.get('burst', t0))?.count).toBe(200);
      } finally {
        await close();
      }
    });
  });
}

describe('store errors', () => {
  it('a SQLite store on a closed database rejects with a CounterStoreError-compatible error, not a crash', async () => {
    const db = new Database(':memory:');
    const store = createSqliteCounterStore(db);
    await store.increment('k', 1000, Date.now());
    db.close();
    await expect(Promise.resolve().then(() => store.increment('k', 1000, Date.now()))).rejects.toThrow();
  });

  it('a Redis URL with nothing listening rejects within the throttle timeout', async () => {
    const store = createRedisCounterStore('redis://127.0.0.1:1');
    const started = Date.now();
    await expect(Promise.race([store.get('k', Date.now()), new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 3000))])).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(3500);
    await store.close!();
  });

  it('rejects bad table names and driver objects at creation', () => {
    expect(() => createSqliteCounterStore(new Database(':memory:'), { table: 'x; DROP TABLE users' })).toThrow(/identifier/);
    expect(() => createPostgresCounterStore({} as never)).toThrow(/query/);
    expect(() => createRedisCounterStore({} as never)).toThrow(/sendCommand|call/);
    expect(() => openCounterStore('mongodb://x')).toThrow(/URL/);
    expect(() => createMysqlCounterStore({} as never)).toThrow(/execute/);
  });
});
