/**
 * The user store behind gatehouse/sqlite and gatehouse/postgres: SQL built once from a layout, run
 * through a small driver adapter. Every value is a bound parameter; the only names in the SQL text
 * are the layout's validated, quoted identifiers. Drivers answer synchronously (better-sqlite3,
 * node:sqlite, bun:sqlite: findUser then needs no promise) or with a promise (pg, D1: each statement
 * then has a time limit). Whatever a driver returns is checked before it becomes a UserRecord.
 */
import { ConfigurationError, UserStoreError, type UserStoreErrorCode } from '../../errors.js';
import { isThenable } from '../../internal/await.js';
import { BASE64URL_ALPHABET, encodeBase64 } from '../../internal/base64.js';
import { randomBytes } from '../../internal/bytes.js';
import { BoundedMap } from '../../internal/bounded-map.js';
import { unrefTimer } from '../../platform/runtime.js';
import { FIND_USER_UNLESS_REVOKED, REVOKED, type ListUsersOptions, type NewUser, type UserRecord, type UserStore } from '../store-interface.js';
import { type LayoutOptions, type LoginBy, type ResolvedField, type ResolvedLayout, type SqlValue, insertValueFor, resolveLayout } from './layouts.js';
import { LAYOUTS } from './known-layouts.js';
import { type FieldSlot, type SqlDialect, type Statements, backticked, buildStatements, createTableSql, foldIndexSql, mysqlFoldColumn, mysqlFoldIndex, sqliteTableParts } from './statements.js';
import { foldUsername, lookAlikeGroups } from '../fold.js';
import { type SqlRunner, type SqlSessionStore, SqlTableSessionStore } from './sessions.js';
import { withSessionsRevoked } from './session-statements.js';
import {
  MAX_FIELD_LENGTH,
  MAX_HASH_LENGTH,
  checkText,
  checkUsername,
  disabledFlag,
  textOrNull,
  timestamp,
  validUsername,
} from './values.js';

export type { SqlDialect } from './statements.js';
export type { SqlSessionStore } from './sessions.js';
export { MAX_USERNAME_LENGTH } from './values.js';

/**
 * @internal What a driver adapter provides: the rows of one statement (SELECT, or a write with
 * RETURNING), statements without parameters (migrate), and which of its errors mean "unreachable".
 */
export interface SqlDriver {
  readonly dialect: SqlDialect;
  /** Rows, or a promise / thenable of rows. `?` placeholders on SQLite, `$1`... on PostgreSQL. */
  query(sql: string, params: readonly SqlValue[]): unknown;
  /** Run statements that take no parameters (DDL). */
  exec(sql: string): unknown;
  /** True when the error says the database cannot be reached (down, busy, locked, timed out). */
  unavailable(error: unknown): boolean;
  /** Present when the store opened the database itself and so closes it. */
  close?(): unknown;
  /**
   * PostgreSQL pools the store opened: LISTEN on `channel` on a connection of its own. Resolves once
   * listening, with the function that stops; `onLost` is called once if the connection fails.
   */
  listen?(channel: string, onNotify: () => void, onLost: (error: unknown) => void): Promise<() => Promise<void>>;
  /**
   * Present on synchronous drivers: `sql` (one `?` parameter) prepared now, once, as a function
   * giving its rows at once. findUser runs through it on every request.
   */
  prepare?(sql: string): PreparedQuery;
}

/**
 * @internal A statement of a synchronous driver, prepared once: `rows(value)` runs it with its one
 * parameter. Rows are arrays of the cells in select order when `arrays` (better-sqlite3's raw
 * mode: no object per row, no property names), else objects keyed c0, c1, ...
 */
export interface PreparedQuery {
  readonly arrays: boolean;
  rows(value: string): unknown;
}

/**
 * A short-lived per-process copy of the users findUser read. Off by default.
 *
 * @example
 * const users = createSqliteUserStore('./users.db', { cache: { ttl: 2000, max: 50_000 } });
 */
export interface UserCacheOptions {
  /**
   * Milliseconds a user read from the database is reused. Staleness: a change made by another
   * process (a password change, a disable, a removal) shows here only after up to `ttl`; changes
   * made through this store object show at once.
   */
  ttl: number;
  /** Users kept at most (the oldest go first). Default 10000. */
  max?: number;
}

/**
 * Options every SQL user store takes: layout, cache, statement timeout, error hook.
 *
 * @example
 * createPostgresUserStore(pool, { layout: 'django', timeoutMs: 2000, onError: (error) => log.warn(error.code) });
 */
export interface SqlUserStoreOptions extends LayoutOptions {
  /** Reuse users read by findUser for `ttl` ms (see UserCacheOptions for the trade-off). Default off. */
  cache?: UserCacheOptions | false;
  /** Time limit of one statement on an asynchronous driver, in ms. Default 5000. */
  timeoutMs?: number;
  /** Told of every failure of the database (unavailable, refused, malformed data), before it is thrown. */
  onError?: (error: UserStoreError) => void;
}

const DEFAULT_PAGE = 1000;

/** MySQL's catalog: the table (`db.table`, or `table` in the connection's database). */
const MYSQL_TABLE = 'TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ?';
function mysqlTableParts(name: string): [string | null, string] {
  const parts = name.split('.');
  return parts.length === 2 ? [parts[0]!, parts[1]!] : [null, name];
}

/** The token stamp column of tables gatehouse owns (docs/databases.md): quoted, and as the catalog names it. */
const STAMP_NAME = 'token_stamp';
const STAMP_COLUMN = '"token_stamp"';
/** A table without the stamp column is looked at again after this long (a migrate by another process shows). */
const STAMP_RECHECK_MS = 60_000;

/** A fresh token stamp: 16 random bytes, base64url. */
function newStamp(): string {
  return encodeBase64(randomBytes(16), BASE64URL_ALPHABET, false);
}
const MAX_PAGE = 10_000;

/** A driver error's code when it is a plain token (SQLSTATE, SQLITE_BUSY, ECONNREFUSED): safe to show. */
function safeCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[A-Z0-9_]{2,40}$/.test(code) ? ` (${code})` : '';
}

interface UserCache {
  readonly ttl: number;
  readonly max: number;
  readonly users: BoundedMap<string, { user: UserRecord; expires: number }>;
}

/**
 * A UserStore on an SQL table, as createSqliteUserStore, createD1UserStore and
 * createPostgresUserStore make it: every management method of UserStore, plus `migrate`, `check`
 * and `close`. A type only: the stores are made by those functions.
 *
 * @example
 * import { createSqliteUserStore, type SqlUserStore } from 'gatehouse/sqlite';
 * const store: SqlUserStore = createSqliteUserStore('./users.db');
 * await store.migrate();
 * await store.createUser({ username: 'alice', hashed_password: await hashPassword('s3cret') });
 */
export interface SqlUserStore extends UserStore<UserRecord> {
  /** The table, quoted as the SQL uses it. */
  readonly table: string;
  /** What a login names on this table: its username, an email address, or either (the layout's loginBy). */
  readonly loginBy: LoginBy;
  /**
   * The user, or null. Names the store cannot hold (empty, NUL, over 256 characters) are unknown
   * users without a query. Synchronous on a synchronous driver once open.
   */
  findUser(username: string): UserRecord | null | Promise<UserRecord | null>;
  /** Compare-and-swap: the hash changes only while the row still holds `oldHash`. False when it did not. */
  updatePasswordHash(username: string, newHash: string, oldHash: string): Promise<boolean>;
  /**
   * Add a user: ERR_USER_EXISTS when the name is taken or a look-alike of it is (see findLookAlike).
   * With the fold column (migrate) that holds for creations at the same moment too; without it
   * (Django's auth_user, another app's table) a query looks first: best effort. Takes a hash: hash
   * passwords with a CryptContext first.
   */
  createUser(user: NewUser): Promise<UserRecord>;
  /** Replace the hash whatever it is now (a password change). */
  setPassword(username: string, hashedPassword: string): Promise<void>;
  /** Disable (true) or enable (false) a user. */
  setDisabled(username: string, disabled: boolean): Promise<void>;
  /** Remove a user. */
  deleteUser(username: string): Promise<void>;
  /** A page of users in username order, without hashes (with created_at / updated_at where mapped). */
  listUsers(options?: ListUsersOptions): Promise<UserRecord[]>;
  /**
   * Create the table when it is missing (CREATE TABLE IF NOT EXISTS). An existing table gets the
   * username fold column (`username_fold`, under a UNIQUE index) when it lacks it, filled in for
   * every row; look-alike names already there (JohnDoe and johndoe) are left as they are, one of
   * them holding the fold: listLookAlikes() names them. It also gets the nullable `token_stamp`
   * column (logout everywhere: NULL reads as "derived from the hash"), and the lifecycle tables are
   * created (see `sessions`). Nothing else of an existing table is altered. Resolves true when it
   * created the table. Refused for layouts of tables another app owns.
   */
  migrate(): Promise<boolean>;
  /**
   * The existing username that is `username` or a look-alike of it (the same after NFKC and lower
   * case: `JohnDoe`, `ｊohndoe` for `johndoe`), or null. createUser refuses such names.
   */
  findLookAlike(username: string): Promise<string | null>;
  /**
   * The groups of look-alike usernames in the table (made before gatehouse refused them, or by
   * another app): each group two or more names that fold alike. Reads every username.
   */
  listLookAlikes(): Promise<string[][]>;
  /** Resolves once the table and every mapped column can be read; rejects with UserStoreError otherwise. */
  check(): Promise<void>;
  /**
   * Sessions and revoked access tokens, in gatehouse_sessions and gatehouse_revoked_tokens on the
   * same database (created by migrate(); on a table another app owns, by `sessions.migrate()`).
   */
  readonly sessions: SqlSessionStore;
  /** Close the database if the store opened it (from a path or URL); a database handed in stays open. */
  close(): Promise<void>;
}

/**
 * @internal The SqlUserStore that the create* functions of gatehouse/sqlite and gatehouse/postgres
 * return; public entries export the interface only, so a store has one way to be made. Its members
 * are documented on SqlUserStore.
 */
export class SqlTableUserStore implements SqlUserStore {
  readonly dialect: SqlDialect;
  readonly #layout: ResolvedLayout;
  #sql: Statements;
  /** findUser's statement with the revocation check beside it, and the find it was made of. */
  #unlessRevoked: { find: string; sql: string | null } | undefined;
  /** The statements with the token stamp column (tables gatehouse owns), switched to once the column is seen. */
  readonly #stampedSql: { sql: Statements; stampAt: number | null } | null;
  /** Whether the table has the token stamp column: undefined until looked at (once, or by migrate). */
  #stamped: boolean | undefined;
  #stampAt: number | null = null;
  /** Without the column: when to look again (another process may run migrate meanwhile). */
  #stampRecheckAt = 0;
  readonly sessions: SqlSessionStore & { exists(): boolean | Promise<boolean> };
  /** Logout everywhere (see UserStore): only on tables gatehouse owns, as the others cannot keep a stamp. */
  readonly renewTokenStamp?: (username: string) => Promise<string>;
  readonly #slots: readonly FieldSlot[];
  readonly #listSlots: readonly FieldSlot[];
  readonly #timeoutMs: number;
  readonly #onError: ((error: UserStoreError) => void) | undefined;
  readonly #cache: UserCache | null;
  /** Writes begun through this store, so that a read racing one is not cached. */
  #writes = 0;
  /** The table has the fold column (known once seen; looked for again while not). */
  #folded = false;
  #driver: SqlDriver | undefined;
  /** findUser's statement on a synchronous driver, prepared at its first use and kept until close. */
  #find: PreparedQuery | undefined;
  #opening: (() => Promise<SqlDriver>) | undefined;
  #pending: Promise<SqlDriver> | undefined;

  /** A driver, or a function that opens one: called (again after a failure) until it gives one. */
  constructor(
    dialect: SqlDialect,
    driver: SqlDriver | (() => Promise<SqlDriver>),
    options: SqlUserStoreOptions = {},
    /** MySQL's own session store (no RETURNING: mysql-sessions.ts); the shared SQL one otherwise. */
    sessions?: SqlSessionStore & { exists(): boolean | Promise<boolean> },
  ) {
    if (options === null || typeof options !== 'object') throw new ConfigurationError('user store options must be an object');
    this.dialect = dialect;
    if (typeof driver === 'function') this.#opening = driver;
    else this.#driver = driver;
    this.#layout = resolveLayout(options, LAYOUTS);
    const timeoutMs = options.timeoutMs ?? 5000;
    if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1) throw new ConfigurationError('timeoutMs must be a positive integer');
    this.#timeoutMs = timeoutMs;
    if (options.onError !== undefined && typeof options.onError !== 'function') throw new ConfigurationError('onError must be a function');
    this.#onError = options.onError;
    this.#cache = resolveCache(options.cache);
    const built = buildStatements(dialect, this.#layout);
    this.#sql = built.sql;
    this.#slots = built.slots;
    this.#listSlots = built.listSlots;
    const layout = this.#layout;
    const stampable = layout.managed && layout.simple;
    this.#stampedSql = stampable ? buildStatements(dialect, layout, STAMP_COLUMN) : null;
    this.#stamped = stampable ? undefined : false;
    if (stampable) this.renewTokenStamp = (username) => this.#renewTokenStamp(username);
    const runner: SqlRunner = {
      dialect,
      run: (op, sql, params) => this.#run(op, sql, params, (rows) => rows),
      exec: async (op, sql) => {
        const opened = await this.#open();
        return this.#await(op, () => opened.exec(sql));
      },
      report: (error) => this.#report(error),
      listen: async (channel, onNotify, onLost) => {
        const opened = await this.#open();
        return opened.listen ? opened.listen(channel, onNotify, onLost) : null;
      },
    };
    this.sessions = sessions ?? new SqlTableSessionStore(runner, layout.tableName);
  }

  /**
   * Whether the table has the token stamp column, looked up once (synchronously on a synchronous
   * driver once open). A missing table is looked at again next time.
   */
  #hasStamp(op: string): boolean | Promise<boolean> {
    if (this.#stamped !== undefined) return this.#stamped;
    const [sql, params]: [string, SqlValue[]] =
      this.dialect === 'postgres'
        ? ['SELECT attname AS c0 FROM pg_attribute WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped', [this.#layout.table]]
        : this.dialect === 'mysql'
          ? [`SELECT COLUMN_NAME AS c0 FROM information_schema.COLUMNS WHERE ${MYSQL_TABLE}`, mysqlTableParts(this.#layout.tableName)]
          : ['SELECT name AS c0 FROM pragma_table_info(?, ?)', sqliteTableParts(this.#layout.tableName)];
    return this.#run(op, sql, params, (rows) => {
      if (rows.length === 0) return false; // no table yet
      const has = rows.some((row) => this.#name(row) === STAMP_NAME);
      if (has) this.#useStamp();
      else {
        this.#stamped = false;
        this.#stampRecheckAt = Date.now() + STAMP_RECHECK_MS;
      }
      return has;
    });
  }

  #useStamp(): void {
    if (this.#stamped === true || !this.#stampedSql) return;
    this.#sql = this.#stampedSql.sql;
    this.#stampAt = this.#stampedSql.stampAt;
    this.#find = undefined;
    this.#stamped = true;
  }

  get table(): string {
    return this.#layout.table;
  }

  get loginBy(): LoginBy {
    return this.#layout.loginBy;
  }

  findUser(username: string): UserRecord | null | Promise<UserRecord | null> {
    if (!validUsername(username)) return null;
    if (this.#stampToLookUp()) {
      if (this.#stamped === false) this.#stamped = undefined;
      const known = this.#hasStamp('findUser');
      if (isThenable(known)) return known.then(() => this.#findUser(username));
    }
    return this.#findUser(username);
  }

  /** Whether findUser must first look for the stamp column: not known yet, or missing and due for another look. */
  #stampToLookUp(): boolean {
    return this.#stamped === undefined || (this.#stamped === false && this.#stampedSql !== null && Date.now() >= this.#stampRecheckAt);
  }

  #findUser(username: string): UserRecord | null | Promise<UserRecord | null> {
    const cache = this.#cache;
    if (cache) {
      const hit = cache.users.peek(username);
      if (hit && hit.expires > Date.now()) return { ...hit.user };
      if (hit) cache.users.delete(username);
    }
    const writes = this.#writes;
    const driver = this.#driver;
    // The hot path (every authenticated request): a synchronous driver's statement, prepared once,
    // run with the name as it is; no parameter array, no closure, no promise.
    if (driver?.prepare) {
      let find = this.#find;
      let rows: unknown;
      try {
        if (find === undefined) this.#find = find = driver.prepare(this.#sql.find);
        rows = find.rows(username);
      } catch (error) {
        throw this.#fail('findUser', error);
      }
      const user = this.#found(this.#rows('findUser', rows), find.arrays, cache, writes);
      return user === null && this.#byEmail(username) ? this.#findAlternate(username, cache, writes) : user;
    }
    const exact = this.dialect === 'mysql' ? username : undefined;
    const found = this.#run('findUser', this.#sql.find, [username], (rows) => this.#found(rows, false, cache, writes, exact));
    if (!this.#byEmail(username)) return found;
    return isThenable(found)
      ? Promise.resolve(found).then((user) => user ?? this.#findAlternate(username, cache, writes))
      : (found ?? this.#findAlternate(username, cache, writes));
  }

  /**
   * @internal findUser and the revocation check of a token in one statement (PostgreSQL, with this
   * store's own session tables); undefined when it cannot: a user in the cache, a table whose stamp
   * column is not known yet, a name that may be an email, another dialect (see store-interface.ts).
   */
  [FIND_USER_UNLESS_REVOKED](
    username: string,
    jti: string | null,
    sessionId: string | null,
  ): UserRecord | null | typeof REVOKED | Promise<UserRecord | null | typeof REVOKED> | undefined {
    const sessions = this.sessions;
    if (this.dialect !== 'postgres' || !(sessions instanceof SqlTableSessionStore) || this.#stampToLookUp()) return undefined;
    if (!validUsername(username)) return null;
    if (this.#byEmail(username)) return undefined;
    const cache = this.#cache;
    const hit = cache?.users.peek(username);
    if (hit && hit.expires > Date.now()) return undefined; // the user from the cache, the check apart
    const keys = sessions.revocationKeys(jti, sessionId);
    if (keys === true) return REVOKED;
    // Known not revoked since the last revocation anywhere (see SqlTableSessionStore): the user alone.
    if ((keys[0] === null && keys[1] === null) || sessions.knownNotRevoked(keys[0], keys[1])) return this.#findUser(username);
    const find = this.#sql.find;
    if (this.#unlessRevoked?.find !== find) this.#unlessRevoked = { find, sql: sessions.unlessRevokedSql(find) };
    const sql = this.#unlessRevoked.sql;
    if (sql === null) return undefined;
    const writes = this.#writes;
    const epoch = sessions.revocationEpoch;
    return this.#run('findUser', sql, [username, keys[0], keys[1]], (rows) => {
      const user = this.#found(rows, false, cache, writes);
      const revoked = rows.length === 1 && (rows[0] as { gatehouse_revoked?: unknown }).gatehouse_revoked;
      if (revoked !== true && revoked !== false && user !== null) {
        throw this.#report(new UserStoreError('ERR_USER_STORE_DATA', 'findUser: the revocation check gave no boolean'));
      }
      if (revoked === true) return REVOKED;
      if (user !== null) sessions.rememberNotRevoked(keys[0], keys[1], epoch);
      return user;
    });
  }

  /** 'username or email': a name with an @ that is no login name is looked for as an email, as WordPress does. */
  #byEmail(name: string): boolean {
    return this.#sql.findAlternate !== null && name.includes('@');
  }

  /** The user whose email is `email`, under that name (the name the login and its token carry). */
  #findAlternate(email: string, cache: UserCache | null, writes: number): UserRecord | null | Promise<UserRecord | null> {
    return this.#run('findUser', this.#sql.findAlternate!, [email], (rows) => {
      const user = this.#found(rows, false, null, writes);
      if (user === null) return null;
      const named = { ...user, username: email };
      if (cache && writes === this.#writes) this.#remember(cache, named);
      return named;
    });
  }

  /**
   * The username a write names: `name`, or on 'username or email' the username of the one user
   * whose email it is (when no username is `name`).
   */
  async #target(op: string, name: string): Promise<string> {
    if (!this.#byEmail(name)) return name;
    if ((await this.#run(op, this.#sql.named, [name], (r) => r)).length > 0) return name;
    const rows = await this.#run(op, this.#sql.alternateName!, [name], (r) => r);
    const owner = rows.length === 1 ? this.#name(rows[0]) : null;
    if (owner !== null) this.#forget(name);
    return owner ?? name;
  }

  /** findUser's rows as its answer: null, the user, or ERR_USER_STORE_DATA for two rows. */
  #found(rows: unknown[], arrays: boolean, cache: UserCache | null, writes: number, username?: string): UserRecord | null {
    // MySQL compares by the column's collation: another app's _ci column gives `JohnDoe` for `johndoe`.
    if (username !== undefined) rows = rows.filter((row) => this.#name(row) === username);
    if (rows.length > 1) throw this.#report(new UserStoreError('ERR_USER_STORE_DATA', 'findUser: the username is not unique in the table'));
    const user = rows.length === 0 ? null : this.#decode(rows[0], this.#slots, true, arrays);
    // A write through this store since the read began may have made the row stale: not kept.
    if (user && cache && writes === this.#writes) this.#remember(cache, user);
    return user;
  }

  async updatePasswordHash(username: string, newHash: string, oldHash: string): Promise<boolean> {
    const name = await this.#target('updatePasswordHash', checkUsername(username));
    const hash = this.#layout.writeHash(checkText(newHash, 'the new hash', MAX_HASH_LENGTH, false));
    const old = checkText(oldHash, 'the old hash', MAX_HASH_LENGTH, false);
    const rows = await this.#modify(name, 'updatePasswordHash', this.#sql.compareAndSwap, [hash, name, old]);
    return rows.length > 0;
  }

  async createUser(user: NewUser): Promise<UserRecord> {
    if (user === null || typeof user !== 'object') throw new UserStoreError('ERR_USER_INVALID', 'createUser needs a user object');
    const username = checkUsername(user.username);
    const layout = this.#layout;
    if (layout.loginBy === 'email' && !/^[^@\s]+@[^@\s]+$/.test(username)) {
      throw new UserStoreError('ERR_USER_INVALID', 'this table logs in by email: the username is an email address');
    }
    const given = checkText(user.hashed_password, 'hashed_password', MAX_HASH_LENGTH, true);
    // With a credentials table, a user without a password has no credentials row.
    const stored = layout.credentials && given === null ? null : layout.writeHash(given);
    const record: UserRecord = {
      username,
      hashed_password: stored === null ? null : layout.readHash(stored),
      email: layout.loginBy === 'email' ? username : checkText(user.email, 'email', MAX_FIELD_LENGTH, true),
      full_name: checkText(user.full_name, 'full_name', MAX_FIELD_LENGTH, true),
      disabled: user.disabled ?? false,
    };
    if (typeof record.disabled !== 'boolean') throw new UserStoreError('ERR_USER_INVALID', 'disabled must be a boolean');
    const params: SqlValue[] = layout.credentials ? [username] : [username, stored];
    for (const { name, field } of this.#slots) params.push(...this.#columnValues(field, name, record[name] ?? null, record));
    for (const [, value] of layout.insertValues) params.push(insertValueFor(value, record));
    if (await this.#hasStamp('createUser')) params.push(newStamp()); // a name added again never shares the old stamp
    const taken = () => new UserStoreError('ERR_USER_EXISTS', 'createUser: the username or a look-alike of it is taken');
    let insert = this.#sql.insert;
    if (this.#sql.insertFolded && (await this.#hasFoldColumn('createUser'))) {
      // The UNIQUE index on the fold refuses a look-alike inserted at the same moment, too.
      insert = this.#sql.insertFolded;
      params.push(foldUsername(username));
    } else if ((await this.#lowerMatch('createUser', username)) !== null) {
      throw taken();
    }
    const rows = await this.#modify(username, 'createUser', insert, params);
    if (rows.length === 0) throw taken();
    if (layout.credentials && stored !== null) {
      try {
        await this.#addCredentials('createUser', username, stored);
      } catch (error) {
        // No user half made: without its credentials row, the user goes again.
        await Promise.resolve(this.#run('createUser', this.#sql.remove, [username], (r) => r)).catch(() => undefined);
        throw error;
      }
    }
    return record;
  }

  async findLookAlike(username: string): Promise<string | null> {
    if (!validUsername(username)) return null;
    if (this.#sql.foldMatch && (await this.#hasFoldColumn('findLookAlike'))) {
      const rows = await this.#run('findLookAlike', this.#sql.foldMatch, [foldUsername(username), username], (r) => r);
      const name = this.#name(rows[0]);
      if (name !== null) return name;
    }
    return this.#lowerMatch('findLookAlike', username);
  }

  async listLookAlikes(): Promise<string[][]> {
    return lookAlikeGroups(await this.#allNames('listLookAlikes', this.#sql.names));
  }

  async setPassword(username: string, hashedPassword: string): Promise<void> {
    const name = await this.#target('setPassword', checkUsername(username));
    const hash = this.#layout.writeHash(checkText(hashedPassword, 'the hash', MAX_HASH_LENGTH, false));
    if (this.#layout.credentials) {
      // A user without a credentials row (signed up another way) gets one.
      const rows = await this.#modify(name, 'setPassword', this.#sql.setPassword, [hash, name]);
      if (rows.length === 0 && (await this.#addCredentials('setPassword', name, hash!)) === 0) {
        throw new UserStoreError('ERR_USER_NOT_FOUND', 'setPassword: no such user');
      }
      if (await this.sessions.exists()) await this.sessions.revokeUserSessions(name, Math.floor(Date.now() / 1000));
      return;
    }
    const params: SqlValue[] = (await this.#hasStamp('setPassword')) ? [hash, newStamp(), name] : [hash, name];
    await this.#changeEnding('setPassword', this.#sql.setPassword, params, name);
  }

  /** The credentials row of the user named `name` (rows added: 0 when there is no such user). */
  async #addCredentials(op: string, name: string, hash: string): Promise<number> {
    const cred = this.#layout.credentials!;
    const user = (await this.findUser(name)) ?? { username: name };
    const values = cred.insertValues.map(([, value]) => insertValueFor(value, user));
    const rows = await this.#modify(name, op, this.#sql.insertCredentials!, [hash, ...values, name]);
    return rows.length;
  }

  async setDisabled(username: string, disabled: boolean): Promise<void> {
    const name = await this.#target('setDisabled', checkUsername(username));
    if (typeof disabled !== 'boolean') throw new UserStoreError('ERR_USER_INVALID', 'disabled must be a boolean');
    const field = this.#layout.fields.disabled;
    if (!field || !this.#sql.setDisabled) throw new ConfigurationError('this table has no disabled column');
    const values = this.#columnValues(field, 'disabled', disabled);
    if (!disabled) return this.#change('setDisabled', this.#sql.setDisabled, [...values, name], name);
    const renewing = (await this.#hasStamp('setDisabled')) ? this.#sql.disableRenewing : null;
    const [sql, params] = renewing ? [renewing, [...values, newStamp(), name]] : [this.#sql.setDisabled, [...values, name]];
    await this.#changeEnding('setDisabled', sql, params, name);
  }

  async deleteUser(username: string): Promise<void> {
    const name = await this.#target('deleteUser', checkUsername(username));
    await this.#hasStamp('deleteUser');
    if (this.#sql.removeCredentials) await this.#modify(name, 'deleteUser', this.#sql.removeCredentials, [name]);
    await this.#changeEnding('deleteUser', this.#sql.remove, [name], name);
  }

  async #renewTokenStamp(username: string): Promise<string> {
    const name = checkUsername(username);
    if (!(await this.#hasStamp('renewTokenStamp')) || !this.#sql.renewStamp) {
      throw new ConfigurationError('the users table has no token_stamp column yet: run migrate() (gatehouse db migrate)');
    }
    const stamp = newStamp();
    // The stamp alone refuses every older token and session; marking the sessions revoked is the
    // caller's (revokeAllTokens counts them with sessions.revokeUserSessions).
    await this.#change('renewTokenStamp', this.#sql.renewStamp, [stamp, name], name);
    return stamp;
  }

  /**
   * A change that ends the user's sessions (a password change, a disable, a removal, logout
   * everywhere): the user's row (with a new stamp where the table has one, which alone refuses every
   * older token), then the sessions marked revoked. One statement on PostgreSQL; on SQLite two, the
   * stamp first, so a failure between them leaves sessions refused by the stamp all the same.
   */
  async #changeEnding(op: string, sql: string, params: SqlValue[], name: string): Promise<void> {
    const now = Math.floor(Date.now() / 1000);
    if (this.#stamped && this.dialect === 'postgres') {
      // migrate() adds the stamp column after the lifecycle tables: they are there.
      try {
        return await this.#change(op, withSessionsRevoked(sql, this.#layout.tableName, params.length + 1), [...params, now], name);
      } finally {
        if (this.sessions instanceof SqlTableSessionStore) this.sessions.forgetRevocationAnswers();
      }
    }
    await this.#change(op, sql, params, name);
    if (this.#stamped || (await this.sessions.exists())) await this.sessions.revokeUserSessions(name, now);
  }

  async listUsers(options: ListUsersOptions = {}): Promise<UserRecord[]> {
    const limit = options.limit ?? DEFAULT_PAGE;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_PAGE) {
      throw new UserStoreError('ERR_USER_INVALID', `limit must be an integer from 1 to ${MAX_PAGE}`);
    }
    const after = options.after;
    const [sql, params] = after === undefined ? [this.#sql.list, [limit]] : [this.#sql.listAfter, [checkUsername(after), limit]];
    return this.#run('listUsers', sql, params, (rows) => rows.map((row) => this.#decode(row, this.#listSlots, false)));
  }

  async migrate(): Promise<boolean> {
    const layout = this.#layout;
    if (!layout.managed || !layout.simple) {
      throw new ConfigurationError('migrate() creates only tables of plain columns that gatehouse owns; this layout maps another app\'s table');
    }
    const driver = await this.#open();
    const existed = await this.#exists(driver);
    await this.#await('migrate', () => driver.exec(createTableSql(this.dialect, layout)));
    if (layout.usernameFold) await this.#addFoldColumn(driver);
    await this.sessions.migrate();
    await this.#addStampColumn(driver);
    return !existed;
  }

  /** The nullable token_stamp column (after the lifecycle tables: its presence says they are there too). */
  async #addStampColumn(driver: SqlDriver): Promise<void> {
    if (!this.#stampedSql) return;
    this.#stamped = undefined;
    if (await this.#hasStamp('migrate')) return;
    const pg = this.dialect === 'postgres';
    const add = backticked(`ALTER TABLE ${this.#layout.table} ADD COLUMN ${pg ? 'IF NOT EXISTS ' : ''}${STAMP_COLUMN} VARCHAR(64) NULL`, this.dialect);
    try {
      await this.#await('migrate', () => driver.exec(pg ? `SELECT pg_advisory_xact_lock(7314985); ${add}` : add));
    } catch (error) {
      // SQLite has no ADD COLUMN IF NOT EXISTS: another process may have added it meanwhile.
      this.#stamped = undefined;
      if (!(await this.#hasStamp('migrate'))) throw error;
    }
    this.#useStamp();
  }

  /**
   * The upgrade of a table made before look-alikes were refused: the fold column, its UNIQUE index,
   * and the fold of every row without one. Of look-alikes already there, one row gets the fold (the
   * name that is its own fold, else the first in order) and the others keep none: no row is changed
   * otherwise, nobody loses a login, and no new look-alike can be added.
   */
  async #addFoldColumn(driver: SqlDriver): Promise<void> {
    const layout = this.#layout;
    const fold = layout.usernameFold!;
    const pg = this.dialect === 'postgres';
    const my = this.dialect === 'mysql';
    if (!(await this.#hasFoldColumn('migrate'))) {
      const add = my
        ? backticked(`ALTER TABLE ${layout.table} ADD COLUMN ${mysqlFoldColumn(layout)}, ADD UNIQUE KEY ${mysqlFoldIndex(layout)} (${fold.quoted})`)
        : `ALTER TABLE ${layout.table} ADD COLUMN ${pg ? 'IF NOT EXISTS ' : ''}${fold.quoted} TEXT`;
      try {
        await this.#await('migrate', () => driver.exec(pg ? `SELECT pg_advisory_xact_lock(7314985); ${add}` : add));
      } catch (error) {
        // SQLite has no ADD COLUMN IF NOT EXISTS: another process may have added it meanwhile.
        if (!(await this.#hasFoldColumn('migrate'))) throw error;
      }
    }
    if (!my) await this.#await('migrate', () => driver.exec(foldIndexSql(this.dialect, layout)));
    const groups = new Map<string, string[]>();
    for (const name of await this.#allNames('migrate', this.#sql.unfolded!)) {
      const key = foldUsername(name);
      const group = groups.get(key);
      if (group) group.push(name);
      else groups.set(key, [name]);
    }
    for (const [key, names] of groups) {
      const owner = names.includes(key) ? key : names[0]!;
      await this.#run('migrate', this.#sql.fillFold!, [key, owner, key], (r) => r);
    }
    this.#folded = true;
  }

  /** Whether the table has the layout's fold column (a catalog query until it has). */
  async #hasFoldColumn(op: string): Promise<boolean> {
    const fold = this.#layout.usernameFold;
    if (this.#folded || !fold) return this.#folded;
    const [sql, params]: [string, SqlValue[]] =
      this.dialect === 'postgres'
        ? ['SELECT attname AS c0 FROM pg_attribute WHERE attrelid = to_regclass($1) AND attname = $2 AND NOT attisdropped', [this.#layout.table, fold.name]]
        : this.dialect === 'mysql'
          ? [`SELECT COLUMN_NAME AS c0 FROM information_schema.COLUMNS WHERE ${MYSQL_TABLE} AND COLUMN_NAME = ?`, [...mysqlTableParts(this.#layout.tableName), fold.name]]
          : ['SELECT name AS c0 FROM pragma_table_info(?, ?) WHERE name = ?', [...sqliteTableParts(this.#layout.tableName), fold.name]];
    const rows = await this.#run(op, sql, params, (r) => r);
    this.#folded = rows.length > 0;
    return this.#folded;
  }

  /**
   * A name in the table that folds as `username` does, found without the fold column: candidates
   * whose lower() is that of the name's Unicode forms, then compared by the fold here. The database's
   * lower() may fold only ASCII (SQLite), so this misses a stored name in another form than the new
   * one's forms: best effort (and open to two creations at the same moment).
   */
  async #lowerMatch(op: string, username: string): Promise<string | null> {
    const fold = foldUsername(username);
    const forms = ['NFC', 'NFD', 'NFKC', 'NFKD'].map((form) => username.normalize(form));
    const params = [username, ...forms, fold, fold.normalize('NFD')];
    const rows = await this.#run(op, this.#sql.lowerMatches, params, (r) => r);
    const names = rows.map((row) => this.#name(row)).filter((name): name is string => name !== null);
    return names.find((name) => name === username) ?? names.find((name) => foldUsername(name) === fold) ?? null;
  }

  /** Every name a paged statement ($1 after, $2 page size) gives. */
  async #allNames(op: string, sql: string): Promise<string[]> {
    const all: string[] = [];
    for (let after = ''; ; ) {
      const rows = await this.#run(op, sql, [after, DEFAULT_PAGE], (r) => r);
      const names = rows.map((row) => this.#name(row)).filter((name): name is string => name !== null);
      all.push(...names);
      if (rows.length < DEFAULT_PAGE || names.length === 0) return all;
      after = names.at(-1)!;
    }
  }

  /** A row's c0 when it is text (other rows are no name). */
  #name(row: unknown): string | null {
    const name = row !== null && typeof row === 'object' ? (row as { c0?: unknown }).c0 : null;
    return typeof name === 'string' ? name : null;
  }

  async check(): Promise<void> {
    await this.#run('check', this.#sql.probe, [], (r) => r);
  }

  async close(): Promise<void> {
    this.#cache?.users.clear();
    if (this.sessions instanceof SqlTableSessionStore) await this.sessions.stopListening();
    const driver = this.#driver ?? (this.#pending ? await this.#pending.catch(() => undefined) : undefined);
    this.#driver = undefined;
    this.#find = undefined;
    this.#opening = undefined;
    this.#pending = undefined;
    if (driver?.close) await driver.close();
  }

  /** @internal The driver, for other tables on the same database (counters, issue #10). */
  driver(): Promise<SqlDriver> {
    return this.#open();
  }

  async #exists(driver: SqlDriver): Promise<boolean> {
    const layout = this.#layout;
    const [sql, params]: [string, SqlValue[]] =
      this.dialect === 'postgres'
        ? ['SELECT to_regclass($1)::text AS c0', [layout.table]]
        : this.dialect === 'mysql'
          ? [`SELECT TABLE_NAME AS c0 FROM information_schema.TABLES WHERE ${MYSQL_TABLE}`, mysqlTableParts(layout.tableName)]
          : ["SELECT name AS c0 FROM sqlite_master WHERE type = 'table' AND name = ?", [layout.tableName]];
    const rows = await this.#await('migrate', () => driver.query(sql, params));
    return Array.isArray(rows) && rows.length > 0 && rows[0] !== null && (rows[0] as { c0?: unknown }).c0 != null;
  }

  async #change(op: string, sql: string, params: SqlValue[], name: string): Promise<void> {
    const rows = await this.#modify(name, op, sql, params);
    if (rows.length === 0) throw new UserStoreError('ERR_USER_NOT_FOUND', `${op}: no such user`);
  }

  /** A write: the user's cached copy goes before it starts and again once it is done. */
  async #modify(name: string, op: string, sql: string, params: readonly SqlValue[]): Promise<unknown[]> {
    this.#forget(name);
    try {
      return await this.#run(op, sql, params, (rows) => rows);
    } finally {
      this.#forget(name);
    }
  }

  #columnValues(field: ResolvedField, name: string, value: unknown, user?: UserRecord): readonly SqlValue[] {
    const values = field.write(value, user);
    if (!Array.isArray(values) || values.length !== field.columns.length) {
      throw new ConfigurationError(`the layout's ${name} write gives ${field.columns.length} value(s), one per column`);
    }
    return values;
  }

  /**
   * A row (untrusted) as a record: text fields are strings or null, disabled a boolean or null.
   * The row is an object keyed c0, c1, ... or, from a PreparedQuery with `arrays`, an array.
   */
  #decode(row: unknown, slots: readonly FieldSlot[], withHash: boolean, arrays = false): UserRecord {
    if (row === null || typeof row !== 'object') throw this.#report(new UserStoreError('ERR_USER_STORE_DATA', 'a row is not an object'));
    const cells = row as Record<string | number, unknown>;
    const username = arrays ? cells[0] : cells.c0;
    if (typeof username !== 'string') throw this.#report(new UserStoreError('ERR_USER_STORE_DATA', 'a username in the table is not text'));
    const user: Record<string, unknown> = withHash
      ? { username, hashed_password: this.#layout.readHash(arrays ? cells[1] : cells.c1), email: null, full_name: null, disabled: null }
      : { username, email: null, full_name: null, disabled: null };
    let next = 1;
    for (const slot of slots) {
      const { name, field } = slot;
      const keys: readonly (string | number)[] = arrays ? slot.at : slot.keys;
      // The hot path (findUser on every request) reads plain columns without building arrays.
      const value = field.plain && name !== 'disabled' ? cells[keys[0]!] : field.read(keys.map((key) => cells[key]));
      user[name] = name === 'disabled' ? disabledFlag(value) : textOrNull(value);
      next += keys.length;
    }
    if (withHash && this.#stampAt !== null) user.token_stamp = textOrNull(cells[arrays ? this.#stampAt : `c${this.#stampAt}`]);
    if (this.#layout.loginBy === 'email') user.email = username;
    if (!withHash) {
      if (this.#layout.createdAt) user.created_at = timestamp(cells[arrays ? next++ : `c${next++}`]);
      if (this.#layout.updatedAt) user.updated_at = timestamp(cells[arrays ? next : `c${next}`]);
    }
    return user as UserRecord;
  }

  #remember(cache: UserCache, user: UserRecord): void {
    cache.users.set(user.username, { user: { ...user }, expires: Date.now() + cache.ttl });
  }

  #forget(name: string): void {
    this.#writes++;
    this.#cache?.users.delete(name);
  }

  #open(): Promise<SqlDriver> {
    if (this.#driver) return Promise.resolve(this.#driver);
    if (!this.#opening) return Promise.reject(new UserStoreError('ERR_USER_STORE_UNAVAILABLE', 'the store is closed'));
    this.#pending ??= this.#opening().then(
      (driver) => {
        this.#driver = driver;
        return driver;
      },
      (error: unknown) => {
        this.#pending = undefined; // try again next time: the file or server may be back
        throw this.#fail('open', error);
      },
    );
    return this.#pending;
  }

  /** Run a statement; decode its rows. Synchronous when the driver is open and synchronous. */
  #run<T>(op: string, sql: string, params: readonly SqlValue[], decode: (rows: unknown[]) => T): T | Promise<T> {
    const driver = this.#driver;
    if (!driver) return this.#open().then((opened) => this.#runOn(opened, op, sql, params, decode));
    return this.#runOn(driver, op, sql, params, decode);
  }

  #runOn<T>(driver: SqlDriver, op: string, sql: string, params: readonly SqlValue[], decode: (rows: unknown[]) => T): T | Promise<T> {
    let result: unknown;
    try {
      result = driver.query(sql, params);
      if (!isThenable(result)) return decode(this.#rows(op, result));
    } catch (error) {
      throw this.#fail(op, error);
    }
    return this.#timed(op, result).then((rows) => decode(this.#rows(op, rows)));
  }

  /** A driver call that may answer either way, awaited with the time limit. */
  async #await(op: string, call: () => unknown): Promise<unknown> {
    let result: unknown;
    try {
      result = call();
    } catch (error) {
      throw this.#fail(op, error);
    }
    return isThenable(result) ? this.#timed(op, result) : result;
  }

  #timed(op: string, pending: PromiseLike<unknown>): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(this.#report(new UserStoreError('ERR_USER_STORE_UNAVAILABLE', `${op}: the database did not answer within ${this.#timeoutMs} ms`)));
      }, this.#timeoutMs);
      unrefTimer(timer);
      Promise.resolve(pending).then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(this.#fail(op, error));
        },
      );
    });
  }

  #rows(op: string, rows: unknown): unknown[] {
    if (!Array.isArray(rows)) throw this.#report(new UserStoreError('ERR_USER_STORE_DATA', `${op}: the driver did not return rows`));
    return rows;
  }

  /** A driver error as a UserStoreError (ours and configuration errors pass unchanged). */
  #fail(op: string, error: unknown): Error {
    if (error instanceof UserStoreError || error instanceof ConfigurationError) return error;
    const driver = this.#driver;
    const down = !driver || driver.unavailable(error);
    const code: UserStoreErrorCode = down ? 'ERR_USER_STORE_UNAVAILABLE' : 'ERR_USER_STORE_QUERY';
    const what = down ? 'the database is unavailable' : 'the database refused the statement';
    return this.#report(new UserStoreError(code, `${op}: ${what}${safeCode(error)}`, { cause: error }));
  }

  #report(error: UserStoreError): UserStoreError {
    try {
      this.#onError?.(error);
    } catch {
      // a failing reporter must not hide the error itself
    }
    return error;
  }
}

function resolveCache(option: SqlUserStoreOptions['cache']): UserCache | null {
  if (option === undefined || option === false) return null;
  if (option === null || typeof option !== 'object') throw new ConfigurationError('cache must be { ttl } or false');
  const { ttl, max = 10_000 } = option;
  if (!Number.isSafeInteger(ttl) || ttl < 1) throw new ConfigurationError('cache.ttl must be a positive number of milliseconds');
  if (!Number.isSafeInteger(max) || max < 1) throw new ConfigurationError('cache.max must be a positive integer');
  return { ttl, max, users: new BoundedMap(max) };
}
