/**
 * Where the SQL user stores find users: a table, the column (or columns) behind each field of a
 * UserRecord and how values convert between the two. A layout is a plain object, so an existing table
 * is mapped by writing one, not copied.
 */
import { ConfigurationError } from '../../errors.js';
import type { UserRecord } from '../store-interface.js';

/**
 * A value a statement binds: what a FieldMapping's `write` and a layout's `insertValues` give.
 * Booleans are bound as 1/0 on SQLite.
 *
 * @example
 * const insertValues: Record<string, SqlValue> = { is_staff: false, date_joined: new Date().toISOString() };
 */
export type SqlValue = string | number | boolean | null;

/**
 * A field made of other columns, or converted on its way: `read` gets the columns' values as the
 * driver returns them (untrusted: check them), `write` gives the values to store, in `columns` order.
 *
 * @example
 * // Django keeps is_active; gatehouse's field is its inverse.
 * const disabled: FieldMapping = {
 *   columns: ['is_active'],
 *   read: ([active]) => { const value = sqlBoolean(active); return value === undefined ? true : value === null ? null : !value; },
 *   write: (value) => [value !== true],
 * };
 */
export interface FieldMapping {
  readonly columns: readonly string[];
  /** Column values → the field. Default: the one column's value. */
  readonly read?: (values: readonly unknown[]) => unknown;
  /**
   * The field (null when not given) → one value per column. Default: [value]. createUser also
   * passes the new user (WordPress's display_name falls back to the login name).
   */
  readonly write?: (value: unknown, user?: Readonly<UserRecord>) => readonly SqlValue[];
}

/**
 * What a user types as the `username` of a login on a table: its username column ('username'),
 * an email address held in that column ('email': Laravel, fastapi-users, better-auth), or either
 * ('username or email': WordPress, whose email column is tried when the name has an @ and no
 * login name matches). Shown in the OpenAPI document's description of the login form's field.
 *
 * @example
 * const loginBy: LoginBy = 'email';
 */
export type LoginBy = 'username' | 'email' | 'username or email';

/**
 * A value createUser writes to a column of another app's table: a constant, or one made from the
 * new user (a UUID, a name derived from the login).
 *
 * @example
 * const id: InsertValue = () => crypto.randomUUID();
 */
export type InsertValue = SqlValue | ((user: Readonly<UserRecord>) => SqlValue);

/**
 * The columns of a layout: a column name, a mapping, or null where the table has none.
 *
 * @example
 * const layout: UserTableLayout = { table: 'members', columns: { ...DEFAULT_LAYOUT.columns, username: 'login' } };
 */
export interface UserColumns {
  readonly username: string;
  readonly hashed_password: string;
  readonly email: string | FieldMapping | null;
  readonly full_name: string | FieldMapping | null;
  readonly disabled: string | FieldMapping | null;
  /** Set to the current time when a user is created. */
  readonly created_at: string | null;
  /** Set to the current time when a user is created or changed. */
  readonly updated_at: string | null;
  /**
   * The username's fold (NFKC + lower case) under a UNIQUE index, so that look-alike names
   * (`JohnDoe` and `johndoe`) are refused even when created at the same moment. migrate() adds it
   * (and fills it in) on tables gatehouse owns. Default `username_fold`; used only when the table
   * has it. Without it (null, or not in the table) createUser looks for look-alikes with a query:
   * best effort, not safe against two creations at once.
   */
  readonly username_fold?: string | null;
}

/**
 * A users table. `table` may be `schema.table` (PostgreSQL). Names are used exactly as written
 * (quoted): `Users` and `users` are different tables on PostgreSQL.
 *
 * @example
 * const legacy: UserTableLayout = {
 *   table: 'accounts',
 *   columns: { ...DEFAULT_LAYOUT.columns, username: 'login', hashed_password: 'pw_hash', created_at: null, updated_at: null },
 *   managed: false,
 * };
 */
export interface UserTableLayout {
  readonly table: string;
  /** The prefix `table` starts with, which the `tablePrefix` option replaces (WordPress's `wp_`). */
  readonly tablePrefix?: string;
  readonly columns: UserColumns;
  /** Values createUser also writes, for the NOT NULL columns of a table another app made. */
  readonly insertValues?: Readonly<Record<string, InsertValue>>;
  /**
   * What a login names (see LoginBy). Default 'username'. With 'email' the username column holds
   * the address, and a user's `email` is their username; with 'username or email' the `email`
   * field's column is the second place a name with an @ is looked for.
   */
  readonly loginBy?: LoginBy;
  /**
   * Whether the username column is under a UNIQUE constraint (createUser's ON CONFLICT needs one).
   * Default true; false for WordPress's user_login, which has a plain index: a query looks first.
   */
  readonly uniqueUsername?: boolean;
  /**
   * The hash kept in a row of another table (better-auth's `account`, where `providerId` is
   * 'credential'), joined to the users table by a key. The layout's hashed_password column is then
   * that table's. Users without such a row have no password.
   */
  readonly credentials?: CredentialsTable;
  /** Whether migrate() may create the table. Default true; false for a table another app owns. */
  readonly managed?: boolean;
  /**
   * The stored hash as findUser gives it (untrusted: check it), e.g. Django's unusable `!...` as
   * null, so that such a login takes a dummy verify's time. Default: text as it is, else null.
   */
  readonly readHash?: (value: unknown) => string | null;
  /**
   * A hash on its way in (createUser, setPassword, the rehash at login) → what to store. Throws
   * UserStoreError ERR_USER_INVALID for a hash the table's owner could not read; `null` (a user
   * without a password) becomes what the table keeps for that. Default: unchanged.
   */
  readonly writeHash?: (hash: string | null) => string | null;
}

/**
 * A second table holding the users' hashes, a row per user (better-auth's `account`).
 *
 * @example
 * const credentials: CredentialsTable = {
 *   table: 'account', userKey: 'id', foreignKey: 'userId', where: { providerId: 'credential' },
 *   insertValues: { id: () => crypto.randomUUID(), accountId: (user) => String(user.id) },
 * };
 */
export interface CredentialsTable {
  readonly table: string;
  /** The users table's key column, which the credentials row points to. */
  readonly userKey: string;
  /** The credentials row's column holding that key. */
  readonly foreignKey: string;
  /** Other columns of a new credentials row that get the key too (better-auth's accountId). */
  readonly keyCopies?: readonly string[];
  /** Columns that pick the password's row among others of the user's (and are written with it). */
  readonly where: Readonly<Record<string, string>>;
  /** Values a new credentials row also gets; functions receive the user, with `userKey` set. */
  readonly insertValues?: Readonly<Record<string, InsertValue>>;
  /** Columns set to the current time when the row is created. */
  readonly createdAt?: string | null;
  /** Columns set to the current time when the row is created or its hash changed. */
  readonly updatedAt?: string | null;
}

/**
 * The schema of issue #9: `users (username, hashed_password, email, full_name, disabled, created_at, updated_at)`.
 *
 * @example
 * createSqliteUserStore('./users.db', { layout: { ...DEFAULT_LAYOUT, table: 'app_users' } });
 */
export const DEFAULT_LAYOUT: UserTableLayout = Object.freeze({
  table: 'users',
  columns: Object.freeze({
    username: 'username',
    hashed_password: 'hashed_password',
    email: 'email',
    full_name: 'full_name',
    disabled: 'disabled',
    created_at: 'created_at',
    updated_at: 'updated_at',
    username_fold: 'username_fold',
  }),
  managed: true,
});

/**
 * How a SQL user store finds its table: a layout (or its name), with the table or some columns
 * overridden. Part of every store's options (SqlUserStoreOptions).
 *
 * @example
 * createSqliteUserStore('./app.db', { layout: 'default', table: 'members', columns: { full_name: null } });
 */
export interface LayoutOptions {
  /** A layout, or the name of a known one. Default 'default'. */
  layout?: UserTableLayout | string;
  /** Overrides the layout's table name. */
  table?: string;
  /** Overrides some of the layout's columns (null: the table has no such column). */
  columns?: Partial<UserColumns>;
  /** The table prefix of a layout that has one (WordPress's `$table_prefix`, default `wp_`). */
  tablePrefix?: string;
}

/**
 * A database boolean: true/false, 1/0 (SQLite keeps booleans as integers), null for NULL, undefined
 * for anything else (the caller decides what a malformed flag means).
 *
 * @example
 * sqlBoolean(1); // true
 */
export function sqlBoolean(value: unknown): boolean | null | undefined {
  if (value === true || value === 1 || value === 1n) return true;
  if (value === false || value === 0 || value === 0n) return false;
  if (value === null || value === undefined) return null;
  return undefined;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A validated name, double-quoted (standard SQL; SQLite and PostgreSQL alike). */
export function quoteIdentifier(name: unknown, what: string): string {
  if (typeof name !== 'string' || name.length > 63 || !IDENTIFIER.test(name)) {
    throw new ConfigurationError(`${what} must be a name of letters, digits and _ (not starting with a digit, at most 63)`);
  }
  return `"${name}"`;
}

/** A table name, optionally `schema.table`, quoted part by part. */
export function quoteTable(name: unknown): string {
  if (typeof name !== 'string') throw new ConfigurationError('the table name must be a string');
  const parts = name.split('.');
  if (parts.length > 2) throw new ConfigurationError('the table name is `table` or `schema.table`');
  return parts.map((part) => quoteIdentifier(part, 'the table name')).join('.');
}

/** A field's columns (quoted), read and write, with defaults filled in. */
export interface ResolvedField {
  readonly columns: readonly string[];
  /** One column, read and written as it is (no mapping functions). */
  readonly plain: boolean;
  readonly read: (values: readonly unknown[]) => unknown;
  readonly write: (value: unknown, user?: Readonly<UserRecord>) => readonly SqlValue[];
}

/** A credentials table checked once: names validated and quoted. */
export interface ResolvedCredentials {
  readonly table: string;
  readonly userKey: string;
  readonly foreignKey: string;
  readonly keyCopies: readonly string[];
  readonly where: ReadonlyArray<readonly [string, string]>;
  readonly insertValues: ReadonlyArray<readonly [string, InsertValue]>;
  readonly createdAt: string | null;
  readonly updatedAt: string | null;
}

/** A layout checked once: every name validated and quoted. */
export interface ResolvedLayout {
  readonly table: string;
  /** The unquoted table name (for catalog lookups). */
  readonly tableName: string;
  readonly username: string;
  readonly hashedPassword: string;
  /** The fold column, quoted and as its name (catalog lookups), or null when the layout has none. */
  readonly usernameFold: { readonly quoted: string; readonly name: string } | null;
  readonly fields: Readonly<Record<'email' | 'full_name' | 'disabled', ResolvedField | null>>;
  readonly createdAt: string | null;
  readonly updatedAt: string | null;
  readonly insertValues: ReadonlyArray<readonly [string, InsertValue]>;
  readonly loginBy: LoginBy;
  /** 'username or email': the email column (quoted) looked in second. */
  readonly alternateLogin: string | null;
  readonly uniqueUsername: boolean;
  readonly credentials: ResolvedCredentials | null;
  readonly managed: boolean;
  readonly readHash: (value: unknown) => string | null;
  readonly writeHash: (hash: string | null) => string | null;
  /** Every field is one column of its own name: migrate() can create it. */
  readonly simple: boolean;
}

const first = (values: readonly unknown[]) => values[0];
const single = (value: unknown): readonly SqlValue[] => [value as SqlValue];
/** A plain disabled column: 0/1 on SQLite, a boolean on PostgreSQL; a malformed flag locks the user out. */
const flag = (values: readonly unknown[]) => {
  const value = sqlBoolean(values[0]);
  return value === undefined ? true : value;
};

function resolveField(mapping: unknown, name: string): ResolvedField | null {
  if (mapping === null) return null;
  const plainRead = name === 'disabled' ? flag : first;
  if (typeof mapping === 'string') {
    return { columns: [quoteIdentifier(mapping, `columns.${name}`)], plain: true, read: plainRead, write: single };
  }
  if (typeof mapping !== 'object' || mapping === undefined) {
    throw new ConfigurationError(`columns.${name} must be a column name, a mapping or null`);
  }
  const { columns, read, write } = mapping as FieldMapping;
  if (!Array.isArray(columns) || columns.length === 0) throw new ConfigurationError(`columns.${name}.columns must list columns`);
  if (read !== undefined && typeof read !== 'function') throw new ConfigurationError(`columns.${name}.read must be a function`);
  if (write !== undefined && typeof write !== 'function') throw new ConfigurationError(`columns.${name}.write must be a function`);
  if (columns.length > 1 && (!read || !write)) throw new ConfigurationError(`columns.${name}: several columns need read and write`);
  return {
    columns: columns.map((column) => quoteIdentifier(column, `columns.${name}`)),
    plain: false,
    read: read ?? plainRead,
    write: write ?? single,
  };
}

const textHash = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const sameHash = (hash: string | null): string | null => hash;

function hashHook<T>(hook: T | undefined, fallback: T, what: string): T {
  if (hook === undefined) return fallback;
  if (typeof hook !== 'function') throw new ConfigurationError(`the layout's ${what} must be a function`);
  return hook;
}

/** A layout's readHash gives text or null, whatever it returns. */
const checkedRead = (read: (value: unknown) => unknown) => (value: unknown) => textHash(read(value));

/** A layout's writeHash must give text or null: anything else is the layout's mistake. */
const checkedWrite = (write: (hash: string | null) => unknown) => (hash: string | null) => {
  const stored = write(hash);
  if (stored !== null && typeof stored !== 'string') throw new ConfigurationError("the layout's writeHash must return a string or null");
  return stored;
};

function optionalColumn(name: unknown, what: string): string | null {
  return name === null ? null : quoteIdentifier(name, what);
}

function foldColumn(name: unknown): ResolvedLayout['usernameFold'] {
  if (name === null) return null;
  const column = name === undefined ? 'username_fold' : name;
  return { quoted: quoteIdentifier(column, 'columns.username_fold'), name: column as string };
}

/**
 * The layout the options describe, checked: a bad name throws ConfigurationError. Names are looked
 * up in `known` (known-layouts.ts: the table lives above the layouts it names, Django's among them).
 */
export function resolveLayout(options: LayoutOptions, known: Readonly<Record<string, UserTableLayout>>): ResolvedLayout {
  const given = options.layout ?? 'default';
  const base = typeof given === 'string' ? (Object.hasOwn(known, given) ? known[given] : undefined) : given;
  if (!base || typeof base !== 'object') {
    throw new ConfigurationError(`unknown layout ${JSON.stringify(given)} (known: ${Object.keys(known).join(', ')})`);
  }
  const tableName = options.table ?? prefixed(base, options.tablePrefix);
  const columns: UserColumns = { ...base.columns, ...options.columns };
  const fields = {
    email: resolveField(columns.email ?? null, 'email'),
    full_name: resolveField(columns.full_name ?? null, 'full_name'),
    disabled: resolveField(columns.disabled ?? null, 'disabled'),
  };
  const insertValues = resolveInsertValues(base.insertValues);
  const loginBy = base.loginBy ?? 'username';
  if (!['username', 'email', 'username or email'].includes(loginBy)) throw new ConfigurationError("loginBy must be 'username', 'email' or 'username or email'");
  if (loginBy === 'username or email' && fields.email?.columns.length !== 1) {
    throw new ConfigurationError("loginBy 'username or email' needs an email field of one column");
  }
  return {
    table: quoteTable(tableName),
    tableName,
    username: quoteIdentifier(columns.username, 'columns.username'),
    hashedPassword: quoteIdentifier(columns.hashed_password, 'columns.hashed_password'),
    usernameFold: foldColumn(columns.username_fold),
    fields,
    createdAt: optionalColumn(columns.created_at ?? null, 'columns.created_at'),
    updatedAt: optionalColumn(columns.updated_at ?? null, 'columns.updated_at'),
    insertValues,
    loginBy,
    alternateLogin: loginBy === 'username or email' ? fields.email!.columns[0]! : null,
    uniqueUsername: base.uniqueUsername !== false,
    credentials: base.credentials ? resolveCredentials(base.credentials) : null,
    managed: base.managed !== false,
    readHash: checkedRead(hashHook(base.readHash, textHash, 'readHash')),
    writeHash: checkedWrite(hashHook(base.writeHash, sameHash, 'writeHash')),
    simple: [columns.email, columns.full_name, columns.disabled].every((c) => c === null || c === undefined || typeof c === 'string'),
  };
}

function resolveInsertValues(values: Readonly<Record<string, InsertValue>> | undefined): Array<readonly [string, InsertValue]> {
  return Object.entries(values ?? {}).map(([column, value]) => {
    const valid = value === null || typeof value === 'function' || ['string', 'number', 'boolean'].includes(typeof value);
    if (!valid) throw new ConfigurationError(`insertValues.${column} must be a value or a function of the new user`);
    return [quoteIdentifier(column, 'an insertValues column'), value] as const;
  });
}

function resolveCredentials(credentials: CredentialsTable): ResolvedCredentials {
  if (credentials === null || typeof credentials !== 'object') throw new ConfigurationError('credentials must describe a table');
  return {
    table: quoteTable(credentials.table),
    userKey: quoteIdentifier(credentials.userKey, 'credentials.userKey'),
    foreignKey: quoteIdentifier(credentials.foreignKey, 'credentials.foreignKey'),
    keyCopies: (credentials.keyCopies ?? []).map((column) => quoteIdentifier(column, 'credentials.keyCopies')),
    where: Object.entries(credentials.where ?? {}).map(([column, value]) => {
      // Written into the SQL text as a literal: letters, digits, '-', '_' and '.' only.
      if (typeof value !== 'string' || !/^[A-Za-z0-9_.-]{1,64}$/.test(value)) {
        throw new ConfigurationError(`credentials.where.${column} must be a word of letters, digits, -, _ and .`);
      }
      return [quoteIdentifier(column, 'a credentials.where column'), value] as const;
    }),
    insertValues: resolveInsertValues(credentials.insertValues),
    createdAt: optionalColumn(credentials.createdAt ?? null, 'credentials.createdAt'),
    updatedAt: optionalColumn(credentials.updatedAt ?? null, 'credentials.updatedAt'),
  };
}

/** An insert value for a new user: the constant, or what its function gives (checked). */
export function insertValueFor(value: InsertValue, user: Readonly<UserRecord>): SqlValue {
  if (typeof value !== 'function') return value;
  const made = value(user);
  if (made !== null && !['string', 'number', 'boolean'].includes(typeof made)) {
    throw new ConfigurationError("a layout's insertValues function must give a string, number, boolean or null");
  }
  return made;
}

/** The layout's table under another prefix (`wp_users` → `blog_users`). */
function prefixed(base: UserTableLayout, prefix: string | undefined): string {
  if (prefix === undefined) return base.table;
  if (base.tablePrefix === undefined) throw new ConfigurationError('tablePrefix is for layouts with a table prefix (wordpress)');
  if (typeof prefix !== 'string' || !/^[A-Za-z0-9_]{0,40}$/.test(prefix)) throw new ConfigurationError('tablePrefix is letters, digits and _');
  return prefix + base.table.slice(base.tablePrefix.length);
}
