import { GatehouseError } from '../errors.js';

/**
 * Token errors. Messages name the rule that failed, never a claim value, a key or token text:
 * verification errors end up in logs and HTTP answers.
 *
 *   TokenError
 *   ├─ InvalidTokenError        the presented token is not acceptable (HTTP: 401)
 *   │  ├─ TokenExpiredError     exp <= now - clockTolerance
 *   │  ├─ TokenNotYetValidError nbf or iat later than now + clockTolerance
 *   │  ├─ TokenClaimError       a claim is missing, of the wrong type or not the expected value
 *   │  └─ TokenRevokedError     the `isRevoked` hook says the token was revoked (logout, /revoke)
 *   ├─ TokenKeyError            the key or the options cannot be used (a programming or deployment error)
 *   └─ TokenSigningError        createAccessToken cannot sign: a key that only verifies, claims it
 *                               refuses, a failing signature (a server error, never the 401 class)
 *
 * @example
 * try {
 *   await verifyAccessToken(token, { key });
 * } catch (error) {
 *   if (error instanceof InvalidTokenError) return new Response(null, { status: 401 });
 *   throw error;
 * }
 */
export class TokenError extends GatehouseError {
  declare readonly code:
    | 'ERR_TOKEN_INVALID'
    | 'ERR_TOKEN_EXPIRED'
    | 'ERR_TOKEN_NOT_YET_VALID'
    | 'ERR_TOKEN_CLAIM'
    | 'ERR_TOKEN_REVOKED'
    | 'ERR_TOKEN_KEY'
    | 'ERR_TOKEN_SIGNING';
}

/**
 * The presented token is not acceptable (HTTP: 401).
 *
 * @example
 * try { await verifyAccessToken(token, { key }); }
 * catch (error) { if (error instanceof InvalidTokenError) return new Response(null, { status: 401 }); throw error; }
 */
export class InvalidTokenError extends TokenError {
  declare readonly code: 'ERR_TOKEN_INVALID' | 'ERR_TOKEN_EXPIRED' | 'ERR_TOKEN_NOT_YET_VALID' | 'ERR_TOKEN_CLAIM' | 'ERR_TOKEN_REVOKED';
  constructor(
    message = 'invalid token',
    options?: { cause?: unknown },
    code: 'ERR_TOKEN_INVALID' | 'ERR_TOKEN_EXPIRED' | 'ERR_TOKEN_NOT_YET_VALID' | 'ERR_TOKEN_CLAIM' | 'ERR_TOKEN_REVOKED' = 'ERR_TOKEN_INVALID',
  ) {
    super(code, message, options);
  }
}

/**
 * The token was revoked (verifyAccessToken's `isRevoked` said so): a logout, POST /revoke, a
 * logout everywhere. HTTP: 401, as for any invalid token.
 *
 * @example
 * await verifyAccessToken(token, { key, isRevoked: (claims) => revokedJtis.has(claims.jti) }).catch((e) => e.code); // 'ERR_TOKEN_REVOKED'
 */
export class TokenRevokedError extends InvalidTokenError {
  declare readonly code: 'ERR_TOKEN_REVOKED';
  constructor() {
    super('token revoked', undefined, 'ERR_TOKEN_REVOKED');
  }
}

/**
 * exp <= now - clockTolerance.
 *
 * @example
 * if (error instanceof TokenExpiredError) headers.set('WWW-Authenticate', 'Bearer error="invalid_token"');
 */
export class TokenExpiredError extends InvalidTokenError {
  declare readonly code: 'ERR_TOKEN_EXPIRED';
  constructor() {
    super('token expired', undefined, 'ERR_TOKEN_EXPIRED');
  }
}

/**
 * nbf or iat later than now + clockTolerance.
 *
 * @example
 * if (error instanceof TokenNotYetValidError) console.warn(`clock skew? ${error.claim} is in the future`);
 */
export class TokenNotYetValidError extends InvalidTokenError {
  declare readonly code: 'ERR_TOKEN_NOT_YET_VALID';
  /** 'nbf' or 'iat'. */
  readonly claim: 'nbf' | 'iat';
  constructor(claim: 'nbf' | 'iat') {
    super(`token not valid yet (${claim})`, undefined, 'ERR_TOKEN_NOT_YET_VALID');
    this.claim = claim;
  }
}

/**
 * A claim of the presented token is missing, of the wrong type or not the expected value.
 *
 * @example
 * if (error instanceof TokenClaimError && error.claim === 'aud') console.warn('token for another audience');
 */
export class TokenClaimError extends InvalidTokenError {
  declare readonly code: 'ERR_TOKEN_CLAIM';
  readonly claim: string;
  constructor(claim: string, reason: string) {
    super(`"${claim}" claim ${reason}`, undefined, 'ERR_TOKEN_CLAIM');
    this.claim = claim;
  }
}

/**
 * The key or the options cannot be used (a programming or deployment error).
 *
 * @example
 * await importTokenKey('too short').catch((error) => { if (error instanceof TokenKeyError) console.error(error.message); });
 */
export class TokenKeyError extends TokenError {
  declare readonly code: 'ERR_TOKEN_KEY';
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_TOKEN_KEY', message, options);
  }
}

/**
 * createAccessToken cannot sign: the key only verifies, a claim cannot go into a token (then
 * `claim` names it), or the signature operation failed (`cause`). Not an InvalidTokenError: no
 * token was presented, so it is never a 401.
 *
 * @example
 * await createAccessToken({ sub: 'a' }, { key: publicKey }).catch((e) => e.code); // 'ERR_TOKEN_SIGNING'
 */
export class TokenSigningError extends TokenError {
  declare readonly code: 'ERR_TOKEN_SIGNING';
  /** The claim createAccessToken refused, if that was the reason. */
  readonly claim: string | undefined;
  constructor(message: string, options?: { cause?: unknown; claim?: string }) {
    super('ERR_TOKEN_SIGNING', message, options);
    this.claim = options?.claim;
  }
}
