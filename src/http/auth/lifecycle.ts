/**
 * The token lifecycle in the handler: refresh tokens (grant_type=refresh_token, with rotation and
 * reuse detection), POST /revoke (RFC 7009), POST /logout and the revocation check of requireUser.
 * On only with the `refreshTokens` option; the `stp` claim works without it, as do the account
 * changes that end every session (account.ts).
 */
import { ConfigurationError } from '../../errors.js';
import { isThenable } from '../../internal/await.js';
import { randomBytes } from '../../internal/bytes.js';
import { platform } from '../../platform/runtime.js';
import {
  InvalidTokenError,
  createMemorySessionStore,
  tokenStampOf,
  type SessionStore,
  type VerifiedClaims,
} from '../../tokens/index.js';
import { createRefreshTokens, parseRefreshToken, type RefreshTokens } from '../../tokens/lifecycle/refresh.js';
import type { TokenVerifier } from '../../tokens/verify.js';
import { findUserNow, findUserUnlessRevoked, type UserRecord, type UserStore } from '../../users/store-interface.js';
import type { LoginClient } from '../client-address.js';
import { type RefreshForm, readFormFields } from '../form.js';
import { type HeaderList, PRIVATE_JSON_HEADERS, ResponseParts, TOKEN_HEADERS, detailParts } from '../response.js';
import type { EmitEvent } from './events.js';
import type { LoginAnswer } from './login.js';
import { storeUnavailable } from './require-user.js';
import { hasScopes } from './scopes.js';
import { STAMP_CLAIM, stampClaimer } from './stamp-claim.js';
import { tokenFailure } from './token-errors.js';
import { isDisabled } from './users.js';

/**
 * The `refreshTokens` option: lifetimes (seconds or durations like '30d'), the grace window, and
 * where sessions live (default: the user store's `sessions`, else memory).
 *
 * @example
 * createAuthHandler({ users, key, refreshTokens: { ttl: '30d', idleTtl: '14d', reuseGrace: '10s' } });
 */
export interface RefreshTokensOptions {
  /** Absolute lifetime of a login's family of refresh tokens. Default 30 days. */
  ttl?: number | string;
  /** A family not refreshed for this long ends. Default 14 days. */
  idleTtl?: number | string;
  /**
   * How long the predecessor of the current refresh token is still answered, with the same
   * successor (two tabs refreshing at once, a lost answer). 0: strict. Default 10 s.
   */
  reuseGrace?: number | string;
  /** Where sessions and revoked access tokens live. Default: the user store's `sessions`, else memory. */
  store?: SessionStore;
}

/** @internal The claims the handler signs (sub first, then scope: the tutorial's order). */
export type SignClaims = { sub: string; scope?: string } & Record<string, string>;

/** @internal What the lifecycle needs from createAuthCore. */
export interface LifecycleDependencies<U extends UserRecord> {
  readonly option: RefreshTokensOptions | boolean | undefined;
  readonly store: UserStore<U>;
  readonly sign: (claims: SignClaims, expiresIn: string | number) => Promise<string>;
  readonly verify: TokenVerifier;
  /** Access token lifetime, seconds. */
  readonly tokenTtl: number;
  readonly emit: EmitEvent;
  readonly clientOf: (request: Request) => LoginClient;
  /** The scope claim of a login (the declared scopes' granter), or null without scopes. */
  readonly scoped: boolean;
}

/** @internal The lifecycle as createAuthCore uses it. */
export interface Lifecycle<U extends UserRecord> {
  /** The refresh tokens, or null when off. */
  readonly refresh: RefreshTokens | null;
  /** Claims of an access token for `user` (the `stp` claim always; `sid` and `jti` with a session). */
  claimsFor(user: U, scope: string | undefined, sessionId?: string): SignClaims;
  /** The password grant's answer fields. */
  loginAnswer(user: U, scope: string | undefined, request: Request, client: LoginClient): Promise<LoginAnswer>;
  /** grant_type=refresh_token. */
  refreshGrant(request: Request, form: RefreshForm): Promise<ResponseParts>;
  /** POST /revoke. */
  revoke(request: Request): Promise<ResponseParts>;
  /** POST /logout, after the bearer token was accepted. */
  logout(request: Request, user: U, claims: VerifiedClaims): Promise<ResponseParts>;
  /** requireUser's check of a user against the token's `stp` claim: true when it passes. */
  stampMatches(user: U, claims: VerifiedClaims): boolean;
  /** requireUser's revocation check (one store call), or undefined when refresh tokens are off. */
  readonly isRevoked: ((claims: VerifiedClaims) => boolean | PromiseLike<boolean>) | undefined;
  /**
   * requireUser's user and revocation check in one store call, where the user store keeps the
   * sessions on the same database (PostgreSQL): undefined when off, or when it answers undefined
   * (then isRevoked and findUser run apart).
   */
  readonly findUnlessRevoked: ((claims: VerifiedClaims) => ReturnType<typeof findUserUnlessRevoked<U>>) | undefined;
  /** Where the account changes end a user's sessions: the refresh families' store, else the user store's, else null. */
  readonly sessionStore: SessionStore | null;
  /** Unix seconds, as the refresh tokens count them. */
  now(): number;
}

const NO_CONTENT_HEADERS: HeaderList = [['cache-control', 'no-store']];

function invalidGrant(): ResponseParts {
  return tokenFailure(detailParts(400, 'Invalid refresh token'), 'invalid_grant', 'The refresh token is invalid, expired or revoked');
}

/** Seconds between two sweeps of expired sessions and revoked tokens. */
const SWEEP_INTERVAL = 3600;

function sessionStoreOf<U extends UserRecord>(option: RefreshTokensOptions, users: UserStore<U>): SessionStore {
  const chosen = option.store ?? users.sessions ?? createMemorySessionStore();
  if (chosen === null || typeof chosen !== 'object' || typeof chosen.rotateSession !== 'function' || typeof chosen.isAccessRevoked !== 'function') {
    throw new ConfigurationError('refreshTokens.store must be a SessionStore');
  }
  return chosen;
}

/** What a token's revocation is looked up by: its `jti` and its session (`sid`), or null when it has neither. */
function revocationIds(claims: VerifiedClaims): { jti: string | null; sid: string | null } | null {
  const jti = typeof claims.jti === 'string' ? claims.jti : null;
  const sid = typeof claims.sid === 'string' ? claims.sid : null;
  return jti === null && sid === null ? null : { jti, sid };
}

/** @internal */
export function createLifecycle<U extends UserRecord>(deps: LifecycleDependencies<U>): Lifecycle<U> {
  const { option, store: users, sign, verify, tokenTtl, emit, clientOf } = deps;
  if (option !== undefined && option !== true && option !== false && (option === null || typeof option !== 'object')) {
    throw new ConfigurationError('refreshTokens must be true or an object of options');
  }
  const settings = option === true ? {} : option || null;
  const refresh =
    settings === null
      ? null
      : createRefreshTokens({ store: sessionStoreOf(settings, users), ttl: settings.ttl, idleTtl: settings.idleTtl, reuseGrace: settings.reuseGrace });
  const sessions = refresh?.store ?? null;
  const stampOf = stampClaimer();
  const newJti = (): string => platform().encodeBase64Url(randomBytes(16));

  const claimsFor = (user: U, scope: string | undefined, sessionId?: string): SignClaims => {
    const claims: SignClaims = scope === undefined ? { sub: user.username } : { sub: user.username, scope };
    claims[STAMP_CLAIM] = stampOf(user);
    if (sessionId !== undefined) {
      claims.sid = sessionId;
      claims.jti = newJti();
    }
    return claims;
  };

  /** The user a session may still refresh for: exists, not disabled, same stamp as at login. */
  async function ownerOf(session: { username: string; userStamp: string }): Promise<U | null> {
    const user = await findUserNow(users, session.username);
    if (!user || isDisabled(user) || tokenStampOf(user) !== session.userStamp) return null;
    return user;
  }

  async function answer(user: U, scope: string | undefined, sessionId: string, refreshToken: string): Promise<LoginAnswer> {
    const access_token = await sign(claimsFor(user, scope, sessionId), tokenTtl);
    return { access_token, expires_in: tokenTtl, refresh_token: refreshToken };
  }

  const now = (): number => (refresh ? refresh.now() : Math.floor(Date.now() / 1000));

  // Expired sessions and revoked tokens past their exp are swept at most once an hour, after a
  // login, without delaying it; a failed sweep is retried at the next one (the rows only take room).
  let nextSweep = 0;
  const sweepSoon = (): void => {
    const at = now();
    if (sessions === null || at < nextSweep) return;
    nextSweep = at + SWEEP_INTERVAL;
    Promise.resolve()
      .then(() => sessions.sweep(at))
      .then(undefined, () => {
        nextSweep = Math.min(nextSweep, at + 60); // retried in a minute, not at every login
      });
  };

  return {
    refresh,
    claimsFor,

    async loginAnswer(user, scope, request, client) {
      if (refresh === null) return { access_token: await sign(claimsFor(user, scope), tokenTtl) };
      const { token, session } = await refresh.issue({
        username: user.username,
        userStamp: tokenStampOf(user),
        scope: scope ?? '',
        clientAddress: client.address,
        userAgent: request.headers.get('user-agent'),
      });
      sweepSoon();
      return answer(user, scope, session.id, token);
    },

    async refreshGrant(request, form) {
      if (refresh === null) return invalidGrant();
      const clientAddress = clientOf(request).address;
      try {
        // A narrower scope may be asked for (RFC 6749 section 6), never a wider one: checked before
        // the rotation, so a refused request leaves the token as it was. Without declared scopes a
        // `scope` field is ignored, as at login.
        if (deps.scoped && form.scopes.length > 0) {
          const current = await refresh.find(form.refreshToken);
          if (current !== null && !hasScopes(current.scope === '' ? [] : current.scope.split(' '), form.scopes)) {
            return tokenFailure(detailParts(400, 'Invalid scope'), 'invalid_scope', 'The requested scope exceeds the scope granted at login');
          }
        }
        let owner: U | null = null;
        const outcome = await refresh.refresh(form.refreshToken, {
          accept: async (session) => (owner = await ownerOf(session)) !== null,
        });
        if (!outcome.ok) {
          if (outcome.reason === 'reused' && outcome.session) {
            emit({ type: 'refresh_reuse_detected', username: outcome.session.username, clientAddress, sessionId: outcome.session.id }, request);
          }
          return invalidGrant();
        }
        const { session } = outcome;
        const scope = deps.scoped ? (form.scopes.length > 0 ? form.scopes.join(' ') : session.scope) : undefined;
        const fields = await answer(owner!, scope, session.id, outcome.token);
        emit({ type: 'token_refreshed', username: session.username, clientAddress, sessionId: session.id }, request);
        return new ResponseParts(200, TOKEN_HEADERS, JSON.stringify({ access_token: fields.access_token, token_type: 'bearer', expires_in: fields.expires_in, refresh_token: fields.refresh_token }));
      } catch (error) {
        return storeUnavailable(error).parts;
      }
    },

    async revoke(request) {
      if (refresh === null || sessions === null) return detailParts(404, 'Not Found');
      const fields = await readFormFields(request, 16 * 1024);
      if (fields instanceof ResponseParts) return fields;
      const token = fields.get('token');
      if (typeof token !== 'string' || token === '') {
        return new ResponseParts(400, PRIVATE_JSON_HEADERS, JSON.stringify({ error: 'invalid_request', error_description: 'The token parameter is required' }));
      }
      const clientAddress = clientOf(request).address;
      try {
        // The hint only orders the lookups (RFC 7009 section 2.1): a refresh token has its own shape.
        if (parseRefreshToken(token) !== null) {
          const session = await refresh.find(token);
          if (session !== null && (await sessions.revokeSession(session.id, now()))) {
            emit({ type: 'token_revoked', username: session.username, clientAddress, sessionId: session.id }, request);
          }
        } else {
          let claims: VerifiedClaims | null = null;
          try {
            claims = await verify(token);
          } catch (error) {
            if (!(error instanceof InvalidTokenError)) throw error;
          }
          if (claims !== null && typeof claims.jti === 'string' && typeof claims.exp === 'number') {
            await sessions.revokeAccessToken(claims.jti, claims.exp);
            const sessionId = typeof claims.sid === 'string' ? claims.sid : undefined;
            emit({ type: 'token_revoked', username: claims.sub, clientAddress, ...(sessionId ? { sessionId } : {}) }, request);
          }
        }
      } catch (error) {
        return storeUnavailable(error).parts;
      }
      return new ResponseParts(200, NO_CONTENT_HEADERS, null);
    },

    async logout(request, user, claims) {
      if (sessions === null) return detailParts(404, 'Not Found');
      const sessionId = typeof claims.sid === 'string' ? claims.sid : undefined;
      try {
        if (sessionId !== undefined) await sessions.revokeSession(sessionId, now());
        if (typeof claims.jti === 'string' && typeof claims.exp === 'number') await sessions.revokeAccessToken(claims.jti, claims.exp);
      } catch (error) {
        return storeUnavailable(error).parts;
      }
      emit({ type: 'logout', username: user.username, clientAddress: clientOf(request).address, ...(sessionId ? { sessionId } : {}) }, request);
      return new ResponseParts(204, NO_CONTENT_HEADERS, null);
    },

    stampMatches(user, claims) {
      const claimed = claims[STAMP_CLAIM];
      return claimed === undefined || claimed === stampOf(user);
    },

    findUnlessRevoked:
      sessions === null || sessions !== users.sessions
        ? undefined
        : (claims) => {
            const ids = revocationIds(claims);
            return ids === null ? undefined : findUserUnlessRevoked(users, claims.sub, ids.jti, ids.sid);
          },

    isRevoked:
      sessions === null
        ? undefined
        : (claims) => {
            const ids = revocationIds(claims);
            if (ids === null) return false;
            const revoked = sessions.isAccessRevoked(ids.jti, ids.sid, now());
            return isThenable(revoked) ? Promise.resolve(revoked).then(Boolean) : Boolean(revoked);
          },

    sessionStore: sessions ?? users.sessions ?? null,
    now,
  };
}
