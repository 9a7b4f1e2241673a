/**
 * requireUser: the user a request's bearer token belongs to, or the 401/400/503 answer (503: the
 * user store failed, or the signing key cannot be used; told to the reporter). Without
 * promises where none is needed: a cached token and a store that answers at once (memory, SQLite)
 * give the result synchronously.
 */
import { UserStoreError } from '../../errors.js';
import { InvalidTokenError, TokenKeyError, TokenSigningError, type VerifiedClaims } from '../../tokens/index.js';
import type { TokenVerifier } from '../../tokens/verify.js';
import { isThenable } from '../../internal/await.js';
import { REVOKED, findUserNow, findUserUnlessRevoked, type UserRecord, type UserStore } from '../../users/store-interface.js';
import { readBearerToken } from '../bearer.js';
import { type HeaderList, type ResponseParts, detailParts } from '../response.js';
import type { Reporter } from './report.js';
import { hasScopes } from './scopes.js';
import { isDisabled } from './users.js';

/**
 * What requireUser is asked for.
 *
 * @example
 * const result = await auth.requireUser(request, { scopes: ['items', 'me'], active: true });
 */
export interface RequireUserOptions {
  /** Scopes the token must carry (outer requirement first: it is the order of the challenge). */
  scopes?: readonly string[];
  /** Refuse disabled users with 400 "Inactive user". Default true. */
  active?: boolean;
}

/** @internal The authenticated user and the token's claims, or the error answer as parts. */
export type AuthPartsResult<U> =
  | { user: U; claims: VerifiedClaims; parts?: undefined }
  | { parts: ResponseParts; user?: undefined; claims?: undefined };

/** @internal requireUser's answer, without a promise when none was needed; may throw what requireUser rejects with. */
export type Authenticate<U> = (request: Request, options?: RequireUserOptions) => AuthPartsResult<U> | Promise<AuthPartsResult<U>>;

/**
 * @internal Key of the non-enumerable Authenticate an Auth of createAuth carries (the answer as
 * parts, for gatehouse/node's middleware). Symbol.for, so that separately bundled entry points agree.
 */
export const AUTHENTICATE_PARTS: unique symbol = Symbol.for('gatehouse.authenticate-parts') as never;

const BEARER: HeaderList = [['www-authenticate', 'Bearer']];
const NO_SCOPES: readonly string[] = [];

/** 401 with the challenge FastAPI's SecurityScopes gives: `Bearer scope="items me"` when scopes are needed. */
function unauthorized(needed: readonly string[], detail: string): { parts: ResponseParts } {
  const challenge: HeaderList = needed.length > 0 ? [['www-authenticate', `Bearer scope="${needed.join(' ')}"`]] : BEARER;
  return { parts: detailParts(401, detail, challenge) };
}

/** The failure each 503 of storeUnavailable and keyUnavailable answered, for its reporter. */
const FAILURES = new WeakMap<ResponseParts, unknown>();

/** A user store that cannot answer (its database is down): 503, not 500; anything else goes on up. */
export function storeUnavailable(error: unknown): { parts: ResponseParts } {
  if (error instanceof UserStoreError) {
    const parts = detailParts(503, 'Service Unavailable');
    FAILURES.set(parts, error);
    return { parts };
  }
  throw error;
}

/**
 * A signing key that cannot be used (its import failed, a key resolver failed, it cannot sign):
 * 503, not 500, as for a backing service that is down; anything else goes on up.
 */
export function keyUnavailable(error: unknown): { parts: ResponseParts } {
  if (error instanceof TokenKeyError || error instanceof TokenSigningError) {
    const parts = detailParts(503, 'Service Unavailable');
    FAILURES.set(parts, error);
    return { parts };
  }
  throw error;
}

/** @internal The store or key failure an answer of storeUnavailable / keyUnavailable stands for, if it is one. */
export function failureOf(parts: ResponseParts): unknown {
  return FAILURES.get(parts);
}

function invalidToken(needed: readonly string[], error: unknown, request: Request, report: Reporter): { parts: ResponseParts } {
  if (error instanceof InvalidTokenError) return unauthorized(needed, 'Could not validate credentials');
  const result = keyUnavailable(error);
  report(error, request);
  return result;
}

function unavailable(error: unknown, request: Request, report: Reporter): { parts: ResponseParts } {
  const result = storeUnavailable(error);
  report(error, request);
  return result;
}

/** @internal The lifecycle's checks of a verified token (see lifecycle.ts). */
export interface TokenChecks<U extends UserRecord> {
  /** The token's `stp` claim (when it has one) is the user's current stamp. */
  readonly stampMatches: (user: U, claims: VerifiedClaims) => boolean;
  /** One revocation look-up (jti, sid), after the verified-token cache; undefined when off. */
  readonly isRevoked: ((claims: VerifiedClaims) => boolean | PromiseLike<boolean>) | undefined;
  /** The user and the revocation look-up in one store call, when the store can (see lifecycle.ts). */
  readonly findUnlessRevoked?: ((claims: VerifiedClaims) => ReturnType<typeof findUserUnlessRevoked<U>>) | undefined;
}

function checkUser<U extends UserRecord>(
  required: RequireUserOptions,
  claims: VerifiedClaims,
  user: U | null | undefined,
  checks: TokenChecks<U> | undefined,
): AuthPartsResult<U> {
  const needed = required.scopes ?? NO_SCOPES;
  if (!user) return unauthorized(needed, 'Could not validate credentials');
  // A token issued before a password change, a logout everywhere, or to a removed user of this name.
  if (checks !== undefined && !checks.stampMatches(user, claims)) return unauthorized(needed, 'Could not validate credentials');
  // The tutorial splits the claim on single spaces.
  if (needed.length > 0 && !hasScopes(claims.scope.split(' '), needed)) return unauthorized(needed, 'Not enough permissions');
  if (required.active !== false && isDisabled(user)) return { parts: detailParts(400, 'Inactive user') };
  return { user, claims };
}

type Answer<U> = AuthPartsResult<U> | Promise<AuthPartsResult<U>>;

/**
 * A store look-up, then `next` with its value: without a promise when the store answers at once
 * (memory, SQLite); a failure, thrown or rejected, is the 503 of `unavailable`.
 */
function afterLookup<T, U>(look: () => T | PromiseLike<T>, next: (value: T) => Answer<U>, request: Request, report: Reporter): Answer<U> {
  let value: T | PromiseLike<T>;
  try {
    value = look();
  } catch (error) {
    return unavailable(error, request, report);
  }
  return isThenable(value) ? Promise.resolve(value).then(next, (error: unknown) => unavailable(error, request, report)) : next(value);
}

/** The revocation check (when on), then the user: in one store call where the store can. */
function afterVerify<U extends UserRecord>(
  store: UserStore<U>,
  required: RequireUserOptions,
  claims: VerifiedClaims,
  request: Request,
  report: Reporter,
  checks: TokenChecks<U> | undefined,
): Answer<U> {
  const byUser = (user: U | null) => checkUser(required, claims, user, checks);
  const findUser = () => afterLookup(() => findUserNow(store, claims.sub), byUser, request, report);
  const revoked = () => unauthorized(required.scopes ?? NO_SCOPES, 'Could not validate credentials');
  const isRevoked = checks?.isRevoked;
  if (isRevoked === undefined) return findUser();
  let together: ReturnType<typeof findUserUnlessRevoked<U>>;
  try {
    together = checks?.findUnlessRevoked?.(claims);
  } catch (error) {
    return unavailable(error, request, report);
  }
  if (together !== undefined) {
    const found = together;
    return afterLookup(() => found, (user) => (user === REVOKED ? revoked() : byUser(user)), request, report);
  }
  return afterLookup(() => isRevoked(claims), (yes) => (yes ? revoked() : findUser()), request, report);
}

/**
 * @internal requireUser over `store` and `verify`, answering with parts; the store and key failures
 * it answers 503 go to `report`.
 */
export function createAuthenticate<U extends UserRecord>(
  store: UserStore<U>,
  verify: TokenVerifier,
  report: Reporter,
  checks?: TokenChecks<U>,
): Authenticate<U> {
  return (request, required = {}) => {
    const token = readBearerToken(request);
    if (token === null) return { parts: detailParts(401, 'Not authenticated', BEARER) };
    const needed = required.scopes ?? NO_SCOPES;
    let claims: VerifiedClaims | Promise<VerifiedClaims>;
    try {
      claims = verify(token);
    } catch (error) {
      return invalidToken(needed, error, request, report);
    }
    if (isThenable(claims)) {
      return claims.then(
        (verified) => afterVerify(store, required, verified, request, report, checks),
        (error: unknown) => invalidToken(needed, error, request, report),
      );
    }
    return afterVerify(store, required, claims, request, report, checks);
  };
}
