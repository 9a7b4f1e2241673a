/**
 * Laravel's `users` table, as its default migration creates it (`id`, `name`, `email` UNIQUE,
 * `email_verified_at`, `password`, `remember_token`, timestamps), shared with the Laravel app:
 * read and updated in place, never altered. A login names the email (Auth::attempt's default).
 *   email → username (and email), password → hashed_password, name → full_name, created_at /
 *   updated_at set when gatehouse adds or changes a user. No disabled column.
 * Only hashes Laravel's Hash::check reads (password_verify: bcrypt `$2y$`, Argon2) are written:
 * use `presets.php({ coexist: true, cost })` (Laravel before 11 hashes at cost 10, 11+ at 12).
 */
import type { UserTableLayout } from './layouts.js';
import { ARGON2_SHAPE, BCRYPT_SHAPE, hashesRead, nonEmptyHash, textColumn } from './old-app-fields.js';

/**
 * The layout of Laravel's users table, `layout: 'laravel'`.
 *
 * @example
 * import { createSqliteUserStore } from 'gatehouse/sqlite';
 * import { createAuthHandler, presets } from 'gatehouse';
 * const users = createSqliteUserStore('./database/database.sqlite', { layout: 'laravel' });
 * const handler = createAuthHandler({ users, key, context: presets.php({ coexist: true, cost: 10 }) });
 */
export const LARAVEL_LAYOUT: UserTableLayout = Object.freeze({
  table: 'users',
  columns: Object.freeze({
    username: 'email',
    hashed_password: 'password',
    email: null,
    full_name: textColumn('users', 'name', 255),
    disabled: null,
    created_at: 'created_at',
    updated_at: 'updated_at',
    username_fold: null,
  }),
  loginBy: 'email',
  managed: false,
  readHash: nonEmptyHash,
  // password is NOT NULL: '' for a user without one (Hash::check refuses an empty hash).
  writeHash: hashesRead('users', 'Laravel', [BCRYPT_SHAPE, ARGON2_SHAPE], 255, ''),
});
