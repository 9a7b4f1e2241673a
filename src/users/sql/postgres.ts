/**
 * gatehouse/postgres: users in PostgreSQL, shared by every server process that points at it.
 * Takes a `pg.Pool`, a `pg.Client`, or anything with `query(text, params)` resolving to `{ rows }`;
 * a `postgres://` URL makes a pool with `pg` (an optional peer dependency, loaded only then).
 */
import { importPgPool } from './drivers.js';
import { ConfigurationError, UserStoreError } from '../../errors.js';
import type { SqlValue } from './layouts.js';
import { type SqlDriver, SqlTableUserStore, type SqlUserStore, type SqlUserStoreOptions } from './store.js';

export type { SqlSessionStore, SqlUserStore, SqlUserStoreOptions, UserCacheOptions } from './store.js';
export type { Awaitable, SessionKind, SessionRotation, SessionStore, StoredSession } from '../../tokens/lifecycle/session-store.js';
export { DEFAULT_LAYOUT, sqlBoolean } from './layouts.js';
export { LAYOUTS } from './known-layouts.js';
export type { CredentialsTable, FieldMapping, InsertValue, LayoutOptions, LoginBy, SqlValue, UserColumns, UserTableLayout } from './layouts.js';
export { DJANGO_LAYOUT } from './django.js';
export { createPostgresKeyRingStore, SIGNING_KEYS_TABLE, type SqlKeyRingStore } from './signing-keys.js';
export { WORDPRESS_LAYOUT, WORDPRESS_TABLE_PREFIX } from './wordpress.js';
export { WORDPRESS_68_DB_VERSION, wordpressDbVersion, wordpressHashFormat } from './wordpress-site.js';
export { LARAVEL_LAYOUT } from './laravel.js';
export { FASTAPI_USERS_LAYOUT } from './fastapi-users.js';
export { BETTER_AUTH_LAYOUT } from './better-auth.js';

/**
 * What the store needs of pg's Pool or Client (or another driver shaped like them).
 *
 * @example
 * import pg from 'pg';
 * const users = createPostgresUserStore(new pg.Pool({ connectionString: process.env.DATABASE_URL }));
 */
export interface PostgresQueryable {
  /** Runs one parameterised statement (`$1`, `$2`, ...). */
  query(text: string, params?: unknown[]): PromiseLike<{ rows?: unknown[] } | undefined>;
}

/**
 * Options of createPostgresUserStore.
 *
 * @example
 * const users = createPostgresUserStore(process.env.DATABASE_URL!, { poolSize: 20, layout: 'django' });
 */
export interface PostgresUserStoreOptions extends SqlUserStoreOptions {
  /** With a URL: connections the pool keeps at most. Default 10. */
  poolSize?: number;
  /**
   * With a URL: run the store's statements as named prepared statements, parsed and planned once per
   * connection. Default true; false for a pooler that cannot keep them (PgBouncer before 1.21 in
   * transaction mode).
   */
  prepare?: boolean;
  /**
   * With a URL: LISTEN for the lifecycle tables' revocation notifications on a connection of its own,
   * and meanwhile keep "not revoked" answers (docs/tokens.md). Default true; false behind a pooler in
   * transaction mode (PgBouncer), where a LISTEN does not stay on one server connection.
   */
  listen?: boolean;
}

// SQLSTATE classes: connection exception, insufficient resources, operator intervention (shutdown,
// statement timeout), system error.
const UNAVAILABLE_CLASSES = new Set(['08', '53', '57', '58']);
const SQLSTATE = /^[0-9A-Z]{5}$/;

/**
 * A server error with an SQLSTATE is "unavailable" only for those classes; anything else pg throws
 * (ECONNREFUSED, "Connection terminated", a connect timeout) happened before a server could answer.
 */
function postgresUnavailable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && SQLSTATE.test(code)) return UNAVAILABLE_CLASSES.has(code.slice(0, 2));
  return true;
}

/** pg's query config: a named statement is parsed and planned once per connection. */
interface NamedQuery {
  name: string;
  text: string;
  values: SqlValue[];
}

/**
 * The statements' names: the store's SQL is a fixed set of texts (values are always parameters),
 * so the map stays small; a text past the bound is sent unnamed.
 */
function statementNamer(): (sql: string) => string | null {
  const names = new Map<string, string>();
  return (sql) => {
    let name = names.get(sql);
    if (name === undefined && names.size < 256) names.set(sql, (name = `gatehouse_${names.size}`));
    return name ?? null;
  };
}

function driverFor(client: PostgresQueryable, close?: () => unknown, prepare = false): SqlDriver {
  const nameOf = prepare ? statementNamer() : null;
  return {
    dialect: 'postgres',
    async query(sql, params: readonly SqlValue[]) {
      const name = nameOf?.(sql) ?? null;
      const result =
        name === null
          ? await client.query(sql, params as SqlValue[])
          : await (client.query as unknown as (query: NamedQuery) => Promise<{ rows?: unknown[] }>)({ name, text: sql, values: params as SqlValue[] });
      return result?.rows;
    },
    // No parameters: the simple protocol, which runs several statements as one transaction.
    exec: (sql) => client.query(sql),
    unavailable: postgresUnavailable,
    close,
  };
}

interface PgPool extends PostgresQueryable {
  on(event: 'error', listener: (error: Error) => void): unknown;
  end(): Promise<void>;
  connect(): Promise<PgPoolClient>;
}

/** The part of pg's PoolClient that LISTEN uses. */
interface PgPoolClient extends PostgresQueryable {
  on(event: 'notification', listener: (message: { channel: string }) => void): unknown;
  on(event: 'error' | 'end', listener: (error?: Error) => void): unknown;
  release(error?: Error | boolean): void;
  connection?: { stream?: { unref?: () => void } };
}

/**
 * LISTEN on a connection taken from the pool for good (given back by the function it resolves
 * with). Its socket does not keep the process alive, as the pool's idle ones do not.
 */
async function listenOn(pool: PgPool, channel: string, onNotify: () => void, onLost: (error: unknown) => void): Promise<() => Promise<void>> {
  if (!/^[a-z_]{1,63}$/.test(channel)) throw new ConfigurationError('a channel is a lower-case name');
  const client = await pool.connect();
  let ended = false;
  const lost = (error?: unknown) => {
    if (ended) return;
    ended = true;
    client.release(error instanceof Error ? error : true);
    onLost(error);
  };
  client.on('notification', (message) => {
    if (!ended && message?.channel === channel) onNotify();
  });
  client.on('error', lost);
  client.on('end', () => lost(new Error('the LISTEN connection ended')));
  try {
    await client.query(`LISTEN ${channel}`);
  } catch (error) {
    lost(error);
    throw error;
  }
  client.connection?.stream?.unref?.();
  return async () => {
    if (ended) return;
    ended = true;
    try {
      await client.query(`UNLISTEN ${channel}`);
      client.release();
    } catch (error) {
      client.release(error instanceof Error ? error : true);
    }
  };
}

async function openPool(url: string, options: PostgresUserStoreOptions): Promise<SqlDriver> {
  const Pool = await importPgPool<PgPool>('createPostgresUserStore(url)');
  const timeout = options.timeoutMs ?? 5000;
  const pool = new Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: timeout,
    query_timeout: timeout,
    // Idle connections do not keep the process alive (a CLI command, a server that stopped).
    allowExitOnIdle: true,
    // A connection the network dropped without a word is found out (the revocation LISTEN's above all).
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  });
  // An idle connection the server dropped (a restart): pg removes it from the pool and emits this;
  // without a listener the process would exit. The next query connects anew.
  pool.on('error', (cause) => {
    try {
      options.onError?.(new UserStoreError('ERR_USER_STORE_UNAVAILABLE', 'an idle database connection failed', { cause }));
    } catch {
      // a failing reporter changes nothing
    }
  });
  const driver = driverFor(pool, () => pool.end(), options.prepare !== false);
  if (options.listen === false) return driver;
  return { ...driver, listen: (channel, onNotify, onLost) => listenOn(pool, channel, onNotify, onLost) };
}

/**
 * Users in PostgreSQL. A URL makes a pool that `store.close()` ends; a pool or client handed in is
 * used as it is and stays open (give your pool an 'error' listener, as pg asks). The table is `users`
 * unless the options map another; `store.migrate()` (or `gatehouse db migrate`) creates it.
 *
 * @example
 * import { createPostgresUserStore } from 'gatehouse/postgres';
 * const users = createPostgresUserStore(process.env.DATABASE_URL!);
 * await users.migrate();
 * const handler = createAuthHandler({ users, key: process.env.SECRET_KEY! });
 *
 * @example
 * import pg from 'pg';
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
 * pool.on('error', (error) => console.error('idle client', error));
 * const users = createPostgresUserStore(pool, { table: 'app.accounts', cache: { ttl: 1000 } });
 */
export function createPostgresUserStore(poolOrUrl: string | PostgresQueryable, options: PostgresUserStoreOptions = {}): SqlUserStore {
  if (typeof poolOrUrl === 'string') {
    if (!/^postgres(ql)?:\/\//.test(poolOrUrl)) throw new ConfigurationError('createPostgresUserStore needs a postgres:// URL or a pool');
    const poolSize = options.poolSize ?? 10;
    if (!Number.isSafeInteger(poolSize) || poolSize < 1) throw new ConfigurationError('poolSize must be a positive integer');
    return new SqlTableUserStore('postgres', () => openPool(poolOrUrl, options), options);
  }
  if (poolOrUrl === null || typeof poolOrUrl !== 'object' || typeof poolOrUrl.query !== 'function') {
    throw new ConfigurationError('createPostgresUserStore needs a postgres:// URL, a pg Pool or Client, or an object with query(text, params)');
  }
  return new SqlTableUserStore('postgres', driverFor(poolOrUrl), options);
}
