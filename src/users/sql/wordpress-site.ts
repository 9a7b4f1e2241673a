/** What a WordPress site's own options say about the hashes it reads (its db_version). */
import { ConfigurationError } from '../../errors.js';
import { SqlTableUserStore, type SqlUserStore } from './store.js';
import { WORDPRESS_TABLE_PREFIX } from './wordpress.js';

/**
 * db_version of WordPress 6.8, the first that writes (and reads) `$wp$2y$` hashes.
 *
 * @example
 * const reads68 = ((await wordpressDbVersion(users)) ?? 0) >= WORDPRESS_68_DB_VERSION;
 */
export const WORDPRESS_68_DB_VERSION = 58975;

/**
 * Which hashes a WordPress site reads, from its `db_version` in `<prefix>options`: 'wp-bcrypt'
 * from WordPress 6.8 (db_version 58975) on, 'phpass' before, and 'phpass' when the option cannot
 * be read (every WordPress reads `$P$`). For presets.wordpress's `format` in coexistence.
 *
 * @example
 * const users = createSqliteUserStore('./wp.db', { layout: 'wordpress' });
 * const context = presets.wordpress({ coexist: true, format: await wordpressHashFormat(users) });
 */
export async function wordpressHashFormat(store: SqlUserStore, tablePrefix = WORDPRESS_TABLE_PREFIX): Promise<'wp-bcrypt' | 'phpass'> {
  const version = await wordpressDbVersion(store, tablePrefix);
  return version !== null && version >= WORDPRESS_68_DB_VERSION ? 'wp-bcrypt' : 'phpass';
}

/**
 * The site's `db_version` (an integer), or null when it is missing or not a number.
 *
 * @example
 * await wordpressDbVersion(users); // 53496 for WordPress 6.1
 */
export async function wordpressDbVersion(store: SqlUserStore, tablePrefix = WORDPRESS_TABLE_PREFIX): Promise<number | null> {
  if (!(store instanceof SqlTableUserStore)) throw new ConfigurationError('wordpressDbVersion needs a store of gatehouse/sqlite, postgres or mysql');
  if (typeof tablePrefix !== 'string' || !/^[A-Za-z0-9_]{0,40}$/.test(tablePrefix)) {
    throw new ConfigurationError('the WordPress table prefix is letters, digits and _');
  }
  const driver = await store.driver();
  const dialect = driver.dialect as string;
  const table = dialect === 'mysql' ? `\`${tablePrefix}options\`` : `"${tablePrefix}options"`;
  const sql = `SELECT option_value AS c0 FROM ${table} WHERE option_name = ${dialect === 'postgres' ? '$1' : '?'} LIMIT 1`;
  let rows: unknown;
  try {
    rows = await driver.query(sql, ['db_version']);
  } catch {
    return null;
  }
  const value = Array.isArray(rows) && rows[0] !== null && typeof rows[0] === 'object' ? (rows[0] as { c0?: unknown }).c0 : undefined;
  const text = typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '';
  return /^[0-9]{1,9}$/.test(text) ? Number(text) : null;
}
