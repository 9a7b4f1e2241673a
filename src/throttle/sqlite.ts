/**
 * Counters in one SQLite table, shared by every process that opens the same database file. The
 * increment is one `INSERT ... ON CONFLICT ... DO UPDATE ... RETURNING` statement (SQLite 3.35+),
 * atomic however many processes write at once.
 */
import { ConfigurationError } from '../errors.js';
import { openSqliteFile, sqliteFilePath } from '../users/sql/drivers.js';
import { type Counter, type CounterStore, CounterStoreError, DEFAULT_COUNTER_TABLE, checkTableName, toInteger } from './store.js';

/**
 * What the store needs of a synchronous driver: better-sqlite3, node:sqlite's DatabaseSync, bun:sqlite.
 *
 * @example
 * import Database from 'better-sqlite3';
 * const store = createSqliteCounterStore(new Database('./counters.db'));
 */
export interface SqliteDatabase {
  /** A statement the store runs many times. */
  prepare(sql: string): {
    /** The first row (the increment's RETURNING, a read). */
    get(...params: unknown[]): unknown;
    /** Runs it, rows unread (reset, the sweep of expired rows). */
    run(...params: unknown[]): unknown;
  };
  /** Called by the store's close() when it opened the database itself. */
  close?(): unknown;
}

/**
 * Cloudflare D1 (asynchronous, with bound statements).
 *
 * @example
 * const store = createSqliteCounterStore(env.DB); // a D1 binding, inside a Worker's fetch
 */
export interface D1Database {
  /** A statement, bound before each use. */
  prepare(sql: string): {
    /** The statement with its parameters. */
    bind(...params: unknown[]): {
      /** The first row, or null. */
      first(): Promise<unknown>;
      /** Runs it, rows unread. */
      run(): Promise<unknown>;
    };
  };
}

/**
 * Options of createSqliteCounterStore.
 *
 * @example
 * createSqliteCounterStore('./counters.db', { table: 'login_counters' });
 */
export interface SqliteCounterStoreOptions {
  /** Table name. Default 'gatehouse_login_counters'. Created when missing. */
  table?: string;
}

/** Increments between two deletions of expired rows. */
const SWEEP_EVERY = 1000;

type Run = (sql: string, params: unknown[], row: boolean) => unknown;

function isD1(db: object): db is D1Database {
  // D1's prepared statements have bind() and no synchronous get().
  try {
    const statement = (db as D1Database).prepare('SELECT 1') as unknown as Record<string, unknown>;
    return typeof statement.bind === 'function' && typeof statement.get !== 'function';
  } catch {
    return false;
  }
}

/** better-sqlite3 when installed, else node:sqlite (Node 22.5+): imported only when given a path. */
function openSqlite(path: string): Promise<SqliteDatabase> {
  return openSqliteFile(path, { timeoutMs: 5000, mustExist: false, what: 'a SQLite counter store' });
}

/**
 * A counter store in a SQLite database: pass the database object (better-sqlite3, node:sqlite,
 * bun:sqlite or D1), or a file path / `sqlite:` URL to have better-sqlite3 (or node:sqlite) open it.
 *
 * @example
 * import Database from 'better-sqlite3';
 * import { createSqliteCounterStore } from 'gatehouse/throttle';
 * const store = createSqliteCounterStore(new Database('app.db'));
 * const handler = createAuthHandler({ users, key, throttle: { store } });
 */
export function createSqliteCounterStore(database: SqliteDatabase | D1Database | string, options: SqliteCounterStoreOptions = {}): CounterStore {
  const table = checkTableName(options.table, DEFAULT_COUNTER_TABLE);
  const ownsDatabase = typeof database === 'string';
  if (!ownsDatabase && (database === null || typeof database !== 'object' || typeof database.prepare !== 'function')) {
    throw new ConfigurationError('createSqliteCounterStore needs a SQLite database object (with prepare()) or a path');
  }
  // A path or sqlite: URL is read now: a URL without a file stops here, not at the first failed login.
  const path = ownsDatabase ? sqliteFilePath(database) : undefined;
  let runner: Promise<{ run: Run; db: object }> | undefined;
  const connect = (): Promise<{ run: Run; db: object }> =>
    (runner ??= (async () => {
      const db = ownsDatabase ? await openSqlite(path!) : database;
      const run: Run = isD1(db)
        ? (sql, params, row) => {
            const bound = db.prepare(sql).bind(...params);
            return row ? bound.first() : bound.run();
          }
        : (() => {
            // Statements prepared once each: preparing costs more than running.
            const prepared = new Map<string, ReturnType<SqliteDatabase['prepare']>>();
            return (sql: string, params: unknown[], row: boolean) => {
              let statement = prepared.get(sql);
              if (!statement) prepared.set(sql, (statement = (db as SqliteDatabase).prepare(sql)));
              return row ? statement.get(...params) : statement.run(...params);
            };
          })();
      await run(
        `CREATE TABLE IF NOT EXISTS ${table} (key TEXT PRIMARY KEY, count INTEGER NOT NULL, expires_at INTEGER NOT NULL)`,
        [],
        false,
      );
      return { run, db };
    })().catch((error: unknown) => {
      runner = undefined; // try again on the next call
      throw new CounterStoreError('cannot open the SQLite counter table', { cause: error });
    }));

  const increment = `INSERT INTO ${table} (key, count, expires_at) VALUES (?, 1, ?)
    ON CONFLICT (key) DO UPDATE SET
      count = CASE WHEN ${table}.expires_at <= ? THEN 1 ELSE ${table}.count + 1 END,
      expires_at = excluded.expires_at
    RETURNING count, expires_at`;
  const select = `SELECT count, expires_at FROM ${table} WHERE key = ? AND expires_at > ?`;
  const remove = `DELETE FROM ${table} WHERE key = ?`;
  const decrement = `UPDATE ${table} SET count = count - 1 WHERE key = ? AND count > 0 AND expires_at > ?`;
  const sweep = `DELETE FROM ${table} WHERE expires_at <= ?`;
  let untilSweep = SWEEP_EVERY;

  const toCounter = (row: unknown): Counter | null => {
    if (row === null || row === undefined) return null;
    const { count, expires_at } = row as { count?: unknown; expires_at?: unknown };
    return { count: toInteger(count, 'count'), expiresAt: toInteger(expires_at, 'expiry') };
  };

  return {
    async increment(key, ttlMs, now) {
      const { run } = await connect();
      if (--untilSweep <= 0) {
        untilSweep = SWEEP_EVERY;
        await run(sweep, [now], false);
      }
      const counter = toCounter(await run(increment, [key, now + ttlMs, now], true));
      if (counter === null) throw new CounterStoreError('the SQLite increment returned no row');
      return counter;
    },
    async get(key, now) {
      const { run } = await connect();
      return toCounter(await run(select, [key, now], true));
    },
    async reset(key) {
      const { run } = await connect();
      await run(remove, [key], false);
    },
    async decrement(key, now) {
      const { run } = await connect();
      await run(decrement, [key, now], false);
    },
    async close() {
      if (!ownsDatabase || !runner) return;
      const { db } = await runner;
      (db as SqliteDatabase).close?.();
      runner = undefined;
    },
  };
}
