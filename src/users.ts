import {
  ConfigurationError,
  HashCostLimitError,
  MalformedHashError,
  UnknownHashError,
  UnsupportedHashError,
} from './errors.js';
import { isThenable, notify } from './internal/await.js';
import { CryptContext, getDefaultContext, type Password } from './passwords/index.js';
import { nodeBuiltin } from './platform/runtime.js';

/** A user as the FastAPI tutorial stores it; extra fields are kept as they are. */
export interface UserRecord {
  username: string;
  hashed_password?: string | null;
  disabled?: boolean | null;
  email?: string | null;
  full_name?: string | null;
  [key: string]: unknown;
}

/** The fields createUser takes: a hash, never a password (hash it with a CryptContext first). */
export interface NewUser {
  username: string;
  hashed_password: string | null;
  email?: string | null;
  full_name?: string | null;
  disabled?: boolean;
}

/** listUsers: a page of users in username order, starting after `after`. */
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
  /** Replace a user's hash whatever it is now (a password change). ERR_USER_NOT_FOUND for unknown users. */
  setPassword?(username: string, hashedPassword: string): Promise<void>;
  /** Disable (true) or enable (false) a user. ERR_USER_NOT_FOUND for unknown users. */
  setDisabled?(username: string, disabled: boolean): Promise<void>;
  /** Remove a user. ERR_USER_NOT_FOUND for unknown users. */
  deleteUser?(username: string): Promise<void>;
  /** Users in username order, without their hashes. */
  listUsers?(options?: ListUsersOptions): Promise<U[]>;
}

/** The seed's fake_users_db shape: records by username. */
export type UserDatabase<U extends UserRecord = UserRecord> = Record<string, U>;

function checkDatabase(db: unknown, where: string): asserts db is UserDatabase {
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
}

/** Users held in memory. Lookups use own keys only (`__proto__` is just an unknown user). */
export class MemoryUserStore<U extends UserRecord = UserRecord> implements UserStore<U> {
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
 * The record a store gave for `username`, when it is one: an object (not an array) whose `username`
 * is the one asked for. Anything else (null, a primitive, another user's record) is no user.
 */
function recordFor<U extends UserRecord>(found: unknown, username: string): U | null {
  if (typeof found !== 'object' || found === null || Array.isArray(found)) return null;
  return (found as UserRecord).username === username ? (found as U) : null;
}

/**
 * Look a user up: whatever the store returns is awaited (promise, thenable, value) and checked with
 * recordFor. This is the one place where a failing store (a throw, a rejection, a throwing getter
 * on the record) surfaces: it rejects with the store's error.
 *
 * @example
 * const user = await findStoredUser(store, 'alice'); // a checked record, or null
 */
export async function findStoredUser<U extends UserRecord>(store: UserStore<U>, username: string): Promise<U | null> {
  return recordFor<U>(await store.findUser(username), username);
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

export function createMemoryUserStore<U extends UserRecord = UserRecord>(db: UserDatabase<U> = {}): MemoryUserStore<U> {
  return new MemoryUserStore(db);
}

type FsPromises = typeof import('node:fs/promises');

/**
 * Users in a JSON file of the fake_users_db shape. Lookups re-read the file only when its size or
 * modification time changed. Hash updates are serialised within the process and replace the file
 * atomically (write a temporary file beside it, flush, rename), so a crash leaves either the old or
 * the new file, never a torn one. Writers in other processes are not coordinated.
 */
export class JsonFileUserStore<U extends UserRecord = UserRecord> implements UserStore<U> {
  readonly path: string;
  readonly #fs: FsPromises;
  #cache: { db: UserDatabase<U>; stamp: string } | undefined;
  #writes: Promise<unknown> = Promise.resolve();

  constructor(path: string) {
    if (typeof path !== 'string' || path === '') throw new ConfigurationError('JsonFileUserStore needs a file path');
    const fs = nodeBuiltin<FsPromises>('node:fs/promises');
    if (!fs) throw new ConfigurationError('JsonFileUserStore needs node:fs/promises, which this runtime lacks');
    this.path = path;
    this.#fs = fs;
  }

  async #read(): Promise<UserDatabase<U>> {
    let stamp: string;
    try {
      const stat = await this.#fs.stat(this.path);
      stamp = `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
    } catch (cause) {
      throw new ConfigurationError(`cannot read the user file ${this.path}: ${(cause as { code?: string }).code ?? 'error'}`);
    }
    if (this.#cache?.stamp === stamp) return this.#cache.db;
    const db = await this.#load();
    this.#cache = { db, stamp };
    return db;
  }

  async #load(): Promise<UserDatabase<U>> {
    let text: string;
    try {
      text = await this.#fs.readFile(this.path, 'utf8');
    } catch (cause) {
      throw new ConfigurationError(`cannot read the user file ${this.path}: ${(cause as { code?: string }).code ?? 'error'}`);
    }
    let db: unknown;
    try {
      db = JSON.parse(text);
    } catch {
      throw new ConfigurationError(`the user file ${this.path} is not valid JSON`);
    }
    checkDatabase(db, this.path);
    return db as UserDatabase<U>;
  }

  async findUser(username: string): Promise<U | null> {
    if (typeof username !== 'string') return null;
    const db = await this.#read();
    return Object.hasOwn(db, username) ? { ...db[username]! } : null;
  }

  /**
   * Rewrite the file with the user's new hash; every other byte of data is kept. Only while the
   * file still holds oldHash (when given) for the user: resolves false when it does not.
   */
  updatePasswordHash(username: string, newHash: string, oldHash?: string): Promise<boolean> {
    const write = this.#writes.then(() => this.#update(username, newHash, oldHash));
    this.#writes = write.catch(() => undefined);
    return write;
  }

  async #update(username: string, newHash: string, oldHash: string | undefined): Promise<boolean> {
    const db = await this.#load(); // the file as it is now, not a cached copy
    if (!Object.hasOwn(db, username)) return false; // removed meanwhile: nothing to upgrade
    if (oldHash !== undefined && db[username]!.hashed_password !== oldHash) return false; // changed meanwhile
    db[username] = { ...db[username]!, hashed_password: newHash };
    const fs = this.#fs;
    const suffix = Array.from(crypto.getRandomValues(new Uint8Array(6)), (b) => b.toString(16).padStart(2, '0')).join('');
    const temp = `${this.path}.${suffix}.tmp`;
    let mode = 0o600;
    try {
      mode = (await fs.stat(this.path)).mode & 0o777;
    } catch {
      // keep 0600
    }
    const handle = await fs.open(temp, 'wx', mode);
    try {
      await handle.writeFile(JSON.stringify(db, null, 2) + '\n', 'utf8');
      await handle.sync();
    } catch (error) {
      await handle.close().catch(() => undefined);
      await fs.rm(temp, { force: true });
      throw error;
    }
    await handle.close();
    try {
      await fs.rename(temp, this.path);
    } catch (error) {
      await fs.rm(temp, { force: true });
      throw error;
    }
    this.#cache = undefined;
    return true;
  }
}

export function createJsonFileUserStore<U extends UserRecord = UserRecord>(path: string): JsonFileUserStore<U> {
  return new JsonFileUserStore<U>(path);
}

/** A stored hash that login refused to check: what `onHashRefused` hears. Never carries the hash. */
export interface HashRefusal {
  /** The user whose stored hash it is. */
  username: string;
  /** The scheme that claimed the hash, or null when none did. */
  scheme: string | null;
  /** ERR_HASH_COST_LIMIT (above a cap: DEFAULT_LIMITS), ERR_HASH_MALFORMED, ERR_HASH_UNSUPPORTED or ERR_HASH_UNKNOWN. */
  code: 'ERR_HASH_COST_LIMIT' | 'ERR_HASH_MALFORMED' | 'ERR_HASH_UNSUPPORTED' | 'ERR_HASH_UNKNOWN';
  /** Why, e.g. "cost 20 is above maxRounds 14". */
  reason: string;
}

export interface AuthenticateOptions {
  /** Default: getDefaultContext() (scrypt, with bcrypt and PBKDF2 upgraded at login). */
  context?: CryptContext;
  /** Told when saving an upgraded hash failed (the login succeeds regardless). */
  onUpdateError?: (error: unknown) => void;
  /**
   * Told when a user's stored hash is refused rather than checked (too costly for the caps, or
   * unreadable): the login fails like a wrong password, and this tells an operator that the
   * account, not the password, is broken. Told who and why, never the hash.
   */
  onHashRefused?: (refusal: HashRefusal) => void;
}

/** Hash errors that mean "this stored hash cannot be checked", not "the server is broken". */
function refusalOf(error: unknown, username: string): HashRefusal | null {
  if (error instanceof UnknownHashError) return { username, scheme: null, code: 'ERR_HASH_UNKNOWN', reason: 'no scheme of the context reads it' };
  if (error instanceof MalformedHashError || error instanceof UnsupportedHashError || error instanceof HashCostLimitError) {
    return { username, scheme: error.scheme, code: error.code as HashRefusal['code'], reason: error.reason };
  }
  return null;
}

/**
 * The user when `password` is theirs, else null. Timing does not tell unknown users apart: an unknown
 * user, a user without a hash and a hash no scheme can read all cost one verify against a hash of
 * the default scheme (context.dummyVerify) and give null, never an error. A correct password on an
 * outdated hash is rehashed with the current policy, saved through `updatePasswordHash` when the
 * store has it, and the returned user carries the new hash. If saving fails the login still
 * succeeds with the old hash (the upgrade is retried at the next login) and `onUpdateError` hears of it.
 * Arguments of the wrong type (from an untyped caller) give null.
 */
export async function authenticateUser<U extends UserRecord>(
  users: UserStore<U>,
  username: string,
  password: Password,
  options: AuthenticateOptions = {},
): Promise<U | null> {
  const context = options.context ?? getDefaultContext();
  // Wrong types say nothing about which users exist: no lookup, no hashing.
  if (typeof username !== 'string' || !(typeof password === 'string' || password instanceof Uint8Array)) return null;
  const user = await findStoredUser(users, username);
  const hash = user?.hashed_password;
  if (!user || typeof hash !== 'string' || hash === '') {
    await context.dummyVerify();
    return null;
  }
  let result: { valid: boolean; newHash: string | null };
  const startedAt = context.now();
  try {
    result = await context.verifyAndUpdate(password, hash);
  } catch (error) {
    const refusal = refusalOf(error, username);
    if (!refusal) throw error;
    notify(options.onHashRefused, refusal);
    await context.dummyVerify();
    return null;
  }
  if (!result.valid) {
    // A wrong password on a hash cheaper than the default costs what an unknown user costs.
    await context.hardenRuntime(startedAt);
    return null;
  }
  if (result.newHash === null) return user;
  let saved: unknown;
  try {
    if (typeof users.updatePasswordHash !== 'function') return user;
    // The verified hash goes along: the store replaces it only if it is still the stored one.
    saved = await users.updatePasswordHash(username, result.newHash, hash);
  } catch (error) {
    notify(options.onUpdateError, error);
    return user;
  }
  return saved === false ? user : { ...user, hashed_password: result.newHash };
}
