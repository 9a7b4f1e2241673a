/**
 * Where the SQL user stores find users: a table, the column (or columns) behind each field of a
 * UserRecord and how values convert between the two. A layout is a plain object, so an existing table
 * is mapped by writing one, not copied.
 */
import { ConfigurationError } from '../../errors.js';

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
  /** The field (null when not given) → one value per column. Default: [value]. */
  readonly write?: (value: unknown) => readonly SqlValue[];
}

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
  readonly columns: UserColumns;
  /** Values createUser also writes, for the NOT NULL columns of a table another app made. */
  readonly insertValues?: Readonly<Record<string, SqlValue>>;
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
  readonly write: (value: unknown) => readonly SqlValue[];
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
  readonly insertValues: ReadonlyArray<readonly [string, SqlValue]>;
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
  const tableName = options.table ?? base.table;
  const columns: UserColumns = { ...base.columns, ...options.columns };
  const fields = {
    email: resolveField(columns.email ?? null, 'email'),
    full_name: resolveField(columns.full_name ?? null, 'full_name'),
    disabled: resolveField(columns.disabled ?? null, 'disabled'),
  };
  const insertValues = Object.entries(base.insertValues ?? {}).map(
    ([column, value]) => [quoteIdentifier(column, 'an insertValues column'), value] as const,
  );
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
    managed: base.managed !== false,
    readHash: checkedRead(hashHook(base.readHash, textHash, 'readHash')),
    writeHash: checkedWrite(hashHook(base.writeHash, sameHash, 'writeHash')),
    simple: [columns.email, columns.full_name, columns.disabled].every((c) => c === null || c === undefined || typeof c === 'string'),
  };
}
