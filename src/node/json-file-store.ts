/**
 * Users in a JSON file (the tutorial's fake_users_db shape), read with node:fs: Node-only, so it
 * lives in gatehouse/node.
 */
import fs from 'node:fs/promises'; // the module object: its methods are looked up at each call
import { ConfigurationError, UserStoreError } from '../errors.js';
import { checkDatabase, type UserDatabase, type UserRecord, type UserStore } from '../users/store-interface.js';

/** The file could not be read at request time: the store cannot answer (the handler says 503). */
function unreadable(path: string, cause: unknown): UserStoreError {
  return new UserStoreError('ERR_USER_STORE_UNAVAILABLE', `cannot read the user file ${path}: ${(cause as { code?: string }).code ?? 'error'}`, { cause });
}

/**
 * The store createJsonFileUserStore makes.
 *
 * @example
 * const users = createJsonFileUserStore('./users.json');
 * await serve(createAuthHandler({ users, key }));
 */
export interface JsonFileUserStore<U extends UserRecord = UserRecord> extends UserStore<U> {
  /** The file's path, as given. */
  readonly path: string;
  /** The user's record (a copy), or null; rejects with UserStoreError when the file cannot be read. */
  findUser(username: string): Promise<U | null>;
  /** Rewrite the file with the new hash while it still holds oldHash; resolves false when it does not. */
  updatePasswordHash(username: string, newHash: string, oldHash?: string): Promise<boolean>;
}


/**
 * The store createJsonFileUserStore makes. Users in a JSON file of the fake_users_db shape. Lookups re-read the file only when its size or
 * modification time changed. Hash updates are serialised within the process and replace the file
 * atomically (write a temporary file beside it, flush, rename), so a crash leaves either the old or
 * the new file, never a torn one; a symlink stays a symlink (its target is what is replaced).
 * Writers in other processes are not coordinated. Look-alike names (`JohnDoe` and `johndoe`) make
 * the file invalid, as a record under another name does.
 */
class JsonFileUserStoreImpl<U extends UserRecord = UserRecord> implements JsonFileUserStore<U> {
  readonly path: string;
  #cache: { db: UserDatabase<U>; stamp: string } | undefined;
  #writes: Promise<unknown> = Promise.resolve();

  constructor(path: string) {
    if (typeof path !== 'string' || path === '') throw new ConfigurationError('createJsonFileUserStore needs a file path');
    this.path = path;
  }

  async #read(): Promise<UserDatabase<U>> {
    let stamp: string;
    try {
      const stat = await fs.stat(this.path);
      stamp = `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
    } catch (cause) {
      throw unreadable(this.path, cause);
    }
    if (this.#cache?.stamp === stamp) return this.#cache.db;
    const db = await this.#load();
    this.#cache = { db, stamp };
    return db;
  }

  async #load(): Promise<UserDatabase<U>> {
    let text: string;
    try {
      text = await fs.readFile(this.path, 'utf8');
    } catch (cause) {
      throw unreadable(this.path, cause);
    }
    let db: unknown;
    try {
      db = JSON.parse(text);
    } catch (cause) {
      throw new UserStoreError('ERR_USER_STORE_DATA', `the user file ${this.path} is not valid JSON`, { cause });
    }
    try {
      checkDatabase(db, this.path);
    } catch (cause) {
      throw new UserStoreError('ERR_USER_STORE_DATA', (cause as Error).message, { cause });
    }
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
    // A symlinked file (a deploy's shared users.json) is replaced at its target: renaming onto the
    // link would turn it into a plain file, and later edits of the shared file would go unseen.
    const target = await fs.realpath(this.path);
    const suffix = Array.from(crypto.getRandomValues(new Uint8Array(6)), (b) => b.toString(16).padStart(2, '0')).join('');
    const temp = `${target}.${suffix}.tmp`;
    let mode = 0o600;
    try {
      mode = (await fs.stat(target)).mode & 0o777;
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
      await fs.rename(temp, target);
    } catch (error) {
      await fs.rm(temp, { force: true });
      throw error;
    }
    this.#cache = undefined;
    return true;
  }
}

/**
 * Users in a JSON file of the fake_users_db shape (username → record). Lookups re-read the file
 * only when its size or modification time changed; a file that cannot be read or parsed at request
 * time rejects with UserStoreError (the handler answers 503), and so does one with look-alike names
 * (`JohnDoe` and `johndoe`: they would share the login throttle's counter). Hash upgrades replace
 * the file atomically (temporary file beside the file, or beside a symlink's target, flush, rename);
 * writers in other processes are not coordinated.
 *
 * @example
 * import { createJsonFileUserStore } from 'gatehouse/node';
 * const handler = createAuthHandler({ users: createJsonFileUserStore('users.json'), key: process.env.SECRET_KEY! });
 */
export function createJsonFileUserStore<U extends UserRecord = UserRecord>(path: string): JsonFileUserStore<U> {
  return new JsonFileUserStoreImpl<U>(path);
}

