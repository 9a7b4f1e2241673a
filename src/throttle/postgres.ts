/**
 * Counters in one PostgreSQL table, shared by every server on the database. The increment is one
 * `INSERT ... ON CONFLICT ... DO UPDATE ... RETURNING` statement: the row lock makes concurrent
 * increments queue, none is lost.
 *
 * Times come from the database's clock (clock_timestamp()), not from each server's: a server whose
 * clock is off would otherwise record failures that delay nobody, or expire counts early. Expiries
 * are stored on the database's clock and handed back as the time left, added to the caller's `now`.
 */
import { ConfigurationError } from '../errors.js';
import { importPgPool } from '../users/sql/drivers.js';
import { type Counter, type CounterStore, CounterStoreError, DEFAULT_COUNTER_TABLE, checkTableName, toInteger } from './store.js';

/**
 * What the store needs of a client: a pg Pool or Client, or anything with query(text, params) → { rows }.
 *
 * @example
 * import pg from 'pg';
 * const store = createPostgresCounterStore(new pg.Pool({ connectionString: process.env.DATABASE_URL }));
 */
export interface PostgresQueryable {
  /** Runs one parameterised statement (`$1`, `$2`, ...). */
  query(text: string, params?: unknown[]): Promise<{ rows: unknown[] }> | PromiseLike<{ rows: unknown[] }>;
  /** Called by the store's close() when it made the pool from a URL. */
  end?(): unknown;
}

/**
 * Options of createPostgresCounterStore.
 *
 * @example
 * createPostgresCounterStore(pool, { table: 'login_counters' });
 */
export interface PostgresCounterStoreOptions {
  /** Table name. Default 'gatehouse_login_counters'. Created when missing. */
  table?: string;
}

const SWEEP_EVERY = 1000;
/** Errors of two servers creating the table at once: the table is there either way. */
const CREATED_CONCURRENTLY = new Set(['23505', '42P07']);

/**
 * A counter store in a PostgreSQL database: pass a pg Pool (or Client, or any `query(text, params)`),
 * or a `postgres://` URL to have pg open a pool (closed by `close()`).
 *
 * @example
 * import pg from 'pg';
 * import { createPostgresCounterStore } from 'gatehouse/throttle';
 * const store = createPostgresCounterStore(new pg.Pool({ connectionString: process.env.DATABASE_URL }));
 * const handler = createAuthHandler({ users, key, throttle: { store } });
 */
export function createPostgresCounterStore(client: PostgresQueryable | string, options: PostgresCounterStoreOptions = {}): CounterStore {
  const table = checkTableName(options.table, DEFAULT_COUNTER_TABLE);
  const ownsClient = typeof client === 'string';
  if (!ownsClient && (client === null || typeof client !== 'object' || typeof client.query !== 'function')) {
    throw new ConfigurationError('createPostgresCounterStore needs a pg Pool/Client (with query()) or a postgres:// URL');
  }
  let ready: Promise<PostgresQueryable> | undefined;
  const connect = (): Promise<PostgresQueryable> =>
    (ready ??= (async () => {
      let db: PostgresQueryable;
      if (ownsClient) {
        const Pool = await importPgPool<PostgresQueryable>('a PostgreSQL counter store from a URL');
        const pool = new Pool({ connectionString: client, max: 10 }) as PostgresQueryable & { on?(event: string, listener: (error: unknown) => void): void };
        pool.on?.('error', () => {}); // an idle client's connection dropped: the next query reports it
        db = pool;
      } else db = client;
      try {
        await db.query(`CREATE TABLE IF NOT EXISTS ${table} (key TEXT PRIMARY KEY, count INTEGER NOT NULL, expires_at BIGINT NOT NULL)`);
      } catch (error) {
        if (!CREATED_CONCURRENTLY.has((error as { code?: string }).code ?? '')) throw error;
      }
      return db;
    })().catch((error: unknown) => {
      ready = undefined; // try again on the next call
      throw error instanceof ConfigurationError ? error : new CounterStoreError('cannot open the PostgreSQL counter table', { cause: error });
    }));

  // One reading of the database clock per statement (ms since the epoch).
  const clock = `WITH c AS (SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint AS now)`;
  const increment = `${clock} INSERT INTO ${table} AS t (key, count, expires_at) SELECT $1, 1, c.now + $2::bigint FROM c
    ON CONFLICT (key) DO UPDATE SET
      count = CASE WHEN t.expires_at <= (SELECT now FROM c) THEN 1 ELSE t.count + 1 END,
      expires_at = EXCLUDED.expires_at
    RETURNING count, expires_at - (SELECT now FROM c) AS remaining`;
  const select = `${clock} SELECT count, expires_at - c.now AS remaining FROM ${table}, c WHERE key = $1 AND expires_at > c.now`;
  const decrement = `${clock} UPDATE ${table} SET count = count - 1 FROM c WHERE key = $1 AND count > 0 AND expires_at > c.now`;
  const sweep = `${clock} DELETE FROM ${table} USING c WHERE expires_at <= c.now`;
  let untilSweep = SWEEP_EVERY;

  const rowsOf = (result: unknown): unknown[] => {
    const rows = (result as { rows?: unknown } | null)?.rows;
    if (!Array.isArray(rows)) throw new CounterStoreError('the PostgreSQL client answered without rows');
    return rows;
  };
  /** A row on the database's clock as a counter on the caller's (`now`). */
  const toCounter = (row: unknown, now: number): Counter | null => {
    if (row === undefined || row === null) return null;
    const { count, remaining } = row as { count?: unknown; remaining?: unknown };
    return { count: toInteger(count, 'count'), expiresAt: now + toInteger(remaining, 'expiry') };
  };

  return {
    async increment(key, ttlMs, now) {
      const db = await connect();
      if (--untilSweep <= 0) {
        untilSweep = SWEEP_EVERY;
        await db.query(sweep);
      }
      const counter = toCounter(rowsOf(await db.query(increment, [key, ttlMs]))[0], now);
      if (counter === null) throw new CounterStoreError('the PostgreSQL increment returned no row');
      return counter;
    },
    async get(key, now) {
      const db = await connect();
      return toCounter(rowsOf(await db.query(select, [key]))[0], now);
    },
    async reset(key) {
      const db = await connect();
      await db.query(`DELETE FROM ${table} WHERE key = $1`, [key]);
    },
    async decrement(key) {
      const db = await connect();
      await db.query(decrement, [key]);
    },
    async close() {
      if (!ownsClient || !ready) return;
      const db = await ready.catch(() => null);
      ready = undefined;
      await db?.end?.();
    },
  };
}
