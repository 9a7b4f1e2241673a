/**
 * Counters in one MySQL/MariaDB table, shared by every server on the database. The increment is one
 * `INSERT ... ON DUPLICATE KEY UPDATE` statement (the row lock makes concurrent increments queue,
 * none is lost) that hands back the count it made through LAST_INSERT_ID(expr), which the server
 * returns with the statement's answer: MySQL has no RETURNING.
 *
 * Times come from the database's clock, as in the PostgreSQL store: expiries are stored on it and
 * handed back as the time left, added to the caller's `now`.
 */
import { ConfigurationError } from '../errors.js';
import { mysqlUrl } from '../users/sql/drivers.js';
import { type MysqlQueryable, openMysqlPool } from '../users/sql/mysql-driver.js';
import { type Counter, type CounterStore, CounterStoreError, DEFAULT_COUNTER_TABLE, checkTableName, toInteger } from './store.js';

/**
 * Options of createMysqlCounterStore.
 *
 * @example
 * createMysqlCounterStore(pool, { table: 'login_counters' });
 */
export interface MysqlCounterStoreOptions {
  /** Table name. Default 'gatehouse_login_counters'. Created when missing. */
  table?: string;
}

const SWEEP_EVERY = 1000;
/** The database's clock in ms since the epoch (NOW(3) is one reading per statement). */
const NOW_MS = 'CAST(UNIX_TIMESTAMP(NOW(3)) * 1000 AS SIGNED)';

/**
 * A counter store in a MySQL or MariaDB database: pass a mysql2/promise Pool (or Connection), or a
 * `mysql://` / `mariadb://` URL to have mysql2 open a pool (closed by `close()`).
 *
 * @example
 * import mysql from 'mysql2/promise';
 * import { createMysqlCounterStore } from 'gatehouse/throttle';
 * const store = createMysqlCounterStore(mysql.createPool({ uri: process.env.DATABASE_URL }));
 * const handler = createAuthHandler({ users, key, throttle: { store } });
 */
export function createMysqlCounterStore(client: MysqlQueryable | string, options: MysqlCounterStoreOptions = {}): CounterStore {
  const table = `\`${checkTableName(options.table, DEFAULT_COUNTER_TABLE)}\``;
  const ownsClient = typeof client === 'string';
  if (ownsClient ? !mysqlUrl(client) : client === null || typeof client !== 'object' || typeof client.execute !== 'function' || typeof client.query !== 'function') {
    throw new ConfigurationError('createMysqlCounterStore needs a mysql2 Pool/Connection (with execute() and query()) or a mysql:// URL');
  }
  let ready: Promise<MysqlQueryable & { end?(): unknown }> | undefined;
  const connect = () =>
    (ready ??= (async () => {
      const db: MysqlQueryable & { end?(): unknown } = ownsClient ? await openMysqlPool(client, {}, 'a MySQL counter store from a URL') : client;
      await db.query(
        `CREATE TABLE IF NOT EXISTS ${table} (\`key\` VARCHAR(512) NOT NULL PRIMARY KEY, count INTEGER NOT NULL, expires_at BIGINT NOT NULL) ` +
          'DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin',
      );
      return db;
    })().catch((error: unknown) => {
      ready = undefined; // try again on the next call
      throw error instanceof ConfigurationError ? error : new CounterStoreError('cannot open the MySQL counter table', { cause: error });
    }));

  const increment =
    `INSERT INTO ${table} (\`key\`, count, expires_at) VALUES (?, LAST_INSERT_ID(1), ${NOW_MS} + ?) ON DUPLICATE KEY UPDATE ` +
    // Assignments run in order: the count reads the old expiry before it moves.
    `count = LAST_INSERT_ID(IF(expires_at <= ${NOW_MS}, 1, count + 1)), expires_at = ${NOW_MS} + ?`;
  const select = `SELECT count, expires_at - ${NOW_MS} AS remaining FROM ${table} WHERE \`key\` = ? AND expires_at > ${NOW_MS}`;
  const decrement = `UPDATE ${table} SET count = count - 1 WHERE \`key\` = ? AND count > 0 AND expires_at > ${NOW_MS}`;
  const sweep = `DELETE FROM ${table} WHERE expires_at <= ${NOW_MS}`;
  let untilSweep = SWEEP_EVERY;

  /** One statement's result (rows, or a write's answer); driver failures as CounterStoreErrors. */
  const run = async (sql: string, params: unknown[]): Promise<unknown> => {
    const db = await connect();
    let answer: unknown;
    try {
      answer = await db.execute(sql, params);
    } catch (cause) {
      throw new CounterStoreError('the MySQL counter store failed', { cause });
    }
    return Array.isArray(answer) ? answer[0] : undefined;
  };
  const key = (value: unknown): string => {
    if (typeof value !== 'string' || value.length > 512) throw new CounterStoreError('a counter key is text of at most 512 characters');
    return value;
  };
  const ttl = (value: unknown): number => {
    if (!Number.isSafeInteger(value) || (value as number) < 1) throw new CounterStoreError('ttlMs must be a positive integer');
    return value as number;
  };

  return {
    async increment(name, ttlMs, now) {
      const k = key(name);
      const ms = ttl(ttlMs);
      if (--untilSweep <= 0) {
        untilSweep = SWEEP_EVERY;
        await run(sweep, []);
      }
      const result = (await run(increment, [k, ms, ms])) as { insertId?: unknown } | undefined;
      const count = toInteger(result?.insertId, 'count');
      if (count < 1) throw new CounterStoreError('the MySQL increment returned no count');
      return { count, expiresAt: now + ms };
    },
    async get(name, now): Promise<Counter | null> {
      const rows = await run(select, [key(name)]);
      if (!Array.isArray(rows)) throw new CounterStoreError('the MySQL client answered without rows');
      const row = rows[0] as { count?: unknown; remaining?: unknown } | undefined;
      if (row === undefined) return null;
      return { count: toInteger(row.count, 'count'), expiresAt: now + toInteger(row.remaining, 'expiry') };
    },
    async reset(name) {
      await run(`DELETE FROM ${table} WHERE \`key\` = ?`, [key(name)]);
    },
    async decrement(name) {
      await run(decrement, [key(name)]);
    },
    async close() {
      if (!ownsClient || !ready) return;
      const db = await ready.catch(() => null);
      ready = undefined;
      await db?.end?.();
    },
  };
}
