/**
 * The token lifecycle's tables on MySQL/MariaDB (`store.sessions` of gatehouse/mysql): sessions and
 * revoked access tokens, the tables of the other SQL stores (session-statements.ts), created on first use (or by the
 * user store's migrate()). Every value a bound parameter; ids, hashes and names compared exactly
 * (utf8mb4_bin).
 *
 * MariaDB has no UPDATE ... RETURNING: a rotation is the compare-and-swap UPDATE, and, when the
 * server says it matched the row, a SELECT of it on the same connection. The UPDATE's row lock makes
 * exactly one of concurrent rotations from the same secret match.
 */
import { UserStoreError } from '../../errors.js';
import { unrefTimer } from '../../platform/runtime.js';
import type { SessionKind, SessionRotation, StoredSession } from '../../tokens/lifecycle/session-store.js';
import type { SqlSessionStore } from './sessions.js';
import { type MysqlQueryable, matchedRows, mysqlUnavailable } from './mysql-driver.js';
import { SESSION_COLUMNS, SESSION_COLUMN_DEFINITIONS } from './session-statements.js';

export const SESSIONS_TABLE = 'gatehouse_sessions';
export const REVOKED_TABLE = 'gatehouse_revoked_tokens';

const COLUMNS = SESSION_COLUMNS.join(', ');

const CREATE_SESSIONS = `CREATE TABLE IF NOT EXISTS ${SESSIONS_TABLE} (${SESSION_COLUMN_DEFINITIONS},
  INDEX ${SESSIONS_TABLE}_username (username),
  INDEX ${SESSIONS_TABLE}_expires_at (expires_at)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`;

const CREATE_REVOKED = `CREATE TABLE IF NOT EXISTS ${REVOKED_TABLE} (
  jti VARCHAR(64) NOT NULL PRIMARY KEY,
  expires_at BIGINT NOT NULL,
  INDEX ${REVOKED_TABLE}_expires_at (expires_at)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`;

const LIVE = 'revoked_at IS NULL AND expires_at > ?';
const SQL = {
  insert: `INSERT INTO ${SESSIONS_TABLE} (${COLUMNS}) VALUES (${COLUMNS.split(', ').map(() => '?').join(', ')})`,
  find: `SELECT ${COLUMNS} FROM ${SESSIONS_TABLE} WHERE id = ?`,
  rotate:
    `UPDATE ${SESSIONS_TABLE} SET secret_hash = ?, previous_hash = ?, rotation_nonce = ?, generation = generation + 1, rotated_at = ?, last_used_at = ? ` +
    `WHERE id = ? AND secret_hash = ? AND ${LIVE} AND last_used_at >= ?`,
  touch: `UPDATE ${SESSIONS_TABLE} SET last_used_at = ? WHERE id = ? AND last_used_at = ? AND revoked_at IS NULL`,
  revoke: `UPDATE ${SESSIONS_TABLE} SET revoked_at = ? WHERE id = ? AND ${LIVE}`,
  revokeUser: `UPDATE ${SESSIONS_TABLE} SET revoked_at = ? WHERE username = ? AND ${LIVE} AND id <> ?`,
  list: `SELECT ${COLUMNS} FROM ${SESSIONS_TABLE} WHERE username = ? AND ${LIVE} ORDER BY created_at DESC, id DESC LIMIT 1000`,
  revokeToken:
    `INSERT INTO ${REVOKED_TABLE} (jti, expires_at) VALUES (?, ?) ` +
    'ON DUPLICATE KEY UPDATE expires_at = GREATEST(expires_at, VALUES(expires_at))',
  // One round trip: the jti is revoked, or the session is revoked, expired or gone.
  isRevoked:
    `SELECT (EXISTS (SELECT 1 FROM ${REVOKED_TABLE} WHERE jti = ?) ` +
    `OR (? IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ${SESSIONS_TABLE} WHERE id = ? AND ${LIVE}))) AS revoked`,
  sweepSessions: `DELETE FROM ${SESSIONS_TABLE} WHERE expires_at <= ?`,
  sweepTokens: `DELETE FROM ${REVOKED_TABLE} WHERE expires_at <= ?`,
};

/** The limits of the schema's columns, checked before a write (the server would refuse more). */
const LIMITS = { id: 22, username: 255, userStamp: 64, hash: 43, clientAddress: 64, userAgent: 256, jti: 64, scope: 65_535 };

const invalid = (message: string) => new UserStoreError('ERR_USER_INVALID', message);

function text(value: unknown, what: string, max: number): string {
  if (typeof value !== 'string' || value.length > max || value.includes('\0')) throw invalid(`${what} must be text of at most ${max} characters`);
  return value;
}
function textOrNull(value: unknown, what: string, max: number): string | null {
  return value === null || value === undefined ? null : text(value, what, max);
}
function seconds(value: unknown, what: string): number {
  if (!Number.isSafeInteger(value)) throw invalid(`${what} must be an integer (Unix seconds)`);
  return value as number;
}
function secondsOrNull(value: unknown, what: string): number | null {
  return value === null || value === undefined ? null : seconds(value, what);
}

/** The store's connection source: a pool or connection, opened on first use. */
export type MysqlSource = () => Promise<MysqlQueryable>;

/** @internal The SessionStore of gatehouse/mysql, with migrate() for the user store's. */
export interface MysqlSessionStore extends SqlSessionStore {
  /** Whether the sessions table is there (without creating it). */
  exists(): Promise<boolean>;
}

/** @internal A session store on the database `source` opens; `timeoutMs` bounds each call. */
export function createMysqlSessionStore(source: MysqlSource, timeoutMs: number, onError?: (error: UserStoreError) => void): MysqlSessionStore {
  let ready: Promise<MysqlQueryable> | undefined;

  const report = (error: UserStoreError): UserStoreError => {
    try {
      onError?.(error);
    } catch {
      // a failing reporter must not hide the error itself
    }
    return error;
  };
  const fail = (op: string, error: unknown): Error => {
    if (error instanceof UserStoreError) return error;
    const down = mysqlUnavailable(error);
    const code = (error as { code?: unknown } | null)?.code;
    const shown = typeof code === 'string' && /^[A-Z0-9_]{2,40}$/.test(code) ? ` (${code})` : '';
    return report(
      new UserStoreError(down ? 'ERR_USER_STORE_UNAVAILABLE' : 'ERR_USER_STORE_QUERY', `${op}: ${down ? 'the database is unavailable' : 'the database refused the statement'}${shown}`, {
        cause: error,
      }),
    );
  };
  /** `work`, failed as unavailable when it takes longer than timeoutMs; driver errors as UserStoreErrors. */
  const timed = <T>(op: string, work: () => PromiseLike<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(report(new UserStoreError('ERR_USER_STORE_UNAVAILABLE', `${op}: the database did not answer within ${timeoutMs} ms`))), timeoutMs);
      unrefTimer(timer);
      Promise.resolve()
        .then(work)
        .then(
          (value) => {
            clearTimeout(timer);
            resolve(value);
          },
          (error: unknown) => {
            clearTimeout(timer);
            reject(fail(op, error));
          },
        );
    });

  const open = (): Promise<MysqlQueryable> =>
    (ready ??= (async () => {
      const db = await source();
      await db.query(CREATE_SESSIONS);
      await db.query(CREATE_REVOKED);
      return db;
    })().catch((error: unknown) => {
      ready = undefined; // the server may be back next time
      throw error;
    }));

  /** mysql2's answer to one statement: rows for a SELECT, the write's result otherwise. */
  const run = async (db: MysqlQueryable, sql: string, params: unknown[]): Promise<unknown> => {
    const answer = await db.execute(sql, params);
    return Array.isArray(answer) ? answer[0] : undefined;
  };
  const rows = (op: string, result: unknown): unknown[] => {
    if (!Array.isArray(result)) throw report(new UserStoreError('ERR_USER_STORE_DATA', `${op}: the driver did not return rows`));
    return result;
  };
  const statement = (op: string, sql: string, params: unknown[]) => timed(op, async () => run(await open(), sql, params));

  const decode = (op: string, row: unknown): StoredSession => {
    const bad = () => report(new UserStoreError('ERR_USER_STORE_DATA', `${op}: a session row is malformed`));
    if (row === null || typeof row !== 'object') throw bad();
    const r = row as Record<string, unknown>;
    const str = (value: unknown) => {
      if (typeof value !== 'string') throw bad();
      return value;
    };
    const strOrNull = (value: unknown) => (value === null ? null : str(value));
    const int = (value: unknown) => {
      const number = typeof value === 'string' && /^-?[0-9]{1,16}$/.test(value) ? Number(value) : typeof value === 'bigint' ? Number(value) : value;
      if (!Number.isSafeInteger(number)) throw bad();
      return number as number;
    };
    const intOrNull = (value: unknown) => (value === null ? null : int(value));
    const kind = str(r.kind);
    if (kind !== 'refresh' && kind !== 'cookie') throw bad();
    return {
      id: str(r.id),
      username: str(r.username),
      kind: kind as SessionKind,
      userStamp: str(r.user_stamp),
      scope: str(r.scope),
      createdAt: int(r.created_at),
      lastUsedAt: int(r.last_used_at),
      expiresAt: int(r.expires_at),
      secretHash: str(r.secret_hash),
      previousHash: strOrNull(r.previous_hash),
      rotatedAt: intOrNull(r.rotated_at),
      rotationNonce: strOrNull(r.rotation_nonce),
      generation: int(r.generation),
      revokedAt: intOrNull(r.revoked_at),
      clientAddress: strOrNull(r.client_address),
      userAgent: strOrNull(r.user_agent),
    };
  };

  return {
    async migrate() {
      await timed('migrate', open);
    },

    async exists() {
      if (ready) return true;
      const found = await timed('sessions', async () =>
        run(await source(), 'SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?', [SESSIONS_TABLE]),
      );
      return Array.isArray(found) && found.length > 0;
    },

    async createSession(session) {
      if (session === null || typeof session !== 'object') throw invalid('createSession needs a session');
      const s = session as StoredSession;
      if (s.kind !== 'refresh' && s.kind !== 'cookie') throw invalid("kind must be 'refresh' or 'cookie'");
      const params = [
        text(s.id, 'id', LIMITS.id),
        text(s.username, 'username', LIMITS.username),
        s.kind,
        text(s.userStamp, 'userStamp', LIMITS.userStamp),
        text(s.scope, 'scope', LIMITS.scope),
        seconds(s.createdAt, 'createdAt'),
        seconds(s.lastUsedAt, 'lastUsedAt'),
        seconds(s.expiresAt, 'expiresAt'),
        text(s.secretHash, 'secretHash', LIMITS.hash),
        textOrNull(s.previousHash, 'previousHash', LIMITS.hash),
        secondsOrNull(s.rotatedAt, 'rotatedAt'),
        textOrNull(s.rotationNonce, 'rotationNonce', LIMITS.hash),
        seconds(s.generation ?? 0, 'generation'),
        secondsOrNull(s.revokedAt, 'revokedAt'),
        textOrNull(s.clientAddress, 'clientAddress', LIMITS.clientAddress),
        textOrNull(s.userAgent, 'userAgent', LIMITS.userAgent),
      ];
      await statement('createSession', SQL.insert, params); // a taken id: ER_DUP_ENTRY, ERR_USER_STORE_QUERY
    },

    async findSession(id) {
      if (typeof id !== 'string' || id.length > LIMITS.id) return null;
      const found = rows('findSession', await statement('findSession', SQL.find, [id]));
      return found.length === 0 ? null : decode('findSession', found[0]);
    },

    async rotateSession(id, expectedHash, next: SessionRotation) {
      if (typeof id !== 'string' || id.length > LIMITS.id || typeof expectedHash !== 'string' || expectedHash.length > LIMITS.hash) return null;
      if (next === null || typeof next !== 'object') throw invalid('rotateSession needs the rotation');
      const params = [
        text(next.secretHash, 'secretHash', LIMITS.hash),
        text(next.previousHash, 'previousHash', LIMITS.hash),
        text(next.rotationNonce, 'rotationNonce', LIMITS.hash),
        seconds(next.at, 'at'),
        seconds(next.at, 'at'),
        id,
        expectedHash,
        next.at,
        seconds(next.usedSince, 'usedSince'),
      ];
      return timed('rotateSession', async () => {
        const db = await open();
        // The SELECT runs on the connection that made the change, right after it.
        const connection = db.getConnection ? await db.getConnection() : null;
        try {
          const on = connection ?? db;
          if (matchedRows(await run(on, SQL.rotate, params)) === 0) return null;
          const found = rows('rotateSession', await run(on, SQL.find, [id]));
          return found.length === 0 ? null : decode('rotateSession', found[0]);
        } finally {
          connection?.release();
        }
      });
    },

    async touchSession(id, lastUsedAt, expectedLastUsedAt) {
      if (typeof id !== 'string' || id.length > LIMITS.id) return false;
      const params = [seconds(lastUsedAt, 'lastUsedAt'), id, seconds(expectedLastUsedAt, 'expectedLastUsedAt')];
      return matchedRows(await statement('touchSession', SQL.touch, params)) > 0;
    },

    async revokeSession(id, at) {
      if (typeof id !== 'string' || id.length > LIMITS.id) return false;
      return matchedRows(await statement('revokeSession', SQL.revoke, [seconds(at, 'at'), id, at])) > 0;
    },

    async revokeUserSessions(username, at, exceptId) {
      if (typeof username !== 'string' || username.length > LIMITS.username) return 0;
      const except = exceptId === undefined || exceptId === null ? '' : text(exceptId, 'exceptId', LIMITS.id);
      return matchedRows(await statement('revokeUserSessions', SQL.revokeUser, [seconds(at, 'at'), username, at, except]));
    },

    async listSessions(username, now) {
      if (typeof username !== 'string' || username.length > LIMITS.username) return [];
      const found = rows('listSessions', await statement('listSessions', SQL.list, [username, seconds(now, 'now')]));
      return found.map((row) => decode('listSessions', row));
    },

    async revokeAccessToken(jti, expiresAt) {
      await statement('revokeAccessToken', SQL.revokeToken, [text(jti, 'jti', LIMITS.jti), seconds(expiresAt, 'expiresAt')]);
    },

    async isAccessRevoked(jti, sessionId, now) {
      const token = typeof jti === 'string' && jti.length <= LIMITS.jti ? jti : null;
      if (typeof sessionId === 'string' && sessionId.length > LIMITS.id) return true; // no such session
      const session = typeof sessionId === 'string' ? sessionId : null;
      const found = rows('isAccessRevoked', await statement('isAccessRevoked', SQL.isRevoked, [token, session, session, seconds(now, 'now')]));
      const value = (found[0] as { revoked?: unknown } | undefined)?.revoked;
      // Anything but a clear "no" refuses the token.
      return !(value === 0 || value === '0' || value === false || value === 0n);
    },

    async sweep(now) {
      const at = seconds(now, 'now');
      const sessions = matchedRows(await statement('sweep', SQL.sweepSessions, [at]));
      const tokens = matchedRows(await statement('sweep', SQL.sweepTokens, [at]));
      return sessions + tokens;
    },
  };
}
