/**
 * Key ring stores in SQL: the table `gatehouse_signing_keys` on SQLite and PostgreSQL, shared by
 * every server of the database (see tokens/keys/ring.ts). Private keys arrive sealed by the ring
 * (AES-GCM): this table never holds one in the clear. `migrate()` (and `gatehouse db migrate`)
 * creates the table; a database without it reads as a ring with no keys.
 */
import { ConfigurationError } from '../../errors.js';
import type { KeyRingStore, StoredSigningKey } from '../../tokens/keys/ring.js';
import { importPgPool, openSqliteFile, sqliteFilePath } from './drivers.js';
import type { SqliteDatabase } from './sqlite.js';
import type { PostgresQueryable } from './postgres.js';

/**
 * The key ring's table.
 *
 * @example
 * db.prepare(`SELECT kid, alg, activates_at FROM ${SIGNING_KEYS_TABLE}`).all();
 */
export const SIGNING_KEYS_TABLE = 'gatehouse_signing_keys';

/**
 * A KeyRingStore in a SQL database, with the table's creation and the connection's end.
 *
 * @example
 * const keys = createSqliteKeyRingStore('./app.db');
 * await keys.migrate();
 * const ring = createKeyRing({ store: keys, secret: process.env.GATEHOUSE_KEY_SECRET! });
 */
export interface SqlKeyRingStore extends KeyRingStore {
  listKeys(): Promise<StoredSigningKey[]>;
  addKey(key: StoredSigningKey): Promise<void>;
  removeKeys(kids: readonly string[]): Promise<void>;
  /** Create the table when missing; true when it was created. */
  migrate(): Promise<boolean>;
  /** Close the connection the store opened itself (a path or URL); a database handed in stays open. */
  close(): Promise<void>;
}

/** @internal What the key table needs of a database. */
export interface KeyDriver {
  readonly dialect: 'sqlite' | 'postgres' | 'mysql';
  rows(sql: string, params: readonly (string | number)[]): Promise<unknown[]>;
  exec(sql: string): Promise<void>;
  /** The error says the table is not there. */
  missingTable(error: unknown): boolean;
  close(): Promise<void>;
}

function createTableSql(dialect: 'sqlite' | 'postgres' | 'mysql'): string {
  if (dialect === 'mysql') {
    return `CREATE TABLE IF NOT EXISTS ${SIGNING_KEYS_TABLE} (
  kid VARCHAR(128) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
  alg VARCHAR(16) NOT NULL,
  public_jwk TEXT NOT NULL,
  private_key TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  activates_at BIGINT NOT NULL
) DEFAULT CHARSET = utf8mb4`;
  }
  const time = dialect === 'postgres' ? 'BIGINT' : 'INTEGER';
  return `CREATE TABLE IF NOT EXISTS ${SIGNING_KEYS_TABLE} (
  kid TEXT PRIMARY KEY,
  alg TEXT NOT NULL,
  public_jwk TEXT NOT NULL,
  private_key TEXT NOT NULL,
  created_at ${time} NOT NULL,
  activates_at ${time} NOT NULL
)`;
}

/** Row cells to a StoredSigningKey (the ring checks the values; PostgreSQL gives BIGINT as text). */
function fromRow(row: unknown): StoredSigningKey {
  const cells = (row ?? {}) as Record<string, unknown>;
  const number = (value: unknown) => (typeof value === 'string' && /^\d{1,15}$/.test(value) ? Number(value) : value);
  return {
    kid: cells.kid,
    alg: cells.alg,
    publicJwk: cells.public_jwk,
    privateKey: cells.private_key,
    createdAt: number(cells.created_at),
    activatesAt: number(cells.activates_at),
  } as StoredSigningKey;
}

/** @internal The key ring store over a driver opened on first use. */
export function storeOn(open: () => Promise<KeyDriver>): SqlKeyRingStore {
  let driver: Promise<KeyDriver> | undefined;
  const get = () => {
    driver ??= open();
    driver.catch(() => {
      driver = undefined; // a failed open is tried again next time
    });
    return driver;
  };
  const placeholders = (dialect: string, count: number, from = 1) =>
    Array.from({ length: count }, (_, i) => (dialect === 'postgres' ? `$${i + from}` : '?')).join(', ');
  return {
    async listKeys() {
      const db = await get();
      try {
        const rows = await db.rows(
          `SELECT kid, alg, public_jwk, private_key, created_at, activates_at FROM ${SIGNING_KEYS_TABLE} ORDER BY activates_at, created_at, kid LIMIT 65`,
          [],
        );
        return rows.map(fromRow);
      } catch (error) {
        if (db.missingTable(error)) return []; // not migrated: no keys
        throw error;
      }
    },
    async addKey(key) {
      const db = await get();
      await db.rows(
        `INSERT INTO ${SIGNING_KEYS_TABLE} (kid, alg, public_jwk, private_key, created_at, activates_at) VALUES (${placeholders(db.dialect, 6)})`,
        [key.kid, key.alg, key.publicJwk, key.privateKey, key.createdAt, key.activatesAt],
      );
    },
    async removeKeys(kids) {
      if (kids.length === 0) return;
      const db = await get();
      await db.rows(`DELETE FROM ${SIGNING_KEYS_TABLE} WHERE kid IN (${placeholders(db.dialect, kids.length)})`, [...kids]);
    },
    async migrate() {
      const db = await get();
      let existed = true;
      try {
        await db.rows(`SELECT 1 FROM ${SIGNING_KEYS_TABLE} LIMIT 1`, []);
      } catch (error) {
        if (!db.missingTable(error)) throw error;
        existed = false;
      }
      await db.exec(createTableSql(db.dialect));
      return !existed;
    },
    async close() {
      if (driver) await (await driver).close();
      driver = undefined;
    },
  };
}

interface SqliteLike {
  prepare(sql: string): { all(...params: unknown[]): unknown; run?(...params: unknown[]): unknown };
  exec(sql: string): unknown;
}

function sqliteDriver(db: SqliteLike, close: () => unknown): KeyDriver {
  return {
    dialect: 'sqlite',
    async rows(sql, params) {
      const statement = db.prepare(sql);
      // better-sqlite3's all() refuses statements that return no data: run() those.
      if (!/^\s*SELECT/i.test(sql) && typeof statement.run === 'function') {
        statement.run(...params);
        return [];
      }
      return statement.all(...params) as unknown[];
    },
    async exec(sql) {
      db.exec(sql);
    },
    missingTable: (error) => /no such table/i.test(String((error as Error | null)?.message)),
    async close() {
      await close();
    },
  };
}

/**
 * The key ring's keys in SQLite: a file path or `sqlite:` URL (opened with better-sqlite3, else
 * node:sqlite; closed by `close()`), or an open better-sqlite3 / node:sqlite / bun:sqlite database
 * (left open). The table is gatehouse_signing_keys; `migrate()` creates it.
 *
 * @example
 * import { createSqliteKeyRingStore } from 'gatehouse/sqlite';
 * const keys = createSqliteKeyRingStore('./app.db');
 * await keys.migrate();
 */
export function createSqliteKeyRingStore(pathOrDatabase: string | SqliteDatabase): SqlKeyRingStore {
  if (typeof pathOrDatabase === 'string') {
    if (pathOrDatabase === '') throw new ConfigurationError('createSqliteKeyRingStore needs a file path or an open database');
    const path = sqliteFilePath(pathOrDatabase);
    return storeOn(async () => {
      const db = await openSqliteFile(path, { timeoutMs: 5000, mustExist: false, what: 'createSqliteKeyRingStore(path)' });
      return sqliteDriver(db as never, () => db.close());
    });
  }
  if (pathOrDatabase === null || typeof pathOrDatabase !== 'object' || typeof pathOrDatabase.prepare !== 'function') {
    throw new ConfigurationError('createSqliteKeyRingStore needs a file path or an open database');
  }
  return storeOn(async () => sqliteDriver(pathOrDatabase as never, () => {}));
}

interface PgPool extends PostgresQueryable {
  on(event: 'error', listener: (error: Error) => void): unknown;
  end(): Promise<void>;
}

function postgresDriver(client: PostgresQueryable, close: () => unknown): KeyDriver {
  return {
    dialect: 'postgres',
    async rows(sql, params) {
      const result = await client.query(sql, [...params]);
      return result?.rows ?? [];
    },
    async exec(sql) {
      // Two processes migrating at once: the lock orders their CREATE TABLEs (one simple-protocol
      // query without parameters runs as one transaction, so the lock ends with it).
      await client.query(`SELECT pg_advisory_xact_lock(7314986); ${sql}`);
    },
    missingTable: (error) => (error as { code?: unknown } | null)?.code === '42P01',
    async close() {
      await close();
    },
  };
}

/**
 * The key ring's keys in PostgreSQL: a URL (a small pool that `close()` ends) or a pg Pool / Client
 * (left open). The table is gatehouse_signing_keys; `migrate()` creates it.
 *
 * @example
 * import { createPostgresKeyRingStore } from 'gatehouse/postgres';
 * const keys = createPostgresKeyRingStore(process.env.DATABASE_URL!);
 * await keys.migrate();
 */
export function createPostgresKeyRingStore(poolOrUrl: string | PostgresQueryable): SqlKeyRingStore {
  if (typeof poolOrUrl === 'string') {
    if (!/^postgres(ql)?:\/\//.test(poolOrUrl)) throw new ConfigurationError('createPostgresKeyRingStore needs a postgres:// URL or a pool');
    return storeOn(async () => {
      const Pool = await importPgPool<PgPool>('createPostgresKeyRingStore(url)');
      const pool = new Pool({ connectionString: poolOrUrl, max: 2, connectionTimeoutMillis: 5000, query_timeout: 5000, allowExitOnIdle: true });
      pool.on('error', () => {}); // an idle connection dropped: the next query connects anew
      return postgresDriver(pool, () => pool.end());
    });
  }
  if (poolOrUrl === null || typeof poolOrUrl !== 'object' || typeof poolOrUrl.query !== 'function') {
    throw new ConfigurationError('createPostgresKeyRingStore needs a postgres:// URL or a pool');
  }
  return storeOn(async () => postgresDriver(poolOrUrl, () => {}));
}

