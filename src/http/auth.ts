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
import { createTokenVerifier, type TokenVerifier } from '../tokens/verify.js';
import { authenticateUser, createMemoryUserStore, type UserRecord, type UserStore } from '../users.js';
import { readBearerToken } from './bearer.js';
import { DEFAULT_MAX_BODY_BYTES } from './body.js';
import { readLoginForm } from './form.js';
import { createLimiter } from './limiter.js';
import { type HeaderList, detailResponse, jsonResponse } from './response.js';

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
  grantScopes?: (user: U, requested: readonly string[]) => readonly string[] | Promise<readonly string[]>;
  /** Largest login body read. Default 64 KiB. */
  maxBodyBytes?: number;
  /**
   * Password checks run at once; later logins wait their turn. Default 1: hashing on the event
   * loop (bcrypt, PBKDF2) then never takes more than one slice between two turns of the loop,
   * and scrypt never holds more than one 128 MiB block. Raise it for hashes that run on other
   * threads (node:crypto's scrypt) on a machine with cores to spare.
   */
  loginConcurrency?: number;
  /** Logins allowed to wait for a slot; beyond it they get 429. Default 100. */
  loginQueue?: number;
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
}

const BEARER: HeaderList = [['www-authenticate', 'Bearer']];
const RETRY: HeaderList = [['retry-after', '1']];

const NO_SCOPES: readonly string[] = [];

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
 * anything else shows as null either way. Bounded: when full, the oldest entry goes first.
 */
export function publicUserSerializer(maxEntries = 1000): (user: UserRecord) => string {
  const known = new Map<string, SerializedPublicUser>();
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
      known.delete(username);
      if (known.size >= maxEntries) known.delete(known.keys().next().value!);
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
    if (!/^[\x21\x23-\x5b\x5d-\x7e]+$/.test(name)) throw new ConfigurationError(`scope name ${JSON.stringify(name)} is not a valid scope token`);
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
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const { context, issuer, audience } = options;
  const limiter = createLimiter(
    positiveInteger(options.loginConcurrency ?? 1, 'loginConcurrency'),
    positiveInteger(options.loginQueue ?? 100, 'loginQueue', 0),
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
    const granted = options.grantScopes
      ? await options.grantScopes(user, requested)
      : requested.filter((name) => Object.hasOwn(scopes!, name));
    return [...new Set(granted)];
  };

  const issueToken = async (user: U, granted?: readonly string[]): Promise<string> => {
    const claims = scopes ? { sub: user.username, scope: (granted ?? []).join(' ') } : { sub: user.username };
    return createAccessToken(claims, { key: await getKey(), expiresIn: tokenTtl, issuer, audience });
  };

  const login = async (request: Request): Promise<Response> => {
    const form = await readLoginForm(request, { maxBodyBytes });
    if (form instanceof Response) return form;
    const check = limiter.run(() => authenticateUser(store, form.username, form.password, { context }));
    if (check === null) return detailResponse(request, 429, 'Too Many Requests', RETRY);
    let user: U | null;
    try {
      user = await check;
    } catch (error) {
      return storeUnavailable(request, error).response;
    }
    if (!user) return detailResponse(request, 401, 'Incorrect username or password', BEARER);
    const token = await issueToken(user, scopes ? await grant(user, form.scopes) : undefined);
    return jsonResponse({ access_token: token, token_type: 'bearer' }, { request });
  };

  // Options checked once the key is imported: a request then pays for its token only.
  let verifier: TokenVerifier | undefined;
  const verifierReady = keyPromise
    .then((k) => createTokenVerifier({ key: k, issuer, audience }))
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
    let found: ReturnType<UserStore<U>['findUser']>;
    try {
      found = store.findUser(claims.sub);
    } catch (error) {
      return storeUnavailable(request, error);
    }
    return found instanceof Promise
      ? found.then(
          (user) => checkUser(request, required, claims, user),
          (error: unknown) => storeUnavailable(request, error),
        )
      : checkUser(request, required, claims, found); // memory stores answer at once
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
    if (claims instanceof Promise) {
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

  return { auth: { scopes, ready, login, issueToken, requireUser }, authenticate };
}
