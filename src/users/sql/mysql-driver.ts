/**
 * The mysql2 side of gatehouse/mysql, shared by its user store, its session store and the MySQL
 * counter store of the login throttle: opening a pool from a URL, reading mysql2's answers, and
 * which of its errors mean "the database cannot be reached".
 */
import { importMysql2, mysqlUrl } from './drivers.js';
import type { SqlValue } from './layouts.js';
import type { SqlDriver } from './store.js';

/**
 * What the store needs of a mysql2/promise Pool or Connection (or another driver shaped like them):
 * `execute` with `?` parameters, `query` for statements without any. `getConnection` (a pool's) lets
 * the session store run a rotation's two statements on one connection.
 *
 * @example
 * import mysql from 'mysql2/promise';
 * const users = createMysqlUserStore(mysql.createPool({ uri: process.env.DATABASE_URL, timezone: 'Z' }));
 */
export interface MysqlQueryable {
  // any[]: mysql2 types its values its own way (ExecuteValues).
  /** Runs one prepared statement; resolves to `[rows or a write's result, fields]`. */
  execute(sql: string, params?: any[]): PromiseLike<unknown>;
  /** Runs one statement without parameters (migrate's DDL). */
  query(sql: string): PromiseLike<unknown>;
  /** A connection of the pool for several statements in a row. */
  getConnection?(): PromiseLike<MysqlPooledConnection>;
}

/**
 * A connection a pool lends (mysql2's PoolConnection): statements on it run in order, one at a time.
 *
 * @example
 * const connection = await pool.getConnection();
 * try { await connection.execute('SELECT 1'); } finally { connection.release(); }
 */
export interface MysqlPooledConnection extends MysqlQueryable {
  /** Give the connection back to its pool. */
  release(): void;
}

/** A UNIQUE index refused the write (ER_DUP_ENTRY): a taken name or fold, as ON CONFLICT DO NOTHING. */
export const MYSQL_DUPLICATE = 1062;

/**
 * Server errors that mean "not now" rather than "wrong statement": too many connections (1040),
 * shutdown (1053), lock wait timeout (1205), deadlock (1213), interrupted (1317), killed (1927),
 * gone (2002, 2003, 2006, 2013), disconnected for idleness (4031), max_statement_time (1969, 3024).
 */
const UNAVAILABLE_ERRNOS = new Set([1040, 1053, 1205, 1213, 1317, 1927, 1969, 2002, 2003, 2006, 2013, 3024, 4031]);

/**
 * @internal Whether a mysql2 error means the database cannot be reached: a fatal (connection) error,
 * a server error of UNAVAILABLE_ERRNOS, or anything without a server's SQLSTATE (ECONNREFUSED, a
 * closed connection, a timeout).
 */
export function mysqlUnavailable(error: unknown): boolean {
  const { fatal, errno, sqlState } = (error ?? {}) as { fatal?: unknown; errno?: unknown; sqlState?: unknown };
  if (fatal === true) return true;
  if (typeof sqlState === 'string' && typeof errno === 'number' && errno > 0) return UNAVAILABLE_ERRNOS.has(errno);
  return true;
}

/** The number of rows a write matched: an UPDATE's "Rows matched" (not only those it changed), else affectedRows. */
export function matchedRows(result: unknown): number {
  const { affectedRows, info } = (result ?? {}) as { affectedRows?: unknown; info?: unknown };
  const matched = typeof info === 'string' ? /Rows matched:\s*(\d+)/.exec(info) : null;
  if (matched) return Number(matched[1]);
  return typeof affectedRows === 'number' && Number.isSafeInteger(affectedRows) && affectedRows >= 0 ? affectedRows : 0;
}

/** `[rows]` of mysql2's answer; a write's result as one (empty) row per row it matched. */
export function resultRows(answer: unknown): unknown {
  const result = Array.isArray(answer) ? answer[0] : undefined;
  if (Array.isArray(result)) return result;
  if (result !== null && typeof result === 'object') return Array.from({ length: matchedRows(result) }, () => ({}));
  return result; // not rows: the store reports ERR_USER_STORE_DATA
}

/** The error's errno, when it is a server's error. */
export function mysqlErrno(error: unknown): number | undefined {
  const errno = (error as { errno?: unknown } | null)?.errno;
  return typeof errno === 'number' ? errno : undefined;
}

/** @internal What closes the pool a store opened. */
export type SqlDriverClose = () => unknown;

/** @internal The store's driver on a mysql2 pool or connection. */
export function mysqlDriver(client: MysqlQueryable, close?: () => unknown): SqlDriver {
  return {
    dialect: 'mysql',
    async query(sql, params: readonly SqlValue[]) {
      try {
        return resultRows(await client.execute(sql, params as SqlValue[]));
      } catch (error) {
        if (mysqlErrno(error) === MYSQL_DUPLICATE) return [];
        throw error;
      }
    },
    exec: (sql) => client.query(sql),
    unavailable: mysqlUnavailable,
    close,
  };
}

/** @internal A pool of mysql2 from a URL: utf8mb4, UTC (DATETIME values are UTC), bounded waits. */
export async function openMysqlPool(
  url: string,
  options: { poolSize?: number; timeoutMs?: number },
  what: string,
): Promise<MysqlQueryable & { end(): Promise<void> }> {
  const mysql2 = await importMysql2(what);
  const timeout = options.timeoutMs ?? 5000;
  return mysql2.createPool({
    uri: mysqlUrl(url),
    connectionLimit: options.poolSize ?? 10,
    charset: 'utf8mb4_unicode_ci',
    timezone: 'Z',
    connectTimeout: timeout,
    enableKeepAlive: true,
    // Connections the server dropped (a restart) are replaced; an idle pool does not hold the process.
    maxIdle: 2,
    idleTimeout: 60_000,
  }) as MysqlQueryable & { end(): Promise<void> };
}

