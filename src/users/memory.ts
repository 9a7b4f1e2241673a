/** Users held in memory: the store for `fake_users_db`-shaped objects. */
import { type UserDatabase, type UserRecord, type UserStore, checkDatabase } from './store-interface.js';

/** Users held in memory. Lookups use own keys only (`__proto__` is just an unknown user). */
class MemoryUserStoreImpl<U extends UserRecord = UserRecord> implements UserStore<U> {
  readonly #users = new Map<string, U>();

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

