/** The store interface gatehouse reads users through, and the checked lookup every read goes through. */
import type { SessionStore } from '../tokens/lifecycle/session-store.js';
import { ConfigurationError } from '../errors.js';
import { isThenable } from '../internal/await.js';
import { lookAlikeGroups } from './fold.js';


/**
 * A user as the FastAPI tutorial stores it; extra fields are kept as they are.
 *
 * @example
 * const johndoe: UserRecord = { username: 'johndoe', hashed_password: hash, email: 'johndoe@example.com', disabled: false };
 */
export interface UserRecord {
  username: string;
  hashed_password?: string | null;
  disabled?: boolean | null;
  email?: string | null;
  full_name?: string | null;
  [key: string]: unknown;
}

/**
 * The fields createUser takes: a hash, never a password (hash it with a CryptContext first).
 *
 * @example
 * await users.createUser({ username: 'alice', hashed_password: await hashPassword('correct horse') });
 */
export interface NewUser {
  username: string;
  hashed_password: string | null;
  email?: string | null;
  full_name?: string | null;
  disabled?: boolean;
}

/**
 * listUsers: a page of users in username order, starting after `after`.
 *
 * @example
 * const page = await users.listUsers({ after: lastUsername, limit: 100 });
 */
export interface ListUsersOptions {
  /** Only usernames sorting after this one (the last of the previous page). */
  after?: string;
  /** Page size. Default 1000. */
  limit?: number;
}

/**
 * Where users live. authenticateUser and the handler need `findUser` (and `updatePasswordHash` to
 * save upgraded hashes); the management methods are for stores that can change users (the SQL stores
 * of `gatehouse/sqlite` and `gatehouse/postgres`, the `gatehouse user` commands). A store that cannot
 * reach its data throws a UserStoreError (the handler answers 503).
 *
 * @example
 * const store: UserStore = { findUser: (name) => (name === 'johndoe' ? { username: 'johndoe', hashed_password: hash } : null) };
 */
export interface UserStore<U extends UserRecord = UserRecord> {
  /**
   * The user's record, or null. May return a promise or any thenable (a query builder): it is always
   * awaited, and what comes back counts as the user only when it is an object whose `username` is
   * the one asked for.
   */
  findUser(username: string): U | null | undefined | PromiseLike<U | null | undefined>;
  /**
   * Called after a login with an outdated hash, with the hash of the current policy and the hash
   * that was just verified. A compare-and-swap: the stored hash is replaced only while it still is
   * `oldHash`, so a password change made meanwhile is never overwritten. `false`: it was not.
   */
  updatePasswordHash?(username: string, newHash: string, oldHash: string): void | boolean | PromiseLike<void | boolean>;
  /** Add a user; UserStoreError ERR_USER_EXISTS when the name is taken. Resolves with the stored user. */
  createUser?(user: NewUser): Promise<U>;
  /**
   * Replace a user's hash whatever it is now (a password change). ERR_USER_NOT_FOUND for unknown
   * users. A store that keeps a token stamp (one with renewTokenStamp) renews it in the same change,
   * so that every token issued before is refused: the memory and SQL stores do, and auth.setPassword
   * counts on it.
   */
  setPassword?(username: string, hashedPassword: string): Promise<void>;
  /**
   * Disable (true) or enable (false) a user. ERR_USER_NOT_FOUND for unknown users. Disabling renews
   * the token stamp as setPassword does (where the store keeps one).
   */
  setDisabled?(username: string, disabled: boolean): Promise<void>;
  /** Remove a user. ERR_USER_NOT_FOUND for unknown users. */
  deleteUser?(username: string): Promise<void>;
  /** Users in username order, without their hashes. */
  listUsers?(options?: ListUsersOptions): Promise<U[]>;
  /**
   * Give the user a new token stamp (the `token_stamp` column on tables gatehouse owns), so every
   * token and session issued before is refused: logout everywhere. Resolves with the new stamp;
   * ERR_USER_NOT_FOUND for unknown users. Stores that cannot store a stamp (Django's `auth_user`)
   * leave it out: their stamp derives from the password hash (see tokenStampOf).
   */
  renewTokenStamp?(username: string): Promise<string>;
  /**
   * Where this store keeps sessions (refresh-token families, cookie sessions) and revoked access
   * tokens, beside its users: the SQL stores' tables, the memory store's maps.
   */
  readonly sessions?: SessionStore;
  /**
   * What the login form's `username` names on this store: 'email' (Laravel's, fastapi-users' and
   * better-auth's tables), 'username or email' (WordPress's), or 'username' (the default when absent).
   * The OpenAPI document describes the field accordingly.
   */
  readonly loginBy?: 'username' | 'email' | 'username or email';
}

/**
 * The seed's fake_users_db shape: records by username.
 *
 * @example
 * const fakeUsersDb: UserDatabase = { johndoe: { username: 'johndoe', hashed_password: hash } };
 */
export type UserDatabase<U extends UserRecord = UserRecord> = Record<string, U>;

/**
 * @internal Throws ConfigurationError unless `db` is an object of user records under their usernames,
 * no two of which are look-alikes (the same under foldUsername).
 */
export function checkDatabase(db: unknown, where: string): asserts db is UserDatabase {
  if (typeof db !== 'object' || db === null || Array.isArray(db)) {
    throw new ConfigurationError(`${where}: expected an object of user records by username`);
  }
  for (const [name, record] of Object.entries(db)) {
    if (typeof record !== 'object' || record === null || Array.isArray(record)) {
      throw new ConfigurationError(`${where}: the record of ${JSON.stringify(name)} is not an object`);
    }
    if ((record as UserRecord).username !== name) {
      throw new ConfigurationError(`${where}: the record under ${JSON.stringify(name)} must have that username`);
    }
  }
  // Look-alikes (JohnDoe and johndoe) would share the throttle's counter: one account each, as the SQL stores keep it.
  const twins = lookAlikeGroups(Object.keys(db))[0];
  if (twins) {
    throw new ConfigurationError(
      `${where}: the usernames ${twins.map((name) => JSON.stringify(name)).join(' and ')} differ only in case or Unicode form: keep one`,
    );
  }
}

/**
 * The record a store gave for `username`, when it is one: an object (not an array) whose `username`
 * is the one asked for. Anything else (null, a primitive, another user's record) is no user.
 */
function recordFor<U extends UserRecord>(found: unknown, username: string): U | null {
  if (typeof found !== 'object' || found === null || Array.isArray(found)) return null;
  return (found as UserRecord).username === username ? (found as U) : null;
}

/**
 * @internal Look a user up: whatever the store returns is awaited (promise, thenable, value) and
 * checked with recordFor. This is the one place where a failing store (a throw, a rejection, a
 * throwing getter on the record) surfaces: it rejects with the store's error.
 */
export async function findStoredUser<U extends UserRecord>(store: UserStore<U>, username: string): Promise<U | null> {
  return recordFor<U>(await store.findUser(username), username);
}

/**
 * @internal Key of a store's own lookup of a user together with the revocation check of a token
 * (`(username, jti, sid) => user | null | REVOKED`, maybe a promise), in one statement where the
 * users and the sessions share a database: the SQL stores on PostgreSQL. It answers undefined, at
 * once, when it cannot (a cached user, a synchronous driver): then the two are asked apart.
 * Symbol.for, so that separately bundled entry points agree.
 */
export const FIND_USER_UNLESS_REVOKED: unique symbol = Symbol.for('gatehouse.find-user-unless-revoked') as never;

/** @internal FIND_USER_UNLESS_REVOKED's answer for a token that was revoked. */
export const REVOKED: unique symbol = Symbol.for('gatehouse.revoked') as never;

/** @internal The signature behind FIND_USER_UNLESS_REVOKED. */
export type FindUserUnlessRevoked<U> = (
  username: string,
  jti: string | null,
  sessionId: string | null,
) => U | null | typeof REVOKED | Promise<U | null | typeof REVOKED> | undefined;

/**
 * @internal The store's FIND_USER_UNLESS_REVOKED, its record checked by recordFor; undefined when the
 * store has none or cannot answer this one at once.
 */
export function findUserUnlessRevoked<U extends UserRecord>(
  store: UserStore<U>,
  username: string,
  jti: string | null,
  sessionId: string | null,
): U | null | typeof REVOKED | Promise<U | null | typeof REVOKED> | undefined {
  const own = (store as { [FIND_USER_UNLESS_REVOKED]?: FindUserUnlessRevoked<U> })[FIND_USER_UNLESS_REVOKED];
  if (typeof own !== 'function') return undefined;
  const found = own.call(store, username, jti, sessionId);
  const check = (value: unknown) => (value === REVOKED ? REVOKED : recordFor<U>(value, username));
  return found === undefined ? undefined : isThenable(found) ? Promise.resolve(found).then(check) : check(found);
}

/**
 * @internal findStoredUser without a promise when the store answers with a value (the memory store,
 * SQLite): anything `await` would treat as a promise (isThenable: native, cross-realm, a query
 * builder) is awaited; either way the record is checked by recordFor. Throws synchronously what a
 * synchronous store (or a getter on its record) throws.
 */
export function findUserNow<U extends UserRecord>(store: UserStore<U>, username: string): U | null | Promise<U | null> {
  const found = store.findUser(username);
  return isThenable(found)
    ? Promise.resolve(found).then((value) => recordFor<U>(value, username))
    : recordFor<U>(found, username);
}
