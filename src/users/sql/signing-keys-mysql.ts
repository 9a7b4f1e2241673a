/**
 * The key ring's table on MySQL/MariaDB (gatehouse/mysql): the same statements as SQLite's and
 * PostgreSQL's (signing-keys.ts), on mysql2, kept apart so that those entries do not carry mysql2's side.
 */
import { ConfigurationError } from '../../errors.js';
import { type MysqlQueryable, openMysqlPool } from './mysql-driver.js';
import { type KeyDriver, type SqlKeyRingStore, storeOn } from './signing-keys.js';

function mysqlDriver(client: MysqlQueryable, close: () => unknown): KeyDriver {
  return {
    dialect: 'mysql',
    async rows(sql, params) {
      const answer = (await client.execute(sql, [...params])) as unknown;
      const rows = Array.isArray(answer) ? answer[0] : undefined;
      return Array.isArray(rows) ? rows : [];
    },
    async exec(sql) {
      await client.query(sql);
    },
    missingTable: (error) => (error as { errno?: unknown } | null)?.errno === 1146, // ER_NO_SUCH_TABLE
    async close() {
      await close();
    },
  };
}

/**
 * The key ring's keys in MySQL or MariaDB: a `mysql://` / `mariadb://` URL (a small pool that
 * `close()` ends) or a mysql2/promise pool (left open). The table is gatehouse_signing_keys;
 * `migrate()` creates it.
 *
 * @example
 * import { createMysqlKeyRingStore } from 'gatehouse/mysql';
 * const keys = createMysqlKeyRingStore(process.env.DATABASE_URL!);
 * await keys.migrate();
 */
export function createMysqlKeyRingStore(poolOrUrl: string | MysqlQueryable): SqlKeyRingStore {
  if (typeof poolOrUrl === 'string') {
    if (!/^(mysql|mariadb):\/\//i.test(poolOrUrl)) throw new ConfigurationError('createMysqlKeyRingStore needs a mysql:// URL or a pool');
    return storeOn(async () => {
      const pool = await openMysqlPool(poolOrUrl, { poolSize: 2 }, 'createMysqlKeyRingStore(url)');
      return mysqlDriver(pool, () => pool.end());
    });
  }
  if (poolOrUrl === null || typeof poolOrUrl !== 'object' || typeof poolOrUrl.execute !== 'function') {
    throw new ConfigurationError('createMysqlKeyRingStore needs a mysql:// URL or a pool');
  }
  return storeOn(async () => mysqlDriver(poolOrUrl, () => {}));
}
