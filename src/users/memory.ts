/** Users held in memory: the store for `fake_users_db`-shaped objects. */
import { UserStoreError } from '../errors.js';
import { randomBytes } from '../internal/bytes.js';
import { platform } from '../platform/runtime.js';
import { createMemorySessionStore, type SessionStore } from '../tokens/index.js';
import { type NewUser, type UserDatabase, type UserRecord, type UserStore, checkDatabase } from './store-interface.js';

/** A fresh token stamp: 16 random bytes, base64url. */
function newStamp(): string {
  return platform().encodeBase64Url(randomBytes(16));
}

/** Users held in memory. Lookups use own keys only (`__proto__` is just an unknown user). */
class MemoryUserStoreImpl<U extends UserRecord = UserRecord> implements UserStore<U> {
  readonly #users = new Map<string, U>();
  /** Refresh-token families and revoked access tokens of these users, in memory too. */
  readonly sessions: SessionStore = createMemorySessionStore();

  constructor(db: UserDatabase<U> = {}) {
    checkDatabase(db, 'MemoryUserStore');
    for (const [name, record] of Object.entries(db)) this.#users.set(name, { ...record });
  }

  /** A copy of the record: callers cannot change the store by mutating it. */
  findUser(username: string): U | null {
    const record = typeof username === 'string' ? this.#users.get(username) : undefined;
    return record ? { ...record } : null;
  }

  /** Saves newHash only while the user still has oldHash (when given). */
  updatePasswordHash(username: string, newHash: string, oldHash?: string): boolean {
    const record = this.#users.get(username);
    if (!record || (oldHash !== undefined && record.hashed_password !== oldHash)) return false;
    this.#users.set(username, { ...record, hashed_password: newHash });
    return true;
  }

  /** Adds a user with a fresh token stamp (a name removed and added again never inherits old tokens). */
  async createUser(user: NewUser): Promise<U> {
    if (user === null || typeof user !== 'object' || typeof user.username !== 'string' || user.username.length === 0) {
      throw new UserStoreError('ERR_USER_INVALID', 'createUser: a username is required');
    }
    if (this.#users.has(user.username)) throw new UserStoreError('ERR_USER_EXISTS', 'createUser: the username is taken');
    const record = { ...user, token_stamp: newStamp() } as unknown as U;
    this.#users.set(user.username, record);
    return { ...record };
  }

  /** A password change: the new hash and a new stamp (every token issued before is refused). */
  async setPassword(username: string, hashedPassword: string): Promise<void> {
    this.#change(username, { hashed_password: hashedPassword });
  }

  /** Disable or enable; either renews the stamp (a disabled user's tokens end for good). */
  async setDisabled(username: string, disabled: boolean): Promise<void> {
    this.#change(username, { disabled });
  }

  async deleteUser(username: string): Promise<void> {
    if (!this.#users.delete(username)) throw new UserStoreError('ERR_USER_NOT_FOUND', 'deleteUser: no such user');
  }

  /** Logout everywhere: a new stamp. */
  async renewTokenStamp(username: string): Promise<string> {
    return this.#change(username, {});
  }

  #change(username: string, fields: Partial<UserRecord>): string {
    const record = typeof username === 'string' ? this.#users.get(username) : undefined;
    if (!record) throw new UserStoreError('ERR_USER_NOT_FOUND', 'no such user');
    const token_stamp = newStamp();
    this.#users.set(username, { ...record, ...fields, token_stamp });
    return token_stamp;
  }
}

/**
 * The store createMemoryUserStore makes: findUser and updatePasswordHash over a copy of the records.
 *
 * @example
 * const users: MemoryUserStore = createMemoryUserStore({ johndoe: { username: 'johndoe', hashed_password: hash } });
 * users.findUser('johndoe')?.hashed_password;
 */
export interface MemoryUserStore<U extends UserRecord = UserRecord> extends UserStore<U> {
  findUser(username: string): U | null;
  updatePasswordHash(username: string, newHash: string, oldHash?: string): boolean;
  createUser(user: NewUser): Promise<U>;
  setPassword(username: string, hashedPassword: string): Promise<void>;
  setDisabled(username: string, disabled: boolean): Promise<void>;
  deleteUser(username: string): Promise<void>;
  renewTokenStamp(username: string): Promise<string>;
  /** Sessions and revoked access tokens (refreshTokens uses them by default). */
  readonly sessions: SessionStore;
}

/**
 * Users held in memory, copied from a `fake_users_db`-shaped object (username → record). Lookups
 * use own keys only and hand out copies; hash upgrades are kept in memory. Look-alike names
 * (`JohnDoe` and `johndoe`, the same after NFKC and lower case) are a ConfigurationError.
 *
 * @example
 * const users = createMemoryUserStore({ johndoe: { username: 'johndoe', hashed_password: hash } });
 */
export function createMemoryUserStore<U extends UserRecord = UserRecord>(db: UserDatabase<U> = {}): MemoryUserStore<U> {
  return new MemoryUserStoreImpl(db);
}

