/**
 * Refresh tokens: opaque `<sessionId>.<secret>` values (the id: 16 random bytes, the secret: 32,
 * both base64url), of which only the secret's SHA-256 is stored. Each refresh rotates the secret
 * with one compare-and-swap (SessionStore.rotateSession), so N concurrent refreshes with one token
 * leave exactly one successor.
 *
 * Reuse detection (RFC 9700 section 4.14.2): a token of a live family whose secret is not the
 * current one was rotated away (or is forged: only the holder of an access token or a log line
 * knows a session id) — the whole family is revoked and the token refused. The grace window
 * (`reuseGrace`) is the one exception: the immediate predecessor, within `reuseGrace` seconds of
 * its rotation, is answered with the SAME successor — recomputed as HMAC(previous secret, nonce),
 * never a new one — so two tabs refreshing at once, or a client that lost the answer and retries,
 * stay logged in without forking the family.
 */
import { constantTimeEqualString, randomBytes } from '../../internal/bytes.js';
import { ConfigurationError } from '../../errors.js';
import { hashingPlatform, platform } from '../../platform/runtime.js';
import { parseDuration } from '../claims.js';
import type { SessionKind, SessionStore, StoredSession } from './session-store.js';

/** Defaults after the peers: absolute 30 days, idle 14 days, grace 10 s. */
export const DEFAULT_REFRESH_TTL = 30 * 86400;
export const DEFAULT_REFRESH_IDLE_TTL = 14 * 86400;
export const DEFAULT_REUSE_GRACE = 10;

const TOKEN_PATTERN = /^([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/;
const MAX_USER_AGENT = 256;
const MAX_ADDRESS = 64;

/**
 * Options of createRefreshTokens.
 *
 * @example
 * const refresh = createRefreshTokens({ store: createMemorySessionStore(), ttl: '30d', idleTtl: '14d', reuseGrace: 10 });
 */
export interface RefreshTokensOptions {
  /** Where the families live. */
  readonly store: SessionStore;
  /** Absolute lifetime of a family, from login (seconds or '30d'); default 30 days. */
  readonly ttl?: number | string;
  /** A family not refreshed for this long ends (seconds or '14d'); default 14 days. */
  readonly idleTtl?: number | string;
  /** Seconds the immediate predecessor is still answered (with the same successor); 0 is strict. Default 10. */
  readonly reuseGrace?: number | string;
  /** Unix seconds (default: the wall clock); tests pass a fake clock. */
  readonly now?: () => number;
}

/**
 * Who a new family is for.
 *
 * @example
 * const issued = await refresh.issue({ username: 'johndoe', userStamp: tokenStampOf(user), scope: 'me' });
 */
export interface RefreshIssue {
  readonly username: string;
  readonly userStamp: string;
  readonly scope?: string;
  readonly kind?: SessionKind;
  readonly clientAddress?: string | null;
  readonly userAgent?: string | null;
}

/**
 * A refresh token and the session it belongs to.
 *
 * @example
 * const { token, session } = await refresh.issue({ username: 'johndoe', userStamp });
 */
export interface IssuedRefreshToken {
  /** `<sessionId>.<secret>`: give it to the client, never log it. */
  readonly token: string;
  readonly session: StoredSession;
}

/**
 * Why a refresh was refused: `malformed` (not a refresh token), `unknown` (no such family),
 * `revoked`, `expired` (absolute end), `idle` (not used for idleTtl), `reused` (a rotated or wrong
 * secret: the family is now revoked), `refused` (the `accept` check said no: the family is revoked).
 *
 * @example
 * if (outcome.ok === false && outcome.reason === 'reused') alert(outcome.session?.username);
 */
export type RefreshFailureReason = 'malformed' | 'unknown' | 'revoked' | 'expired' | 'idle' | 'reused' | 'refused';

/**
 * What refresh answers: the successor, or why not (with the session when the id named one).
 *
 * @example
 * const outcome = await refresh.refresh(token);
 * if (outcome.ok) send(outcome.token); else refuse(outcome.reason);
 */
export type RefreshOutcome =
  | { readonly ok: true; readonly token: string; readonly session: StoredSession; /** True when the grace window answered a predecessor. */ readonly replayed: boolean }
  | { readonly ok: false; readonly reason: RefreshFailureReason; readonly session: StoredSession | null };

/**
 * The refresh-token operations over a SessionStore (see the module comment).
 *
 * @example
 * const tokens = createRefreshTokens({ store });
 * const outcome = await tokens.refresh(presented, { accept: async (s) => (await users.findUser(s.username)) !== null });
 */
export interface RefreshTokens {
  readonly store: SessionStore;
  /** Seconds: absolute lifetime, idle lifetime, grace window. */
  readonly ttl: number;
  readonly idleTtl: number;
  readonly reuseGrace: number;
  /** The clock, Unix seconds. */
  now(): number;
  /** Start a family (a login). */
  issue(who: RefreshIssue): Promise<IssuedRefreshToken>;
  /**
   * Rotate: the successor of `token`, or why not. `accept` is asked (after the secret is checked,
   * before the rotation) whether the session's user may still refresh; false revokes the family.
   */
  refresh(token: unknown, options?: { accept?: (session: StoredSession) => unknown }): Promise<RefreshOutcome>;
  /**
   * The live session a token names when its secret is the current one or the predecessor (a
   * revocation request proves possession with either), else null.
   */
  find(token: unknown): Promise<StoredSession | null>;
}

/** @internal A lifetime option (seconds, or a duration like '30d'), checked: `fallback` when absent; `name` in errors. */
export function lifetimeOption(value: number | string | undefined, fallback: number, name: string, allowZero = false): number {
  if (value === undefined) return fallback;
  const parsed = typeof value === 'number' ? value : parseDuration(value, name);
  if (!Number.isSafeInteger(parsed) || parsed < (allowZero ? 0 : 1)) {
    throw new ConfigurationError(`${name} must be a whole number of seconds${allowZero ? ' (0 or more)' : ' (at least 1)'}`);
  }
  return parsed;
}

function base64url(bytes: Uint8Array): string {
  return platform().encodeBase64Url(bytes);
}

/** base64url SHA-256 of a secret's text (what the store keeps). */
export function hashRefreshSecret(secret: string): string {
  return base64url(hashingPlatform().digest('sha256')(new TextEncoder().encode(secret)));
}

/** The successor's secret: HMAC-SHA-256(previous secret, nonce), so the grace window can answer it again. */
function successorSecret(previous: string, nonce: string): string {
  const tag = platform().hmacSha256Base64(new TextEncoder().encode(previous), nonce);
  return tag.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
}

/** Session id and secret of a well-formed refresh token, or null. */
export function parseRefreshToken(token: unknown): { id: string; secret: string } | null {
  if (typeof token !== 'string' || token.length !== 66) return null;
  const match = TOKEN_PATTERN.exec(token);
  return match ? { id: match[1]!, secret: match[2]! } : null;
}

function bounded(value: string | null | undefined, max: number): string | null {
  return typeof value === 'string' && value.length > 0 ? value.slice(0, max) : null;
}

/**
 * @internal Why a session (a refresh family or a cookie session) is over at `at`, or null while it
 * is live: revoked, past its absolute end, or unused for `idleTtl`. A time that is not a number
 * (a store is untrusted in shape) ends it.
 */
export function sessionEnded(session: StoredSession, at: number, idleTtl: number): 'revoked' | 'expired' | 'idle' | null {
  if (session.revokedAt !== null) return 'revoked';
  if (!(session.expiresAt > at)) return 'expired';
  if (!(session.lastUsedAt + idleTtl > at)) return 'idle';
  return null;
}

/**
 * @internal A new session (a refresh family or a cookie session) starting `at` for `ttl` seconds, and
 * the `<id>.<secret>` value its holder gets; only the secret's SHA-256 is in the session.
 */
export function newSession(who: RefreshIssue, at: number, ttl: number): IssuedRefreshToken {
  const id = base64url(randomBytes(16));
  const secret = base64url(randomBytes(32));
  const session: StoredSession = {
    id,
    username: who.username,
    kind: who.kind ?? 'refresh',
    userStamp: who.userStamp,
    scope: who.scope ?? '',
    createdAt: at,
    lastUsedAt: at,
    expiresAt: at + ttl,
    secretHash: hashRefreshSecret(secret),
    previousHash: null,
    rotatedAt: null,
    rotationNonce: null,
    generation: 0,
    revokedAt: null,
    clientAddress: bounded(who.clientAddress, MAX_ADDRESS),
    userAgent: bounded(who.userAgent, MAX_USER_AGENT),
  };
  return { token: `${id}.${secret}`, session };
}

/**
 * Refresh tokens over a SessionStore: issue, rotate with reuse detection and a grace window, find.
 *
 * @example
 * const tokens = createRefreshTokens({ store: createMemorySessionStore(), reuseGrace: 0 });
 * const { token } = await tokens.issue({ username: 'johndoe', userStamp: tokenStampOf(user) });
 * const next = await tokens.refresh(token); // { ok: true, token: <successor>, ... }
 */
export function createRefreshTokens(options: RefreshTokensOptions): RefreshTokens {
  const store = options?.store;
  if (store === null || typeof store !== 'object' || typeof store.rotateSession !== 'function') {
    throw new ConfigurationError('refresh tokens need a session store');
  }
  const ttl = lifetimeOption(options.ttl, DEFAULT_REFRESH_TTL, 'refreshTokens.ttl');
  const idleTtl = lifetimeOption(options.idleTtl, DEFAULT_REFRESH_IDLE_TTL, 'refreshTokens.idleTtl');
  const reuseGrace = lifetimeOption(options.reuseGrace, DEFAULT_REUSE_GRACE, 'refreshTokens.reuseGrace', true);
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));

  /** The stored session, checked to be one (a store is untrusted in shape). */
  async function load(id: string): Promise<StoredSession | null> {
    const found = await store.findSession(id);
    if (found === null || found === undefined) return null;
    if (typeof found !== 'object' || found.id !== id || typeof found.secretHash !== 'string' || typeof found.username !== 'string') {
      return null;
    }
    return found;
  }

  /** The grace window's answer for a predecessor, or null when it does not apply. */
  function replay(session: StoredSession, secret: string, hash: string, at: number): string | null {
    if (reuseGrace === 0 || session.previousHash === null || session.rotatedAt === null || session.rotationNonce === null) return null;
    if (!constantTimeEqualString(session.previousHash, hash)) return null;
    if (at - session.rotatedAt >= reuseGrace) return null;
    const successor = successorSecret(secret, session.rotationNonce);
    // The recomputed successor must be the one stored (else the row is not ours to answer for).
    return constantTimeEqualString(hashRefreshSecret(successor), session.secretHash) ? successor : null;
  }

  async function revokeFamily(session: StoredSession, at: number): Promise<void> {
    await store.revokeSession(session.id, at);
  }

  return {
    store,
    ttl,
    idleTtl,
    reuseGrace,
    now,

    async issue(who) {
      const issued = newSession(who, now(), ttl);
      await store.createSession(issued.session);
      return issued;
    },

    async refresh(token, refreshOptions = {}) {
      const parsed = parseRefreshToken(token);
      if (parsed === null) return { ok: false, reason: 'malformed', session: null };
      const at = now();
      const hash = hashRefreshSecret(parsed.secret);
      const accepted = async (session: StoredSession): Promise<boolean> => {
        if (refreshOptions.accept === undefined || (await refreshOptions.accept(session))) return true;
        await revokeFamily(session, at);
        return false;
      };
      /** A secret that is not the current one: the grace window's answer, else reuse. */
      const notCurrent = async (session: StoredSession): Promise<RefreshOutcome> => {
        const again = replay(session, parsed.secret, hash, at);
        if (again === null) {
          await revokeFamily(session, at);
          return { ok: false, reason: 'reused', session };
        }
        if (!(await accepted(session))) return { ok: false, reason: 'refused', session };
        return { ok: true, token: `${session.id}.${again}`, session, replayed: true };
      };

      // The common case in one statement: the presented secret is the current one, and the swap
      // (keyed by the session id, matched on the secret's SHA-256, so no timing of the comparison
      // tells anything of a secret) replaces it. Only a refused swap reads the session to say why.
      const nonce = base64url(randomBytes(32));
      const successor = successorSecret(parsed.secret, nonce);
      const rotated = await store.rotateSession(parsed.id, hash, {
        secretHash: hashRefreshSecret(successor),
        previousHash: hash,
        rotationNonce: nonce,
        at,
        usedSince: at - idleTtl + 1,
      });
      if (rotated !== null && rotated !== undefined) {
        if (typeof rotated !== 'object' || rotated.id !== parsed.id || typeof rotated.username !== 'string') {
          return { ok: false, reason: 'unknown', session: null };
        }
        // The user is checked after the swap: a refusal revokes the family, so the successor is never usable.
        if (!(await accepted(rotated))) return { ok: false, reason: 'refused', session: rotated };
        return { ok: true, token: `${rotated.id}.${successor}`, session: rotated, replayed: false };
      }
      // Not current (rotated away, forged), or the family ended, or another refresh with the same
      // token won the swap: answer as a predecessor within the grace window, else as a reuse.
      const session = await load(parsed.id);
      if (session === null) return { ok: false, reason: 'unknown', session: null };
      const dead = sessionEnded(session, at, idleTtl);
      if (dead !== null) return { ok: false, reason: dead, session };
      if (constantTimeEqualString(session.secretHash, hash)) return { ok: false, reason: 'expired', session }; // the swap refused a live, matching row: idle at the edge
      return notCurrent(session);
    },

    async find(token) {
      const parsed = parseRefreshToken(token);
      if (parsed === null) return null;
      const session = await load(parsed.id);
      if (session === null) return null;
      const hash = hashRefreshSecret(parsed.secret);
      const current = constantTimeEqualString(session.secretHash, hash);
      const previous = session.previousHash !== null && constantTimeEqualString(session.previousHash, hash);
      return current || previous ? session : null;
    },
  };
}
