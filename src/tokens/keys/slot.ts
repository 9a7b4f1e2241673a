import type { JWK } from 'jose';
import type { AlgorithmInfo, TokenAlgorithm } from '../algorithms.js';

/**
 * One piece of key material and what it may do. A slot signs with one algorithm and verifies with
 * the algorithms of its key type that it `supports`; the verify allowlist is decided by its TokenKey.
 */
export interface KeySlot {
  readonly kid: string | undefined;
  /** The algorithm it signs with; undefined for verify-only material. */
  readonly signAlg: TokenAlgorithm | undefined;
  readonly canVerify: boolean;
  /** The algorithm it was declared or inferred for (a key set's default allowlist is built from these). */
  readonly alg: TokenAlgorithm;
  /** The public half as a JWK (public members only), when known: what a JWK Set publishes. */
  readonly publicJwk?: JWK;
  supports(info: AlgorithmInfo): boolean;
  /** The base64url signature of an ASCII signing input. */
  sign(input: string): string | Promise<string>;
  /** Constant-time; false for any mismatch (malformed signatures included), never throws for one. */
  verify(info: AlgorithmInfo, input: string, signature: string): boolean | Promise<boolean>;
}

/** What an import needs besides the key material. */
export interface SlotOptions {
  algorithm: TokenAlgorithm | undefined;
  kid: string | undefined;
  allowShortSecret: boolean;
}
