/**
 * Counters in one PostgreSQL table, shared by every server on the database. The increment is one
 * `INSERT ... ON CONFLICT ... DO UPDATE ... RETURNING` statement: the row lock makes concurrent
 * increments queue, none is lost.
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

  const increment = `INSERT INTO ${table} AS t (key, count, expires_at) VALUES ($1, 1, $2)
    ON CONFLICT (key) DO UPDATE SET
      count = CASE WHEN t.expires_at <= $3 THEN 1 ELSE t.count + 1 END,
      expires_at = EXCLUDED.expires_at
    RETURNING count, expires_at`;
  const select = `SELECT count, expires_at FROM ${table} WHERE key = $1 AND expires_at > $2`;
  let untilSweep = SWEEP_EVERY;

  const rowsOf = (result: unknown): unknown[] => {
    const rows = (result as { rows?: unknown } | null)?.rows;
    if (!Array.isArray(rows)) throw new CounterStoreError('the PostgreSQL client answered without rows');
    return rows;
  };
  const toCounter = (row: unknown): Counter | null => {
    if (row === undefined || row === null) return null;
    const { count, expires_at } = row as { count?: unknown; expires_at?: unknown };
    return { count: toInteger(count, 'count'), expiresAt: toInteger(expires_at, 'expiry') };
  };

  return {
    async increment(key, ttlMs, now) {
      const db = await connect();
      if (--untilSweep <= 0) {
        untilSweep = SWEEP_EVERY;
        await db.query(`DELETE FROM ${table} WHERE expires_at <= $1`, [now]);
      }
      const counter = toCounter(rowsOf(await db.query(increment, [key, now + ttlMs, now]))[0]);
      if (counter === null) throw new CounterStoreError('the PostgreSQL increment returned no row');
      return counter;
    },
    async get(key, now) {
      const db = await connect();
      return toCounter(rowsOf(await db.query(select, [key, now]))[0]);
    },
    async reset(key) {
      const db = await connect();
      await db.query(`DELETE FROM ${table} WHERE key = $1`, [key]);
    },
    async close() {
      if (!ownsClient || !ready) return;
      const db = await ready.catch(() => null);
      ready = undefined;
      await db?.end?.();
    },
  };
}
