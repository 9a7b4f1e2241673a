/**
 * JWT access tokens (compact JWS), the public surface.
 *
 * - createAccessToken(claims, { key, expiresIn }) signs; HS256 tokens come out exactly as PyJWT
 *   makes them: header {"alg":"HS256","typ":"JWT"}, claims in the caller's order, then exp.
 * - verifyAccessToken(token, { key }) returns deep-frozen claims (with `scope` and `scopes`) or
 *   throws an InvalidTokenError. Rules: size bound, strict base64url/UTF-8/JSON, the algorithm
 *   allowlist before any cryptography (`none` never), signature, then exp (required by default;
 *   expired when exp <= now), nbf and iat (not in the future), sub (non-empty string), iss and aud
 *   (a token with `aud` needs an expected audience, as in PyJWT); no token text in messages.
 * - importTokenKey(input) imports once for many calls. HMAC secrets must be at least as long as
 *   the hash (RFC 7518 3.2: 32 bytes for HS256) unless allowShortSecret; PEM text is never an HMAC
 *   secret. On runtimes with node:crypto, HMAC runs synchronously in node:crypto; elsewhere, and
 *   for RSA/ECDSA/EdDSA, in Web Crypto. Imported keys remember verified tokens (see cache.ts).
 */
export { createAccessToken, DEFAULT_EXPIRES_IN, type CreateAccessTokenOptions } from './create.js';
export { verifyAccessToken, MAX_TOKEN_SIZE, type VerifyAccessTokenOptions } from './verify.js';
export {
  importTokenKey,
  type ImportTokenKeyOptions,
  type NodeKeyObjectLike,
  type TokenKey,
  type TokenKeyInput,
  type TokenKeyResolver,
  type TokenKeySet,
} from './keys.js';
export { parseScopes, type AccessTokenClaims, type ClaimRules, type VerifiedClaims } from './claims.js';
export type { TokenAlgorithm } from './algorithms.js';
export {
  TokenError,
  InvalidTokenError,
  TokenExpiredError,
  TokenNotYetValidError,
  TokenClaimError,
  TokenRevokedError,
  TokenKeyError,
  TokenSigningError,
} from './errors.js';
export {
  type Awaitable,
  type SessionKind,
  type SessionRotation,
  type SessionStore,
  type StoredSession,
} from './lifecycle/session-store.js';
export { tokenStampOf } from './lifecycle/stamp.js';
export { createMemorySessionStore, type MemorySessionStoreOptions } from './lifecycle/memory.js';
