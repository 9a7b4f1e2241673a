/**
 * The SQL text of a user store, built once from a layout: every value a bound parameter, the only
 * names the layout's validated, quoted identifiers.
 */
import { ConfigurationError } from '../../errors.js';
import type { ResolvedField, ResolvedLayout } from './layouts.js';

/** @internal Which SQL the store writes: `?` placeholders and SQLite's types, or PostgreSQL's. */
export type SqlDialect = 'sqlite' | 'postgres';

export interface Statements {
  find: string;
  probe: string;
  list: string;
  listAfter: string;
  insert: string;
  compareAndSwap: string;
  setPassword: string;
  setDisabled: string | null;
  remove: string;
}

/** The fields of a record in select order, with where their values sit in a row. */
export interface FieldSlot {
  readonly name: 'email' | 'full_name' | 'disabled';
  readonly field: ResolvedField;
  /** The row keys of its columns (c2, c3, ...). */
  readonly keys: readonly string[];
}

export function buildStatements(dialect: SqlDialect, layout: ResolvedLayout) {
  const p = dialect === 'postgres' ? (i: number) => `$${i}` : () => '?';
  const { table: t, username: u, hashedPassword: h } = layout;
  const slots: FieldSlot[] = [];
  const listSlots: FieldSlot[] = [];
  const columns = [u, h];
  const listColumns = [u];
  for (const name of ['email', 'full_name', 'disabled'] as const) {
    const field = layout.fields[name];
    if (!field) continue;
    const keysFrom = (start: number) => field.columns.map((_, i) => `c${start + i}`);
    slots.push({ name, field, keys: keysFrom(columns.length) });
    listSlots.push({ name, field, keys: keysFrom(listColumns.length) });
    columns.push(...field.columns);
    listColumns.push(...field.columns);
  }
  if (layout.createdAt) listColumns.push(layout.createdAt);
  if (layout.updatedAt) listColumns.push(layout.updatedAt);
  const select = (list: string[]) => list.map((column, i) => `${column} AS c${i}`).join(', ');

  const insertColumns = [...columns, ...layout.insertValues.map(([column]) => column)];
  const duplicate = insertColumns.find((column, i) => insertColumns.indexOf(column) !== i);
  if (duplicate) throw new ConfigurationError(`the layout writes the column ${duplicate} twice`);
  const stamps = [layout.createdAt, layout.updatedAt].filter((c): c is string => c !== null && !insertColumns.includes(c));
  const values = [...insertColumns.map((_, i) => p(i + 1)), ...stamps.map(() => 'CURRENT_TIMESTAMP')];
  const touched = layout.updatedAt ? `, ${layout.updatedAt} = CURRENT_TIMESTAMP` : '';
  const returning = `RETURNING ${u} AS c0`;
  const disabled = layout.fields.disabled;
  const disabledSet = disabled?.columns.map((column, i) => `${column} = ${p(i + 1)}`).join(', ');

  const sql: Statements = {
    find: `SELECT ${select(columns)} FROM ${t} WHERE ${u} = ${p(1)} LIMIT 2`,
    probe: `SELECT ${select([...new Set([...columns, ...listColumns])])} FROM ${t} WHERE 1 = 0`,
    list: `SELECT ${select(listColumns)} FROM ${t} ORDER BY ${u} LIMIT ${p(1)}`,
    listAfter: `SELECT ${select(listColumns)} FROM ${t} WHERE ${u} > ${p(1)} ORDER BY ${u} LIMIT ${p(2)}`,
    insert:
      `INSERT INTO ${t} (${[...insertColumns, ...stamps].join(', ')}) VALUES (${values.join(', ')}) ` +
      `ON CONFLICT (${u}) DO NOTHING ${returning}`,
    compareAndSwap: `UPDATE ${t} SET ${h} = ${p(1)}${touched} WHERE ${u} = ${p(2)} AND ${h} = ${p(3)} ${returning}`,
    setPassword: `UPDATE ${t} SET ${h} = ${p(1)}${touched} WHERE ${u} = ${p(2)} ${returning}`,
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
