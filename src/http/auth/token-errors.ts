/**
 * The /token endpoint's failures carry two answers: the tutorial's (FastAPI's status and `detail`,
 * the default) and RFC 6749 §5.2's `error` code, used when `oauth2Errors: 'rfc6749'`. Code that
 * builds a failure tags it here once; the endpoint's exit picks the answer the options ask for.
 */
import type { ResponseParts } from '../response.js';

/**
 * RFC 6749 §5.2 error codes the token endpoint answers with.
 *
 * @example
 * const code: OAuth2ErrorCode = 'invalid_grant';
 */
export type OAuth2ErrorCode = 'invalid_request' | 'invalid_client' | 'invalid_grant' | 'unauthorized_client' | 'unsupported_grant_type' | 'invalid_scope';

/** @internal The RFC 6749 answer a tutorial-shaped failure stands for. */
export interface OAuth2Failure {
  readonly error: OAuth2ErrorCode;
  /** Human-readable, ASCII, never a password, hash or token. */
  readonly description: string;
}

const FAILURES = new WeakMap<ResponseParts, OAuth2Failure>();

/** @internal Tag a /token failure (the tutorial's answer) with its RFC 6749 code; returns the same parts. */
export function tokenFailure(tutorial: ResponseParts, error: OAuth2ErrorCode, description: string): ResponseParts {
  FAILURES.set(tutorial, { error, description });
  return tutorial;
}

/** @internal The RFC 6749 code a /token failure was tagged with, if any. */
export function oauth2FailureOf(parts: ResponseParts): OAuth2Failure | undefined {
  return FAILURES.get(parts);
}
