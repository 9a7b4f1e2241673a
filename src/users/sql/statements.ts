/**
 * The SQL text of a user store, built once from a layout: every value a bound parameter, the only
 * names the layout's validated, quoted identifiers.
 */
import { ConfigurationError } from '../../errors.js';
import { type ResolvedField, type ResolvedLayout, quoteIdentifier } from './layouts.js';

/** @internal Which SQL the store writes: `?` placeholders and SQLite's types, or PostgreSQL's. */
export type SqlDialect = 'sqlite' | 'postgres';

export interface Statements {
  find: string;
  probe: string;
  list: string;
  listAfter: string;
  insert: string;
  /** insert with the fold last: refused (no row) on a taken name or fold. Null without a fold column. */
  insertFolded: string | null;
  /** Usernames after $1, in order (a page of $2): listLookAlikes' scan. */
  names: string;
  /** Names that lower() to one of 7 variants of a name: look-alike candidates without a fold column. */
  lowerMatches: string;
  /** The name holding fold $1, or named $2 (fold column only). */
  foldMatch: string | null;
  /** Names without a fold yet, after $1 (a page of $2): migrate fills them in. */
  unfolded: string | null;
  /** Set the fold of $2 to $1 while no row holds $1 (look-alikes already there are left alone). */
  fillFold: string | null;
  compareAndSwap: string;
  setPassword: string;
  setDisabled: string | null;
  remove: string;
  /** 'username or email': the row whose email column is $1 (as find), and its username alone. */
  findAlternate: string | null;
  alternateName: string | null;
  /** Whether a row has username $1 (its username as c0). */
  named: string;
  /**
   * With a credentials table (better-auth's account): insert writes no hash; this adds the row
   * of the user named last ($1 the hash, then the insert values, then the name); removeCredentials
   * deletes every row of the user's before the user goes.
   */
  insertCredentials: string | null;
  removeCredentials: string | null;
}

/** The fields of a record in select order, with where their values sit in a row. */
export interface FieldSlot {
  readonly name: 'email' | 'full_name' | 'disabled';
  readonly field: ResolvedField;
  /** The row keys of its columns (c2, c3, ...). */
  readonly keys: readonly string[];
  /** The same columns' positions in the select list (2, 3, ...): where they sit in a row of arrays. */
  readonly at: readonly number[];
}

export function buildStatements(dialect: SqlDialect, layout: ResolvedLayout) {
  const p = dialect === 'postgres' ? (i: number) => `$${i}` : () => '?';
  const { table: t, username: u, hashedPassword: h, credentials: cred } = layout;
  const slots: FieldSlot[] = [];
  const listSlots: FieldSlot[] = [];
  // With a credentials table, the hash is read from the user's row there.
  const literal = (value: string) => `'${value}'`; // checked words only (resolveCredentials)
  const credWhere = cred ? cred.where.map(([column, value]) => ` AND ${column} = ${literal(value)}`).join('') : '';
  const hashRead = cred ? `(SELECT ${h} FROM ${cred.table} WHERE ${cred.foreignKey} = ${t}.${cred.userKey}${credWhere} LIMIT 1)` : h;
  const columns = [u, hashRead];
  const listColumns = [u];
  for (const name of ['email', 'full_name', 'disabled'] as const) {
    const field = layout.fields[name];
    if (!field) continue;
    const atFrom = (start: number) => field.columns.map((_, i) => start + i);
    const slot = (start: number): FieldSlot => ({ name, field, keys: atFrom(start).map((i) => `c${i}`), at: atFrom(start) });
    slots.push(slot(columns.length));
    listSlots.push(slot(listColumns.length));
    columns.push(...field.columns);
    listColumns.push(...field.columns);
  }
  if (layout.createdAt) listColumns.push(layout.createdAt);
  if (layout.updatedAt) listColumns.push(layout.updatedAt);
  const select = (list: string[]) => list.map((column, i) => `${column} AS c${i}`).join(', ');

  const insertColumns = [...(cred ? [u] : [u, h]), ...columns.slice(2), ...layout.insertValues.map(([column]) => column)];
  const fold = layout.usernameFold?.quoted;
  const allColumns = fold ? [...insertColumns, fold] : insertColumns;
  const duplicate = allColumns.find((column, i) => allColumns.indexOf(column) !== i);
  if (duplicate) throw new ConfigurationError(`the layout writes the column ${duplicate} twice`);
  const stamps = [layout.createdAt, layout.updatedAt].filter((c): c is string => c !== null && !insertColumns.includes(c));
  const values = [...insertColumns.map((_, i) => p(i + 1)), ...stamps.map(() => 'CURRENT_TIMESTAMP')];
  const touched = layout.updatedAt ? `, ${layout.updatedAt} = CURRENT_TIMESTAMP` : '';
  const returning = `RETURNING ${u} AS c0`;
  const disabled = layout.fields.disabled;
  const disabledSet = disabled?.columns.map((column, i) => `${column} = ${p(i + 1)}`).join(', ');

  const conflict = layout.uniqueUsername ? `ON CONFLICT (${u}) DO NOTHING ` : '';
  const alternate = layout.alternateLogin;
  // The hash's row: the users table's, or the credentials row of the user named $n.
  const userKey = (n: number) => (cred ? `(SELECT ${cred.userKey} FROM ${t} WHERE ${u} = ${p(n)})` : '');
  const credTouched = cred?.updatedAt ? `, ${cred.updatedAt} = CURRENT_TIMESTAMP` : '';
  const hashUpdate = (cas: boolean) =>
    cred
      ? `UPDATE ${cred.table} SET ${h} = ${p(1)}${credTouched} WHERE ${cred.foreignKey} = ${userKey(2)}${credWhere}` +
        `${cas ? ` AND ${h} = ${p(3)}` : ''} RETURNING ${cred.foreignKey} AS c0`
      : `UPDATE ${t} SET ${h} = ${p(1)}${touched} WHERE ${u} = ${p(2)}${cas ? ` AND ${h} = ${p(3)}` : ''} ${returning}`;
  let insertCredentials: string | null = null;
  if (cred) {
    const stampColumns = [cred.createdAt, cred.updatedAt].filter((c): c is string => c !== null);
    const credColumns = [cred.foreignKey, ...cred.keyCopies, ...cred.where.map(([c]) => c), h, ...cred.insertValues.map(([c]) => c), ...stampColumns];
    const credValues = [
      ...[cred.foreignKey, ...cred.keyCopies].map(() => `${t}.${cred.userKey}`),
      ...cred.where.map(([, value]) => literal(value)),
      p(1),
      ...cred.insertValues.map((_, i) => p(i + 2)),
      ...stampColumns.map(() => 'CURRENT_TIMESTAMP'),
    ];
    insertCredentials =
      `INSERT INTO ${cred.table} (${credColumns.join(', ')}) SELECT ${credValues.join(', ')} FROM ${t} ` +
      `WHERE ${u} = ${p(cred.insertValues.length + 2)} RETURNING ${cred.foreignKey} AS c0`;
  }

  const sql: Statements = {
    find: `SELECT ${select(columns)} FROM ${t} WHERE ${u} = ${p(1)} LIMIT 2`,
    findAlternate: alternate ? `SELECT ${select(columns)} FROM ${t} WHERE ${alternate} = ${p(1)} LIMIT 2` : null,
    alternateName: alternate ? `SELECT ${u} AS c0 FROM ${t} WHERE ${alternate} = ${p(1)} LIMIT 2` : null,
    named: `SELECT ${u} AS c0 FROM ${t} WHERE ${u} = ${p(1)} LIMIT 1`,
    insertCredentials,
    removeCredentials: cred ? `DELETE FROM ${cred.table} WHERE ${cred.foreignKey} = ${userKey(1)} RETURNING ${cred.foreignKey} AS c0` : null,
    probe: `SELECT ${select([...new Set([...columns, ...listColumns])])} FROM ${t} WHERE 1 = 0`,
    list: `SELECT ${select(listColumns)} FROM ${t} ORDER BY ${u} LIMIT ${p(1)}`,
    listAfter: `SELECT ${select(listColumns)} FROM ${t} WHERE ${u} > ${p(1)} ORDER BY ${u} LIMIT ${p(2)}`,
    insert:
      `INSERT INTO ${t} (${[...insertColumns, ...stamps].join(', ')}) VALUES (${values.join(', ')}) ` +
      `${conflict}${returning}`,
    // No conflict target: a taken name and a taken fold (its UNIQUE index) alike insert nothing.
    insertFolded: fold
      ? `INSERT INTO ${t} (${[...insertColumns, ...stamps, fold].join(', ')}) VALUES (${[...values, p(insertColumns.length + 1)].join(', ')}) ` +
        `ON CONFLICT DO NOTHING ${returning}`
      : null,
    names: `SELECT ${u} AS c0 FROM ${t} WHERE ${u} > ${p(1)} ORDER BY ${u} LIMIT ${p(2)}`,
    lowerMatches: `SELECT ${u} AS c0 FROM ${t} WHERE lower(${u}) IN (${[1, 2, 3, 4, 5, 6, 7].map((i) => `lower(${p(i)})`).join(', ')}) LIMIT 100`,
    foldMatch: fold ? `SELECT ${u} AS c0 FROM ${t} WHERE ${fold} = ${p(1)} OR ${u} = ${p(2)} LIMIT 1` : null,
    unfolded: fold ? `SELECT ${u} AS c0 FROM ${t} WHERE ${fold} IS NULL AND ${u} > ${p(1)} ORDER BY ${u} LIMIT ${p(2)}` : null,
    fillFold: fold
      ? `UPDATE ${t} SET ${fold} = ${p(1)} WHERE ${u} = ${p(2)} AND ${fold} IS NULL ` +
        `AND NOT EXISTS (SELECT 1 FROM ${t} AS other WHERE other.${fold} = ${p(3)}) ${returning}`
      : null,
    compareAndSwap: hashUpdate(true),
    setPassword: hashUpdate(false),
    setDisabled: disabled
      ? `UPDATE ${t} SET ${disabledSet}${touched} WHERE ${u} = ${p(disabled.columns.length + 1)} ${returning}`
      : null,
    remove: `DELETE FROM ${t} WHERE ${u} = ${p(1)} ${returning}`,
  };
  return { sql, slots, listSlots };
}

export function createTableSql(dialect: SqlDialect, layout: ResolvedLayout): string {
  const pg = dialect === 'postgres';
  const text = 'TEXT';
  const lines = [`${layout.username} ${text} NOT NULL PRIMARY KEY`, `${layout.hashedPassword} ${text}`];
  const { email, full_name, disabled } = layout.fields;
  if (email) lines.push(`${email.columns[0]} ${text}`);
  if (full_name) lines.push(`${full_name.columns[0]} ${text}`);
  if (layout.usernameFold) lines.push(`${layout.usernameFold.quoted} ${text}`);
  if (disabled) {
    const column = disabled.columns[0]!;
    lines.push(pg ? `${column} BOOLEAN NOT NULL DEFAULT false` : `${column} INTEGER NOT NULL DEFAULT 0 CHECK (${column} IN (0, 1))`);
  }
  const time = pg ? 'TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP' : 'TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP';
  for (const column of [layout.createdAt, layout.updatedAt]) if (column) lines.push(`${column} ${time}`);
  const create = `CREATE TABLE IF NOT EXISTS ${layout.table} (\n  ${lines.join(',\n  ')}\n)`;
  // Two processes migrating at once: PostgreSQL's IF NOT EXISTS can still collide, so take a lock for
  // the transaction that a multi-statement simple query runs in.
  return pg ? `SELECT pg_advisory_xact_lock(7314985); ${create}` : create;
}

/** `schema.table` on SQLite as pragma_table_info's arguments: the table, then the schema (default main). */
export function sqliteTableParts(name: string): [string, string] {
  const parts = name.split('.');
  return parts.length === 2 ? [parts[1]!, parts[0]!] : [name, 'main'];
}

/** The UNIQUE index on the fold: `<table>_<fold column>_key` (63 characters at most), in the table's schema. */
export function foldIndexSql(dialect: SqlDialect, layout: ResolvedLayout): string {
  const parts = layout.tableName.split('.');
  const table = parts.at(-1)!;
  const fold = layout.usernameFold!;
  const index = quoteIdentifier(`${table}_${fold.name}_key`.slice(0, 63), 'the fold index name');
  // PostgreSQL puts an index in its table's schema; SQLite names the schema on the index instead.
  const [name, on] = dialect === 'sqlite' && parts.length === 2 ? [`${quoteIdentifier(parts[0], 'the schema')}.${index}`, quoteIdentifier(table, 'the table name')] : [index, layout.table];
  return `CREATE UNIQUE INDEX IF NOT EXISTS ${name} ON ${on} (${fold.quoted})`;
}
