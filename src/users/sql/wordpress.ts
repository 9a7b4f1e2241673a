/**
 * WordPress's `wp_users` (any table prefix), shared with the WordPress site: read and updated in
 * place, never altered. A login names the user_login, or the user_email when the name has an @ and
 * is no login (wp_authenticate_username_password, then wp_authenticate_email_password).
 *   user_login → username, user_pass → hashed_password, user_email → email ('' for none),
 *   display_name → full_name (the login name when none is given), user_registered set when
 *   gatehouse adds a user, with user_nicename made from the login as WordPress does. No disabled
 *   column. Users gatehouse adds have no role (no wp_usermeta row): wp_authenticate accepts them;
 *   give them one in WordPress if they need one.
 * Only hashes WordPress reads are written (`$P$`, `$wp$2y$`, `$2y$`, Argon2, bare MD5): use
 * `presets.wordpress({ coexist: true, format: await wordpressHashFormat(users) })`.
 */
import type { UserTableLayout } from './layouts.js';
import { ARGON2_SHAPE, BCRYPT_SHAPE, hashesRead, nonEmptyHash, textColumn } from './old-app-fields.js';

/**
 * WordPress's default table prefix ($table_prefix in wp-config.php).
 *
 * @example
 * createSqliteUserStore('./wp.db', { layout: 'wordpress', tablePrefix: WORDPRESS_TABLE_PREFIX }); // wp_users
 */
export const WORDPRESS_TABLE_PREFIX = 'wp_';


const WORDPRESS_READS = [
  /^\$[PH]\$[./0-9A-Za-z]{31}$/, // phpass
  /^\$wp\$2y\$[0-9]{2}\$[./A-Za-z0-9]{53}$/, // WordPress 6.8's bcrypt
  BCRYPT_SHAPE,
  ARGON2_SHAPE,
  /^[0-9a-f]{32}$/, // bare MD5, before 2.5
];

/** sanitize_title() of the login, roughly: lower case, dots and spaces as '-', other marks dropped, 50 at most. */
function nicename(login: string): string {
  return login
    .toLowerCase()
    .replace(/[.\s]+/g, '-')
    .replace(/[^a-z0-9_-]/g, '')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 50);
}

const users = `${WORDPRESS_TABLE_PREFIX}users`;

/**
 * The layout of WordPress's wp_users, `layout: 'wordpress'`; `tablePrefix` (default `wp_`) sets
 * the prefix, as wp-config.php's `$table_prefix` does.
 *
 * @example
 * import { createSqliteUserStore } from 'gatehouse/sqlite';
 * const users = createSqliteUserStore('./wp.db', { layout: 'wordpress', tablePrefix: 'blog_' }); // blog_users
 */
export const WORDPRESS_LAYOUT: UserTableLayout = Object.freeze({
  table: users,
  tablePrefix: WORDPRESS_TABLE_PREFIX,
  columns: Object.freeze({
    username: 'user_login',
    hashed_password: 'user_pass',
    email: textColumn(users, 'user_email', 100),
    full_name: textColumn(users, 'display_name', 250, (user) => user.username),
    disabled: null,
    created_at: 'user_registered',
    updated_at: null,
    username_fold: null,
  }),
  insertValues: Object.freeze({
    user_nicename: (user: { username: string }) => nicename(user.username),
    user_url: '',
    user_activation_key: '',
    user_status: 0,
  }),
  loginBy: 'username or email',
  // user_login has a plain index, not a UNIQUE one: createUser looks first.
  uniqueUsername: false,
  managed: false,
  readHash: nonEmptyHash,
  // user_pass is NOT NULL DEFAULT '': '' for a user without a password (never matches).
  writeHash: hashesRead(users, 'WordPress', WORDPRESS_READS, 255, ''),
});
