import { GatehouseError } from '../errors.js';

/**
 * Token errors. Messages name the rule that failed, never a claim value, a key or token text:
 * verification errors end up in logs and HTTP answers.
 *
 *   TokenError
 *   ├─ InvalidTokenError        the presented token is not acceptable (HTTP: 401)
 *   │  ├─ TokenExpiredError     exp <= now - clockTolerance
 *   │  ├─ TokenNotYetValidError nbf or iat later than now + clockTolerance
 *   │  └─ TokenClaimError       a claim is missing, of the wrong type or not the expected value
 *   └─ TokenKeyError            the key or the options cannot be used (a programming or deployment error)
 */
export class TokenError extends GatehouseError {}

export class InvalidTokenError extends TokenError {
  constructor(message = 'invalid token', options?: { cause?: unknown }, code = 'ERR_TOKEN_INVALID') {
    super(code, message, options);
  }
}

export class TokenExpiredError extends InvalidTokenError {
  constructor() {
    super('token expired', undefined, 'ERR_TOKEN_EXPIRED');
  }
}

export class TokenNotYetValidError extends InvalidTokenError {
  /** 'nbf' or 'iat'. */
  readonly claim: 'nbf' | 'iat';
  constructor(claim: 'nbf' | 'iat') {
    super(`token not valid yet (${claim})`, undefined, 'ERR_TOKEN_NOT_YET_VALID');
    this.claim = claim;
  }
}

/** Also thrown by createAccessToken for claims it refuses to sign. */
export class TokenClaimError extends InvalidTokenError {
  readonly claim: string;
  constructor(claim: string, reason: string) {
    super(`"${claim}" claim ${reason}`, undefined, 'ERR_TOKEN_CLAIM');
    this.claim = claim;
  }
}

export class TokenKeyError extends TokenError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_TOKEN_KEY', message, options);
  }
}
