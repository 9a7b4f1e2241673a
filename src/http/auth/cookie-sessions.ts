/**
 * Cookie sessions for browser apps (issue 22): POST /login answers with an HttpOnly session cookie
 * holding an opaque `<id>.<secret>` (only the secret's SHA-256 is stored, a new id at every login),
 * requireUser accepts it when no bearer token is given, and unsafe requests it authenticates pass
 * the origin rule. A session ends when idle for `idleTtl` (7 days) and `ttl` (30 days) after login,
 * and when the user's token stamp changes (password change, logout everywhere). It is renewed (one
 * store write, and a fresh cookie Max-Age) at most once per `updateAge`: never a write per request.
 */
import { ConfigurationError } from '../../errors.js';
import { isThenable } from '../../internal/await.js';
import { BoundedMap } from '../../internal/bounded-map.js';
import { constantTimeEqualString } from '../../internal/bytes.js';
import type { VerifiedClaims } from '../../tokens/index.js';
import { hashRefreshSecret, lifetimeOption, newSession, parseRefreshToken, sessionEnded } from '../../tokens/lifecycle/refresh.js';
import type { SessionStore, StoredSession } from '../../tokens/lifecycle/session-store.js';
import { rememberedTokenStamps, tokenStampOf } from '../../tokens/lifecycle/stamp.js';
import { findUserNow, type UserRecord, type UserStore } from '../../users/store-interface.js';
import { readBodyLimited } from '../body.js';
import type { LoginClient } from '../client-address.js';
import { readLoginFormParts } from '../form.js';
import { type OriginCheckParts, createOriginCheckParts } from '../origin-check.js';
import { type HeaderList, PRIVATE_JSON_HEADERS, ResponseParts, detailParts } from '../response.js';
import { type SessionCookie, type SessionCookieOptions, resolveSessionCookie } from '../session-cookie.js';
import type { EmitEvent } from './events.js';
import type { PasswordCheck } from './login.js';
import type { Reporter } from './report.js';
import { type AuthPartsResult, type RequireUserOptions, storeUnavailable } from './require-user.js';
import { hasScopes } from './scopes.js';
import { isDisabled, publicUserSerializer } from './users.js';

/**
 * The `sessions` option: cookie sessions for browser apps (docs/browser.md).
 *
 * @example
 * createAuthHandler({ users, key, origin: 'https://app.example.com', sessions: { idleTtl: '7d', ttl: '30d', trustedOrigins: ['https://admin.example.com'] } });
 */
export interface SessionsOptions {
  /** The cookie's name and attributes (default `__Host-gatehouse-session`; HttpOnly; Secure; SameSite=Lax; Path=/). */
  cookie?: SessionCookieOptions;
  /** Absolute lifetime of a session (seconds or '30d'): never extended. Default 30 days. */
  ttl?: number | string;
  /** A session not used for this long ends. Default 7 days. */
  idleTtl?: number | string;
  /**
   * A session is renewed (its last use written, the cookie's Max-Age refreshed) at most once per
   * this long; requests in between read the store and write nothing. Default 1 day.
   */
  updateAge?: number | string;
  /** Origins besides the app's own (the handler's `origin`) whose pages may make cookie-authenticated unsafe requests. */
  trustedOrigins?: readonly string[];
  /** Where sessions live. Default: `refreshTokens.store`, else the user store's `sessions`, else memory. */
  store?: SessionStore;
  /** The clock, Unix seconds (tests). Default: the wall clock. */
  now?: () => number;
}

/** @internal A successful cookie or bearer authentication, with a renewed cookie to send and the cookie session it used. */
export type SessionAuthResult<U> = AuthPartsResult<U> & { readonly setCookie?: string; readonly session?: StoredSession };

/** @internal What createAuthCore needs to build the cookie sessions. */
export interface CookieSessionDependencies<U extends UserRecord> {
  readonly option: SessionsOptions;
  readonly users: UserStore<U>;
  readonly store: SessionStore;
  readonly origin: string | undefined;
  readonly check: PasswordCheck<U>;
  readonly maxBodyBytes: number;
  /** The scope a login gets (the declared scopes' granter), or undefined without scopes. */
  readonly scopeOf: (user: U, requested: readonly string[]) => Promise<string | undefined>;
  readonly emit: EmitEvent;
  readonly report: Reporter;
}

/** @internal The cookie sessions as the core and the routes use them. */
export interface CookieSessions<U extends UserRecord> {
  readonly store: SessionStore;
  readonly cookie: SessionCookie;
  readonly idleTtl: number;
  readonly now: () => number;
  /** POST /login. */
  login(request: Request): Promise<ResponseParts>;
  /** The session cookie of a request, or null. */
  read(request: Request): string | null;
  /** The user of a session cookie value (origin rule first for unsafe methods), or the 401/403/400/503. */
  authenticate(request: Request, value: string, required: RequireUserOptions): Promise<SessionAuthResult<U>>;
}

const DAY = 86400;
const BEARER: HeaderList = [['www-authenticate', 'Bearer']];
const OPTION_NAMES: ReadonlySet<string> = new Set(['cookie', 'ttl', 'idleTtl', 'updateAge', 'trustedOrigins', 'store', 'now']);

/** @internal The `sessions` option, checked. */
export function checkSessionsOption(option: unknown): SessionsOptions {
  if (option === true) return {};
  if (option === null || typeof option !== 'object' || Array.isArray(option)) throw new ConfigurationError('sessions must be true or an object of options');
  for (const key of Object.keys(option)) {
    if (!OPTION_NAMES.has(key)) throw new ConfigurationError(`sessions: unknown option ${JSON.stringify(key)} (known: ${[...OPTION_NAMES].join(', ')})`);
  }
  const store = (option as SessionsOptions).store;
  if (store !== undefined && (store === null || typeof store !== 'object' || typeof store.touchSession !== 'function' || typeof store.findSession !== 'function')) {
    throw new ConfigurationError('sessions.store must be a SessionStore');
  }
  return option as SessionsOptions;
}

/** @internal A JSON body `{"username", "password"}` read as the login form (422 for what is missing); else the form itself. */
async function readLogin(request: Request, maxBodyBytes: number): Promise<{ username: string; password: string; scopes: string[] } | ResponseParts> {
  const type = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') {
    const form = await readLoginFormParts(request, maxBodyBytes);
    return form instanceof ResponseParts ? form : (form as { username: string; password: string; scopes: string[] });
  }
  let body: Uint8Array | null;
  try {
    body = await readBodyLimited(request, maxBodyBytes);
  } catch {
    return detailParts(400, 'There was an error parsing the body');
  }
  if (body === null) return detailParts(413, 'Request Entity Too Large');
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(body));
  } catch {
    return detailParts(400, 'There was an error parsing the body');
  }
  const fields = new URLSearchParams();
  if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
    for (const name of ['username', 'password', 'scope']) {
      const value = (parsed as Record<string, unknown>)[name];
      if (typeof value === 'string') fields.set(name, value);
    }
  }
  // The same validation (and 422) as the form.
  const asForm = new Request('http://login.invalid/', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: fields.toString() });
  const form = await readLoginFormParts(asForm, maxBodyBytes);
  return form instanceof ResponseParts ? form : (form as { username: string; password: string; scopes: string[] });
}

/** @internal */
export function createCookieSessions<U extends UserRecord>(deps: CookieSessionDependencies<U>): CookieSessions<U> {
  const { option, users, store, check, emit, report } = deps;
  const cookie = resolveSessionCookie(option.cookie);
  const ttl = lifetimeOption(option.ttl, 30 * DAY, 'sessions.ttl');
  const idleTtl = lifetimeOption(option.idleTtl, 7 * DAY, 'sessions.idleTtl');
  const updateAge = lifetimeOption(option.updateAge, DAY, 'sessions.updateAge');
  if (option.now !== undefined && typeof option.now !== 'function') throw new ConfigurationError('sessions.now must be a function');
  const now = option.now ?? (() => Math.floor(Date.now() / 1000));
  const originRule: OriginCheckParts = createOriginCheckParts({ origin: deps.origin, trustedOrigins: option.trustedOrigins });
  const serialize = publicUserSerializer();
  // The SHA-256 of recently seen cookie secrets (as the bearer path caches verified tokens): the
  // hash is most of a cookie request's own work. Still compared with the stored hash every time.
  const hashes = new BoundedMap<string, string>(1000);
  const stampOf = rememberedTokenStamps();
  const hashOf = (secret: string): string => {
    let hash = hashes.get(secret);
    if (hash === undefined) hashes.set(secret, (hash = hashRefreshSecret(secret)));
    return hash;
  };

  /** 401 for a cookie that names no live session: the cookie is cleared too. */
  const stale = (needed: readonly string[] | undefined): { parts: ResponseParts } => {
    const challenge: HeaderList = needed && needed.length > 0 ? [['www-authenticate', `Bearer scope="${needed.join(' ')}"`]] : BEARER;
    return { parts: detailParts(401, 'Could not validate credentials', [...challenge, ['set-cookie', cookie.clear()]]) };
  };

  async function issue(user: U, scope: string, request: Request, client: LoginClient): Promise<{ value: string; session: StoredSession }> {
    const { token, session } = newSession(
      { username: user.username, kind: 'cookie', userStamp: tokenStampOf(user), scope, clientAddress: client.address, userAgent: request.headers.get('user-agent') },
      now(),
      ttl,
    );
    await store.createSession(session);
    return { value: token, session };
  }

  return {
    store,
    cookie,
    idleTtl,
    now,

    async login(request) {
      const form = await readLogin(request, deps.maxBodyBytes);
      if (form instanceof ResponseParts) return form;
      const checked = await check(request, form);
      if (checked instanceof ResponseParts) return checked;
      const { user, client } = checked;
      if (isDisabled(user)) {
        emit({ type: 'login_failed', username: form.username, clientAddress: client.address, reason: 'disabled' }, request);
        return detailParts(401, 'Incorrect username or password', BEARER);
      }
      let issued: { value: string; session: StoredSession };
      try {
        // A new id at every login, whatever cookie came with the request: no session fixation.
        issued = await issue(user, (await deps.scopeOf(user, form.scopes)) ?? '', request, client);
      } catch (error) {
        const parts = storeUnavailable(error).parts;
        report(error, request);
        return parts;
      }
      // The event names the session's public id, never the cookie's secret.
      emit({ type: 'login_succeeded', username: user.username, clientAddress: client.address, sessionId: issued.session.id }, request);
      return new ResponseParts(200, [...PRIVATE_JSON_HEADERS, ['set-cookie', cookie.set(issued.value, Math.min(idleTtl, ttl))]], serialize(user));
    },

    read: (request) => cookie.read(request.headers.get('cookie')),

    async authenticate(request, value, required) {
      // CSRF: an unsafe request carried by the cookie comes from this app's pages or a trusted origin.
      const refused = originRule(request, true);
      if (refused !== null) return { parts: refused };
      const needed = required.scopes;
      // The cookie's value is a session's `<id>.<secret>`, as newSession makes it for refresh tokens too.
      const parsed = parseRefreshToken(value);
      if (parsed === null) return stale(needed);
      const { id, secret } = parsed;
      const at = now();
      let session: StoredSession | null;
      let user: U | null;
      try {
        const found = store.findSession(id);
        session = isThenable(found) ? await found : found;
        if (
          session === null ||
          typeof session !== 'object' ||
          session.id !== id ||
          session.kind !== 'cookie' ||
          typeof session.secretHash !== 'string' ||
          !constantTimeEqualString(session.secretHash, hashOf(secret)) ||
          sessionEnded(session, at, idleTtl) !== null
        ) {
          return stale(needed);
        }
        const owner = findUserNow(users, session.username);
        user = isThenable(owner) ? await owner : owner;
      } catch (error) {
        const result = storeUnavailable(error);
        report(error, request);
        return result;
      }
      // A password change or logout everywhere renewed the stamp: every session of before ends.
      if (!user || stampOf(user) !== session.userStamp) return stale(needed);
      const scopes = session.scope === '' ? [] : session.scope.split(' ');
      if (needed && needed.length > 0 && !hasScopes(scopes, needed)) {
        return { parts: detailParts(401, 'Not enough permissions', [['www-authenticate', `Bearer scope="${needed.join(' ')}"`]]) };
      }
      if (required.active !== false && isDisabled(user)) return { parts: detailParts(400, 'Inactive user') };
      const claims: VerifiedClaims = { sub: user.username, scope: session.scope, scopes, sid: id, exp: Math.min(session.expiresAt, session.lastUsedAt + idleTtl) };
      if (at - session.lastUsedAt < updateAge) return { user, claims, session };
      // Renewal, once per updateAge: compare-and-swap, so concurrent requests write once.
      let renewed: boolean;
      try {
        renewed = Boolean(await store.touchSession(id, at, session.lastUsedAt));
      } catch (error) {
        const result = storeUnavailable(error);
        report(error, request);
        return result;
      }
      if (!renewed) return { user, claims, session };
      const fresh: StoredSession = { ...session, lastUsedAt: at };
      return { user, claims: { ...claims, exp: Math.min(session.expiresAt, at + idleTtl) }, session: fresh, setCookie: cookie.set(value, Math.min(idleTtl, session.expiresAt - at)) };
    },
  };
}

/** @internal `parts` with the renewed session cookie of `result`, when there is one. */
export function withRenewedCookie(parts: ResponseParts, result: { readonly setCookie?: string }): ResponseParts {
  return result.setCookie === undefined ? parts : new ResponseParts(parts.status, [...parts.headers, ['set-cookie', result.setCookie]], parts.body);
}
