/**
 * The token endpoint's one exit: what every /token answer goes through before it is sent. With
 * `oauth2Errors: 'fastapi'` (the default) answers pass unchanged: the tutorial's. With 'rfc6749' a
 * failure tagged with an RFC 6749 code (token-errors.ts) becomes §5.2's 400 `{"error",
 * "error_description"}` without `WWW-Authenticate` (openid-client reads one as a challenge), and
 * a token gets §5.1's `expires_in` (and `scope` with scopes), which OAuth2 clients need to refresh
 * on time. Anything else (413, 429, 503, 500) passes unchanged: those are not the grant's fault.
 */
import { ConfigurationError } from '../../errors.js';
import { BASE64URL_ALPHABET, decodeBase64 } from '../../internal/base64.js';
import { ResponseParts, TOKEN_HEADERS } from '../response.js';
import { oauth2FailureOf } from './token-errors.js';

/**
 * How /token answers: `'fastapi'`, the tutorial's (401 `{"detail": ...}`, 422 with pydantic's
 * errors), or `'rfc6749'`, RFC 6749 §5.2's (400 `{"error": "invalid_grant", ...}`) for OAuth2
 * client libraries.
 *
 * @example
 * const style: OAuth2ErrorStyle = 'rfc6749';
 * createAuthHandler({ users, key, oauth2Errors: style });
 */
export type OAuth2ErrorStyle = 'fastapi' | 'rfc6749';

/** @internal The exit for a style; null for 'fastapi' (nothing to do). `scopes`: tokens carry a scope claim. */
export function createOAuth2Exit(style: unknown, scopes: boolean): ((parts: ResponseParts) => ResponseParts) | null {
  if (style === undefined || style === 'fastapi') return null;
  if (style !== 'rfc6749') throw new ConfigurationError("oauth2Errors must be 'fastapi' or 'rfc6749'");
  return (parts) => {
    const failure = oauth2FailureOf(parts);
    if (failure !== undefined) {
      const body = JSON.stringify({ error: failure.error, error_description: errorDescription(failure.description) });
      return new ResponseParts(400, TOKEN_HEADERS, body);
    }
    return parts.status === 200 ? withTokenLifetime(parts, scopes) : parts;
  };
}

/** RFC 6749 §5.2: error_description is printable ASCII without '"' and '\'. */
function errorDescription(text: string): string {
  return text.replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/g, '?');
}

/** A token answer with `expires_in` (and `scope`) added from the access token's own claims when missing. */
function withTokenLifetime(parts: ResponseParts, scopes: boolean): ResponseParts {
  if (typeof parts.body !== 'string') return parts;
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(parts.body) as Record<string, unknown>;
  } catch {
    return parts;
  }
  if (body === null || typeof body !== 'object' || typeof body.access_token !== 'string') return parts;
  const needsLifetime = body.expires_in === undefined;
  const needsScope = scopes && body.scope === undefined;
  if (!needsLifetime && !needsScope) return parts;
  const claims = payloadOf(body.access_token);
  if (claims === null) return parts;
  const added: Record<string, unknown> = { ...body };
  // The tutorial's tokens carry no iat: the lifetime left, counted now (the token was just signed).
  if (needsLifetime && typeof claims.exp === 'number' && Number.isFinite(claims.exp)) {
    const issued = typeof claims.iat === 'number' ? claims.iat : Math.floor(Date.now() / 1000);
    added.expires_in = Math.max(0, Math.floor(claims.exp - issued));
  }
  // RFC 6749 §3.3: a scope is one or more scope-tokens; none granted, none listed.
  if (needsScope && typeof claims.scope === 'string' && claims.scope !== '') added.scope = claims.scope;
  return new ResponseParts(parts.status, parts.headers, JSON.stringify(added));
}

const decoder = new TextDecoder();

/** The claims of a JWT this server just signed (read, not verified: it is our own answer). */
function payloadOf(token: string): Record<string, unknown> | null {
  const segment = token.split('.')[1];
  const bytes = segment === undefined ? null : decodeBase64(segment, BASE64URL_ALPHABET);
  if (bytes === null) return null;
  try {
    const claims: unknown = JSON.parse(decoder.decode(bytes));
    return claims !== null && typeof claims === 'object' ? (claims as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
