import { ConfigurationError } from '../errors.js';
import { TokenClaimError, TokenExpiredError, TokenNotYetValidError } from './errors.js';

/**
 * Claims given to createAccessToken.
 *
 * @example
 * const token = await createAccessToken({ sub: 'johndoe', scope: ['me', 'items'] }, { key });
 */
export interface AccessTokenClaims {
  /** The subject (the username): a non-empty string. */
  sub: string;
  /** Granted scopes: a space-separated string or a list of scope tokens. */
  scope?: string | readonly string[];
  exp?: number;
  nbf?: number;
  iat?: number;
  iss?: string;
  aud?: string | readonly string[];
  jti?: string;
  [claim: string]: unknown;
}

/**
 * Claims of a verified token: the token's claims, deep-frozen, with `scope` always a string
 * ('' when absent; a list is joined with spaces) and `scopes` its parsed list.
 *
 * @example
 * const claims = await verifyAccessToken(token, { key });
 * if (!claims.scopes.includes('items')) return new Response(null, { status: 403 });
 */
export interface VerifiedClaims {
  readonly sub: string;
  readonly scope: string;
  readonly scopes: readonly string[];
  readonly exp?: number;
  readonly nbf?: number;
  readonly iat?: number;
  readonly iss?: string;
  readonly aud?: string | readonly string[];
  readonly jti?: string;
  readonly [claim: string]: unknown;
}

/**
 * The claim checks of verifyAccessToken (and of the handler's `tokenRules`).
 *
 * @example
 * await verifyAccessToken(token, { key, issuer: 'https://auth.example.com', audience: 'api', clockTolerance: '30s', maxTokenAge: '1h' });
 */
export interface ClaimRules {
  issuer?: string | readonly string[];
  audience?: string | readonly string[];
  /** Seconds (or a duration like '30s') of leeway for exp, nbf and iat. Default 0. */
  clockTolerance?: number | string;
  /** Reject tokens without `exp`. Default true. */
  requireExp?: boolean;
  /** The time to check against. Default: now. */
  currentDate?: Date;
  /**
   * The longest lifetime accepted: seconds or a duration ('30m'). A token whose `exp - iat` (or,
   * without `iat`, `exp - now`, less the clock tolerance) is longer is refused, as is one without
   * `exp`. Default: no limit.
   */
  maxTokenAge?: number | string;
}

// ---- durations ----

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
const DURATION =
  /^(\d+(?:\.\d+)?) ?(s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?|w|weeks?)$/i;

/** Seconds in '30m', '1h', '15s', '2d', '2 days', ... or a number of seconds. */
export function parseDuration(value: unknown, label: string): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) throw new ConfigurationError(`${label} must be a non-negative number of seconds`);
    return value;
  }
  const match = typeof value === 'string' ? DURATION.exec(value) : null;
  if (!match) throw new ConfigurationError(`${label} must be seconds or a duration like '30m', '1h', '15s', '2d'`);
  const unit = match[2]!.toLowerCase();
  return Math.round(Number(match[1]) * UNITS[unit[0]!]!);
}

export function epochSeconds(date: Date | undefined): number {
  const ms = date === undefined ? Date.now() : date instanceof Date ? date.getTime() : NaN;
  if (!Number.isFinite(ms)) throw new ConfigurationError('currentDate must be a valid Date');
  return Math.floor(ms / 1000);
}

// ---- verification rules ----

/** Verification rules with options checked once per call. */
export interface NormalizedRules {
  issuer: readonly string[] | undefined;
  audience: readonly string[] | undefined;
  tolerance: number;
  requireExp: boolean;
  /** maxTokenAge in seconds, or undefined. */
  maxAge: number | undefined;
  now: number;
}

function stringList(value: unknown, label: string): readonly string[] | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value;
  throw new ConfigurationError(`${label} must be a string or an array of strings`);
}

export function normalizeRules(rules: ClaimRules): NormalizedRules {
  const { requireExp = true } = rules;
  if (typeof requireExp !== 'boolean') throw new ConfigurationError('requireExp must be a boolean');
  return {
    issuer: stringList(rules.issuer, 'issuer'),
    audience: stringList(rules.audience, 'audience'),
    tolerance: rules.clockTolerance === undefined ? 0 : parseDuration(rules.clockTolerance, 'clockTolerance'),
    requireExp,
    maxAge: rules.maxTokenAge === undefined ? undefined : parseDuration(rules.maxTokenAge, 'maxTokenAge'),
    now: epochSeconds(rules.currentDate),
  };
}

const own = (claims: Readonly<Record<string, unknown>>, name: string): unknown =>
  Object.hasOwn(claims, name) ? claims[name] : undefined;

/** A NumericDate (RFC 7519 2): a finite JSON number. Strings, null, lists, booleans are refused. */
function numericDate(claims: Readonly<Record<string, unknown>>, name: 'exp' | 'nbf' | 'iat'): number | undefined {
  const value = own(claims, name);
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new TokenClaimError(name, 'must be a number');
  return value;
}

function isStringList(value: unknown): value is readonly string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

/**
 * Every claim rule, on a fresh payload or a cached one: types first, then sub, then time (nbf,
 * iat, exp: expired when exp <= now - tolerance, as PyJWT and jose), then iss and aud. A token that
 * carries `aud` is refused unless an audience is expected, as PyJWT does.
 */
export function checkClaims(claims: Readonly<Record<string, unknown>>, rules: NormalizedRules): void {
  const exp = numericDate(claims, 'exp');
  const nbf = numericDate(claims, 'nbf');
  const iat = numericDate(claims, 'iat');
  const sub = own(claims, 'sub');
  if (typeof sub !== 'string' || sub.length === 0) throw new TokenClaimError('sub', 'must be a non-empty string');
  const iss = own(claims, 'iss');
  if (iss !== undefined && typeof iss !== 'string') throw new TokenClaimError('iss', 'must be a string');
  const aud = own(claims, 'aud');
  if (aud !== undefined && typeof aud !== 'string' && !isStringList(aud)) {
    throw new TokenClaimError('aud', 'must be a string or an array of strings');
  }
  const jti = own(claims, 'jti');
  if (jti !== undefined && typeof jti !== 'string') throw new TokenClaimError('jti', 'must be a string');
  const scope = own(claims, 'scope');
  if (scope !== undefined && typeof scope !== 'string' && !isStringList(scope)) {
    throw new TokenClaimError('scope', 'must be a string or an array of strings');
  }
  if (exp === undefined && rules.requireExp) throw new TokenClaimError('exp', 'is required');

  const { now, tolerance } = rules;
  if (nbf !== undefined && nbf > now + tolerance) throw new TokenNotYetValidError('nbf');
  if (iat !== undefined && iat > now + tolerance) throw new TokenNotYetValidError('iat');
  if (exp !== undefined && exp <= now - tolerance) throw new TokenExpiredError();
  if (rules.maxAge !== undefined) {
    if (exp === undefined) throw new TokenClaimError('exp', 'is required with maxTokenAge');
    const lifetime = iat !== undefined ? exp - iat : exp - now - tolerance;
    if (lifetime > rules.maxAge) throw new TokenClaimError('exp', 'is further ahead than maxTokenAge allows');
  }

  if (rules.issuer !== undefined && (typeof iss !== 'string' || !rules.issuer.includes(iss))) {
    throw new TokenClaimError('iss', iss === undefined ? 'is required' : 'is not an accepted issuer');
  }
  const audiences = typeof aud === 'string' ? [aud] : aud;
  if (rules.audience !== undefined) {
    if (audiences === undefined) throw new TokenClaimError('aud', 'is required');
    if (!audiences.some((item) => rules.audience!.includes(item))) {
      throw new TokenClaimError('aud', 'names no accepted audience');
    }
  } else if (aud !== undefined && aud !== '' && !(Array.isArray(aud) && aud.length === 0)) {
    throw new TokenClaimError('aud', 'is present but no audience is expected');
  }
}

/**
 * Scope tokens of a space-separated scope string (RFC 6749 3.3), empty items dropped.
 *
 * @example
 * parseScopes('me  items'); // ['me', 'items']
 */
export function parseScopes(scope: string): string[] {
  return scope.split(/\s+/).filter((item) => item !== '');
}

/**
 * The claims object callers get: scope normalized, scopes added, everything frozen. Works in place:
 * `payload` must be a fresh object nobody else holds (straight from JSON.parse).
 */
export function freezeClaims(payload: Record<string, unknown>): VerifiedClaims {
  const raw = own(payload, 'scope');
  const scope = typeof raw === 'string' ? raw : Array.isArray(raw) ? raw.join(' ') : '';
  payload.scope = scope;
  payload.scopes = parseScopes(scope);
  // Iterative deep freeze: JSON nesting depth is bounded by the token size, not by the stack.
  const stack: object[] = [payload];
  while (stack.length > 0) {
    const value = stack.pop()!;
    Object.freeze(value);
    for (const key of Object.keys(value)) {
      const child = (value as Record<string, unknown>)[key];
      if (typeof child === 'object' && child !== null && !Object.isFrozen(child)) stack.push(child);
    }
  }
  return payload as unknown as VerifiedClaims;
}
