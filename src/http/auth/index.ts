/**
 * The building blocks of the OAuth2 password flow, for the handler and for apps that protect their
 * own routes: log a user in from a login form, issue a token, and require an authenticated user.
 */
import { hashingParallelism } from '../../passwords/pool/hashing-pool.js';
import { ConfigurationError, UserStoreError } from '../../errors.js';
import type { CryptContext } from '../../passwords/index.js';
import type { TokenAlgorithm, TokenKeyInput, VerifiedClaims } from '../../tokens/index.js';
import { parseDuration } from '../../tokens/claims.js';
import type { AuthenticateOptions, UserRecord, UserStore } from '../../users/index.js';
import { DEFAULT_MAX_BODY_BYTES } from '../body.js';
import { type ClientAddressResolver, createLoginClientResolver } from '../client-address.js';
import { createLoginQueue } from '../login-queue.js';
import { type ResponseParts, toResponse } from '../response.js';
import { type ThrottleOptions, createLoginThrottleTurns } from './login-throttle.js';
import type { LoginThrottle } from '../../throttle/policy.js';
import { type AuthKey, createAuthKey } from './key.js';
import type { KeyRing } from '../../tokens/keys/ring.js';
import { createLogin } from './login.js';
import { type AuthEventHook, type EmitEvent, createEventEmitter } from './events.js';
import { createReporter } from './report.js';
import {
  AUTHENTICATE_PARTS,
  type Authenticate,
  type RequireUserOptions,
  createAuthenticate,
  failureOf,
  keyUnavailable,
  storeUnavailable,
} from './require-user.js';
import { isThenable } from '../../internal/await.js';
import { type OAuth2ErrorStyle, createOAuth2Exit } from './oauth2-exit.js';
import { declaredScopes, scopeGranter } from './scopes.js';
import { toStore } from './users.js';
import { createLifecycle, type RefreshTokensOptions } from './lifecycle.js';
import { type SessionAuthResult, type SessionsOptions, checkSessionsOption, createCookieSessions } from './cookie-sessions.js';
import { type SessionRoutes, createSessionRoutes, withCookieSessions } from './sessions-routes.js';
import { type LoginDependencies, createPasswordCheck } from './login.js';
import { createMemorySessionStore, type SessionStore } from '../../tokens/index.js';
import { createAccountChanges } from './account.js';

export type { RequireUserOptions } from './require-user.js';
export type { RefreshTokensOptions } from './lifecycle.js';
export type { SessionsOptions } from './cookie-sessions.js';
export type { AuthEvent, AuthEventHook, AuthEventType } from './events.js';
export type { OAuth2ErrorStyle } from './oauth2-exit.js';
export { TUTORIAL_SCOPES } from './scopes.js';
export { publicUser, publicUserSerializer, type PublicUser } from './users.js';

/**
 * What createAuth (and so createAuthHandler) takes: users, signing key, hashing policy, token rules, scopes, login limits.
 *
 * @example
 * const auth = createAuth({ users: createMemoryUserStore(fakeUsersDb), key: process.env.SECRET_KEY!, tokenTtl: '30m', scopes: true });
 */
export interface AuthOptions<U extends UserRecord = UserRecord> {
  /** A user store, or a `fake_users_db`-shaped object (username → record). */
  users: UserStore<U> | Readonly<Record<string, U>>;
  /**
   * The signing key: a secret (string: its UTF-8 bytes), a private key, a TokenKey, ... A secret too
   * short for its algorithm (32 bytes for HS256) is refused here, with TokenKeyError: make one with
   * `npx gatehouse secret` or `openssl rand -hex 32`. A key known only later (a promise, a resolver)
   * that cannot be used makes the requests that need it answer 503 (told to `onError`). A key ring
   * (createKeyRing) signs with its current key and verifies by kid; asymmetric keys and rings are
   * published by the handler at `/.well-known/jwks.json`.
   */
  key: TokenKeyInput | KeyRing;
  /** Password hashing policy. Default: the library's default context. */
  context?: CryptContext;
  /** Token lifetime: seconds or '30m', '1h', ... Default '30m' (the tutorial's). */
  tokenTtl?: string | number;
  /**
   * The longest token lifetime requireUser and the routes accept (seconds or a duration; see
   * verifyAccessToken's maxTokenAge), or false for none. Default: tokenTtl plus 60 s of leeway for
   * clocks that differ between servers, so a token signed elsewhere with the same key for a longer
   * life is refused.
   */
  maxTokenAge?: number | string | false;
  /** Signing algorithm for raw keys. Default HS256 for secrets. */
  algorithm?: TokenAlgorithm;
  issuer?: string;
  audience?: string;
  /**
   * Declared scopes (name → description), or `true` for the tutorial's `me` and `items`. With
   * scopes, tokens carry a `scope` claim and the handler's routes require them. Any other scope
   * needs `grantScopes`.
   */
  scopes?: boolean | Readonly<Record<string, string>>;
  /**
   * Which of the requested scopes a user gets. Default: the requested ones that are declared (the
   * tutorial grants whatever is asked for; undeclared names are dropped here). Required when scopes
   * other than the tutorial's `me` and `items` are declared (a ConfigurationError otherwise), so
   * that asking for `admin` is not enough to get it.
   */
  grantScopes?: (user: U, requested: readonly string[]) => readonly string[] | PromiseLike<readonly string[]>;
  /**
   * Told when a user's stored hash is refused rather than checked (above a cost cap, unreadable):
   * `{ username, scheme, code, reason }`, never the hash. The login answers 401 as for a wrong password.
   */
  onHashRefused?: AuthenticateOptions['onHashRefused'];
  /** Largest login body read. Default 64 KiB. */
  maxBodyBytes?: number;
  /**
   * Password checks run at once; later logins wait their turn. Default: the hashing pool's size
   * where it runs (Node, Deno, Bun: bcrypt, argon2, scrypt and PBKDF2 on its worker threads), so
   * logins use every core the pool has; else 1, so hashing on the event loop (Workers, browsers)
   * never takes more than one slice between two turns of the loop.
   */
  loginConcurrency?: number;
  /**
   * Logins allowed to wait for a slot, all clients together. When it is full, a newcomer holding fewer
   * places than the client holding the most is still queued, and that client's newest waiting login
   * gets 429 instead; otherwise the newcomer gets 429. Default 100.
   */
  loginQueue?: number;
  /** Failed-login throttling (see README "Login throttling"); `false` turns it off. Default on, in memory. */
  throttle?: ThrottleOptions | false;
  /**
   * Logins one client may have waiting; beyond it that client gets 429. Waiting clients take turns
   * (round robin), so a client that floods delays nobody else by more than the checks already
   * running. Default 8.
   */
  loginQueuePerClient?: number;
  /**
   * The client address of a request, for runtimes whose adapter does not record it (see
   * client-address.ts): e.g. `(request) => request.headers.get('cf-connecting-ip')` on Cloudflare.
   * Default: the address gatehouse/node (or `setClientAddress`) recorded, else one shared key.
   */
  clientAddress?: ClientAddressResolver;
  /**
   * Told about failures answered 503 (a user store that fails, with its UserStoreError; a signing key
   * that cannot be used, with its TokenKeyError), every time, and about internal errors the login
   * recovers from (a throttle counter store that fails) unless the throttle has its own `onError`.
   * createAuthHandler passes its own `onError` here. Default: console.error; for the 503s one line
   * per kind of failure at most once a minute (code, message and the driver's message, never a
   * password, hash or key).
   */
  onError?: (error: unknown, request: Request) => unknown;
  /**
   * Told about every auth event (login succeeded / failed / throttled, token refreshed, refresh reuse
   * detected, token revoked, logout, password changed, user disabled, hash upgraded): names and ids,
   * never a password, hash or token. Not awaited; what it throws goes to `onError` (to the console
   * for the events of setPassword, setDisabled and revokeAllTokens, which have no request).
   */
  onEvent?: AuthEventHook;
  /**
   * Refresh tokens, revocation and logout (docs/tokens.md): POST /token also answers
   * `refresh_token` and `expires_in`, `grant_type=refresh_token` rotates, POST /revoke and POST
   * /logout are routed, access tokens carry `sid` and `jti` and are checked against revocations.
   * `true` for the defaults (30 days, 14 days idle, 10 s grace; the access token then lives 15
   * minutes unless tokenTtl is given). Default off: the tutorial's behaviour.
   */
  refreshTokens?: RefreshTokensOptions | boolean;
  /**
   * How the token endpoint answers: `'fastapi'` (default), the tutorial's 401 `{"detail": ...}` and
   * 422; `'rfc6749'`, RFC 6749's 400 `{"error": "invalid_grant" | "invalid_request" |
   * "unsupported_grant_type" | "invalid_scope", "error_description": ...}` without
   * `WWW-Authenticate`, `expires_in` (and `scope` with scopes) on every token, and a disabled user or
   * an undeclared scope refused (the tutorial grants both). 429 and 503 stay as they are.
   */
  oauth2Errors?: OAuth2ErrorStyle;
  /**
   * Cookie sessions for browser apps (docs/browser.md): POST /login sets an HttpOnly session
   * cookie, requireUser and the routes accept it (a bearer token wins), unsafe requests it
   * authenticates must come from the app's own origin (the handler's `origin`) or `trustedOrigins`,
   * and GET /sessions, DELETE /sessions/{id} and POST /logout (`?everywhere`) are routed. `true` for
   * the defaults. Default off.
   */
  sessions?: SessionsOptions | boolean;
}

/**
 * The authenticated user and the token's claims, or the error Response to send.
 *
 * @example
 * const result = await auth.requireUser(request);
 * if (result.response) return result.response; // 401 or 400
 * console.log(result.user.username, result.claims.scopes);
 */
export type AuthResult<U> =
  | {
      user: U;
      claims: VerifiedClaims;
      response?: undefined;
      /** With cookie sessions: a renewed session cookie (at most once per updateAge): send it as `Set-Cookie` with the answer. */
      setCookie?: string;
    }
  | { response: Response; user?: undefined; claims?: undefined; setCookie?: undefined };

/**
 * The building blocks createAuth returns, for an app's own routes.
 *
 * @example
 * const auth = createAuth({ users, key });
 * export const POST = auth.login; // a route handler that is the token endpoint
 */
export interface Auth<U extends UserRecord = UserRecord> {
  /** Declared scopes, or null without scopes. */
  readonly scopes: Readonly<Record<string, string>> | null;
  /** Settles once the key is imported: rejects (TokenKeyError, ...) when it cannot be used. */
  readonly ready: Promise<void>;
  /** The whole token endpoint: read the form, check the password, answer with a token or an error. */
  login(request: Request): Promise<Response>;
  /** Sign an access token for a user (with `scope` when scopes are declared). */
  issueToken(user: U, scopes?: readonly string[]): Promise<string>;
  /** The user a request's bearer token belongs to, or the 401/400 Response for it. */
  requireUser(request: Request, options?: RequireUserOptions): Promise<AuthResult<U>>;
  /** The login throttle `login` uses (for an app's own login route), or null when turned off. */
  readonly throttle: LoginThrottle | null;
  /**
   * Logout everywhere: renews the user's token stamp (where the store keeps one) and revokes every
   * session; resolves with the number of sessions revoked and tells `onEvent` (`tokens_revoked`,
   * with `count`). Rejects with the store's UserStoreError (ERR_USER_INVALID for an empty username).
   *
   * @example
   * const count = await auth.revokeAllTokens('johndoe'); // every token and session of johndoe ends
   */
  revokeAllTokens(username: string): Promise<number>;
  /**
   * A password change: hashes `password` with the `context` option (default getDefaultContext()),
   * saves it with the store's `setPassword` (which renews the user's token stamp where the store
   * keeps one) and revokes every session of the user, so that every token issued before is refused;
   * then tells `onEvent` once: `password_changed`, with `count` (the sessions revoked), never the
   * password or the hash. Rejects with PasswordPolicyError for a password the context refuses (not a
   * string, empty, longer than its maxPasswordBytes), UserStoreError ERR_USER_INVALID for an empty
   * username, the store's ERR_USER_NOT_FOUND for an unknown user, and ConfigurationError for a store
   * without `setPassword`. The sessions end before the store's change: should it fail, the user is
   * logged out with the old password.
   *
   * @example
   * await auth.setPassword('johndoe', newPassword); // after your route checked the current one
   */
  setPassword(username: string, password: string): Promise<void>;
  /**
   * Disable (true) or enable (false) a user with the store's `setDisabled`. Disabling ends every
   * token and session of the user (as setPassword does) and tells `onEvent` once: `user_disabled`,
   * with `count`; enabling ends nothing and is no event. Rejects with UserStoreError ERR_USER_INVALID
   * for an empty username or a `disabled` that is not a boolean, the store's ERR_USER_NOT_FOUND for
   * an unknown user, and ConfigurationError for a store without `setDisabled`.
   *
   * @example
   * await auth.setDisabled('johndoe', true); // logged out everywhere, and refused until enabled
   */
  setDisabled(username: string, disabled: boolean): Promise<void>;
}

const NO_SCOPES: readonly string[] = [];
/** Seconds of clock difference between servers that maxTokenAge allows by default. */
const TOKEN_AGE_LEEWAY = 60;

function positiveInteger(value: number, name: string, min = 1): number {
  if (!Number.isSafeInteger(value) || value < min) throw new ConfigurationError(`${name} must be an integer >= ${min}`);
  return value;
}

/**
 * The building blocks, configured once.
 *
 * @example
 * const auth = createAuth({ users: fakeUsersDb, key: SECRET_KEY });
 * const result = await auth.requireUser(request);
 * if (result.response) return result.response;
 * return jsonResponse(publicUser(result.user));
 */
export function createAuth<U extends UserRecord = UserRecord>(options: AuthOptions<U>): Auth<U> {
  return createAuthCore(options).auth;
}

/** @internal createAuth, and for the handler the same flow answering with parts. */
export interface AuthCore<U extends UserRecord> {
  readonly auth: Auth<U>;
  /** The token endpoint, answering with parts. */
  readonly login: (request: Request) => Promise<ResponseParts>;
  /** requireUser's answer as parts, without a promise when none was needed. */
  readonly authenticate: Authenticate<U>;
  /** Sends an auth event to `onEvent` (a no-op without one). */
  readonly emit: EmitEvent;
  /** POST /revoke and POST /logout, or null when refresh tokens are off. */
  readonly revoke: ((request: Request) => Promise<ResponseParts>) | null;
  readonly logout: ((request: Request) => ResponseParts | Promise<ResponseParts>) | null;
  /** The signing key's public JWK Set, for the handler's jwks route. */
  readonly jwks: Pick<AuthKey, 'jwks' | 'mayPublish'>;
  /** POST /login and the session routes, or null without cookie sessions. */
  readonly sessions: (SessionRoutes & { readonly login: (request: Request) => Promise<ResponseParts> }) | null;
}

/** @internal */
export function createAuthCore<U extends UserRecord = UserRecord>(options: AuthOptions<U>): AuthCore<U> {
  if (options === null || typeof options !== 'object') throw new ConfigurationError('createAuth needs options');
  if (options.key === undefined || options.key === null) throw new ConfigurationError('a signing key is required');
  const store = toStore(options.users);
  const scopes = declaredScopes(options.scopes);
  const refreshing = options.refreshTokens !== undefined && options.refreshTokens !== false;
  // With refresh tokens the access token is short-lived: it is renewed without a password.
  const tokenTtl = options.tokenTtl ?? (refreshing ? '15m' : '30m');
  const maxTokenAge =
    options.maxTokenAge === false ? undefined : (options.maxTokenAge ?? parseDuration(tokenTtl, 'tokenTtl') + TOKEN_AGE_LEEWAY);
  const loginQueue = createLoginQueue({
    concurrency: positiveInteger(options.loginConcurrency ?? hashingParallelism(), 'loginConcurrency'),
    maxQueue: positiveInteger(options.loginQueue ?? 100, 'loginQueue', 0),
    maxQueuePerClient: positiveInteger(options.loginQueuePerClient ?? 8, 'loginQueuePerClient', 0),
  });
  const { clientAddress } = options;
  if (clientAddress !== undefined && typeof clientAddress !== 'function') {
    throw new ConfigurationError('clientAddress must be a function of the request');
  }
  const loginThrottle = createLoginThrottleTurns(options.throttle, options.onError);
  // One rule for who a login comes from, for the queue and the throttle: the throttle's settings
  // (its own clientAddress, trusted proxies) when it is on.
  const clientOf = createLoginClientResolver({ ...loginThrottle.addressing, clientAddress: loginThrottle.addressing.clientAddress ?? clientAddress });
  const key = createAuthKey({ key: options.key, algorithm: options.algorithm, issuer: options.issuer, audience: options.audience, maxTokenAge });
  const report = createReporter(options.onError);
  if (options.onEvent !== undefined && typeof options.onEvent !== 'function') throw new ConfigurationError('onEvent must be a function');
  const emit = createEventEmitter(options.onEvent, options.onError);
  const grant = scopes ? scopeGranter(scopes, options.grantScopes) : null;
  const oauth2Exit = createOAuth2Exit(options.oauth2Errors, scopes !== null);

  const lifecycle = createLifecycle<U>({
    option: options.refreshTokens,
    store,
    sign: key.sign,
    verify: key.verify,
    tokenTtl: parseDuration(tokenTtl, 'tokenTtl'),
    emit,
    clientOf,
    scoped: scopes !== null,
  });
  const scopeOf = (granted?: readonly string[]): string | undefined => (scopes ? (granted ?? NO_SCOPES).join(' ') : undefined);
  const issueToken = (user: U, granted?: readonly string[]): Promise<string> => key.sign(lifecycle.claimsFor(user, scopeOf(granted)), tokenTtl);
  const loginDeps: LoginDependencies<U> = {
    store,
    context: options.context,
    onHashRefused: options.onHashRefused,
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    loginQueue,
    throttle: loginThrottle,
    clientOf,
    issue: async (user, requested, request, client) =>
      lifecycle.loginAnswer(user, scopeOf(grant ? await grant(user, requested) : undefined), request, client),
    ...(lifecycle.refresh ? { refresh: lifecycle.refreshGrant } : {}),
    emit,
    strict: oauth2Exit ? { declared: scopes } : undefined,
  };
  const loginParts = createLogin<U>(loginDeps);
  // The store and key failures the login answers 503 are reported here (with the request).
  const login = async (request: Request): Promise<ResponseParts> => {
    let parts: ResponseParts;
    try {
      parts = await loginParts(request);
    } catch (error) {
      // A session store that is down: 503 as for the user store; a key that cannot sign: 503; else rethrown.
      parts = error instanceof UserStoreError ? storeUnavailable(error).parts : keyUnavailable(error).parts;
    }
    const failure = failureOf(parts);
    if (failure !== undefined) report(failure, request);
    return oauth2Exit ? oauth2Exit(parts) : parts;
  };
  const bearerAuthenticate = createAuthenticate(store, key.verify, report, { stampMatches: lifecycle.stampMatches, isRevoked: lifecycle.isRevoked, findUnlessRevoked: lifecycle.findUnlessRevoked });
  const sessionsOption = options.sessions === undefined || options.sessions === false ? null : checkSessionsOption(options.sessions);
  const cookieSessions =
    sessionsOption === null
      ? null
      : createCookieSessions<U>({
          option: sessionsOption,
          users: store,
          // One store for cookie sessions and refresh families where none is given: /sessions lists both.
          store: sessionsOption.store ?? lifecycle.refresh?.store ?? store.sessions ?? createMemorySessionStore(),
          origin: (options as { origin?: string }).origin,
          check: createPasswordCheck<U>(loginDeps),
          maxBodyBytes: loginDeps.maxBodyBytes,
          scopeOf: async (user, requested) => scopeOf(grant ? await grant(user, requested.length > 0 ? requested : Object.keys(scopes ?? {})) : undefined),
          emit,
          report,
        });
  const authenticate: (request: Request, required?: RequireUserOptions) => SessionAuthResult<U> | Promise<SessionAuthResult<U>> = cookieSessions === null ? bearerAuthenticate : withCookieSessions(bearerAuthenticate, cookieSessions);
  const requireUser = async (request: Request, required?: RequireUserOptions): Promise<AuthResult<U>> => {
    const result = await authenticate(request, required);
    if (result.parts) return { response: toResponse(result.parts) };
    return result.setCookie === undefined ? { user: result.user, claims: result.claims } : { user: result.user, claims: result.claims, setCookie: result.setCookie };
  };
  // Every store a session of the user may be in, each once (cookie sessions may have their own).
  const sessionStores = [lifecycle.sessionStore, cookieSessions?.store ?? null].filter(
    (found, index, all): found is SessionStore => found !== null && all.indexOf(found) === index,
  );
  const account = createAccountChanges<U>({ users: store, context: options.context, sessionStores, now: lifecycle.now, emit });
  const auth: Auth<U> = {
    scopes,
    ready: key.ready,
    login: async (request) => toResponse(await login(request)),
    issueToken,
    requireUser,
    throttle: loginThrottle.policy,
    revokeAllTokens: account.revokeAllTokens,
    setPassword: account.setPassword,
    setDisabled: account.setDisabled,
  };
  Object.defineProperty(auth, AUTHENTICATE_PARTS, { value: authenticate });
  const logout = lifecycle.refresh
    ? (request: Request): ResponseParts | Promise<ResponseParts> => {
        const result = authenticate(request, { active: false });
        const next = (done: Awaited<typeof result>) => (done.parts ? done.parts : lifecycle.logout(request, done.user, done.claims));
        return isThenable(result) ? result.then(next) : next(result);
      }
    : null;
  const revoke = lifecycle.refresh ? lifecycle.revoke : null;
  if (cookieSessions === null) return { auth, login, authenticate, emit, revoke, logout, jwks: key, sessions: null };
  const routes = createSessionRoutes<U>({
    sessions: cookieSessions,
    authenticate: async (request, required) => authenticate(request, required),
    bearerLogout: logout,
    refreshStore: lifecycle.refresh?.store ?? null,
    refreshIdleTtl: lifecycle.refresh?.idleTtl ?? 0,
    clientAddress: (request) => clientOf(request).address,
    emit,
    report,
  });
  return { auth, login, authenticate, emit, revoke, logout: routes.logout, jwks: key, sessions: { ...routes, login: cookieSessions.login } };
}
