/**
 * The SQL of the lifecycle tables (docs/databases.md, "Sessions and revoked tokens"): gatehouse_sessions
 * and gatehouse_revoked_tokens, beside the users table (in its schema when the table name has one).
 * Every value is a bound parameter; the names are fixed.
 */
import { quoteIdentifier } from './layouts.js';
import type { SqlDialect } from './statements.js';

/** The session columns in StoredSession's order: every SELECT and RETURNING lists them so. */
export const SESSION_COLUMNS = [
  'id',
  'username',
  'kind',
  'user_stamp',
  'scope',
  'created_at',
  'last_used_at',
  'expires_at',
  'secret_hash',
  'previous_hash',
  'rotated_at',
  'rotation_nonce',
  'generation',
  'revoked_at',
  'client_address',
  'user_agent',
] as const;

/** The sessions table's columns as CREATE TABLE lists them: the same on every database (MySQL's too). */
export const SESSION_COLUMN_DEFINITIONS = `
  id VARCHAR(22) NOT NULL PRIMARY KEY,
  username VARCHAR(256) NOT NULL,
  kind VARCHAR(8) NOT NULL,
  user_stamp VARCHAR(64) NOT NULL,
  scope TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  last_used_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  secret_hash VARCHAR(43) NOT NULL,
  previous_hash VARCHAR(43) NULL,
  rotated_at BIGINT NULL,
  rotation_nonce VARCHAR(43) NULL,
  generation INTEGER NOT NULL DEFAULT 0,
  revoked_at BIGINT NULL,
  client_address VARCHAR(64) NULL,
  user_agent VARCHAR(256) NULL`;

/** Rows sweep deletes per statement (the count comes back as rows: bounded). */
export const SWEEP_BATCH = 5000;
/** listSessions gives at most this many (the newest). */
export const MAX_LISTED_SESSIONS = 1000;

export interface SessionStatements {
  /** DDL, one statement each (D1 runs one statement per call). */
  create: string[];
  /** Whether the sessions table exists: a row when it does. */
  exists: string;
  insert: string;
  find: string;
  rotate: string;
  touch: string;
  revoke: string;
  revokeUser: string;
  list: string;
  revokeToken: string;
  revokedJti: string;
  revokedSession: string;
  revokedEither: string;
  sweepSessions: string;
  sweepTokens: string;
  /**
   * PostgreSQL: a users-table lookup (`find`, its username as $1) with a `gatehouse_revoked` column
   * added: $2 (a jti, or null) is revoked, or $3 (a session id, or null) names no live session.
   * One statement for an authenticated request's user and revocation check.
   */
  unlessRevoked(find: string): string;
  /** PostgreSQL: whether both notify triggers exist (one row each); null elsewhere. */
  notifyTriggers: string | null;
}

/**
 * The channel the lifecycle tables' triggers notify (PostgreSQL) when a session is revoked or
 * deleted, or an access token revoked, by any writer: servers then drop their cached "not revoked"
 * answers. No payload: every revocation clears everything (they are rare next to requests).
 */
export const REVOCATION_CHANNEL = 'gatehouse_revocations';
const NOTIFY_FUNCTION = 'gatehouse_notify_revocation';
const SESSIONS_TRIGGER = 'gatehouse_sessions_revoked';
const TOKENS_TRIGGER = 'gatehouse_revoked_tokens_added';

/**
 * The statements for the users table `tableName` (unquoted, maybe `schema.table`): the lifecycle
 * tables go to the same schema.
 */
export function buildSessionStatements(dialect: SqlDialect, tableName: string): SessionStatements {
  const pg = dialect === 'postgres';
  const parts = tableName.split('.');
  const schema = parts.length === 2 ? quoteIdentifier(parts[0], 'the schema') : null;
  const qualified = (name: string) => (schema ? `${schema}.${name}` : name);
  const s = qualified('gatehouse_sessions');
  const r = qualified('gatehouse_revoked_tokens');
  // SQLite names the schema on the index and the bare table after ON; PostgreSQL the reverse.
  const index = (name: string, table: string, column: string) =>
    pg || !schema
      ? `CREATE INDEX IF NOT EXISTS ${name} ON ${qualified(table)} (${column})`
      : `CREATE INDEX IF NOT EXISTS ${schema}.${name} ON ${table} (${column})`;
  const all = SESSION_COLUMNS.join(', ');
  const live = `revoked_at IS NULL`;
  const create = [
    `CREATE TABLE IF NOT EXISTS ${s} (${SESSION_COLUMN_DEFINITIONS}
)`,
    index('gatehouse_sessions_username', 'gatehouse_sessions', 'username'),
    index('gatehouse_sessions_expires_at', 'gatehouse_sessions', 'expires_at'),
    `CREATE TABLE IF NOT EXISTS ${r} (
  jti VARCHAR(64) NOT NULL PRIMARY KEY,
  expires_at BIGINT NOT NULL
)`,
    index('gatehouse_revoked_tokens_expires_at', 'gatehouse_revoked_tokens', 'expires_at'),
  ];
  if (pg) {
    // Statement-level triggers: a revocation by any writer (another server, the CLI, plain SQL)
    // tells every listening server at commit. `UPDATE OF revoked_at`: a rotation does not fire it.
    const fn = qualified(NOTIFY_FUNCTION);
    const trigger = (name: string, when: string, table: string) =>
      `DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = '${name}' AND tgrelid = to_regclass('${table}')) THEN ` +
      `CREATE TRIGGER ${name} AFTER ${when} ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION ${fn}(); END IF; END $$`;
    create.push(
      `CREATE OR REPLACE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_notify('${REVOCATION_CHANNEL}', ''); RETURN NULL; END $$`,
      trigger(SESSIONS_TRIGGER, 'UPDATE OF revoked_at OR DELETE', s),
      trigger(TOKENS_TRIGGER, 'INSERT', r),
    );
  }
  const exists = pg
    ? `SELECT 1 AS c0 WHERE to_regclass($1) IS NOT NULL`
    : `SELECT 1 AS c0 FROM ${schema ?? 'main'}.sqlite_master WHERE type = 'table' AND name = ?`;
  /** A statement whose parameters are numbered in order of appearance ($1, $2, ... or ?): values go in that order. */
  const sql = (build: (next: () => string) => string) => {
    let i = 0;
    return build(() => (pg ? `$${++i}` : '?'));
  };
  return {
    create,
    exists,
    insert: sql((q) => `INSERT INTO ${s} (${all}) VALUES (${SESSION_COLUMNS.map(() => q()).join(', ')}) RETURNING id`),
    find: sql((q) => `SELECT ${all} FROM ${s} WHERE id = ${q()}`),
    // The compare-and-swap: one statement. PostgreSQL re-reads a row another UPDATE changed meanwhile
    // and checks the WHERE again (READ COMMITTED), SQLite runs writers one at a time: one winner.
    // Values: secretHash, previousHash, rotationNonce, at, at, id, expectedHash, at, usedSince.
    rotate: sql(
      (q) =>
        `UPDATE ${s} SET secret_hash = ${q()}, previous_hash = ${q()}, rotation_nonce = ${q()}, generation = generation + 1, ` +
        `rotated_at = ${q()}, last_used_at = ${q()} WHERE id = ${q()} AND secret_hash = ${q()} AND ${live} ` +
        `AND expires_at > ${q()} AND last_used_at >= ${q()} RETURNING ${all}`,
    ),
    touch: sql((q) => `UPDATE ${s} SET last_used_at = ${q()} WHERE id = ${q()} AND last_used_at = ${q()} RETURNING id`),
    revoke: sql((q) => `UPDATE ${s} SET revoked_at = ${q()} WHERE id = ${q()} AND ${live} RETURNING expires_at`),
    // Values: at, username, at, exceptId ('' for none: ids are never empty).
    revokeUser: sql(
      (q) => `UPDATE ${s} SET revoked_at = ${q()} WHERE username = ${q()} AND ${live} AND expires_at > ${q()} AND id <> ${q()} RETURNING id`,
    ),
    list: sql(
      (q) =>
        `SELECT ${all} FROM ${s} WHERE username = ${q()} AND ${live} AND expires_at > ${q()} ` +
        `ORDER BY created_at DESC, id DESC LIMIT ${MAX_LISTED_SESSIONS}`,
    ),
    revokeToken: sql((q) => `INSERT INTO ${r} (jti, expires_at) VALUES (${q()}, ${q()}) ON CONFLICT (jti) DO NOTHING RETURNING jti`),
    revokedJti: sql((q) => `SELECT 1 AS c0 FROM ${r} WHERE jti = ${q()}`),
    // A session's access tokens are refused once it is revoked or gone: no live row = revoked.
    revokedSession: sql((q) => `SELECT 1 AS c0 WHERE NOT EXISTS (SELECT 1 FROM ${s} WHERE id = ${q()} AND ${live})`),
    revokedEither: sql(
      (q) =>
        `SELECT 1 AS c0 WHERE EXISTS (SELECT 1 FROM ${r} WHERE jti = ${q()}) ` +
        `OR NOT EXISTS (SELECT 1 FROM ${s} WHERE id = ${q()} AND ${live})`,
    ),
    notifyTriggers: pg
      ? `SELECT tgname AS c0 FROM pg_trigger WHERE (tgname = '${SESSIONS_TRIGGER}' AND tgrelid = to_regclass('${s}')) ` +
        `OR (tgname = '${TOKENS_TRIGGER}' AND tgrelid = to_regclass('${r}'))`
      : null,
    unlessRevoked: (find) =>
      `SELECT f.*, (($2::varchar IS NOT NULL AND EXISTS (SELECT 1 FROM ${r} WHERE jti = $2::varchar)) ` +
      `OR ($3::varchar IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ${s} WHERE id = $3::varchar AND ${live}))) ` +
      `AS gatehouse_revoked FROM (${find}) AS f`,
    sweepSessions: sql(
      (q) => `DELETE FROM ${s} WHERE id IN (SELECT id FROM ${s} WHERE expires_at <= ${q()} LIMIT ${SWEEP_BATCH}) RETURNING 1 AS c0`,
    ),
    sweepTokens: sql(
      (q) => `DELETE FROM ${r} WHERE jti IN (SELECT jti FROM ${r} WHERE expires_at <= ${q()} LIMIT ${SWEEP_BATCH}) RETURNING 1 AS c0`,
    ),
  };
}

/** A PostgreSQL statement that also revokes the sessions of the user `sql` (ending `RETURNING <username> AS c0`) changed. */
export function withSessionsRevoked(sql: string, tableName: string, atParam: number): string {
  const parts = tableName.split('.');
  const s = parts.length === 2 ? `${quoteIdentifier(parts[0], 'the schema')}.gatehouse_sessions` : 'gatehouse_sessions';
  return (
    `WITH changed AS (${sql}), ended AS (UPDATE ${s} SET revoked_at = $${atParam} ` +
    `WHERE username IN (SELECT c0 FROM changed) AND revoked_at IS NULL RETURNING 1) SELECT c0 FROM changed`
  );
}
