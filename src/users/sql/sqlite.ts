/**
 * gatehouse/sqlite: users in an SQLite database.
 *
 * - `createSqliteUserStore('./users.db')` opens the file with better-sqlite3 (an optional peer
 *   dependency, loaded only then) in WAL mode;
 * - `createSqliteUserStore(db)` uses a database that is already open: better-sqlite3's `Database`,
 *   node:sqlite's `DatabaseSync` (Node 22.5+, Deno) or bun:sqlite's `Database`. These answer
 *   synchronously, so findUser needs no promise;
 * - `createD1UserStore(env.DB)` (or createSqliteUserStore with a D1 binding) on Cloudflare D1.
 */
import { ConfigurationError } from '../../errors.js';
import { openSqliteFile, sqliteFilePath } from './drivers.js';
import type { SqlValue } from './layouts.js';
import { type PreparedQuery, type SqlDriver, SqlTableUserStore, type SqlUserStore, type SqlUserStoreOptions } from './store.js';

export type { SqlSessionStore, SqlUserStore, SqlUserStoreOptions, UserCacheOptions } from './store.js';
export type { Awaitable, SessionKind, SessionRotation, SessionStore, StoredSession } from '../../tokens/lifecycle/session-store.js';
export { DEFAULT_LAYOUT, sqlBoolean } from './layouts.js';
export { LAYOUTS } from './known-layouts.js';
export type { CredentialsTable, FieldMapping, InsertValue, LayoutOptions, LoginBy, SqlValue, UserColumns, UserTableLayout } from './layouts.js';
export { DJANGO_LAYOUT } from './django.js';
export { createSqliteKeyRingStore, SIGNING_KEYS_TABLE, type SqlKeyRingStore } from './signing-keys.js';
export { WORDPRESS_LAYOUT, WORDPRESS_TABLE_PREFIX } from './wordpress.js';
export { WORDPRESS_68_DB_VERSION, wordpressDbVersion, wordpressHashFormat } from './wordpress-site.js';
export { LARAVEL_LAYOUT } from './laravel.js';
export { FASTAPI_USERS_LAYOUT } from './fastapi-users.js';
export { BETTER_AUTH_LAYOUT } from './better-auth.js';

/**
 * A prepared statement of better-sqlite3, node:sqlite or bun:sqlite: `all(...params)` gives rows.
 *
 * @example
 * const rows = db.prepare('SELECT username FROM users WHERE disabled = ?').all(0);
 */
export interface SqliteStatement {
  // any[]: each driver types its parameters its own way (better-sqlite3's overloads, bun's, node's).
  /** Every row the statement gives for `params`. */
  all(...params: any[]): unknown;
}

/**
 * An open synchronous SQLite database (better-sqlite3, node:sqlite, bun:sqlite).
 *
 * @example
 * import { DatabaseSync } from 'node:sqlite';
 * const users = createSqliteUserStore(new DatabaseSync('./users.db'));
 */
export interface SqliteDatabase {
  /** A statement, prepared once and reused. */
  prepare(sql: string): SqliteStatement;
  /** Runs statements without parameters (migrate's CREATE TABLE, transactions). */
  exec(sql: string): unknown;
}

/**
 * The part of Cloudflare's D1Database the store uses.
 *
 * @example
 * const users = createD1UserStore(env.DB); // inside a Worker's fetch
 */
export interface D1Database {
  /** A statement, bound before use. */
  prepare(sql: string): D1PreparedStatement;
  /** Runs statements in one transaction (migrate). */
  batch(statements: unknown[]): Promise<unknown>;
}

/**
 * The part of D1's prepared statement the store uses.
 *
 * @example
 * const { results } = await env.DB.prepare('SELECT username FROM users WHERE username = ?').bind('johndoe').all();
 */
export interface D1PreparedStatement {
  /** The statement with its parameters. */
  bind(...values: unknown[]): D1PreparedStatement;
  /** Every row. */
  all(): Promise<{ results?: unknown[] }>;
  /** Runs it, rows unread. */
  run(): Promise<unknown>;
}

/**
 * Options of createSqliteUserStore.
 *
 * @example
 * const users = createSqliteUserStore('./users.db', { create: false, cache: { ttl: 5000 } });
 */
export interface SqliteUserStoreOptions extends SqlUserStoreOptions {
  /** With a path: create the file when it is missing. Default true. */
  create?: boolean;
}

/** SQLite keeps booleans as integers; better-sqlite3 and node:sqlite refuse to bind them. */
const bindable = (params: readonly SqlValue[]): readonly SqlValue[] =>
  params.some((value) => typeof value === 'boolean')
    ? params.map((value) => (value === true ? 1 : value === false ? 0 : value))
    : params;

const UNAVAILABLE_CODES = /^SQLITE_(BUSY|LOCKED|IOERR|FULL|CANTOPEN|PROTOCOL)/;
// SQLite's primary result codes of the same (node:sqlite's errcode, bun's errno).
const UNAVAILABLE_NUMBERS = new Set([5, 6, 10, 13, 14, 15]);
const UNAVAILABLE_MESSAGES =
  /database (connection )?is not open|closed database|database is closed|SQLITE_(BUSY|LOCKED|IOERR|FULL|CANTOPEN)|network connection lost|overloaded|timed? ?out/i;

/** Busy, locked, unreadable or closed: the database is not there for now (rather than refusing). */
function sqliteUnavailable(error: unknown): boolean {
  if (error === null || typeof error !== 'object') return false;
  const { code, errcode, errno, message } = error as { code?: unknown; errcode?: unknown; errno?: unknown; message?: unknown };
  if (typeof code === 'string' && UNAVAILABLE_CODES.test(code)) return true;
  for (const number of [errcode, errno]) {
    if (typeof number === 'number' && number > 0 && UNAVAILABLE_NUMBERS.has(number & 0xff)) return true;
  }
  return typeof message === 'string' && UNAVAILABLE_MESSAGES.test(message);
}

function isD1(db: unknown): db is D1Database {
  return typeof (db as D1Database).prepare === 'function' && typeof (db as D1Database).batch === 'function';
}

/**
 * findUser's statement, prepared once: with better-sqlite3 in raw mode (rows as arrays: no object
 * built per row, no property names set); node:sqlite and bun:sqlite give their row objects.
 */
function prepareQuery(db: SqliteDatabase, sql: string): PreparedQuery {
  const statement = db.prepare(sql);
  const { raw, pluck } = statement as { raw?: unknown; pluck?: unknown };
  // better-sqlite3's raw(toggle) switches the statement to arrays and returns it. bun:sqlite also has
  // a raw(), which runs the statement instead (and no pluck()): only the first is a mode switch.
  if (typeof raw === 'function' && typeof pluck === 'function' && raw.call(statement, true) === statement) {
    return { arrays: true, rows: (value) => statement.all(value) };
  }
  return { arrays: false, rows: (value) => statement.all(value) };
}

/** A synchronous database as a driver; prepared statements are kept (the store has a handful). */
function syncDriver(db: SqliteDatabase, close?: () => unknown): SqlDriver {
  const statements = new Map<string, SqliteStatement>();
  return {
    dialect: 'sqlite',
    query(sql, params) {
      let statement = statements.get(sql);
      if (!statement) {
        statement = db.prepare(sql);
        statements.set(sql, statement);
      }
      return statement.all(...bindable(params));
    },
    prepare: (sql) => prepareQuery(db, sql),
    exec: (sql) => db.exec(sql),
    unavailable: sqliteUnavailable,
    close: close && (() => {
      statements.clear();
      return close();
    }),
  };
}

function d1Driver(db: D1Database): SqlDriver {
  return {
    dialect: 'sqlite',
    async query(sql, params) {
      const result = await db.prepare(sql).bind(...bindable(params)).all();
      return result?.results;
    },
    // D1's exec() splits on line breaks; one prepared statement keeps the CREATE TABLE whole.
    exec: (sql) => db.prepare(sql).run(),
    unavailable: sqliteUnavailable,
  };
}

async function openFile(path: string, options: SqliteUserStoreOptions): Promise<SqlDriver> {
  const db = await openSqliteFile(path, {
    timeoutMs: options.timeoutMs ?? 5000,
    mustExist: options.create === false,
    what: 'createSqliteUserStore(path)',
  });
  return syncDriver(db as unknown as SqliteDatabase, () => db.close());
}

/**
 * Users in SQLite: a file path or `sqlite:` URL (`./users.db`, `sqlite:./users.db`,
 * `sqlite:///var/lib/users.db`: opened with better-sqlite3, closed by `store.close()`), or an open
 * database of better-sqlite3, node:sqlite or bun:sqlite (left open), or a D1 binding. The table is
 * `users` unless the options map another (`table`, `columns`, `layout`); `store.migrate()` creates it.
 *
 * @example
 * import { createSqliteUserStore } from 'gatehouse/sqlite';
 * import { createAuthHandler } from 'gatehouse';
 * const users = createSqliteUserStore('./users.db');
 * await users.migrate();
 * const handler = createAuthHandler({ users, key: process.env.SECRET_KEY! });
 *
 * @example
 * import { DatabaseSync } from 'node:sqlite';
 * const users = createSqliteUserStore(new DatabaseSync('./users.db'));
 */
export function createSqliteUserStore(
  pathOrDatabase: string | SqliteDatabase | D1Database,
  options: SqliteUserStoreOptions = {},
): SqlUserStore {
  if (typeof pathOrDatabase === 'string') {
    if (pathOrDatabase === '') throw new ConfigurationError('createSqliteUserStore needs a file path or an open database');
    const path = sqliteFilePath(pathOrDatabase); // sqlite:./users.db, as the CLI's --database takes it
    return new SqlTableUserStore('sqlite', () => openFile(path, options), options);
  }
  if (pathOrDatabase === null || typeof pathOrDatabase !== 'object' || typeof pathOrDatabase.prepare !== 'function') {
    throw new ConfigurationError('createSqliteUserStore needs a file path or an open SQLite database (prepare/exec)');
  }
  if (isD1(pathOrDatabase)) return createD1UserStore(pathOrDatabase, options);
  if (typeof pathOrDatabase.exec !== 'function') throw new ConfigurationError('the SQLite database has no exec()');
  return new SqlTableUserStore('sqlite', syncDriver(pathOrDatabase), options);
}

/**
 * Users in Cloudflare D1 (SQLite behind an asynchronous API). Each statement is awaited with the
 * store's time limit; `store.migrate()` or a D1 migration creates the table.
 *
 * @example
 * let handler: AuthHandler | undefined; // made once per isolate: the key is imported once
 * export default {
 *   fetch(request: Request, env: { DB: D1Database; SECRET_KEY: string }) {
 *     handler ??= createAuthHandler({ users: createD1UserStore(env.DB), key: env.SECRET_KEY });
 *     return handler(request);
 *   },
 * };
 */
export function createD1UserStore(db: D1Database, options: SqlUserStoreOptions = {}): SqlUserStore {
  if (db === null || typeof db !== 'object' || !isD1(db)) throw new ConfigurationError('createD1UserStore needs a D1 database binding');
  return new SqlTableUserStore('sqlite', d1Driver(db), options);
}
