import { ConfigurationError } from '../errors.js';
import { BoundedMap } from '../internal/bounded-map.js';
import { algorithmInfo, type AlgorithmInfo, type TokenAlgorithm } from './algorithms.js';
import {
  checkClaims,
  epochSeconds,
  freezeClaims,
  normalizeRules,
  type ClaimRules,
  type NormalizedRules,
  type VerifiedClaims,
} from './claims.js';
import { decodeJsonObject, isBase64Url } from './encoding.js';
import { InvalidTokenError, TokenKeyError, TokenRevokedError } from './errors.js';
import {
  checkAlgorithmList,
  isTokenKey,
  resolveTokenKey,
  slotFromResolved,
  type TokenKeyImpl,
  type TokenKeyInput,
} from './keys.js';
import type { KeySlot } from './keys.js';

/**
 * Tokens longer than this many characters are refused before any parsing.
 *
 * @example
 * await verifyAccessToken(token, { key, maxTokenSize: MAX_TOKEN_SIZE / 2 });
 */
export const MAX_TOKEN_SIZE = 8192;

/**
 * Options of verifyAccessToken: the key, the algorithm allowlist, the size cap and the claim rules.
 *
 * @example
 * await verifyAccessToken(token, { key, algorithms: ['HS256'], audience: 'api' });
 */
export interface VerifyAccessTokenOptions extends ClaimRules {
  key: TokenKeyInput;
  /** Accepted algorithms, checked before any cryptography. Default: the key's (importTokenKey). */
  algorithms?: readonly TokenAlgorithm[];
  /** Default MAX_TOKEN_SIZE (8 KiB). */
  maxTokenSize?: number;
  /**
   * Asked after every other check passed (a cached token included) whether the token was revoked
   * (its `jti`, its session `sid`); may return a promise or thenable. Truthy: TokenRevokedError
   * (ERR_TOKEN_REVOKED). What it throws goes on up (a store that is down is not a bad token).
   */
  isRevoked?: (claims: VerifiedClaims) => unknown;
}

interface ParsedHeader {
  readonly alg: string;
  /** Undefined for algorithms gatehouse does not implement (`none` among them). */
  readonly info: AlgorithmInfo | undefined;
  readonly kid: unknown;
  readonly header: Readonly<Record<string, unknown>>;
}

/**
 * Parsed headers by their base64url text. Almost every token of a deployment carries one of a few
 * headers, so this saves a decode and a JSON.parse per token. Filled only after a signature check
 * passed, so forged tokens cannot churn it.
 */
const headers = new BoundedMap<string, ParsedHeader>(64);

/** The JOSE header rules jose applies to a compact JWS that carries a JWT. */
function parseHeader(segment: string): ParsedHeader {
  const cached = headers.get(segment);
  if (cached) return cached;
  const header = decodeJsonObject(segment);
  if (!header) throw new InvalidTokenError('malformed token header');
  if (Object.hasOwn(header, 'crit')) {
    // RFC 7515 4.1.11: every listed extension must be understood. The only one jose knows is b64,
    // and a JWT may not use an unencoded payload (RFC 7797 7).
    const { crit } = header;
    if (!Array.isArray(crit) || crit.length === 0 || crit.some((name) => typeof name !== 'string' || name === '')) {
      throw new InvalidTokenError('malformed "crit" header parameter');
    }
    for (const name of crit) {
      if (name !== 'b64') throw new InvalidTokenError('unsupported critical header parameter');
    }
    if (header.b64 !== true) throw new InvalidTokenError('a JWT must use a base64url-encoded payload');
  }
  const { alg, kid } = header;
  if (typeof alg !== 'string' || alg === '') throw new InvalidTokenError('missing or invalid "alg" header parameter');
  if (kid !== undefined && typeof kid !== 'string') throw new InvalidTokenError('invalid "kid" header parameter');
  return { alg, info: algorithmInfo(alg), kid, header: Object.freeze(header) };
}

function rememberHeader(segment: string, parsed: ParsedHeader): void {
  if (!headers.has(segment)) headers.set(segment, parsed);
}

/** Parsed `algorithms` options by array: validated once per array object, not per call. */
const allowlists = new WeakMap<readonly unknown[], readonly TokenAlgorithm[]>();

function allowlistOf(option: unknown): readonly TokenAlgorithm[] | undefined {
  if (option === undefined) return undefined;
  if (Array.isArray(option)) {
    const known = allowlists.get(option);
    if (known && known.length === option.length && known.every((alg, i) => alg === option[i])) return known;
  }
  const list = Object.freeze(checkAlgorithmList(option, 'algorithms')!);
  allowlists.set(option as unknown[], list);
  return list;
}

const resolverErrors = new Set(['ERR_JWKS_NO_MATCHING_KEY', 'ERR_JWKS_MULTIPLE_MATCHING_KEYS', 'ERR_JOSE_NOT_SUPPORTED']);

async function resolveSlot(key: TokenKeyImpl, parsed: ParsedHeader, token: string[]): Promise<KeySlot> {
  let resolved: unknown;
  try {
    resolved = await key.resolver!({ ...parsed.header }, { protected: token[0]!, payload: token[1]!, signature: token[2]! });
  } catch (cause) {
    // A key set without a key for this token is the token's problem; anything else (network,
    // a malformed set) is the deployment's. jose's messages are not passed on.
    const code = (cause as { code?: unknown } | null)?.code;
    if (typeof code === 'string' && resolverErrors.has(code)) {
      throw new InvalidTokenError('no key of the key set matches the token', { cause });
    }
    throw new TokenKeyError('the key resolver failed', { cause });
  }
  const slot = await slotFromResolved(resolved, parsed.info!);
  if (!slot.supports(parsed.info!)) throw new InvalidTokenError('the resolved key does not fit the token\'s algorithm');
  return slot;
}

/** verifyAccessToken's options, checked. */
interface CheckedOptions {
  readonly maxSize: number;
  /** The claim rules; `now` is the clock at the time of the check. */
  readonly rules: NormalizedRules;
  readonly allowOption: readonly TokenAlgorithm[] | undefined;
  readonly key: TokenKeyImpl | Promise<TokenKeyImpl>;
}

function checkOptions(options: VerifyAccessTokenOptions): CheckedOptions {
  if (options === null || typeof options !== 'object') throw new ConfigurationError('verifyAccessToken needs options with a key');
  const maxSize = options.maxTokenSize ?? MAX_TOKEN_SIZE;
  if (!Number.isSafeInteger(maxSize) || maxSize <= 0) throw new ConfigurationError('maxTokenSize must be a positive integer');
  const rules = normalizeRules(options);
  const allowOption = allowlistOf(options.algorithms);
  return { maxSize, rules, allowOption, key: resolveTokenKey(options.key) };
}

function verifyingKey(key: TokenKeyImpl): TokenKeyImpl {
  if (!key.canVerify) throw new TokenKeyError('this key can only sign (a non-extractable private key): import its public key');
  return key;
}

/**
 * Verify a compact JWS access token and return its claims (deep-frozen), or throw an
 * InvalidTokenError (TokenExpiredError, TokenNotYetValidError, TokenClaimError). Order: size, shape,
 * header, algorithm allowlist, key choice, signature; only then the payload is parsed and the claim
 * rules applied.
 *
 * @example
 * const { sub, scopes } = await verifyAccessToken(token, { key }); // throws InvalidTokenError: answer 401
 */
export async function verifyAccessToken(token: unknown, options: VerifyAccessTokenOptions): Promise<VerifiedClaims> {
  const { maxSize, rules, allowOption, key: pending } = checkOptions(options);
  const key = verifyingKey(isTokenKey(pending) ? pending : await pending);
  const { isRevoked } = options;
  if (isRevoked !== undefined && typeof isRevoked !== 'function') throw new ConfigurationError('isRevoked must be a function of the claims');
  const claims = await verifyWith(token, key, allowOption ?? key.algorithms, maxSize, rules);
  if (isRevoked !== undefined && (await isRevoked(claims))) throw new TokenRevokedError();
  return claims;
}

/**
 * @internal verifyAccessToken for many tokens under the same options: the same answer, or the
 * same error. Returns the claims without a promise on a cache hit; may throw synchronously
 * (a token refused before any cryptography, or a cached token failing a claim rule).
 */
export type TokenVerifier = (token: unknown) => VerifiedClaims | Promise<VerifiedClaims>;

/**
 * @internal A TokenVerifier for `options`, read and checked here, once (later changes to the
 * object are not seen); each call reads only the clock (`currentDate`, or now). For the handler's
 * hot path: options that fail verifyAccessToken on every call make this reject instead.
 */
export async function createTokenVerifier(options: VerifyAccessTokenOptions): Promise<TokenVerifier> {
  const { maxSize, rules, allowOption, key: pending } = checkOptions(options);
  const key = verifyingKey(isTokenKey(pending) ? pending : await pending);
  const allowed = allowOption ?? key.algorithms;
  const { currentDate } = options;
  return (token) => verifyWith(token, key, allowed, maxSize, { ...rules, now: epochSeconds(currentDate) });
}

/** The checks that need the token, with options already checked. */
function verifyWith(
  token: unknown,
  key: TokenKeyImpl,
  allowed: readonly TokenAlgorithm[],
  maxSize: number,
  rules: NormalizedRules,
): VerifiedClaims | Promise<VerifiedClaims> {
  if (typeof token !== 'string') throw new InvalidTokenError('the token must be a string');
  if (token.length > maxSize) throw new InvalidTokenError('the token is too large');

  const cached = key.cache?.get(token, rules.now);
  if (cached) {
    if (!allowed.includes(cached.alg)) throw new InvalidTokenError('the token\'s algorithm is not allowed');
    checkClaims(cached.claims, rules);
    return cached.claims;
  }
  return verifyUncached(token, key, allowed, rules);
}

async function verifyUncached(
  token: string,
  key: TokenKeyImpl,
  allowed: readonly TokenAlgorithm[],
  rules: NormalizedRules,
): Promise<VerifiedClaims> {
  const dot1 = token.indexOf('.');
  const dot2 = dot1 < 0 ? -1 : token.indexOf('.', dot1 + 1);
  if (dot2 < 0 || token.indexOf('.', dot2 + 1) >= 0) throw new InvalidTokenError('malformed token: expected three segments');
  const headerSegment = token.slice(0, dot1);
  const payloadSegment = token.slice(dot1 + 1, dot2);
  const signature = token.slice(dot2 + 1);

  const parsed = parseHeader(headerSegment);
  if (parsed.info === undefined || !allowed.includes(parsed.alg as TokenAlgorithm)) {
    throw new InvalidTokenError('the token\'s algorithm is not allowed');
  }
  // The signing input must be ASCII base64url before any MAC runs over it.
  if (!isBase64Url(payloadSegment)) throw new InvalidTokenError('malformed token payload');

  let slot: KeySlot | undefined;
  if (key.resolver) slot = await resolveSlot(key, parsed, [headerSegment, payloadSegment, signature]);
  else slot = key.select(parsed.info, parsed.kid);
  if (!slot) throw new InvalidTokenError('no key for the token\'s algorithm and kid');

  const check = slot.verify(parsed.info, token.slice(0, dot2), signature);
  if (!(typeof check === 'boolean' ? check : await check)) throw new InvalidTokenError('invalid token signature');

  const payload = decodeJsonObject(payloadSegment);
  if (!payload) throw new InvalidTokenError('malformed token payload');
  checkClaims(payload, rules);
  const claims = freezeClaims(payload);
  rememberHeader(headerSegment, parsed);
  if (key.cache && typeof claims.exp === 'number') {
    key.cache.set(token, { alg: parsed.info.alg, exp: claims.exp, claims }, rules.now);
  }
  return claims;
}
