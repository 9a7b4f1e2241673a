/**
 * The SessionStore of the SQL user stores: sessions and revoked access tokens in two tables beside
 * the users (gatehouse_sessions, gatehouse_revoked_tokens), on the same database and driver. A
 * synchronous driver (better-sqlite3, node:sqlite, bun:sqlite) answers without a promise once open,
 * as findUser does: isAccessRevoked runs on every authenticated request.
 */
import { UserStoreError } from '../../errors.js';
import { isThenable } from '../../internal/await.js';
import { BoundedMap } from '../../internal/bounded-map.js';
import { unrefTimer } from '../../platform/runtime.js';
import type { SessionKind, SessionRotation, SessionStore, StoredSession } from '../../tokens/lifecycle/session-store.js';
import type { SqlValue } from './layouts.js';
import { REVOCATION_CHANNEL, SESSION_COLUMNS, type SessionStatements, buildSessionStatements } from './session-statements.js';
import type { SqlDialect } from './statements.js';
import { LONE_SURROGATE, validUsername } from './values.js';

/**
 * The SessionStore of a SQL user store (`store.sessions`), with `migrate()` for its own tables:
 * the user store's migrate() runs it; a store on a table another app owns (Django's auth_user)
 * runs it alone, as that table is never altered.
 *
 * @example
 * const users = createPostgresUserStore(process.env.DATABASE_URL!, { layout: 'django' });
 * await users.sessions.migrate(); // gatehouse_sessions, gatehouse_revoked_tokens; auth_user untouched
 * setInterval(() => users.sessions.sweep(Math.floor(Date.now() / 1000)), 3_600_000);
 */
export interface SqlSessionStore extends SessionStore {
  findSession(id: string): StoredSession | null | Promise<StoredSession | null>;
  rotateSession(id: string, expectedHash: string, next: SessionRotation): StoredSession | null | Promise<StoredSession | null>;
  isAccessRevoked(jti: string | null, sessionId: string | null, now: number): boolean | Promise<boolean>;
  /** Create the lifecycle tables and their indexes when missing (idempotent). */
  migrate(): Promise<void>;
}

/** @internal What the session store needs of the user store: its statements run on the same driver, errors mapped. */
export interface SqlRunner {
  readonly dialect: SqlDialect;
  /** Rows of one statement (sync on a synchronous driver once open); failures as UserStoreError. */
  run(op: string, sql: string, params: readonly SqlValue[]): unknown[] | Promise<unknown[]>;
  /** One statement without parameters (DDL). */
  exec(op: string, sql: string): Promise<unknown>;
  /** A UserStoreError of malformed data, reported as the store reports its errors. */
  report(error: UserStoreError): UserStoreError;
  /** LISTEN on `channel` where the driver can (PostgreSQL pools the store opened), else null. */
  listen?(channel: string, onNotify: () => void, onLost: (error: unknown) => void): Promise<(() => Promise<void>) | null>;
}

/** "Not revoked" answers kept at most (a token's jti and session id each). */
const MAX_REMEMBERED = 100_000;
/**
 * How long one is kept (ms) even while listening: the bound on a revocation's delay should the
 * LISTEN connection die without the store hearing of it (TCP keepalive also watches it).
 */
const REMEMBER_MS = 10_000;
/** After the LISTEN connection failed, or without the triggers: when to try again (ms). */
const LISTEN_RETRY_MS = [1000, 5000, 30_000] as const;
const TRIGGER_RECHECK_MS = 60_000;

/** A "not revoked" answer's key: a session id never holds a newline, so the pair reads back one way. */
const answerKey = (jti: string | null, sessionId: string | null): string => `${jti ?? ''}\n${sessionId ?? ''}`;

const ID = /^[A-Za-z0-9_-]{1,64}$/;
/** A new session's id: 16 random bytes in base64url, the column's VARCHAR(22). */
const NEW_ID = /^[A-Za-z0-9_-]{22}$/;
const HASH = /^[A-Za-z0-9_-]{1,43}$/;
const MAX_STAMP = 64;
const MAX_JTI = 64;
const MAX_SCOPE = 4096;
const MAX_ADDRESS = 64;
const MAX_USER_AGENT = 256;

/** `value` then `then`, without a promise when `value` is not one. */
function after<T, R>(value: T | Promise<T>, then: (value: T) => R): R | Promise<R> {
  return isThenable(value) ? (value as Promise<T>).then(then) : then(value as T);
}

const invalid = (what: string) => new UserStoreError('ERR_USER_INVALID', `${what} is out of range or malformed`);

function checkId(id: unknown, what = 'the session id'): string {
  if (typeof id !== 'string' || !ID.test(id)) throw invalid(what);
  return id;
}

function checkHash(hash: unknown, what: string): string {
  if (typeof hash !== 'string' || !HASH.test(hash)) throw invalid(what);
  return hash;
}

function checkTime(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw invalid(what);
  return value;
}

function checkString(value: unknown, what: string, max: number): string {
  if (typeof value !== 'string' || value.length > max || value.includes('\0') || LONE_SURROGATE.test(value)) throw invalid(what);
  return value;
}

/** Informational text (the User-Agent, the address): cut to the column's size, never refused. */
function bounded(value: unknown, max: number): string | null {
  if (typeof value !== 'string' || value === '') return null;
  const cut = value.replace(/\0/g, '').slice(0, max);
  return LONE_SURROGATE.test(cut) ? cut.slice(0, -1) : cut;
}

/** @internal The SessionStore of a SqlTableUserStore. */
export class SqlTableSessionStore implements SqlSessionStore {
  readonly #runner: SqlRunner;
  readonly #sql: SessionStatements;
  readonly #tableName: string;
  /**
   * "Not revoked" answers, kept only while this store LISTENs to the tables' triggers (PostgreSQL):
   * any revocation anywhere clears them all at its commit; losing the connection clears them and
   * stops keeping any until listening again. `#epoch` changes at each of those: an answer whose
   * look-up began in an earlier epoch is not kept (it may predate the revocation).
   */
  readonly #notRevoked = new BoundedMap<string, number>(MAX_REMEMBERED);
  #epoch = 0;
  #listening = false;
  #listenState: 'idle' | 'starting' | 'waiting' | 'on' | 'closed' = 'idle';
  #stopListening: (() => Promise<void>) | null = null;
  #failures = 0;

  constructor(runner: SqlRunner, usersTableName: string) {
    this.#runner = runner;
    this.#sql = buildSessionStatements(runner.dialect, usersTableName);
    const parts = usersTableName.split('.');
    this.#tableName = parts.length === 2 ? `${parts[0]}.gatehouse_sessions` : 'gatehouse_sessions';
  }

  async migrate(): Promise<void> {
    const ddl = this.#sql.create;
    if (this.#runner.dialect === 'postgres') {
      // One simple query is one transaction: the lock keeps two migrating processes apart.
      await this.#runner.exec('migrate', `SELECT pg_advisory_xact_lock(7314985); ${ddl.join(';\n')}`);
      return;
    }
    for (const statement of ddl) await this.#runner.exec('migrate', statement);
  }

  /** @internal Whether the sessions table exists (a user store changing a user revokes its sessions only then). */
  exists(): boolean | Promise<boolean> {
    const name = this.#runner.dialect === 'postgres' ? this.#tableName : 'gatehouse_sessions';
    return after(this.#runner.run('sessions', this.#sql.exists, [name]), (rows) => rows.length > 0);
  }

  async createSession(session: StoredSession): Promise<void> {
    if (session === null || typeof session !== 'object') throw invalid('the session');
    const kind: SessionKind = session.kind;
    if (kind !== 'refresh' && kind !== 'cookie') throw invalid('the session kind');
    if (!validUsername(session.username)) throw invalid('the username');
    const nullable = <T>(value: T | null, check: (value: T) => unknown) => (value === null ? null : (check(value) as SqlValue));
    const values: SqlValue[] = [
      typeof session.id === 'string' && NEW_ID.test(session.id) ? session.id : checkId(null),
      session.username,
      kind,
      checkString(session.userStamp, 'the user stamp', MAX_STAMP),
      checkString(session.scope, 'the scope', MAX_SCOPE),
      checkTime(session.createdAt, 'createdAt'),
      checkTime(session.lastUsedAt, 'lastUsedAt'),
      checkTime(session.expiresAt, 'expiresAt'),
      checkHash(session.secretHash, 'the secret hash'),
      nullable(session.previousHash ?? null, (v) => checkHash(v, 'the previous hash')),
      nullable(session.rotatedAt ?? null, (v) => checkTime(v, 'rotatedAt')),
      nullable(session.rotationNonce ?? null, (v) => checkHash(v, 'the rotation nonce')),
      checkTime(session.generation, 'generation'),
      nullable(session.revokedAt ?? null, (v) => checkTime(v, 'revokedAt')),
      bounded(session.clientAddress, MAX_ADDRESS),
      bounded(session.userAgent, MAX_USER_AGENT),
    ];
    const rows = await this.#runner.run('createSession', this.#sql.insert, values);
    if (rows.length !== 1) throw this.#runner.report(new UserStoreError('ERR_USER_STORE_DATA', 'createSession: the insert gave no row'));
  }

  findSession(id: string): StoredSession | null | Promise<StoredSession | null> {
    if (typeof id !== 'string' || !ID.test(id)) return null;
    return after(this.#runner.run('findSession', this.#sql.find, [id]), (rows) => this.#one('findSession', rows));
  }

  rotateSession(id: string, expectedHash: string, next: SessionRotation): StoredSession | null | Promise<StoredSession | null> {
    if (typeof id !== 'string' || !ID.test(id) || typeof expectedHash !== 'string' || !HASH.test(expectedHash)) return null;
    if (next === null || typeof next !== 'object') throw invalid('the rotation');
    const at = checkTime(next.at, 'the rotation time');
    const values: SqlValue[] = [
      checkHash(next.secretHash, 'the secret hash'),
      checkHash(next.previousHash, 'the previous hash'),
      checkHash(next.rotationNonce, 'the rotation nonce'),
      at,
      at,
      id,
      expectedHash,
      at,
      checkTime(next.usedSince, 'usedSince'),
    ];
    return after(this.#runner.run('rotateSession', this.#sql.rotate, values), (rows) => this.#one('rotateSession', rows));
  }

  touchSession(id: string, lastUsedAt: number, expectedLastUsedAt: number): boolean | Promise<boolean> {
    if (typeof id !== 'string' || !ID.test(id)) return false;
    const values = [checkTime(lastUsedAt, 'lastUsedAt'), id, checkTime(expectedLastUsedAt, 'expectedLastUsedAt')];
    return after(this.#runner.run('touchSession', this.#sql.touch, values), (rows) => rows.length === 1);
  }

  revokeSession(id: string, at: number): boolean | Promise<boolean> {
    if (typeof id !== 'string' || !ID.test(id)) return false;
    const when = checkTime(at, 'the revocation time');
    return after(this.#runner.run('revokeSession', this.#sql.revoke, [when, id]), (rows) => {
      this.#forget();
      const expires = rows.length === 1 ? this.#number(rows[0], 'expires_at') : null;
      return expires !== null && expires > when;
    });
  }

  revokeUserSessions(username: string, at: number, exceptId?: string): number | Promise<number> {
    if (!validUsername(username)) return 0;
    const when = checkTime(at, 'the revocation time');
    const except = exceptId === undefined ? '' : checkId(exceptId, 'exceptId');
    return after(this.#runner.run('revokeUserSessions', this.#sql.revokeUser, [when, username, when, except]), (rows) => {
      this.#forget();
      return rows.length;
    });
  }

  listSessions(username: string, now: number): StoredSession[] | Promise<StoredSession[]> {
    if (!validUsername(username)) return [];
    const at = checkTime(now, 'now');
    return after(this.#runner.run('listSessions', this.#sql.list, [username, at]), (rows) => rows.map((row) => this.#decode('listSessions', row)));
  }

  async revokeAccessToken(jti: string, expiresAt: number): Promise<void> {
    const id = checkString(jti, 'the jti', MAX_JTI);
    if (id === '') throw invalid('the jti');
    try {
      await this.#runner.run('revokeAccessToken', this.#sql.revokeToken, [id, checkTime(expiresAt, 'expiresAt')]);
    } finally {
      this.#forget(); // also after a failure: the insert may have committed before the answer was lost
    }
  }

  /**
   * @internal What isAccessRevoked looks up: the jti and the session id as the tables can hold them
   * (either null when not to be looked up), or true when the answer is known without a look-up.
   */
  revocationKeys(jti: string | null, sessionId: string | null): [string | null, string | null] | true {
    // A jti the table cannot hold was never revoked; a session id that cannot exist names no live session.
    const byJti = typeof jti === 'string' && jti !== '' && jti.length <= MAX_JTI ? jti : null;
    if (sessionId === null || sessionId === undefined) return [byJti, null];
    return typeof sessionId === 'string' && ID.test(sessionId) ? [byJti, sessionId] : true;
  }

  /** @internal The users-table lookup `find` with the revocation check beside it (PostgreSQL: see SessionStatements.unlessRevoked). */
  unlessRevokedSql(find: string): string | null {
    return this.#runner.dialect === 'postgres' ? this.#sql.unlessRevoked(find) : null;
  }

  isAccessRevoked(jti: string | null, sessionId: string | null, now: number): boolean | Promise<boolean> {
    void now; // a revoked jti stays in the table until sweep; its token's exp refuses it from then on
    const keys = this.revocationKeys(jti, sessionId);
    if (keys === true) return true;
    const [byJti, bySession] = keys;
    if (byJti === null && bySession === null) return false;
    if (this.knownNotRevoked(byJti, bySession)) return false;
    const [sql, values] =
      bySession === null
        ? [this.#sql.revokedJti, [byJti]]
        : byJti === null
          ? [this.#sql.revokedSession, [bySession]]
          : [this.#sql.revokedEither, [byJti, bySession]];
    const epoch = this.#epoch;
    return after(this.#runner.run('isAccessRevoked', sql, values), (rows) => {
      if (rows.length > 0) return true;
      this.rememberNotRevoked(byJti, bySession, epoch);
      return false;
    });
  }

  /**
   * @internal Whether a look-up of these keys (as revocationKeys gave them) answered "not revoked"
   * since the last revocation anywhere; false when not listening. Starts listening when it can.
   */
  knownNotRevoked(jti: string | null, sessionId: string | null): boolean {
    if (!this.#listening) {
      if (this.#listenState === 'idle') this.#listen();
      return false;
    }
    const until = this.#notRevoked.get(answerKey(jti, sessionId));
    return until !== undefined && until > Date.now();
  }

  /** @internal The current epoch: take it before a look-up, give it to rememberNotRevoked after. */
  get revocationEpoch(): number {
    return this.#epoch;
  }

  /** @internal Keep a "not revoked" answer of a look-up begun in `epoch` (dropped if anything changed since). */
  rememberNotRevoked(jti: string | null, sessionId: string | null, epoch: number): void {
    if (this.#listening && epoch === this.#epoch) this.#notRevoked.set(answerKey(jti, sessionId), Date.now() + REMEMBER_MS);
  }

  /**
   * @internal This process revoked something: its "not revoked" answers go at once (the trigger's
   * notification, which tells every other server, comes a moment later).
   */
  forgetRevocationAnswers(): void {
    this.#forget();
  }

  /** Forget every "not revoked" answer, and refuse to keep those of look-ups already under way. */
  #forget(): void {
    this.#epoch++;
    this.#notRevoked.clear();
  }

  /** LISTEN for the triggers' notifications (PostgreSQL pools the store opened; else never). */
  #listen(): void {
    const listen = this.#runner.listen;
    if (this.#runner.dialect !== 'postgres' || listen === undefined || this.#sql.notifyTriggers === null) {
      this.#listenState = 'closed';
      return;
    }
    this.#listenState = 'starting';
    const retry = (ms: number) => {
      if (this.#listenState === 'closed') return;
      this.#listenState = 'waiting';
      unrefTimer(setTimeout(() => this.#listenState === 'waiting' && this.#listen(), ms));
    };
    const retryAfterFailure = () => retry(LISTEN_RETRY_MS[Math.min(this.#failures++, LISTEN_RETRY_MS.length - 1)]!);
    const start = async (): Promise<void> => {
      // Without both triggers (a database not migrated since), a revocation would not be told.
      const triggers = await this.#runner.run('isAccessRevoked', this.#sql.notifyTriggers!, []);
      if (triggers.length < 2) return retry(TRIGGER_RECHECK_MS);
      const stop = await listen(
        REVOCATION_CHANNEL,
        () => this.#forget(),
        () => {
          this.#listening = false;
          this.#stopListening = null;
          this.#forget();
          retryAfterFailure();
        },
      );
      if (stop === null) {
        this.#listenState = 'closed';
        return;
      }
      if (this.#listenState === 'closed') return void (await stop());
      this.#stopListening = stop;
      this.#failures = 0;
      this.#forget();
      this.#listening = true;
      this.#listenState = 'on';
    };
    start().catch(retryAfterFailure);
  }

  /** @internal Stop listening and forget every answer (the store closes). */
  async stopListening(): Promise<void> {
    this.#listenState = 'closed';
    this.#listening = false;
    this.#forget();
    const stop = this.#stopListening;
    this.#stopListening = null;
    if (stop) await stop().catch(() => undefined);
  }

  async sweep(now: number): Promise<number> {
    const at = checkTime(now, 'now');
    let deleted = 0;
    for (const sql of [this.#sql.sweepSessions, this.#sql.sweepTokens]) {
      for (;;) {
        const rows = await this.#runner.run('sweep', sql, [at]);
        if (rows.length > 0) this.#forget();
        deleted += rows.length;
        if (rows.length === 0) break;
      }
    }
    return deleted;
  }

  #one(op: string, rows: unknown[]): StoredSession | null {
    if (rows.length > 1) throw this.#runner.report(new UserStoreError('ERR_USER_STORE_DATA', `${op}: the session id is not unique`));
    return rows.length === 0 ? null : this.#decode(op, rows[0]);
  }

  /** A BIGINT cell: a number (SQLite, D1) or decimal text (pg's int8); null for NULL. */
  #number(row: unknown, column: string): number | null {
    const value = (row as Record<string, unknown>)[column];
    if (value === null) return null;
    const number = typeof value === 'string' && /^-?\d{1,16}$/.test(value) ? Number(value) : typeof value === 'bigint' ? Number(value) : value;
    if (typeof number !== 'number' || !Number.isSafeInteger(number)) {
      throw this.#runner.report(new UserStoreError('ERR_USER_STORE_DATA', `a session's ${column} is not an integer`));
    }
    return number;
  }

  /** A row (untrusted) as a StoredSession: every column checked. */
  #decode(op: string, row: unknown): StoredSession {
    const bad = (column: string) => this.#runner.report(new UserStoreError('ERR_USER_STORE_DATA', `${op}: a session's ${column} is malformed`));
    if (row === null || typeof row !== 'object') throw bad('row');
    const cells = row as Record<string, unknown>;
    const text = (column: (typeof SESSION_COLUMNS)[number], nullable: boolean): string | null => {
      const value = cells[column];
      if (value === null && nullable) return null;
      if (typeof value !== 'string') throw bad(column);
      return value;
    };
    const time = (column: (typeof SESSION_COLUMNS)[number], nullable: boolean): number | null => {
      const value = this.#number(row, column);
      if (value === null && !nullable) throw bad(column);
      return value;
    };
    const kind = text('kind', false);
    if (kind !== 'refresh' && kind !== 'cookie') throw bad('kind');
    return {
      id: text('id', false)!,
      username: text('username', false)!,
      kind,
      userStamp: text('user_stamp', false)!,
      scope: text('scope', false)!,
      createdAt: time('created_at', false)!,
      lastUsedAt: time('last_used_at', false)!,
      expiresAt: time('expires_at', false)!,
      secretHash: text('secret_hash', false)!,
      previousHash: text('previous_hash', true),
      rotatedAt: time('rotated_at', true),
      rotationNonce: text('rotation_nonce', true),
      generation: time('generation', false)!,
      revokedAt: time('revoked_at', true),
      clientAddress: text('client_address', true),
      userAgent: text('user_agent', true),
    };
  }
}
