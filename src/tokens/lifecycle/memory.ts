/**
 * A SessionStore in this process's memory: for tests, one-server deployments and the memory user
 * store. Every method is synchronous, so each compare-and-swap is atomic by construction (no await
 * between the check and the write). Sizes are bounded: past `maxSessions` live sessions (or
 * `maxRevokedTokens` revoked access tokens) a write first sweeps what has expired, then refuses
 * with a UserStoreError (the handler answers 503) rather than forget a session or a revocation.
 */
import { constantTimeEqualString } from '../../internal/bytes.js';
import { ConfigurationError, UserStoreError } from '../../errors.js';
import type { SessionRotation, SessionStore, StoredSession } from './session-store.js';

/**
 * Options of createMemorySessionStore.
 *
 * @example
 * const store = createMemorySessionStore({ maxSessions: 10_000, now: () => Math.floor(Date.now() / 1000) });
 */
export interface MemorySessionStoreOptions {
  /** Most sessions held at once (revoked ones count until they expire); default 100 000. */
  readonly maxSessions?: number;
  /** Most revoked access tokens held at once (each until its exp); default 100 000. */
  readonly maxRevokedTokens?: number;
  /** Unix seconds for the sweeps writes run on their own (default: the wall clock). */
  readonly now?: () => number;
  /** A write sweeps expired entries every this many writes (and whenever it would be full); default 1024. */
  readonly sweepEvery?: number;
}

const DEFAULT_MAX = 100_000;
const DEFAULT_SWEEP_EVERY = 1024;

function positiveInteger(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) throw new ConfigurationError(`createMemorySessionStore: ${name} must be a positive integer`);
  return value;
}

/**
 * A SessionStore held in memory (see the module comment): compare-and-swap rotations, bounded
 * sizes, sweeps of what has expired.
 *
 * @example
 * const sessions = createMemorySessionStore();
 * await sessions.createSession(session);
 * const rotated = await sessions.rotateSession(session.id, session.secretHash, rotation); // null when another refresh won
 */
export function createMemorySessionStore(options: MemorySessionStoreOptions = {}): SessionStore {
  const maxSessions = positiveInteger(options.maxSessions, DEFAULT_MAX, 'maxSessions');
  const maxRevoked = positiveInteger(options.maxRevokedTokens, DEFAULT_MAX, 'maxRevokedTokens');
  const sweepEvery = positiveInteger(options.sweepEvery, DEFAULT_SWEEP_EVERY, 'sweepEvery');
  const clock = options.now ?? (() => Math.floor(Date.now() / 1000));

  const sessions = new Map<string, StoredSession>();
  /** username -> ids of that user's sessions (revoked or not, until swept). */
  const byUser = new Map<string, Set<string>>();
  /** jti -> exp. */
  const revoked = new Map<string, number>();
  let writes = 0;

  function sweep(now: number): number {
    let removed = 0;
    for (const [id, session] of sessions) {
      if (session.expiresAt <= now) {
        sessions.delete(id);
        const ids = byUser.get(session.username);
        ids?.delete(id);
        if (ids !== undefined && ids.size === 0) byUser.delete(session.username);
        removed++;
      }
    }
    for (const [jti, expiresAt] of revoked) {
      if (expiresAt <= now) {
        revoked.delete(jti);
        removed++;
      }
    }
    return removed;
  }

  /** Periodic sweep, and room for one more entry in `size`/`max` (else a 503-class error). */
  function makeRoom(size: () => number, max: number, what: string): void {
    if (++writes % sweepEvery === 0 || size() >= max) sweep(clock());
    if (size() >= max) throw new UserStoreError('ERR_USER_STORE_UNAVAILABLE', `memory session store: too many ${what} (limit ${max})`);
  }

  function save(session: StoredSession): StoredSession {
    const frozen = Object.freeze({ ...session });
    sessions.set(frozen.id, frozen);
    return frozen;
  }

  return {
    createSession(session: StoredSession): void {
      if (typeof session?.id !== 'string' || session.id.length === 0 || typeof session.username !== 'string') {
        throw new UserStoreError('ERR_USER_INVALID', 'memory session store: a session needs an id and a username');
      }
      if (sessions.has(session.id)) throw new UserStoreError('ERR_USER_EXISTS', 'memory session store: session id already exists');
      makeRoom(() => sessions.size, maxSessions, 'sessions');
      save(session);
      let ids = byUser.get(session.username);
      if (ids === undefined) byUser.set(session.username, (ids = new Set()));
      ids.add(session.id);
    },

    findSession(id: string): StoredSession | null {
      return sessions.get(id) ?? null;
    },

    rotateSession(id: string, expectedHash: string, next: SessionRotation): StoredSession | null {
      const current = sessions.get(id);
      if (current === undefined) return null;
      if (!constantTimeEqualString(current.secretHash, expectedHash)) return null;
      if (current.revokedAt !== null || current.expiresAt <= next.at || current.lastUsedAt < next.usedSince) return null;
      return save({
        ...current,
        secretHash: next.secretHash,
        previousHash: next.previousHash,
        rotationNonce: next.rotationNonce,
        generation: current.generation + 1,
        rotatedAt: next.at,
        lastUsedAt: next.at,
      });
    },

    touchSession(id: string, lastUsedAt: number, expectedLastUsedAt: number): boolean {
      const current = sessions.get(id);
      if (current === undefined || current.revokedAt !== null || current.lastUsedAt !== expectedLastUsedAt) return false;
      save({ ...current, lastUsedAt });
      return true;
    },

    revokeSession(id: string, at: number): boolean {
      const current = sessions.get(id);
      if (current === undefined || current.revokedAt !== null) return false;
      save({ ...current, revokedAt: at });
      return current.expiresAt > at;
    },

    revokeUserSessions(username: string, at: number, exceptId?: string): number {
      let count = 0;
      for (const id of byUser.get(username) ?? []) {
        if (id === exceptId) continue;
        const current = sessions.get(id);
        if (current === undefined || current.revokedAt !== null) continue;
        save({ ...current, revokedAt: at });
        if (current.expiresAt > at) count++;
      }
      return count;
    },

    listSessions(username: string, now: number): StoredSession[] {
      const live: StoredSession[] = [];
      for (const id of byUser.get(username) ?? []) {
        const session = sessions.get(id);
        if (session !== undefined && session.revokedAt === null && session.expiresAt > now) live.push(session);
      }
      return live.sort((a, b) => b.createdAt - a.createdAt);
    },

    revokeAccessToken(jti: string, expiresAt: number): void {
      if (typeof jti !== 'string' || jti.length === 0) return;
      const known = revoked.get(jti);
      if (known !== undefined) {
        if (expiresAt > known) revoked.set(jti, expiresAt);
        return;
      }
      makeRoom(() => revoked.size, maxRevoked, 'revoked tokens');
      revoked.set(jti, expiresAt);
    },

    isAccessRevoked(jti: string | null, sessionId: string | null, now: number): boolean {
      if (jti !== null) {
        const until = revoked.get(jti);
        if (until !== undefined && until > now) return true;
      }
      if (sessionId !== null) {
        const session = sessions.get(sessionId);
        if (session === undefined || session.revokedAt !== null) return true;
      }
      return false;
    },

    sweep,
  };
}
