/**
 * The state behind the token lifecycle: sessions (one login on one device — a refresh-token family,
 * or a browser's cookie session) and the access tokens revoked before their `exp`. Stores live
 * where the users are: memory, SQLite, PostgreSQL, MySQL (gatehouse/sqlite, /postgres, /mysql give
 * their user stores a `sessions` property implementing this).
 *
 * Secrets are never stored: a session keeps the SHA-256 of its current secret (and of the one before
 * it, for the grace window), so a copy of the table cannot be used to log in.
 */

/**
 * A value, or a promise / thenable of it: callers always await (user code is untrusted in shape).
 *
 * @example
 * const found: Awaitable<StoredSession | null> = store.findSession(id);
 */
export type Awaitable<T> = T | PromiseLike<T>;

/**
 * What a session is: a refresh-token family (`refresh`, issued by POST /token) or a browser's
 * cookie session (`cookie`, issued by POST /login).
 *
 * @example
 * const kind: SessionKind = 'refresh';
 */
export type SessionKind = 'refresh' | 'cookie';

/**
 * One login on one device, as stored. Times are Unix seconds. The `id` is 16 random bytes in
 * base64url (22 characters); the secret a client holds is never stored, only its SHA-256.
 *
 * @example
 * const live = session.revokedAt === null && session.expiresAt > now;
 */
export interface StoredSession {
  /** 22 base64url characters (16 random bytes). */
  readonly id: string;
  readonly username: string;
  readonly kind: SessionKind;
  /** The user's token stamp at login: the session ends when the user's stamp changes. */
  readonly userStamp: string;
  /** Scopes granted at login, space-separated ('' without scopes). */
  readonly scope: string;
  readonly createdAt: number;
  /** The last refresh (or, for cookies, the last renewal): idle expiry counts from here. */
  readonly lastUsedAt: number;
  /** Absolute end: never extended. */
  readonly expiresAt: number;
  /** base64url SHA-256 of the current secret. */
  readonly secretHash: string;
  /** base64url SHA-256 of the secret before the current one (the grace window's predecessor), or null. */
  readonly previousHash: string | null;
  /** When the current secret replaced the previous one, or null before the first rotation. */
  readonly rotatedAt: number | null;
  /**
   * Random value the current secret was derived with from the previous one (the grace window
   * answers the predecessor with the same successor: HMAC(previous secret, nonce)), or null.
   */
  readonly rotationNonce: string | null;
  /** Rotations so far (0 at login). */
  readonly generation: number;
  /** When it was revoked (logout, reuse detected, logout everywhere), or null. */
  readonly revokedAt: number | null;
  /** The client address at login, as the throttle resolved it, or null. */
  readonly clientAddress: string | null;
  /** The User-Agent header at login (as given, bounded), or null. */
  readonly userAgent: string | null;
}

/**
 * A rotation, as rotateSession saves it. The store adds 1 to the stored `generation` itself: the
 * rotation is one statement that needs nothing read before it.
 *
 * @example
 * await store.rotateSession(id, oldHash, { secretHash, previousHash: oldHash, rotationNonce, at: now, usedSince: now - idleTtl });
 */
export interface SessionRotation {
  readonly secretHash: string;
  readonly previousHash: string;
  readonly rotationNonce: string;
  /** Becomes rotatedAt and lastUsedAt. */
  readonly at: number;
  /**
   * The rotation is refused unless the session was used at or after this time (idle expiry:
   * `at - idleTtl`); the absolute end is checked against `at`.
   */
  readonly usedSince: number;
}

/**
 * Where sessions and revoked access tokens live. Every method may answer with a value or a
 * promise; a store that cannot reach its data throws (or rejects with) a UserStoreError, which
 * the handler answers with 503.
 *
 * @example
 * const store = createMemorySessionStore();
 * await store.createSession(session);
 * const ok = await store.rotateSession(session.id, session.secretHash, rotation); // compare-and-swap
 */
export interface SessionStore {
  /** Save a new session (its id is fresh: a collision is an error). */
  createSession(session: StoredSession): Awaitable<void>;
  /** The session with this id, revoked or not, or null. */
  findSession(id: string): Awaitable<StoredSession | null>;
  /**
   * Compare-and-swap: replace the secret only while the stored `secretHash` is `expectedHash`, the
   * session is not revoked, `expiresAt > next.at` and `lastUsedAt >= next.usedSince`; `generation`
   * goes up by 1, `rotatedAt` and `lastUsedAt` become `next.at`. The session
   * as it is after the change when this call made it (one statement where the database has
   * UPDATE ... RETURNING); null otherwise (another refresh won, revoked, expired, unknown id).
   * Exactly one of N concurrent calls with the same `expectedHash` gets a session.
   */
  rotateSession(id: string, expectedHash: string, next: SessionRotation): Awaitable<StoredSession | null>;
  /** Compare-and-swap on lastUsedAt (a cookie session's renewal): true when this call changed it. */
  touchSession(id: string, lastUsedAt: number, expectedLastUsedAt: number): Awaitable<boolean>;
  /** Mark one session revoked (if not already). True when it existed and was live. */
  revokeSession(id: string, at: number): Awaitable<boolean>;
  /** Revoke every live session of a user, but `exceptId`; the number revoked. */
  revokeUserSessions(username: string, at: number, exceptId?: string): Awaitable<number>;
  /** A user's live sessions (not revoked, not expired at `now`), newest first. */
  listSessions(username: string, now: number): Awaitable<StoredSession[]>;
  /** Refuse an access token's `jti` until `expiresAt` (its `exp`). Idempotent. */
  revokeAccessToken(jti: string, expiresAt: number): Awaitable<void>;
  /**
   * One round trip for every authenticated request: true when `jti` was revoked, or when
   * `sessionId` names a session that is revoked or gone. Either may be null (not in the token).
   */
  isAccessRevoked(jti: string | null, sessionId: string | null, now: number): Awaitable<boolean>;
  /** Delete what can no longer matter (sessions past expiry, revoked tokens past exp); the number deleted. */
  sweep(now: number): Awaitable<number>;
}
