import {
  ConfigurationError,
  HashCostLimitError,
  MalformedHashError,
  UnknownHashError,
  UnsupportedHashError,
} from './errors.js';
import { notify } from './internal/await.js';
import { CryptContext, getDefaultContext, type Password } from './passwords/index.js';
import { nodeBuiltin } from './runtime.js';

/** A user as the FastAPI tutorial stores it; extra fields are kept as they are. */
export interface UserRecord {
  username: string;
  hashed_password?: string | null;
  disabled?: boolean | null;
  email?: string | null;
  full_name?: string | null;
  [key: string]: unknown;
}

export interface UserStore<U extends UserRecord = UserRecord> {
  /**
   * The user's record, or null. May return a promise or any thenable (a query builder): it is always
   * awaited, and what comes back counts as the user only when it is an object whose `username` is
   * the one asked for.
   */
  findUser(username: string): U | null | undefined | PromiseLike<U | null | undefined>;
  /** Called after a login with an outdated hash, with the hash of the current policy. */
  updatePasswordHash?(username: string, newHash: string): void | PromiseLike<void>;
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

  updatePasswordHash(username: string, newHash: string): void {
    const record = this.#users.get(username);
    if (record) this.#users.set(username, { ...record, hashed_password: newHash });
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
 * @internal findStoredUser, without a promise for gatehouse's own memory store (its records are
 * checked when the store is made and copied on the way out); every other store is awaited.
 */
export function findUserNow<U extends UserRecord>(store: UserStore<U>, username: string): U | null | Promise<U | null> {
  if (Object.getPrototypeOf(store) === MemoryUserStore.prototype && !Object.hasOwn(store, 'findUser')) {
    return recordFor<U>((store as MemoryUserStore<U>).findUser(username), username);
  }
  return findStoredUser(store, username);
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
  #writes: Promise<void> = Promise.resolve();

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

  /** Rewrite the file with the user's new hash; every other byte of data is kept. */
  updatePasswordHash(username: string, newHash: string): Promise<void> {
    const write = this.#writes.then(() => this.#update(username, newHash));
    this.#writes = write.catch(() => undefined);
    return write;
  }

  async #update(username: string, newHash: string): Promise<void> {
    const db = await this.#load(); // the file as it is now, not a cached copy
    if (!Object.hasOwn(db, username)) return; // removed meanwhile: nothing to upgrade
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
  try {
    if (typeof users.updatePasswordHash !== 'function') return user;
    await users.updatePasswordHash(username, result.newHash);
  } catch (error) {
    notify(options.onUpdateError, error);
    return user;
  }
  return { ...user, hashed_password: result.newHash };
}
