/**
 * gatehouse/mysql: users in MySQL or MariaDB, shared by every server process that points at it.
 * Takes a mysql2/promise Pool (or Connection, or anything with `execute(sql, params)` resolving to
 * `[rows]`); a `mysql://` or `mariadb://` URL makes a pool with `mysql2` (an optional peer
 * dependency, loaded only then).
 *
 * MySQL has no UPDATE ... RETURNING: a write answers with the rows it matched (the server's count),
 * and a write a UNIQUE index refuses (a taken name or fold) with none, as ON CONFLICT DO NOTHING
 * does on the other databases.
 */
import { ConfigurationError } from '../../errors.js';
import { mysqlUrl } from './drivers.js';
import { type MysqlQueryable, type SqlDriverClose, mysqlDriver, openMysqlPool } from './mysql-driver.js';
import { type MysqlSessionStore, type MysqlSource, createMysqlSessionStore } from './mysql-sessions.js';
import { type SqlDriver, type SqlSessionStore, SqlTableUserStore, type SqlUserStore, type SqlUserStoreOptions } from './store.js';

export type { MysqlPooledConnection, MysqlQueryable } from './mysql-driver.js';

export type { SqlSessionStore, SqlUserStore, SqlUserStoreOptions, UserCacheOptions } from './store.js';
export { DEFAULT_LAYOUT, sqlBoolean } from './layouts.js';
export { LAYOUTS } from './known-layouts.js';
export type { CredentialsTable, FieldMapping, InsertValue, LayoutOptions, LoginBy, SqlValue, UserColumns, UserTableLayout } from './layouts.js';
export { DJANGO_LAYOUT } from './django.js';
export { SIGNING_KEYS_TABLE, type SqlKeyRingStore } from './signing-keys.js';
export { createMysqlKeyRingStore } from './signing-keys-mysql.js';
export { WORDPRESS_LAYOUT, WORDPRESS_TABLE_PREFIX } from './wordpress.js';
export { WORDPRESS_68_DB_VERSION, wordpressDbVersion, wordpressHashFormat } from './wordpress-site.js';
export { LARAVEL_LAYOUT } from './laravel.js';
export { FASTAPI_USERS_LAYOUT } from './fastapi-users.js';
export { BETTER_AUTH_LAYOUT } from './better-auth.js';

/**
 * Options of createMysqlUserStore.
 *
 * @example
 * const users = createMysqlUserStore(process.env.DATABASE_URL!, { poolSize: 20, cache: { ttl: 1000 } });
 */
export interface MysqlUserStoreOptions extends SqlUserStoreOptions {
  /** With a URL: connections the pool keeps at most. Default 10. */
  poolSize?: number;
}

/**
 * The store createMysqlUserStore makes: a SqlUserStore whose `sessions` keep the token lifecycle's
 * tables (sessions, revoked access tokens) in the same database. migrate() creates those too.
 *
 * @example
 * const users: MysqlUserStore = createMysqlUserStore(process.env.DATABASE_URL!);
 * await users.migrate();
 * const live = await users.sessions.listSessions('johndoe', Math.floor(Date.now() / 1000));
 */
export interface MysqlUserStore extends SqlUserStore {
  /** Sessions and revoked access tokens in `gatehouse_sessions` and `gatehouse_revoked_tokens`. */
  readonly sessions: SqlSessionStore;
}

class MysqlTableUserStore extends SqlTableUserStore implements MysqlUserStore {
  declare readonly sessions: MysqlSessionStore;
  readonly #closeSource: SqlDriverClose | undefined;

  constructor(driver: SqlDriver | (() => Promise<SqlDriver>), source: MysqlSource, options: MysqlUserStoreOptions, closeSource?: SqlDriverClose) {
    super('mysql', driver, options, createMysqlSessionStore(source, options.timeoutMs ?? 5000, options.onError));
    this.#closeSource = closeSource;
  }

  /** The pool ends even when only the sessions used it (`gatehouse db migrate --layout`: sessions.migrate() alone). */
  override async close(): Promise<void> {
    await super.close();
    await this.#closeSource?.();
  }
}

/** Accepts a mysql2/promise pool, or a callback-style mysql2 pool through its promise() wrapper. */
function asQueryable(given: unknown): MysqlQueryable | null {
  if (given === null || typeof given !== 'object') return null;
  const candidate = given as Partial<MysqlQueryable> & { promise?: () => unknown };
  if (typeof candidate.execute === 'function' && typeof candidate.query === 'function' && typeof candidate.promise !== 'function') {
    return candidate as MysqlQueryable;
  }
  if (typeof candidate.promise === 'function') return asQueryable(candidate.promise());
  return null;
}

/**
 * Users in MySQL (8.0+) or MariaDB (10.5+). A URL makes a pool that `store.close()` ends; a pool or
 * connection handed in is used as it is and stays open (give it `timezone: 'Z'` and the default
 * utf8mb4 charset). The table is `users` unless the options map another; `store.migrate()` (or
 * `gatehouse db migrate`) creates it in utf8mb4 with the username compared exactly (utf8mb4_bin).
 *
 * @example
 * import { createMysqlUserStore } from 'gatehouse/mysql';
 * const users = createMysqlUserStore('mysql://app:secret@127.0.0.1:3306/app');
 * await users.migrate();
 * const handler = createAuthHandler({ users, key: process.env.SECRET_KEY! });
 *
 * @example
 * import mysql from 'mysql2/promise';
 * const pool = mysql.createPool({ uri: process.env.DATABASE_URL, timezone: 'Z' });
 * const users = createMysqlUserStore(pool, { layout: 'django', cache: { ttl: 1000 } });
 */
export function createMysqlUserStore(urlOrPool: string | MysqlQueryable, options: MysqlUserStoreOptions = {}): MysqlUserStore {
  if (options === null || typeof options !== 'object') throw new ConfigurationError('user store options must be an object');
  if (typeof urlOrPool === 'string') {
    if (!mysqlUrl(urlOrPool)) throw new ConfigurationError('createMysqlUserStore needs a mysql:// or mariadb:// URL or a mysql2 pool');
    const poolSize = options.poolSize ?? 10;
    if (!Number.isSafeInteger(poolSize) || poolSize < 1) throw new ConfigurationError('poolSize must be a positive integer');
    // One pool for the users and the sessions, made on first use; store.close() ends it.
    let pool: ReturnType<typeof openMysqlPool> | undefined;
    const source = () =>
      (pool ??= openMysqlPool(urlOrPool, options, 'createMysqlUserStore(url)').catch((error: unknown) => {
        pool = undefined;
        throw error;
      }));
    const close: SqlDriverClose = async () => {
      const opened = await pool?.catch(() => undefined);
      pool = undefined;
      await opened?.end();
    };
    return new MysqlTableUserStore(async () => mysqlDriver(await source(), close), source, options, close);
  }
  const client = asQueryable(urlOrPool);
  if (!client) {
    throw new ConfigurationError('createMysqlUserStore needs a mysql:// URL, a mysql2 Pool or Connection, or an object with execute(sql, params) and query(sql)');
  }
  return new MysqlTableUserStore(mysqlDriver(client), () => Promise.resolve(client), options);
}
