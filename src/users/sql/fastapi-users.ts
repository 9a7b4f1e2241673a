/**
 * fastapi-users' `user` table, as its SQLAlchemy model (SQLAlchemyBaseUserTableUUID) creates it:
 * `id` (UUID; CHAR(36) outside PostgreSQL), `email` (unique), `hashed_password`, `is_active`,
 * `is_superuser`, `is_verified`. Shared with the FastAPI app, never altered. A login names the
 * email; is_active = false is a disabled user. Only hashes pwdlib reads (argon2, bcrypt) are
 * written: use `presets.fastapi({ coexist: true })`, which writes pwdlib's argon2id.
 */
import { randomUuid } from '../../internal/random.js';
import type { UserTableLayout } from './layouts.js';
import { ARGON2_SHAPE, BCRYPT_SHAPE, activeColumn, hashesRead, nonEmptyHash } from './old-app-fields.js';

/**
 * The layout of fastapi-users' user table, `layout: 'fastapi-users'`.
 *
 * @example
 * import { createPostgresUserStore } from 'gatehouse/postgres';
 * import { createAuthHandler, presets } from 'gatehouse';
 * const users = createPostgresUserStore(process.env.DATABASE_URL!, { layout: 'fastapi-users' });
 * const handler = createAuthHandler({ users, key, context: presets.fastapi({ coexist: true }) });
 */
export const FASTAPI_USERS_LAYOUT: UserTableLayout = Object.freeze({
  table: 'user',
  columns: Object.freeze({
    username: 'email',
    hashed_password: 'hashed_password',
    email: null,
    full_name: null,
    disabled: activeColumn('is_active'),
    created_at: null,
    updated_at: null,
    username_fold: null,
  }),
  // The model's defaults are Python-side: the NOT NULL columns are written here.
  insertValues: Object.freeze({ id: () => randomUuid(), is_superuser: false, is_verified: false }),
  loginBy: 'email',
  managed: false,
  readHash: nonEmptyHash,
  writeHash: hashesRead('user', 'fastapi-users (pwdlib)', [ARGON2_SHAPE, BCRYPT_SHAPE], 1024),
});
