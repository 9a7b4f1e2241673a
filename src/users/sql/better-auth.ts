/**
 * better-auth's `user` and `account` tables (its core schema), shared with the better-auth app,
 * never altered. A login names the email; the hash is `account.password` in the user's row whose
 * `providerId` is 'credential' (users who signed up with OAuth only have none, and no password).
 *   email → username (and email), name → full_name, createdAt / updatedAt set (ISO 8601) on new rows.
 * better-auth stores emails in lower case and lowers what a sign-in gives: add users in lower case.
 * Users gatehouse adds get better-auth's ids (32 letters and digits) and a credential account row;
 * only better-auth's own scrypt hashes are written: use `presets.betterAuth({ coexist: true })`.
 */
import { randomAlphanumeric } from '../../internal/random.js';
import type { UserTableLayout } from './layouts.js';
import { hashesRead, nonEmptyHash, textColumn } from './old-app-fields.js';

/** better-auth's generateId(): 32 alphanumerics. */
const betterAuthId = () => randomAlphanumeric(32);
/** better-auth keeps dates as JavaScript writes them (ISO 8601, UTC); SQL's CURRENT_TIMESTAMP has no zone. */
const now = () => new Date().toISOString();

/**
 * The layout of better-auth's user and account tables, `layout: 'better-auth'`.
 *
 * @example
 * import { createSqliteUserStore } from 'gatehouse/sqlite';
 * import { createAuthHandler, presets } from 'gatehouse';
 * const users = createSqliteUserStore('./sqlite.db', { layout: 'better-auth' });
 * const handler = createAuthHandler({ users, key, context: presets.betterAuth({ coexist: true }) });
 */
export const BETTER_AUTH_LAYOUT: UserTableLayout = Object.freeze({
  table: 'user',
  columns: Object.freeze({
    username: 'email',
    hashed_password: 'password',
    email: null,
    full_name: textColumn('user', 'name', 1024),
    disabled: null,
    created_at: null,
    updated_at: null,
    username_fold: null,
  }),
  insertValues: Object.freeze({ id: betterAuthId, emailVerified: false, createdAt: now, updatedAt: now }),
  credentials: Object.freeze({
    table: 'account',
    userKey: 'id',
    foreignKey: 'userId',
    keyCopies: Object.freeze(['accountId']),
    where: Object.freeze({ providerId: 'credential' }),
    insertValues: Object.freeze({ id: betterAuthId, createdAt: now, updatedAt: now }),
  }),
  loginBy: 'email',
  managed: false,
  readHash: nonEmptyHash,
  writeHash: hashesRead('account', 'better-auth', [/^[0-9a-f]{32}:[0-9a-f]{128}$/], 1024),
});
