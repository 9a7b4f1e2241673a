/**
 * The building blocks of the OAuth2 password flow, for the handler and for apps that protect their
 * own routes: log a user in from a login form, issue a token, and require an authenticated user.
 */
import { ConfigurationError, UserStoreError } from '../errors.js';
import type { CryptContext } from '../passwords/index.js';
import {
  InvalidTokenError,
  createAccessToken,
  importTokenKey,
  type TokenAlgorithm,
  type TokenKey,
  type TokenKeyInput,
  type VerifiedClaims,
} from '../tokens/index.js';
import { parseDuration } from '../tokens/claims.js';
import { createTokenVerifier, type TokenVerifier } from '../tokens/verify.js';
import { isThenable } from '../internal/await.js';
import { BoundedMap } from '../internal/bounded-map.js';
import {
  type AuthenticateOptions,
  authenticateUser,
  createMemoryUserStore,
  findUserNow,
  type UserRecord,
  type UserStore,
} from '../users.js';
import { readBearerToken } from './bearer.js';
import { DEFAULT_MAX_BODY_BYTES } from './body.js';
import { readLoginForm } from './form.js';
import { type ClientAddressResolver, clientAddressOf } from './client-address.js';
import { createLimiter } from './limiter.js';
import { type HeaderList, TOKEN_HEADERS, detailResponse, respond } from './response.js';
import { type ThrottleOptions, createLoginGuard } from './throttle/login.js';
import type { LoginThrottle } from './throttle/policy.js';

/** The scopes of FastAPI's scopes tutorial, used for `scopes: true`. */
export const TUTORIAL_SCOPES: Readonly<Record<string, string>> = Object.freeze({
  me: 'Read information about the current user.',
  items: 'Read items.',
});

export interface AuthOptions<U extends UserRecord = UserRecord> {
  /** A user store, or a `fake_users_db`-shaped object (username → record). */
  users: UserStore<U> | Readonly<Record<string, U>>;
  /** The signing key: a secret (string: its UTF-8 bytes), a private key, a TokenKey, ... */
  key: TokenKeyInput;
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
   * scopes, tokens carry a `scope` claim and the handler's routes require them.
   */
  scopes?: boolean | Readonly<Record<string, string>>;
  /**
   * Which of the requested scopes a user gets. Default: the requested ones that are declared
   * (the tutorial grants whatever is asked for; undeclared names are dropped here).
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
   * Password checks run at once; later logins wait their turn. Default 1: hashing on the event
   * loop (bcrypt, PBKDF2) then never takes more than one slice between two turns of the loop,
   * and scrypt never holds more than one 128 MiB block. Raise it for hashes that run on other
   * threads (node:crypto's scrypt) on a machine with cores to spare.
   */
  loginConcurrency?: number;
  /** Logins allowed to wait for a slot, all clients together; beyond it they get 429. Default 100. */
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
}

/** The user's public fields, in the tutorial's order. Never the password hash. */
export interface PublicUser {
  username: string;
  email: string | null;
  full_name: string | null;
  disabled: boolean | null;
}

export interface RequireUserOptions {
  /** Scopes the token must carry (outer requirement first: it is the order of the challenge). */
  scopes?: readonly string[];
  /** Refuse disabled users with 400 "Inactive user". Default true. */
  active?: boolean;
}

/** The authenticated user and the token's claims, or the error Response to send. */
export type AuthResult<U> =
  | { user: U; claims: VerifiedClaims; response?: undefined }
  | { response: Response; user?: undefined; claims?: undefined };

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
}

const BEARER: HeaderList = [['www-authenticate', 'Bearer']];
const RETRY: HeaderList = [['retry-after', '1']];

const NO_SCOPES: readonly string[] = [];
/** Seconds of clock difference between servers that maxTokenAge allows by default. */
const TOKEN_AGE_LEEWAY = 60;
/** RFC 6749 3.3 scope-token. */
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

function hasScopes(granted: readonly string[], needed: readonly string[]): boolean {
  for (const name of needed) if (!granted.includes(name)) return false;
  return true;
}

/** 401 with the challenge FastAPI's SecurityScopes gives: `Bearer scope="items me"` when scopes are needed. */
function unauthorized(request: Request, needed: readonly string[], detail: string): { response: Response } {
  const challenge: HeaderList = needed.length > 0 ? [['www-authenticate', `Bearer scope="${needed.join(' ')}"`]] : BEARER;
  return { response: detailResponse(request, 401, detail, challenge) };
}

/** A user store that cannot answer (its database is down): 503, not 500; anything else goes on up. */
function storeUnavailable(request: Request, error: unknown): { response: Response } {
  if (error instanceof UserStoreError) return { response: detailResponse(request, 503, 'Service Unavailable') };
  throw error;
}

function positiveInteger(value: number, name: string, min = 1): number {
  if (!Number.isSafeInteger(value) || value < min) throw new ConfigurationError(`${name} must be an integer >= ${min}`);
  return value;
}

/** The user's public fields (username, email, full_name, disabled), never the hash. */
export function publicUser(user: UserRecord): PublicUser {
  return {
    username: user.username,
    email: typeof user.email === 'string' ? user.email : null,
    full_name: typeof user.full_name === 'string' ? user.full_name : null,
    disabled: typeof user.disabled === 'boolean' ? user.disabled : null,
  };
}

/** The four fields publicUser reads, as read, and their JSON. */
interface SerializedPublicUser {
  readonly email: unknown;
  readonly full_name: unknown;
  readonly disabled: unknown;
  readonly json: string;
}

/**
 * @internal JSON.stringify(publicUser(user)), with the latest answers remembered by username:
 * serializing costs more than a cached token verification. Stores hand out fresh copies and may
 * change a user at any time, so an answer is reused only while the fields it was made from read
 * the very same values (===): for the strings and booleans it shows, that is the same output, and
 * anything else shows as null either way. Bounded (BoundedMap's approximate LRU).
 */
export function publicUserSerializer(maxEntries = 1000): (user: UserRecord) => string {
  const known = new BoundedMap<string, SerializedPublicUser>(maxEntries);
  return (user) => {
    const { username, email, full_name, disabled } = user;
    const entry = typeof username === 'string' ? known.get(username) : undefined;
    if (
      entry !== undefined &&
      entry.email === email &&
      entry.full_name === full_name &&
      entry.disabled === disabled
    ) {
      return entry.json;
    }
    const json = JSON.stringify(publicUser({ username, email, full_name, disabled }));
    if (typeof username === 'string') {
      known.set(username, { email, full_name, disabled, json });
    }
    return json;
  };
}

/** Anything but false/null/absent counts as disabled: a malformed flag locks the user out. */
function isDisabled(user: UserRecord): boolean {
  return user.disabled !== undefined && user.disabled !== null && user.disabled !== false;
}

function toStore<U extends UserRecord>(users: AuthOptions<U>['users']): UserStore<U> {
  if (users !== null && typeof users === 'object' && typeof (users as UserStore<U>).findUser === 'function') {
    return users as UserStore<U>;
  }
  if (users === null || typeof users !== 'object') throw new ConfigurationError('users must be a user store or an object of users');
  return createMemoryUserStore(users as Readonly<Record<string, U>>) as unknown as UserStore<U>;
}

function declaredScopes(option: AuthOptions['scopes']): Readonly<Record<string, string>> | null {
  if (option === undefined || option === false) return null;
  if (option === true) return TUTORIAL_SCOPES;
  if (option === null || typeof option !== 'object') throw new ConfigurationError('scopes must be true or an object of name → description');
  for (const [name, description] of Object.entries(option)) {
    if (!SCOPE_TOKEN.test(name)) throw new ConfigurationError(`scope name ${JSON.stringify(name)} is not a valid scope token`);
    if (typeof description !== 'string') throw new ConfigurationError(`scope ${name} needs a string description`);
  }
  return Object.freeze({ ...option });
}

/** The building blocks, configured once. */
export function createAuth<U extends UserRecord = UserRecord>(options: AuthOptions<U>): Auth<U> {
  return createAuthCore(options).auth;
}

/** @internal createAuth, and for the handler requireUser's synchronous form. */
export interface AuthCore<U extends UserRecord> {
  readonly auth: Auth<U>;
  /** requireUser's answer, without a promise when none was needed: may throw what requireUser rejects with. */
  readonly authenticate: (request: Request, options?: RequireUserOptions) => AuthResult<U> | Promise<AuthResult<U>>;
}

/** @internal */
export function createAuthCore<U extends UserRecord = UserRecord>(options: AuthOptions<U>): AuthCore<U> {
  if (options === null || typeof options !== 'object') throw new ConfigurationError('createAuth needs options');
  if (options.key === undefined || options.key === null) throw new ConfigurationError('a signing key is required');
  const store = toStore(options.users);
  const scopes = declaredScopes(options.scopes);
  const tokenTtl = options.tokenTtl ?? '30m';
  const maxTokenAge =
    options.maxTokenAge === false ? undefined : (options.maxTokenAge ?? parseDuration(tokenTtl, 'tokenTtl') + TOKEN_AGE_LEEWAY);
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const { context, issuer, audience, onHashRefused } = options;
  const limiter = createLimiter({
    concurrency: positiveInteger(options.loginConcurrency ?? 1, 'loginConcurrency'),
    maxQueue: positiveInteger(options.loginQueue ?? 100, 'loginQueue', 0),
    maxQueuePerClient: positiveInteger(options.loginQueuePerClient ?? 8, 'loginQueuePerClient', 0),
  });
  const { clientAddress } = options;
  if (clientAddress !== undefined && typeof clientAddress !== 'function') {
    throw new ConfigurationError('clientAddress must be a function of the request');
  }
  const guard = createLoginGuard(
    options.throttle,
    (options as { onError?: (error: unknown, request: Request) => void }).onError,
    clientAddress,
  );

  // Import once: the verified-token cache lives with the imported key. A bad key fails every
  // request (a deployment error, 500) unless the app awaits `ready` first.
  const keyPromise: Promise<TokenKey> = importTokenKey(options.key, options.algorithm ? { algorithm: options.algorithm } : {});
  let key: TokenKey | undefined;
  const ready = keyPromise.then((imported) => {
    key = imported;
  });
  ready.catch(() => {}); // observed here; awaiting `ready` still sees the rejection
  const getKey = () => key ?? keyPromise;

  const grant = async (user: U, requested: readonly string[]): Promise<string[]> => {
    if (!options.grantScopes) return [...new Set(requested.filter((name) => Object.hasOwn(scopes!, name)))];
    const granted: unknown = await options.grantScopes(user, requested);
    // The claim is split on spaces: an entry with a space in it would grant more than it names.
    if (!Array.isArray(granted) || !granted.every((name) => typeof name === 'string' && SCOPE_TOKEN.test(name))) {
      throw new ConfigurationError('grantScopes must return an array of scope names');
    }
    return [...new Set(granted as string[])];
  };

  const issueToken = async (user: U, granted?: readonly string[]): Promise<string> => {
    const claims = scopes ? { sub: user.username, scope: (granted ?? []).join(' ') } : { sub: user.username };
    return createAccessToken(claims, { key: await getKey(), expiresIn: tokenTtl, issuer, audience });
  };

  const login = async (request: Request): Promise<Response> => {
    const form = await readLoginForm(request, { maxBodyBytes });
    if (form instanceof Response) return form;
    // The fair-queue key: the address the throttle counts (behind trusted proxies, the real client's).
    const address = guard ? guard.addressOf(request) : null;
    const client = address ?? clientAddressOf(request, clientAddress);
    const attempt = guard && (await guard.admit(request, form.username, address)); // before any password work
    if (attempt instanceof Response) return attempt;
    const passwordCheck = () => authenticateUser(store, form.username, form.password, { context, onHashRefused });
    const check = limiter.run(client, () => (attempt ? attempt.run(passwordCheck) : passwordCheck()));
    if (check === null) return detailResponse(request, 429, 'Too Many Requests', RETRY);
    let user: U | null | Response;
    try {
      user = await check;
    } catch (error) {
      return storeUnavailable(request, error).response;
    }
    if (user instanceof Response) return user;
    if (!user) return detailResponse(request, 401, 'Incorrect username or password', BEARER);
    const token = await issueToken(user, scopes ? await grant(user, form.scopes) : undefined);
    return respond(request, 200, TOKEN_HEADERS, JSON.stringify({ access_token: token, token_type: 'bearer' }));
  };

  // Options checked once the key is imported: a request then pays for its token only.
  let verifier: TokenVerifier | undefined;
  const verifierReady = keyPromise
    .then((k) => createTokenVerifier({ key: k, issuer, audience, maxTokenAge }))
    .then((v) => (verifier = v));
  verifierReady.catch(() => {}); // observed here; each request still sees the rejection
  const verify: TokenVerifier = (token) => verifier ? verifier(token) : verifierReady.then((v) => v(token));

  const invalidToken = (request: Request, needed: readonly string[], error: unknown): { response: Response } => {
    if (error instanceof InvalidTokenError) return unauthorized(request, needed, 'Could not validate credentials');
    throw error;
  };

  const checkUser = (
    request: Request,
    required: RequireUserOptions,
    claims: VerifiedClaims,
    user: U | null | undefined,
  ): AuthResult<U> => {
    const needed = required.scopes ?? NO_SCOPES;
    if (!user) return unauthorized(request, needed, 'Could not validate credentials');
    // The tutorial splits the claim on single spaces.
    if (needed.length > 0 && !hasScopes(claims.scope.split(' '), needed)) {
      return unauthorized(request, needed, 'Not enough permissions');
    }
    if (required.active !== false && isDisabled(user)) return { response: detailResponse(request, 400, 'Inactive user') };
    return { user, claims };
  };

  const findUser = (
    request: Request,
    required: RequireUserOptions,
    claims: VerifiedClaims,
  ): AuthResult<U> | Promise<AuthResult<U>> => {
    let found: ReturnType<typeof findUserNow<U>>;
    try {
      found = findUserNow(store, claims.sub); // a value for stores that answer at once (memory, SQLite)
    } catch (error) {
      return storeUnavailable(request, error);
    }
    return isThenable(found)
      ? found.then(
          (user) => checkUser(request, required, claims, user),
          (error: unknown) => storeUnavailable(request, error),
        )
      : checkUser(request, required, claims, found);
  };

  // requireUser without promises where none is needed: a cached token and a memory store answer at
  // once. It may throw synchronously what requireUser would reject with.
  const authenticate = (
    request: Request,
    required: RequireUserOptions = {},
  ): AuthResult<U> | Promise<AuthResult<U>> => {
    const token = readBearerToken(request);
    if (token === null) return { response: detailResponse(request, 401, 'Not authenticated', BEARER) };
    let claims: VerifiedClaims | Promise<VerifiedClaims>;
    try {
      claims = verify(token);
    } catch (error) {
      return invalidToken(request, required.scopes ?? NO_SCOPES, error);
    }
    if (isThenable(claims)) {
      return claims.then(
        (verified) => findUser(request, required, verified),
        (error: unknown) => invalidToken(request, required.scopes ?? NO_SCOPES, error),
      );
    }
    return findUser(request, required, claims);
  };

  const requireUser = (request: Request, required?: RequireUserOptions): Promise<AuthResult<U>> => {
    try {
      return Promise.resolve(authenticate(request, required));
    } catch (error) {
      return Promise.reject(error);
    }
  };

  return { auth: { scopes, ready, login, issueToken, requireUser, throttle: guard?.throttle ?? null }, authenticate };
}
