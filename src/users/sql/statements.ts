/**
 * The SQL text of a user store, built once from a layout: every value a bound parameter, the only
 * names the layout's validated, quoted identifiers.
 */
import { ConfigurationError } from '../../errors.js';
import { type ResolvedField, type ResolvedLayout, quoteIdentifier } from './layouts.js';

/** @internal Which SQL the store writes: `?` placeholders and SQLite's types, PostgreSQL's, or MySQL/MariaDB's. */
export type SqlDialect = 'sqlite' | 'postgres' | 'mysql';

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
  /** With the token stamp column: setDisabled that also renews the stamp (the stamp after the disabled values). */
  disableRenewing: string | null;
  /** With the token stamp column: set the stamp of $2 to $1. */
  renewStamp: string | null;
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

/**
 * The statements of a layout. With `stamp` (the quoted token_stamp column, on tables gatehouse owns
 * once migrate() added it): find reads it last, createUser writes it last (before the fold),
 * setPassword renews it (values: hash, stamp, name), and disableRenewing (the disabled values, the
 * stamp, the name) and renewStamp (stamp, name) exist. `stampAt`: the stamp's place in find's rows.
 */
export function buildStatements(dialect: SqlDialect, layout: ResolvedLayout, stamp: string | null = null) {
  const p = dialect === 'postgres' ? (i: number) => `$${i}` : () => '?';
  // MySQL/MariaDB: no RETURNING on UPDATE and no ON CONFLICT; the driver gives a write as one row per
  // row it matched, and a write refused by a UNIQUE index as none (mysql.ts). Times are UTC.
  const my = dialect === 'mysql';
  const now = my ? 'UTC_TIMESTAMP()' : 'CURRENT_TIMESTAMP';
  // A write names the user exactly, whatever the column's collation (a _ci column of another app).
  const exactly = my ? ' COLLATE utf8mb4_bin' : '';
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
  const findColumns = stamp ? [...columns, stamp] : columns;
  const select = (list: string[]) => list.map((column, i) => `${column} AS c${i}`).join(', ');

  const insertColumns = [...(cred ? [u] : [u, h]), ...columns.slice(2), ...layout.insertValues.map(([column]) => column), ...(stamp ? [stamp] : [])];
  const fold = layout.usernameFold?.quoted;
  const allColumns = fold ? [...insertColumns, fold] : insertColumns;
  const duplicate = allColumns.find((column, i) => allColumns.indexOf(column) !== i);
  if (duplicate) throw new ConfigurationError(`the layout writes the column ${duplicate} twice`);
  const stamps = [layout.createdAt, layout.updatedAt].filter((c): c is string => c !== null && !insertColumns.includes(c));
  const values = [...insertColumns.map((_, i) => p(i + 1)), ...stamps.map(() => now)];
  const touched = layout.updatedAt ? `, ${layout.updatedAt} = ${now}` : '';
  const returning = my ? '' : `RETURNING ${u} AS c0`;
  const onConflict = (target: string) => (my ? '' : `ON CONFLICT ${target}DO NOTHING `);
  const disabled = layout.fields.disabled;
  const disabledSet = disabled?.columns.map((column, i) => `${column} = ${p(i + 1)}`).join(', ');

  const conflict = layout.uniqueUsername ? onConflict(`(${u}) `) : '';
  const alternate = layout.alternateLogin;
  // The hash's row: the users table's, or the credentials row of the user named $n.
  const userKey = (n: number) => (cred ? `(SELECT ${cred.userKey} FROM ${t} WHERE ${u} = ${p(n)}${exactly})` : '');
  const credTouched = cred?.updatedAt ? `, ${cred.updatedAt} = ${now}` : '';
  const credReturning = cred && !my ? ` RETURNING ${cred.foreignKey} AS c0` : '';
  const hashUpdate = (cas: boolean) =>
    cred
      ? `UPDATE ${cred.table} SET ${h} = ${p(1)}${credTouched} WHERE ${cred.foreignKey} = ${userKey(2)}${credWhere}` +
        `${cas ? ` AND ${h} = ${p(3)}` : ''}${credReturning}`
      : `UPDATE ${t} SET ${h} = ${p(1)}${touched} WHERE ${u} = ${p(2)}${exactly}${cas ? ` AND ${h} = ${p(3)}` : ''} ${returning}`;
  let insertCredentials: string | null = null;
  if (cred) {
    const stampColumns = [cred.createdAt, cred.updatedAt].filter((c): c is string => c !== null);
    const credColumns = [cred.foreignKey, ...cred.keyCopies, ...cred.where.map(([c]) => c), h, ...cred.insertValues.map(([c]) => c), ...stampColumns];
    const credValues = [
      ...[cred.foreignKey, ...cred.keyCopies].map(() => `${t}.${cred.userKey}`),
      ...cred.where.map(([, value]) => literal(value)),
      p(1),
      ...cred.insertValues.map((_, i) => p(i + 2)),
      ...stampColumns.map(() => now),
    ];
    insertCredentials =
      `INSERT INTO ${cred.table} (${credColumns.join(', ')}) SELECT ${credValues.join(', ')} FROM ${t} ` +
      `WHERE ${u} = ${p(cred.insertValues.length + 2)}${exactly}${credReturning}`;
  }

  const sql: Statements = {
    find: `SELECT ${select(findColumns)} FROM ${t} WHERE ${u} = ${p(1)} LIMIT 2`,
    findAlternate: alternate ? `SELECT ${select(columns)} FROM ${t} WHERE ${alternate} = ${p(1)} LIMIT 2` : null,
    alternateName: alternate ? `SELECT ${u} AS c0 FROM ${t} WHERE ${alternate} = ${p(1)} LIMIT 2` : null,
    named: `SELECT ${u} AS c0 FROM ${t} WHERE ${u} = ${p(1)}${exactly} LIMIT 1`,
    insertCredentials,
    removeCredentials: cred ? `DELETE FROM ${cred.table} WHERE ${cred.foreignKey} = ${userKey(1)}${credReturning}` : null,
    probe: `SELECT ${select([...new Set([...columns, ...listColumns])])} FROM ${t} WHERE 1 = 0`,
    list: `SELECT ${select(listColumns)} FROM ${t} ORDER BY ${u} LIMIT ${p(1)}`,
    listAfter: `SELECT ${select(listColumns)} FROM ${t} WHERE ${u} > ${p(1)} ORDER BY ${u} LIMIT ${p(2)}`,
    insert:
      `INSERT INTO ${t} (${[...insertColumns, ...stamps].join(', ')}) VALUES (${values.join(', ')}) ` +
      `${conflict}${returning}`,
    // No conflict target: a taken name and a taken fold (its UNIQUE index) alike insert nothing.
    insertFolded: fold
      ? `INSERT INTO ${t} (${[...insertColumns, ...stamps, fold].join(', ')}) VALUES (${[...values, p(insertColumns.length + 1)].join(', ')}) ` +
        `${onConflict('')}${returning}`
      : null,
    names: `SELECT ${u} AS c0 FROM ${t} WHERE ${u} > ${p(1)} ORDER BY ${u} LIMIT ${p(2)}`,
    lowerMatches: `SELECT ${u} AS c0 FROM ${t} WHERE lower(${u}) IN (${[1, 2, 3, 4, 5, 6, 7].map((i) => `lower(${p(i)})`).join(', ')}) LIMIT 100`,
    foldMatch: fold ? `SELECT ${u} AS c0 FROM ${t} WHERE ${fold} = ${p(1)} OR ${u} = ${p(2)} LIMIT 1` : null,
    unfolded: fold ? `SELECT ${u} AS c0 FROM ${t} WHERE ${fold} IS NULL AND ${u} > ${p(1)} ORDER BY ${u} LIMIT ${p(2)}` : null,
    fillFold: fold
      ? `UPDATE ${t} SET ${fold} = ${p(1)} WHERE ${u} = ${p(2)}${exactly} AND ${fold} IS NULL ` +
        // MySQL cannot read the table an UPDATE changes: the UNIQUE index refuses a taken fold instead
        // ($3, the fold again, is then only checked to be there).
        (my ? `AND ${p(3)} IS NOT NULL` : `AND NOT EXISTS (SELECT 1 FROM ${t} AS other WHERE other.${fold} = ${p(3)}) ${returning}`)
      : null,
    compareAndSwap: hashUpdate(true),
    // With the stamp column (gatehouse's own table only): a password change also renews the stamp.
    setPassword: stamp
      ? `UPDATE ${t} SET ${h} = ${p(1)}, ${stamp} = ${p(2)}${touched} WHERE ${u} = ${p(3)}${exactly} ${returning}`
      : hashUpdate(false),
    setDisabled: disabled
      ? `UPDATE ${t} SET ${disabledSet}${touched} WHERE ${u} = ${p(disabled.columns.length + 1)}${exactly} ${returning}`
      : null,
    remove: `DELETE FROM ${t} WHERE ${u} = ${p(1)}${exactly} ${returning}`,
    disableRenewing:
      disabled && stamp
        ? `UPDATE ${t} SET ${disabledSet}, ${stamp} = ${p(disabled.columns.length + 1)}${touched} WHERE ${u} = ${p(disabled.columns.length + 2)}${exactly} ${returning}`
        : null,
    renewStamp: stamp ? `UPDATE ${t} SET ${stamp} = ${p(1)}${touched} WHERE ${u} = ${p(2)}${exactly} ${returning}` : null,
  };
  if (my) for (const key of Object.keys(sql) as (keyof Statements)[]) sql[key] = backticked(sql[key]!) as never;
  return { sql, slots, listSlots, stampAt: stamp ? columns.length : null };
}

/**
 * The SQL with MySQL's quotes: the layout's names are validated identifiers (letters, digits, _)
 * in double quotes, and no statement has a string literal, so every `"name"` is a name.
 */
export function backticked(sql: string, dialect?: SqlDialect): string;
export function backticked(sql: string | null, dialect?: SqlDialect): string | null;
export function backticked(sql: string | null, dialect: SqlDialect = 'mysql'): string | null {
  if (sql === null || dialect !== 'mysql') return sql;
  return sql.replace(/"([A-Za-z_][A-Za-z0-9_]*)"/g, '`$1`');
}

/**
 * MySQL/MariaDB's table: utf8mb4, names compared exactly (utf8mb4_bin: `JohnDoe` is not `johndoe`),
 * key columns of bounded length (an index holds 3072 bytes: 768 characters). The fold's UNIQUE index
 * comes with the table (MySQL has no CREATE INDEX IF NOT EXISTS).
 */
export function mysqlTableSql(layout: ResolvedLayout): string {
  const bin = 'CHARACTER SET utf8mb4 COLLATE utf8mb4_bin';
  const lines = [`${layout.username} VARCHAR(256) ${bin} NOT NULL PRIMARY KEY`, `${layout.hashedPassword} TEXT ${bin}`];
  const { email, full_name, disabled } = layout.fields;
  if (email) lines.push(`${email.columns[0]} TEXT`);
  if (full_name) lines.push(`${full_name.columns[0]} TEXT`);
  if (layout.usernameFold) lines.push(`${mysqlFoldColumn(layout)}`);
  if (disabled) lines.push(`${disabled.columns[0]} BOOLEAN NOT NULL DEFAULT FALSE`);
  for (const column of [layout.createdAt, layout.updatedAt]) if (column) lines.push(`${column} DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP`);
  if (layout.usernameFold) lines.push(`UNIQUE KEY ${mysqlFoldIndex(layout)} (${layout.usernameFold.quoted})`);
  return backticked(`CREATE TABLE IF NOT EXISTS ${layout.table} (\n  ${lines.join(',\n  ')}\n) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
}

/** The fold column's definition on MySQL (NFKC can lengthen a name: room for three times 256). */
export function mysqlFoldColumn(layout: ResolvedLayout): string {
  return `${layout.usernameFold!.quoted} VARCHAR(768) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL`;
}

/** `<table>_<fold column>_key`, at most 64 characters (MySQL's limit), quoted. */
export function mysqlFoldIndex(layout: ResolvedLayout): string {
  return quoteIdentifier(`${layout.tableName.split('.').at(-1)!}_${layout.usernameFold!.name}_key`.slice(0, 63), 'the fold index name');
}

export function createTableSql(dialect: SqlDialect, layout: ResolvedLayout): string {
  if (dialect === 'mysql') return mysqlTableSql(layout);
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
