import { ConfigurationError } from '../errors.js';
import type { TokenAlgorithm } from './algorithms.js';
import { epochSeconds, parseDuration, type AccessTokenClaims } from './claims.js';
import { base64UrlOfText } from './encoding.js';
import { BoundedMap } from '../internal/bounded-map.js';
import { TokenError, TokenSigningError } from './errors.js';
import { isTokenKey, resolveTokenKey, type TokenKeyInput } from './keys.js';
import { isPlainObject } from './keys/jwks.js';
import { MAX_TOKEN_SIZE } from './verify.js';

/**
 * The seed's helper default: tokens live 15 minutes unless told otherwise.
 *
 * @example
 * await createAccessToken({ sub: 'johndoe' }, { key, expiresIn: DEFAULT_EXPIRES_IN * 2 }); // 30 minutes
 */
export const DEFAULT_EXPIRES_IN = 15 * 60;

/**
 * Options of createAccessToken: the key and the registered claims it adds.
 *
 * @example
 * await createAccessToken({ sub: 'johndoe' }, { key, expiresIn: '30m', issuer: 'https://auth.example.com', audience: 'api' });
 */
export interface CreateAccessTokenOptions {
  key: TokenKeyInput;
  /** Only with a raw key input (an imported key signs with its own algorithm). Default HS256 for secrets. */
  algorithm?: TokenAlgorithm;
  /** Lifetime: seconds or '30m', '1h', '15s', '2d'. Default 15 minutes. Not with an `exp` claim. */
  expiresIn?: number | string;
  issuer?: string;
  audience?: string | readonly string[];
  /** A NumericDate, a Date, or a duration from now ('5m'). */
  notBefore?: number | string | Date;
  /** Add `iat`: true for now, or a NumericDate. Default: no `iat`, like the seed. */
  issuedAt?: boolean | number;
  jwtId?: string;
  /** The time tokens are issued at. Default: now. */
  currentDate?: Date;
}

/** A claim createAccessToken will not put into a token. */
function refused(claim: string, reason: string): TokenSigningError {
  return new TokenSigningError(`"${claim}" claim ${reason}`, { claim });
}

function scopeClaim(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((item) => typeof item === 'string' && /^[\x21\x23-\x5b\x5d-\x7e]+$/.test(item))) {
    return value.join(' ');
  }
  throw refused('scope', 'must be a string or an array of scope tokens (RFC 6749 3.3)');
}

function numeric(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw refused(name, 'must be a finite number');
  return value;
}

/** The payload in the seed's order: the caller's claims first, then iss, aud, nbf, iat, jti, exp. */
function buildPayload(claims: AccessTokenClaims, options: CreateAccessTokenOptions, now: number): Record<string, unknown> {
  if (!isPlainObject(claims)) throw refused('claims', 'must be a plain object');
  // No prototype: a "__proto__" claim stays a claim.
  const payload: Record<string, unknown> = Object.create(null);
  for (const [name, value] of Object.entries(claims)) payload[name] = name === 'scope' ? scopeClaim(value) : value;

  if (typeof payload.sub !== 'string' || payload.sub === '') throw refused('sub', 'must be a non-empty string');
  for (const name of ['exp', 'nbf', 'iat'] as const) if (payload[name] !== undefined) numeric(payload[name], name);
  for (const name of ['iss', 'jti'] as const) {
    if (payload[name] !== undefined && typeof payload[name] !== 'string') throw refused(name, 'must be a string');
  }
  const audOk = (aud: unknown) => typeof aud === 'string' || (Array.isArray(aud) && aud.every((a) => typeof a === 'string'));
  if (payload.aud !== undefined && !audOk(payload.aud)) throw refused('aud', 'must be a string or an array of strings');

  const set = (name: string, value: unknown) => {
    if (payload[name] !== undefined) throw refused(name, 'is given both as a claim and as an option');
    payload[name] = value;
  };
  if (options.issuer !== undefined) {
    if (typeof options.issuer !== 'string') throw new ConfigurationError('issuer must be a string');
    set('iss', options.issuer);
  }
  if (options.audience !== undefined) {
    if (!audOk(options.audience)) throw new ConfigurationError('audience must be a string or an array of strings');
    set('aud', options.audience);
  }
  if (options.notBefore !== undefined) {
    const { notBefore } = options;
    const nbf =
      typeof notBefore === 'number' ? numeric(notBefore, 'nbf')
      : notBefore instanceof Date ? epochSeconds(notBefore)
      : now + parseDuration(notBefore, 'notBefore');
    set('nbf', Math.floor(nbf));
  }
  if (options.issuedAt !== undefined && options.issuedAt !== false) {
    set('iat', options.issuedAt === true ? now : Math.floor(numeric(options.issuedAt, 'iat')));
  }
  if (options.jwtId !== undefined) {
    if (typeof options.jwtId !== 'string') throw new ConfigurationError('jwtId must be a string');
    set('jti', options.jwtId);
  }
  if (payload.exp === undefined) {
    const lifetime = options.expiresIn === undefined ? DEFAULT_EXPIRES_IN : parseDuration(options.expiresIn, 'expiresIn');
    if (!(lifetime > 0)) throw new ConfigurationError('expiresIn must be positive');
    payload.exp = Math.floor(now + lifetime);
  } else if (options.expiresIn !== undefined) {
    throw refused('exp', 'is given both as a claim and as expiresIn');
  }
  return payload;
}

/** Header segments by algorithm and kid; keys in PyJWT's (sorted) order: {"alg":"HS256","typ":"JWT"}. */
const headerSegments = new BoundedMap<string, string>(256);

function headerSegment(alg: TokenAlgorithm, kid: string | undefined): string {
  const id = kid === undefined ? alg : `${alg}:${kid}`;
  let segment = headerSegments.get(id);
  if (segment === undefined) {
    const kidJson = kid === undefined ? '' : `,"kid":${JSON.stringify(kid)}`;
    segment = base64UrlOfText(`{"alg":"${alg}"${kidJson},"typ":"JWT"}`);
    headerSegments.set(id, segment);
  }
  return segment;
}

/**
 * Sign an access token: compact JWS, `exp` in whole seconds (default lifetime 15 minutes).
 *
 * @example
 * const key = await importTokenKey(process.env.JWT_SECRET!);
 * const token = await createAccessToken({ sub: 'johndoe', scope: 'me items' }, { key, expiresIn: '30m' });
 */
export async function createAccessToken(claims: AccessTokenClaims, options: CreateAccessTokenOptions): Promise<string> {
  if (options === null || typeof options !== 'object') throw new ConfigurationError('createAccessToken needs options with a key');
  const pending = resolveTokenKey(options.key, options.algorithm);
  const key = isTokenKey(pending) ? pending : await pending;
  const slot = key.slots[0];
  if (!key.canSign || !slot || slot.signAlg === undefined) {
    throw new TokenSigningError('this key cannot sign: signing needs a secret or a private key');
  }
  const payload = buildPayload(claims, options, epochSeconds(options.currentDate));
  let json: string;
  try {
    json = JSON.stringify(payload);
  } catch (cause) {
    throw new TokenSigningError('"claims" claim must be JSON-serialisable', { claim: 'claims', cause });
  }
  const input = `${headerSegment(slot.signAlg, slot.kid)}.${base64UrlOfText(json)}`;
  let signature: string;
  try {
    const signed = slot.sign(input);
    signature = typeof signed === 'string' ? signed : await signed;
  } catch (cause) {
    throw cause instanceof TokenError ? cause : new TokenSigningError('the token could not be signed', { cause });
  }
  const token = `${input}.${signature}`;
  if (token.length > MAX_TOKEN_SIZE) throw refused('claims', `make a token longer than ${MAX_TOKEN_SIZE} characters`);
  return token;
}
